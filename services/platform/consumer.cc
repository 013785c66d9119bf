#include "services/platform/consumer.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"
#include "services/platform/wait.h"

namespace skk {
namespace {

constexpr SqlStatement kRecordApplied{"skk_applied_insert", R"sql(
  INSERT INTO applied_events (event_id, event_type) VALUES ($1, $2)
  ON CONFLICT (event_id) DO NOTHING)sql"};

constexpr char kEarlierEventPendingType[] = "type.sambat.id/skk.EarlierEventPending";

// Failures worth another attempt: the database or broker was away, a deadlock, a timeout.
bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status EarlierEventPending(const std::string& message) {
  absl::Status status = absl::UnavailableError(message);
  status.SetPayload(kEarlierEventPendingType, absl::Cord());
  return status;
}

bool IsEarlierEventPending(const absl::Status& status) {
  return absl::IsUnavailable(status) && status.GetPayload(kEarlierEventPendingType).has_value();
}

absl::StatusOr<bool> PgIdempotentApplier::Apply(const sambat::v1::Event& event,
                                                const EventHandler& handler) {
  bool applied = false;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    applied = false;
    // Recording the id first takes the row lock: a second replica holding the same redelivered
    // event waits here, then sees the conflict and does nothing.
    SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kRecordApplied, {SqlParam::Text(event.event_id()),
                                                                 SqlParam::Text(event.type())}));
    if (r.affected() == 0) return absl::OkStatus();
    SKK_RETURN_IF_ERROR(handler(tx, event));
    applied = true;
    return absl::OkStatus();
  }));
  return applied;
}

absl::StatusOr<int64_t> PruneAppliedEvents(PgPool& pool, absl::Time before) {
  static constexpr SqlStatement kPrune{"skk_applied_prune", R"sql(
    DELETE FROM applied_events WHERE event_id IN (
      SELECT event_id FROM applied_events WHERE applied_at < $1 LIMIT $2))sql"};
  return DeleteInBatches(pool, kPrune, {SqlParam::Time(before)});
}

absl::Status PgIdempotentApplier::CheckReachable() {
  static constexpr SqlStatement kPing{"skk_ping", "SELECT 1"};
  SKK_ASSIGN_OR_RETURN(PgPool::Lease lease, pool_.Acquire());
  return lease->Execute(kPing).status();
}

Disposition DecideAfterFailure(const absl::Status& status, int attempt, int max_attempts) {
  if (!IsTransient(status)) return Disposition::kDeadLetter;
  return attempt + 1 >= max_attempts ? Disposition::kDeadLetter : Disposition::kRetry;
}

ProcessResult DeliveryProcessor::Process(const AmqpDelivery& delivery) {
  absl::StatusOr<sambat::v1::Event> event = ParseEvent(delivery.message.body);
  if (!event.ok()) {
    log::Error("undecodable message dead-lettered",
               {{"message_id", delivery.message.message_id},
                {"error", std::string(event.status().message())}});
    return {Disposition::kDeadLetter, std::string(event.status().message())};
  }
  auto handler = handlers_.find(event->type());
  if (handler == handlers_.end()) {
    log::Debug("event ignored", {{"event_id", event->event_id()}, {"type", event->type()},
                                 {"complaint_id", event->complaint_id()}});
    return {Disposition::kAck, ""};
  }
  absl::StatusOr<bool> applied = applier_.Apply(*event, handler->second);
  if (applied.ok()) {
    log::Info(*applied ? "event applied" : "event already applied",
              {{"event_id", event->event_id()}, {"type", event->type()},
               {"complaint_id", event->complaint_id()},
               {"correlation_id", event->correlation_id()}});
    return {Disposition::kAck, ""};
  }
  const int attempt = delivery.message.attempt;
  if (IsEarlierEventPending(applied.status())) {
    const int waits = delivery.message.waits + 1;
    const bool waited_enough = waits >= max_waits_;
    // Debug while it waits: a case whose events cross is ordinary under parallel consumers.
    log::Write(waited_enough ? log::Level::kError : log::Level::kDebug,
               waited_enough ? "event waited too long for an earlier event of its case, "
                               "dead-lettered"
                             : "event waits for an earlier event of its case",
               {{"event_id", event->event_id()}, {"type", event->type()},
                {"complaint_id", event->complaint_id()}, {"waits", waits},
                {"error", std::string(applied.status().message())}});
    if (!waited_enough) return {Disposition::kWaitForEarlier, applied.status().ToString()};
    return {Disposition::kDeadLetter,
            absl::StrCat("waited ", waits, " times for an earlier event of the case: ",
                         applied.status().message())};
  }
  if (IsTransient(applied.status())) {
    if (absl::Status store = applier_.CheckReachable(); !store.ok()) {
      log::Warn("event waits for the database",
                {{"event_id", event->event_id()}, {"type", event->type()},
                 {"complaint_id", event->complaint_id()},
                 {"error", std::string(applied.status().message())},
                 {"database", std::string(store.message())}});
      return {Disposition::kWaitForStore, applied.status().ToString()};
    }
  }
  Disposition d = DecideAfterFailure(applied.status(), attempt, max_attempts_);
  log::Warn(d == Disposition::kRetry ? "event failed, will retry" : "event failed, dead-lettered",
            {{"event_id", event->event_id()}, {"type", event->type()},
             {"complaint_id", event->complaint_id()}, {"attempt", attempt + 1},
             {"error", std::string(applied.status().ToString())}});
  return {d, applied.status().ToString()};
}

void EventConsumer::Run(const std::atomic<bool>& stop) {
  absl::Duration backoff = options_.initial_backoff;
  absl::BitGen jitter;
  while (!stop.load()) {
    absl::Status st = ConsumeOnce(stop);
    if (stop.load()) break;
    log::Warn("consumer disconnected, reconnecting",
              {{"service", options_.topology.service}, {"error", std::string(st.message())},
               {"retry_in_ms", static_cast<long long>(absl::ToInt64Milliseconds(backoff))}});
    // Jitter keeps a fleet of replicas from reconnecting in lockstep after a broker restart.
    SleepUnlessStopped(stop, backoff * absl::Uniform(jitter, 0.5, 1.5));
    backoff = std::min(backoff * 2, options_.max_backoff);
    if (st.ok()) backoff = options_.initial_backoff;
  }
}

absl::Status EventConsumer::ConsumeOnce(const std::atomic<bool>& stop) {
  const std::string name = absl::StrCat(options_.topology.service, "-consumer");
  SKK_ASSIGN_OR_RETURN(auto conn, AmqpConnection::Open(options_.endpoint, name));
  SKK_RETURN_IF_ERROR(conn->DeclareTopology(options_.topology));
  const ServiceQueues queues = QueuesFor(options_.topology);
  SKK_RETURN_IF_ERROR(conn->StartConsuming(queues.main, options_.prefetch));
  ConfirmingPublisher parker(options_.endpoint, absl::StrCat(name, "-parker"), 1);
  log::Info("consuming", {{"queue", queues.main}});
  while (!stop.load()) {
    SKK_ASSIGN_OR_RETURN(std::optional<AmqpDelivery> delivery,
                         conn->NextDelivery(absl::Milliseconds(200)));
    if (!delivery.has_value()) continue;
    ProcessResult result = processor_.Process(*delivery);
    // The database is down: keep this message in hand and try it again as the database comes
    // back, backing off. No other message is taken meanwhile; they would fail the same way.
    // Waiting past the broker's heartbeat timeout costs the connection, and the message comes
    // back as a redelivery, which the applier's event id absorbs.
    absl::Duration wait = options_.initial_backoff;
    while (result.disposition == Disposition::kWaitForStore) {
      SleepUnlessStopped(stop, wait);
      if (stop.load()) return absl::OkStatus();  // unacked: back to the queue on close
      wait = std::min(wait * 2, options_.max_backoff);
      result = processor_.Process(*delivery);
    }
    if (result.disposition != Disposition::kAck) {
      SKK_RETURN_IF_ERROR(Park(parker, *delivery, result));
    }
    // Acked only now: after the change committed, or after the message was safely parked.
    SKK_RETURN_IF_ERROR(conn->Ack(delivery->delivery_tag));
  }
  // Unacked prefetched messages go back to the queue when the connection closes.
  return absl::OkStatus();
}

absl::Status EventConsumer::Park(ConfirmingPublisher& publisher, const AmqpDelivery& delivery,
                                 const ProcessResult& result) {
  const ServiceQueues queues = QueuesFor(options_.topology);
  AmqpMessage parked = delivery.message;
  parked.exchange = "";
  parked.last_error = result.error.substr(0, 1000);
  if (parked.original_routing_key.empty()) parked.original_routing_key = delivery.routing_key;
  const bool waits = result.disposition == Disposition::kWaitForEarlier;
  if (waits) {
    parked.waits = delivery.message.waits + 1;
  } else {
    parked.attempt = delivery.message.attempt + 1;
  }
  if ((result.disposition == Disposition::kRetry || waits) && !queues.retry.empty()) {
    // Each step waits longer: the first comes back at once for the common near-miss, a long
    // wait settles on the longest delay instead of spinning.
    const int done = waits ? delivery.message.waits : delivery.message.attempt;
    const size_t step = std::min<size_t>(done, queues.retry.size() - 1);
    parked.routing_key = queues.retry[step];
  } else {
    parked.routing_key = queues.dead;
  }
  // Confirmed before the original is acked: a crash in between leaves a duplicate, never a loss.
  return publisher.PublishBatch({parked});
}

}  // namespace skk

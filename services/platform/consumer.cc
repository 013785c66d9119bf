#include "services/platform/consumer.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/metrics.h"
#include "services/platform/status_macros.h"
#include "services/platform/trace.h"

namespace skk {
namespace {

constexpr SqlStatement kRecordApplied{"skk_applied_insert", R"sql(
  INSERT INTO applied_events (event_id, event_type) VALUES ($1, $2)
  ON CONFLICT (event_id) DO NOTHING)sql"};

// The whole batch's ids at once: one round trip instead of one per event. Returns the
// positions (from 1) of the events not applied before, the first copy of each; compared in
// SQL, as uuids, so an id spelled another way is still the same event.
constexpr SqlStatement kRecordAppliedBatch{"skk_applied_insert_batch", R"sql(
  WITH batch AS (
    SELECT id::uuid AS event_id, type, n
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS e(id, type, n)),
  recorded AS (
    INSERT INTO applied_events (event_id, event_type)
    SELECT event_id, type FROM batch ORDER BY n
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id)
  SELECT min(batch.n) AS n FROM batch JOIN recorded USING (event_id) GROUP BY event_id)sql"};

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

namespace {

// Runs the event's handler in `tx`, its log lines under the event's trace.
absl::Status Handle(PgConnection& tx, const BatchedEvent& one) {
  const trace::Scope traced(trace::Continue(one.event->traceparent()));
  return (*one.handler)(tx, *one.event);
}

// Records the event as applied and runs its handler, in the transaction `tx` is in. False when
// it had been applied before. Recording the id first takes the row lock: a second replica
// holding the same redelivered event waits here, then sees the conflict and does nothing.
absl::StatusOr<bool> ApplyInTransaction(PgConnection& tx, const BatchedEvent& one) {
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kRecordApplied, {SqlParam::Text(one.event->event_id()),
                                                               SqlParam::Text(one.event->type())}));
  if (r.affected() == 0) return false;
  SKK_RETURN_IF_ERROR(Handle(tx, one));
  return true;
}

// Records every event of the batch as applied, in the batch's order (the row locks a second
// replica holding the same redelivered events waits on, as ApplyInTransaction's), and says per
// event whether this is its first time: false for one applied before, and for a second copy
// of an event within the batch.
absl::StatusOr<std::vector<bool>> RecordBatchApplied(PgConnection& tx,
                                                     const std::vector<BatchedEvent>& batch) {
  std::vector<std::string> ids, types;
  for (const BatchedEvent& one : batch) {
    ids.push_back(one.event->event_id());
    types.push_back(one.event->type());
  }
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kRecordAppliedBatch,
                                              {SqlParam::Array(ids), SqlParam::Array(types)}));
  std::vector<bool> first_time(batch.size(), false);
  for (int i = 0; i < r.rows(); ++i) {
    const int64_t n = r.Row(i).Int("n");
    if (n < 1 || n > static_cast<int64_t>(batch.size())) {
      return absl::InternalError("applied_events returned a position outside the batch");
    }
    first_time[n - 1] = true;
  }
  return first_time;
}

}  // namespace

absl::StatusOr<bool> PgIdempotentApplier::Apply(const sambat::v1::Event& event,
                                                const EventHandler& handler) {
  absl::StatusOr<bool> applied = false;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    applied = ApplyInTransaction(tx, BatchedEvent{&event, &handler});
    return applied.status();
  }));
  return applied;
}

absl::StatusOr<int64_t> PruneAppliedEvents(PgPool& pool, absl::Time before) {
  static constexpr SqlStatement kPrune{"skk_applied_prune", R"sql(
    DELETE FROM applied_events WHERE event_id IN (
      SELECT event_id FROM applied_events WHERE applied_at < $1 LIMIT $2))sql"};
  return DeleteInBatches(pool, kPrune, {SqlParam::Time(before)});
}

absl::Status PgIdempotentApplier::CheckReachable() { return pool_.Ping(); }

Disposition DecideAfterFailure(const absl::Status& status, int attempt, int max_attempts) {
  if (!IsTransient(status)) return Disposition::kDeadLetter;
  return attempt + 1 >= max_attempts ? Disposition::kDeadLetter : Disposition::kRetry;
}

absl::StatusOr<std::vector<absl::StatusOr<bool>>> IdempotentApplier::ApplyBatch(
    const std::vector<BatchedEvent>& batch) {
  std::vector<absl::StatusOr<bool>> outcomes;
  for (const BatchedEvent& one : batch) outcomes.push_back(Apply(*one.event, *one.handler));
  return outcomes;
}

absl::StatusOr<std::vector<absl::StatusOr<bool>>> PgIdempotentApplier::ApplyBatch(
    const std::vector<BatchedEvent>& batch) {
  std::vector<absl::StatusOr<bool>> outcomes;
  // Nearly every batch applies whole, so it is tried first without a savepoint per event (two
  // round trips each, a third of a routing event's). The first event that fails rolls the
  // batch back, and the batch is applied again with savepoints, where that event fails alone.
  bool an_event_failed = false;
  const absl::Status whole = pool_.Transact([&](PgConnection& tx) -> absl::Status {
    outcomes.clear();
    an_event_failed = false;
    absl::StatusOr<std::vector<bool>> recorded = RecordBatchApplied(tx, batch);
    if (!recorded.ok() && tx.healthy()) {
      // An id the statement refused (not a uuid) is one event's fault: one by one, it fails
      // alone.
      an_event_failed = true;
      return absl::CancelledError("the batch's ids were refused; applied again one by one");
    }
    SKK_RETURN_IF_ERROR(recorded.status());
    const std::vector<bool>& first_time = *recorded;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!first_time[i]) {
        outcomes.push_back(false);
        continue;
      }
      const absl::Status handled = Handle(tx, batch[i]);
      if (!handled.ok() && tx.healthy()) {
        an_event_failed = true;
        // Not ABORTED, which the transaction would retry as a whole.
        return absl::CancelledError("an event of the batch failed; applied again one by one");
      }
      SKK_RETURN_IF_ERROR(handled);
      outcomes.push_back(true);
    }
    return absl::OkStatus();
  });
  if (whole.ok()) return outcomes;
  if (!an_event_failed) return whole;  // the commit failed or the connection broke: none applied
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    outcomes.clear();
    for (const BatchedEvent& one : batch) {
      SKK_RETURN_IF_ERROR(tx.ExecuteScript("SAVEPOINT skk_event"));
      // What runs after the commit is the batch's; an event rolled back takes its own back.
      std::vector<std::function<void()>> kept = tx.TakeAfterCommit();
      absl::StatusOr<bool> applied = ApplyInTransaction(tx, one);
      if (applied.ok()) {
        for (std::function<void()>& action : tx.TakeAfterCommit()) kept.push_back(std::move(action));
        SKK_RETURN_IF_ERROR(tx.ExecuteScript("RELEASE SAVEPOINT skk_event"));
      } else {
        (void)tx.TakeAfterCommit();
        // A connection that broke mid-event fails here, and the whole batch with it.
        SKK_RETURN_IF_ERROR(tx.ExecuteScript("ROLLBACK TO SAVEPOINT skk_event"));
      }
      for (std::function<void()>& action : kept) tx.AfterCommit(std::move(action));
      outcomes.push_back(std::move(applied));
    }
    return absl::OkStatus();
  }));
  return outcomes;
}

std::variant<ProcessResult, std::pair<sambat::v1::Event, const EventHandler*>>
DeliveryProcessor::Prepare(const AmqpDelivery& delivery) const {
  absl::StatusOr<sambat::v1::Event> event = ParseEvent(delivery.message.body);
  if (!event.ok()) {
    log::Error("undecodable message dead-lettered",
               {{"message_id", delivery.message.message_id},
                {"error", std::string(event.status().message())}});
    return ProcessResult{Disposition::kDeadLetter, std::string(event.status().message())};
  }
  auto handler = handlers_.find(event->type());
  if (handler == handlers_.end()) {
    log::Debug("event ignored", {{"event_id", event->event_id()}, {"type", event->type()},
                                 {"complaint_id", event->complaint_id()}});
    return ProcessResult{Disposition::kAck, ""};
  }
  return std::make_pair(*std::move(event), &handler->second);
}

absl::StatusOr<ProcessResult> DeliveryProcessor::Process(const AmqpDelivery& delivery) {
  auto prepared = Prepare(delivery);
  if (auto* done = std::get_if<ProcessResult>(&prepared)) return *done;
  auto& [event, handler] = std::get<1>(prepared);
  return Decide(delivery, event, applier_.Apply(event, *handler));
}

absl::StatusOr<std::vector<ProcessResult>> MessageProcessor::ProcessBatch(
    const std::vector<AmqpDelivery>& deliveries) {
  std::vector<ProcessResult> results;
  for (const AmqpDelivery& delivery : deliveries) {
    SKK_ASSIGN_OR_RETURN(ProcessResult result, Process(delivery));
    results.push_back(std::move(result));
  }
  return results;
}

absl::StatusOr<std::vector<ProcessResult>> DeliveryProcessor::ProcessBatch(
    const std::vector<AmqpDelivery>& deliveries) {
  std::vector<ProcessResult> results(deliveries.size());
  struct Prepared {
    sambat::v1::Event event;
    const EventHandler* handler;
    size_t position;  // in deliveries
  };
  std::vector<Prepared> events;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    auto prepared = Prepare(deliveries[i]);
    if (auto* done = std::get_if<ProcessResult>(&prepared)) {
      results[i] = *done;
    } else {
      auto& [event, handler] = std::get<1>(prepared);
      events.push_back({std::move(event), handler, i});
    }
  }
  // Applied in the order of their complaints (each complaint's own events keep theirs): the
  // handlers lock a complaint at a time, and two consumers (threads or replicas) whose batches
  // took the same complaints' locks in different orders would deadlock, and PostgreSQL takes a
  // second (deadlock_timeout) to break each one.
  std::stable_sort(events.begin(), events.end(), [](const Prepared& a, const Prepared& b) {
    return a.event.complaint_id() < b.event.complaint_id();
  });
  std::vector<BatchedEvent> batch;
  for (const Prepared& p : events) batch.push_back({&p.event, p.handler});
  // One event alone goes through Apply; so does each of a batch that failed as a whole.
  std::optional<absl::StatusOr<std::vector<absl::StatusOr<bool>>>> together;
  if (batch.size() > 1) together = applier_.ApplyBatch(batch);
  const bool batched = together.has_value() && together->ok();
  if (together.has_value() && !batched) {
    log::Warn("a batch of events failed as a whole; applied one by one",
              {{"service", service_}, {"events", static_cast<int64_t>(batch.size())},
               {"error", std::string(together->status().message())}});
  }
  for (size_t j = 0; j < events.size(); ++j) {
    const Prepared& p = events[j];
    results[p.position] = Decide(deliveries[p.position], p.event,
                                 batched ? (**together)[j] : applier_.Apply(p.event, *p.handler));
  }
  return results;
}

ProcessResult DeliveryProcessor::Decide(const AmqpDelivery& delivery,
                                        const sambat::v1::Event& event,
                                        const absl::StatusOr<bool>& applied) {
  if (applied.ok()) {
    log::Info(*applied ? "event applied" : "event already applied",
              {{"event_id", event.event_id()}, {"type", event.type()},
               {"complaint_id", event.complaint_id()},
               {"correlation_id", event.correlation_id()}});
    return ProcessResult{Disposition::kAck, ""};
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
               {{"event_id", event.event_id()}, {"type", event.type()},
                {"complaint_id", event.complaint_id()}, {"waits", waits},
                {"error", std::string(applied.status().message())}});
    if (!waited_enough) {
      return ProcessResult{Disposition::kWaitForEarlier, applied.status().ToString()};
    }
    return ProcessResult{Disposition::kDeadLetter,
                         absl::StrCat("waited ", waits, " times for an earlier event of the case: ",
                                      applied.status().message())};
  }
  if (IsTransient(applied.status())) {
    if (absl::Status store = applier_.CheckReachable(); !store.ok()) {
      log::Warn("event waits for the database",
                {{"event_id", event.event_id()}, {"type", event.type()},
                 {"complaint_id", event.complaint_id()},
                 {"error", std::string(applied.status().message())},
                 {"database", std::string(store.message())}});
      return ProcessResult{Disposition::kWaitForStore, applied.status().ToString()};
    }
  }
  Disposition d = DecideAfterFailure(applied.status(), attempt, max_attempts_);
  log::Warn(d == Disposition::kRetry ? "event failed, will retry" : "event failed, dead-lettered",
            {{"event_id", event.event_id()}, {"type", event.type()},
             {"complaint_id", event.complaint_id()}, {"attempt", attempt + 1},
             {"error", std::string(applied.status().ToString())}});
  return ProcessResult{d, applied.status().ToString()};
}

AmqpMessage ParkedCopy(const AmqpDelivery& delivery, const ProcessResult& result,
                       const ServiceQueues& queues) {
  AmqpMessage parked = delivery.message;
  parked.exchange = "";
  parked.last_error = result.error.substr(0, 1000);
  if (parked.original_routing_key.empty()) parked.original_routing_key = delivery.routing_key;
  switch (result.disposition) {
    case Disposition::kWaitForEarlier:
      parked.waits = delivery.message.waits + 1;
      break;
    case Disposition::kRetry:
    case Disposition::kDeadLetter:
      parked.attempt = result.failed_attempts.value_or(delivery.message.attempt + 1);
      break;
    default:
      break;
  }
  if (queues.retry.empty()) {
    parked.routing_key = queues.dead;
    return parked;
  }
  // Each step waits longer: the first comes back at once for the common near-miss, a long
  // wait settles on the longest delay instead of spinning.
  const auto step = [&](int done) {
    return queues.retry[std::min<size_t>(std::max(done, 0), queues.retry.size() - 1)];
  };
  switch (result.disposition) {
    case Disposition::kRetry:
      parked.routing_key = step(parked.attempt - 1);
      break;
    case Disposition::kWaitForEarlier:
      parked.routing_key = step(delivery.message.waits);
      break;
    case Disposition::kRevisitLater:
      parked.routing_key = queues.retry.back();
      break;
    default:
      parked.routing_key = queues.dead;
  }
  return parked;
}

void EventConsumer::Run(const std::atomic<bool>& stop) {
  RunUntilStopped(stop,
                  {.failure_message = "consumer disconnected, reconnecting",
                   .about = {"service", options_.topology.service},
                   .backoff = options_.backoff},
                  [&]() -> RoundResult {
                    SKK_RETURN_IF_ERROR(ConsumeOnce(stop));
                    return absl::ZeroDuration();
                  });
}

namespace {

const char* OutcomeName(Disposition disposition) {
  switch (disposition) {
    case Disposition::kAck: return "acked";
    case Disposition::kRetry: return "retry";
    case Disposition::kDeadLetter: return "parked";
    case Disposition::kWaitForStore: return "waiting_for_database";
    case Disposition::kWaitForEarlier: return "waiting_for_earlier";
    case Disposition::kRevisitLater: return "revisit_later";
  }
  return "unknown";
}

// What became of each message a consumer finished with, and how long after its event was
// written to the publisher's outbox (both clocks real, whatever a test's clock says).
void CountFinished(const std::string& queue, const std::vector<AmqpDelivery>& batch,
                   const std::vector<ProcessResult>& results) {
  static auto& handled = metrics::CounterFamily(
      "skk_events_handled_total",
      "Events a consumer finished with, by queue and outcome (acked, retry, parked, waiting_*)");
  static auto& age = metrics::HistogramFamily(
      "skk_event_age_seconds", "Time from an event's outbox row to its consumer finishing it");
  auto& ages = age.Add({{"queue", queue}}, metrics::DelayBuckets());
  const absl::Time now = absl::Now();
  for (size_t i = 0; i < batch.size(); ++i) {
    handled.Add({{"queue", queue}, {"outcome", OutcomeName(results[i].disposition)}}).Increment();
    if (batch[i].message.timestamp > absl::UnixEpoch()) {
      ages.Observe(absl::ToDoubleSeconds(now - batch[i].message.timestamp));
    }
  }
}

}  // namespace

absl::Status EventConsumer::ConsumeOnce(const std::atomic<bool>& stop) {
  const std::string name = absl::StrCat(options_.topology.service, "-consumer");
  SKK_ASSIGN_OR_RETURN(auto conn, AmqpConnection::Open(options_.endpoint, name));
  SKK_RETURN_IF_ERROR(conn->DeclareTopology(options_.topology));
  const ServiceQueues queues = QueuesFor(options_.topology);
  SKK_RETURN_IF_ERROR(conn->StartConsuming(queues.main, options_.prefetch));
  ConfirmingPublisher parker(options_.endpoint, absl::StrCat(name, "-parker"), 1);
  log::Info("consuming", {{"queue", queues.main}});
  const size_t batch_max = static_cast<size_t>(std::max(1, options_.batch_max));
  while (!stop.load()) {
    SKK_ASSIGN_OR_RETURN(std::optional<AmqpDelivery> first,
                         conn->NextDelivery(absl::Milliseconds(200)));
    if (!first.has_value()) continue;
    std::vector<AmqpDelivery> batch;
    batch.push_back(*std::move(first));
    const absl::Time until = absl::Now() + options_.batch_wait;
    while (batch.size() < batch_max) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      SKK_ASSIGN_OR_RETURN(std::optional<AmqpDelivery> next, conn->NextDelivery(left));
      if (!next.has_value()) break;
      batch.push_back(*std::move(next));
    }
    SKK_ASSIGN_OR_RETURN(std::vector<ProcessResult> results, processor_.ProcessBatch(batch));
    std::vector<AmqpMessage> parked;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (results[i].disposition == Disposition::kWaitForStore) {
        SKK_ASSIGN_OR_RETURN(std::optional<ProcessResult> held,
                             HoldForStore(batch[i], std::move(results[i]), stop));
        if (!held.has_value()) return absl::OkStatus();  // unacked: back to the queue on close
        results[i] = *std::move(held);
      }
      if (results[i].disposition != Disposition::kAck) {
        parked.push_back(ParkedCopy(batch[i], results[i], queues));
      }
    }
    // Confirmed before the originals are acked: a crash in between leaves a duplicate, never
    // a loss.
    if (!parked.empty()) SKK_RETURN_IF_ERROR(parker.PublishBatch(parked));
    // Acked only now: after the changes committed, or after the messages were safely parked.
    // The batch holds every unacked delivery up to its last (those behind it are not taken
    // yet), so one ack through the last covers it.
    SKK_RETURN_IF_ERROR(conn->AckThrough(batch.back().delivery_tag));
    CountFinished(queues.main, batch, results);
  }
  // Unacked prefetched messages go back to the queue when the connection closes.
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ProcessResult>> EventConsumer::HoldForStore(
    const AmqpDelivery& delivery, ProcessResult result, const std::atomic<bool>& stop) {
  // The database is down: keep this message in hand and try it again as the database comes
  // back, backing off. No other message is taken meanwhile; they would fail the same way.
  // Waiting past the broker's heartbeat timeout costs the connection, and the message comes
  // back as a redelivery, which the applier's event id absorbs.
  Backoff wait(options_.backoff);
  while (result.disposition == Disposition::kWaitForStore) {
    if (!wait.Sleep(stop)) return std::nullopt;
    SKK_ASSIGN_OR_RETURN(result, processor_.Process(delivery));
  }
  return result;
}

}  // namespace skk

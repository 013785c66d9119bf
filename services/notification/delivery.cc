#include "services/notification/delivery.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/notification/store.h"
#include "services/platform/log.h"
#include "services/platform/metrics.h"
#include "services/platform/status_macros.h"
#include "services/platform/retry_loop.h"

namespace skk::notification {
namespace {

constexpr char kDeliveryExchange[] = "sambat.notification";

std::string QueueOf(const std::string& channel, const DeliveryOptions& o) {
  return QueuesFor(ChannelTopology(channel, o.backoff)).main;
}

AmqpMessage DeliveryMessage(const std::string& id, const std::string& queue) {
  AmqpMessage m;
  m.exchange = "";  // the default exchange routes by queue name
  m.routing_key = queue;
  m.message_id = id;
  m.type = "notification.delivery";
  m.body = id;
  m.timestamp = absl::Now();
  return m;
}

}  // namespace

TopologyOptions ChannelTopology(const std::string& channel,
                                const std::vector<absl::Duration>& backoff) {
  TopologyOptions t;
  t.exchange = kDeliveryExchange;
  t.service = absl::StrCat("notification.", channel);
  t.retry_delays = backoff;
  return t;
}

std::vector<absl::Duration> ExponentialBackoff(absl::Duration first, int steps) {
  std::vector<absl::Duration> out;
  for (int i = 0; i < steps; ++i) out.push_back(first * (1 << i));
  return out;
}

absl::Status DeclareChannelQueues(const DeliveryOptions& options) {
  SKK_ASSIGN_OR_RETURN(auto conn, AmqpConnection::Open(options.endpoint, "notification-channels"));
  for (const std::string& channel : kWireChannels) {
    SKK_RETURN_IF_ERROR(conn->DeclareTopology(ChannelTopology(channel, options.backoff)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Dispatcher::DispatchOnce() {
  if (publisher_ == nullptr) {
    publisher_ = std::make_unique<ConfirmingPublisher>(options_.endpoint, "notification-dispatch");
  }
  int queued = 0;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    queued = 0;
    SKK_ASSIGN_OR_RETURN(auto due, ClaimDue(tx, clock_.Now(), 500));
    if (due.empty()) return absl::OkStatus();
    std::vector<AmqpMessage> messages;
    std::vector<std::string> ids;
    for (const auto& [id, channel] : due) {
      messages.push_back(DeliveryMessage(id, QueueOf(channel, options_)));
      ids.push_back(id);
    }
    // Confirmed before the rows say queued: a crash in between publishes them again, and a
    // worker finding a delivery already sent does nothing.
    SKK_RETURN_IF_ERROR(publisher_->PublishBatch(messages));
    SKK_RETURN_IF_ERROR(MarkQueued(tx, ids));
    queued = static_cast<int>(ids.size());
    return absl::OkStatus();
  }));
  return queued;
}

void Dispatcher::Run(const std::atomic<bool>& stop) {
  RunUntilStopped(stop,
                  {.failure_message = "dispatch failed",
                   .backoff = {.initial = options_.idle_poll, .max = absl::Seconds(10)}},
                  [&]() -> RoundResult {
                    SKK_ASSIGN_OR_RETURN(const int queued, DispatchOnce());
                    return queued == 0 ? options_.idle_poll : absl::ZeroDuration();
                  });
}

void ChannelWorker::Run(const std::atomic<bool>& stop) {
  stop_ = &stop;
  EventConsumer consumer({.endpoint = options_.endpoint,
                          .topology = ChannelTopology(channel_, options_.backoff),
                          .prefetch = options_.prefetch,
                          .batch_max = std::min(options_.batch, options_.prefetch)},
                         *this);
  consumer.Run(stop);
}

absl::Status ChannelWorker::RecordOutcomesOnce(const std::vector<FinishedAttempt>& finished,
                                               absl::Time now) {
  const absl::Status together = FinishAttempts(pool_, finished, now);
  if (together.ok()) return together;
  // One outcome the batch could not take (a deadlock with an erasure) must not cost the others
  // theirs: each alone, and an error only if the database itself is away.
  log::Warn("delivery outcomes recorded one by one",
            {{"channel", channel_}, {"error", together.ToString()}});
  for (const FinishedAttempt& f : finished) {
    SKK_RETURN_IF_ERROR(FinishAttempts(pool_, {f}, now));
  }
  return absl::OkStatus();
}

absl::Status ChannelWorker::RecordOutcomes(const std::vector<FinishedAttempt>& finished,
                                           absl::Time now) {
  if (finished.empty()) return absl::OkStatus();
  absl::Status recorded = RecordOutcomesOnce(finished, now);
  // The messages have gone out: what the servers answered is kept until the database takes it.
  // Giving up here would hand the messages back to the broker with their deliveries still
  // 'sending', to be sent a second time once the lease runs out, and count the return toward
  // the queue's x-delivery-limit.
  Backoff wait({.initial = absl::Milliseconds(100), .max = absl::Seconds(5)});
  while (!recorded.ok() && stop_ != nullptr && !pool_.Ping().ok()) {
    log::Warn("delivery outcomes wait for the database",
              {{"channel", channel_},
               {"deliveries", static_cast<int64_t>(finished.size())},
               {"error", std::string(recorded.message())},
               {"retry_in_ms", absl::ToInt64Milliseconds(wait.next())}});
    if (!wait.Sleep(*stop_)) break;
    recorded = RecordOutcomesOnce(finished, now);
  }
  return recorded;
}

absl::StatusOr<ProcessResult> ChannelWorker::Process(const AmqpDelivery& delivery) {
  SKK_ASSIGN_OR_RETURN(std::vector<ProcessResult> results, ProcessBatch({delivery}));
  return results.front();
}

absl::StatusOr<std::vector<ProcessResult>> ChannelWorker::ProcessBatch(
    const std::vector<AmqpDelivery>& deliveries) {
  // Two transactions for the batch, not two per message: the attempts are begun together,
  // sent one by one, and their outcomes recorded together.
  std::vector<std::string> ids;
  for (const AmqpDelivery& delivery : deliveries) ids.push_back(delivery.message.body);
  absl::StatusOr<std::vector<AttemptStart>> begun = BeginAttempts(pool_, ids, options_.lease);
  if (!begun.ok()) {
    if (absl::Status store = pool_.Ping(); !store.ok()) {
      // The database is away: the consumer holds the messages in hand until it answers. Failing
      // the batch would close the connection, and the broker counts every message it takes back
      // toward the queue's x-delivery-limit: a few restarts in a row would park a delivery
      // whose message nobody replays, and the citizen would never hear.
      log::Warn("deliveries wait for the database",
                {{"channel", channel_}, {"error", std::string(begun.status().message())}});
      return std::vector<ProcessResult>(
          deliveries.size(), ProcessResult{Disposition::kWaitForStore, begun.status().ToString()});
    }
    return begun.status();
  }
  const std::vector<AttemptStart>& starts = *begun;
  std::vector<ProcessResult> results(deliveries.size());
  std::vector<FinishedAttempt> finished;
  struct Sent {
    size_t message;      // index in deliveries
    std::string status;  // what the server answered, in a word (never its text)
    double seconds;      // how long it took to answer
  };
  std::vector<Sent> sent;  // beside finished, one for one
  for (size_t i = 0; i < starts.size(); ++i) {
    if (!starts[i].delivery.has_value()) {
      // Another worker holds it (a duplicate message): look again after the longest wait, in
      // case that worker dies before it finishes.
      if (starts[i].state == "sending") results[i] = ProcessResult{Disposition::kRevisitLater};
      // Sent, dead, not yet due again (pending) or unknown: nothing to do for this copy.
      log::Debug("delivery message skipped", {{"delivery_id", ids[i]}, {"state", starts[i].state}});
      continue;
    }
    const Delivery& d = *starts[i].delivery;
    const absl::Time sending_at = absl::Now();
    const SendResult result = sender_->Send(OutgoingMessage{d.id, d.ticket, d.recipient_name,
                                                            d.address, d.subject, d.body});
    std::string outcome = "sent";
    if (result.outcome == SendOutcome::kRetry) {
      outcome = d.attempts >= options_.max_attempts ? "dead" : "retry";
    } else if (result.outcome == SendOutcome::kPermanent) {
      outcome = "dead";
    }
    finished.push_back(FinishedAttempt{&d, outcome, result.detail});
    sent.push_back({i, result.status, absl::ToDoubleSeconds(absl::Now() - sending_at)});
  }
  SKK_RETURN_IF_ERROR(RecordOutcomes(finished, clock_.Now()));
  static auto& attempts = metrics::CounterFamily(
      "skk_delivery_attempts_total",
      "Delivery attempts finished, by channel and outcome (sent, retry, dead)");
  static auto& sending = metrics::HistogramFamily(
      "skk_delivery_send_seconds", "Time a channel's gateway or mail server took to answer");
  for (size_t k = 0; k < finished.size(); ++k) {
    const Delivery& d = *finished[k].delivery;
    const std::string& outcome = finished[k].outcome;
    attempts.Add({{"channel", channel_}, {"outcome", outcome}}).Increment();
    sending.Add({{"channel", channel_}}, metrics::LatencyBuckets()).Observe(sent[k].seconds);
    // The status, never the server's text: a gateway's reply may echo the number and the words.
    const std::initializer_list<log::Field> fields = {
        {"complaint_id", d.complaint_id}, {"delivery_id", d.id},  {"event_id", d.event_id},
        {"channel", channel_},            {"attempt", d.attempts}, {"status", sent[k].status}};
    if (outcome == "sent") {
      log::Info("notification sent", fields);
      continue;
    }
    if (outcome == "retry") {
      log::Warn("notification failed, will retry", fields);
    } else {
      log::Error("notification dead-lettered", fields);
    }
    // The broker's copy outlives an erasure of the complaint: it carries the status only.
    results[sent[k].message] =
        ProcessResult{outcome == "retry" ? Disposition::kRetry : Disposition::kDeadLetter,
                      sent[k].status, d.attempts};
  }
  return results;
}

}  // namespace skk::notification

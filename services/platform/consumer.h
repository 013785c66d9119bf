#pragma once

// Consuming a work queue: manual acks after commit, bounded retries through delay queues, then
// the queue's dead-letter queue. Nothing is dropped. EventConsumer does the queue's part for
// any MessageProcessor; DeliveryProcessor is the one for events, applied idempotently (the
// event id is recorded in the same transaction as the change).

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <variant>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/amqp.h"
#include "services/platform/pg.h"
#include "services/platform/retry_loop.h"

namespace skk {

// Applies one event inside the transaction that records it as applied. A non-OK status rolls
// the whole transaction back. UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
// INTERNAL and UNKNOWN are retried; INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND and the rest mean the
// event can never apply and it is dead-lettered at once.
using EventHandler = std::function<absl::Status(PgConnection& tx, const sambat::v1::Event&)>;

// What a handler returns for an event that depends on an earlier event of the same case that
// has not been applied yet (an answer before the request it answers, an action before the
// routing). UNAVAILABLE, marked so the consumer sets the event aside to come back later
// without spending an attempt: its predecessor may be only late (a retry, a restart), and an
// event counted as failing for that would be parked with a healthy case behind it.
absl::Status EarlierEventPending(const std::string& message);
bool IsEarlierEventPending(const absl::Status& status);

// Event type -> handler. Types with no handler are acknowledged and ignored.
using EventHandlers = std::map<std::string, EventHandler>;

// One event of a batch, with its handler.
struct BatchedEvent {
  const sambat::v1::Event* event;
  const EventHandler* handler;
};

// Runs a handler for an event at most once.
class IdempotentApplier {
 public:
  virtual ~IdempotentApplier() = default;
  // Returns true if the handler ran and committed, false if the event had been applied before.
  virtual absl::StatusOr<bool> Apply(const sambat::v1::Event& event,
                                     const EventHandler& handler) = 0;
  // Applies `batch` in order, each event as Apply would, and returns each one's outcome. The
  // PostgreSQL applier does it in one transaction with a savepoint per event: one disk flush
  // for the lot (a commit's flush is what limits a consumer applying events one by one), and
  // an event that fails rolls back alone. An error for the whole call (the commit failed, the
  // connection broke) means none of them was applied. This default applies them one by one.
  virtual absl::StatusOr<std::vector<absl::StatusOr<bool>>> ApplyBatch(
      const std::vector<BatchedEvent>& batch);
  // OK when the store the handlers write to answers now. After a failed attempt, a store that
  // is down means the event itself is fine and must wait, not spend its attempts.
  virtual absl::Status CheckReachable() { return absl::OkStatus(); }
};

// The applier on a service's PostgreSQL schema (table applied_events).
class PgIdempotentApplier final : public IdempotentApplier {
 public:
  explicit PgIdempotentApplier(PgPool& pool) : pool_(pool) {}
  absl::StatusOr<bool> Apply(const sambat::v1::Event& event,
                             const EventHandler& handler) override;
  absl::StatusOr<std::vector<absl::StatusOr<bool>>> ApplyBatch(
      const std::vector<BatchedEvent>& batch) override;
  absl::Status CheckReachable() override;

 private:
  PgPool& pool_;
};

// Deletes the applied_events rows recorded before `before`, a batch per statement so no
// long lock is held. Their purpose (absorbing a redelivery) is long over by then. Returns how
// many went.
absl::StatusOr<int64_t> PruneAppliedEvents(PgPool& pool, absl::Time before);

// kWaitForStore: the event failed because the database was down; it is held in hand and tried
// again once the database answers, without counting an attempt. A PostgreSQL restart or
// failover longer than the retry schedule must not park every event that arrived meanwhile
// (a parked complaint.submitted is a complaint nobody routes until an operator replays it).
//
// kWaitForEarlier: the event came before an earlier event of its case; it goes through the
// retry queues again with its attempts untouched and its waits counted. It is not held in hand
// as kWaitForStore is: its predecessor may be among the messages prefetched behind it.
//
// kRevisitLater: someone else holds the work the message names (another worker's lease); the
// message goes through the longest retry queue, nothing counted, in case that worker dies
// before it finishes.
enum class Disposition { kAck, kRetry, kDeadLetter, kWaitForStore, kWaitForEarlier, kRevisitLater };

struct ProcessResult {
  Disposition disposition = Disposition::kAck;
  std::string error{};  // why, when not kAck; the parked copy carries it (x-skk-last-error)
  // kRetry and kDeadLetter: how many attempts have failed, this one included, when the
  // processor keeps that count itself (notification, in its database). Otherwise the message's
  // x-skk-attempt plus one. It picks the retry queue: the n-th failure waits in the n-th.
  std::optional<int> failed_attempts = std::nullopt;
};

// What a consumer does with each message of its queue.
class MessageProcessor {
 public:
  virtual ~MessageProcessor() = default;
  // Handles one message and says what becomes of it; the consumer parks it (if it is not kAck)
  // and acks it afterwards. An error means this consumer cannot go on (its database went away
  // mid-way): the message stays unacked, returns to the queue, and the consumer reconnects.
  virtual absl::StatusOr<ProcessResult> Process(const AmqpDelivery& delivery) = 0;
  // Handles several messages, in their order, with a result for each as Process gives (a
  // processor may apply them together). This default calls Process for each; an error as for
  // Process (none of them is acked; those already handled come back as redeliveries).
  virtual absl::StatusOr<std::vector<ProcessResult>> ProcessBatch(
      const std::vector<AmqpDelivery>& deliveries);
};

// The copy of `delivery` that a result other than kAck or kWaitForStore publishes: to the
// retry queue for its step or to the dead queue of `queues`, its counts and last error updated.
AmqpMessage ParkedCopy(const AmqpDelivery& delivery, const ProcessResult& result,
                       const ServiceQueues& queues);

// Whether a failure with `status`, on a message that had already failed `attempt` times,
// is worth another attempt.
Disposition DecideAfterFailure(const absl::Status& status, int attempt, int max_attempts);

// Decodes an event, applies it once through the applier and decides what becomes of it.
// Has no I/O of its own, so its decisions are unit-tested. Never fails: every outcome is a
// disposition.
class DeliveryProcessor final : public MessageProcessor {
 public:
  // How many times an event may be set aside for an earlier one before it is parked: with the
  // longest retry delay of 30 s, about three hours, long enough for a predecessor that was
  // parked to be replayed by an operator the same shift.
  static constexpr int kDefaultMaxWaits = 360;

  DeliveryProcessor(std::string service, EventHandlers handlers, IdempotentApplier& applier,
                    int max_attempts, int max_waits = kDefaultMaxWaits)
      : service_(std::move(service)),
        handlers_(std::move(handlers)),
        applier_(applier),
        max_attempts_(max_attempts),
        max_waits_(max_waits) {}

  absl::StatusOr<ProcessResult> Process(const AmqpDelivery& delivery) override;
  // The batch's events through the applier's ApplyBatch; when that fails as a whole (the
  // database went away mid-batch), each event again through Apply, so each gets the decision
  // it would have had alone (waiting for the database included).
  absl::StatusOr<std::vector<ProcessResult>> ProcessBatch(
      const std::vector<AmqpDelivery>& deliveries) override;

 private:
  // What becomes of `delivery`, whose event `event` the applier answered `applied` for.
  ProcessResult Decide(const AmqpDelivery& delivery, const sambat::v1::Event& event,
                       const absl::StatusOr<bool>& applied);
  // The event of `delivery` and its handler; a result instead when there is nothing to apply
  // (undecodable: dead-lettered; no handler: acked).
  std::variant<ProcessResult, std::pair<sambat::v1::Event, const EventHandler*>> Prepare(
      const AmqpDelivery& delivery) const;

  std::string service_;
  EventHandlers handlers_;
  IdempotentApplier& applier_;
  int max_attempts_;
  int max_waits_;
};

// Consumes the main queue of a topology (services' event queues, notification's channel work
// queues): connects, declares the topology, and hands each message to its processor.
class EventConsumer {
 public:
  struct Options {
    AmqpEndpoint endpoint;
    TopologyOptions topology;
    int prefetch = 50;
    // Messages handed to the processor at once: those already prefetched, or arriving within
    // batch_wait of the first (a quiet queue waits no longer than that). 1: one at a time.
    int batch_max = 1;
    absl::Duration batch_wait = absl::Milliseconds(5);
    // Between reconnections, and between tries of a message waiting for the database.
    BackoffPolicy backoff = {.jitter = true};
  };

  EventConsumer(Options options, MessageProcessor& processor)
      : options_(std::move(options)), processor_(processor) {}

  // Consumes until `stop` is set, reconnecting with backoff when RabbitMQ goes away or the
  // processor fails. While the database is down (kWaitForStore), the message in hand waits
  // (backing off) and no other is taken. A message is acked only after its processor is done
  // with it and its parked copy, if any, is confirmed. On stop, it finishes (and acks) the
  // batch in hand and leaves everything else unacked, so the broker hands it to another
  // replica.
  void Run(const std::atomic<bool>& stop);

 private:
  // Consumes on one connection until stop or a connection error.
  absl::Status ConsumeOnce(const std::atomic<bool>& stop);
  // `result` (kWaitForStore) for `delivery`, tried again while it waits for the database.
  // nullopt if stopped meanwhile: the message stays unacked.
  absl::StatusOr<std::optional<ProcessResult>> HoldForStore(const AmqpDelivery& delivery,
                                                            ProcessResult result,
                                                            const std::atomic<bool>& stop);

  Options options_;
  MessageProcessor& processor_;
};

}  // namespace skk

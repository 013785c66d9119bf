#pragma once

// Consuming events: manual acks after commit, idempotent application (the event id is recorded
// in the same transaction as the change), bounded retries through delay queues, then the
// service's dead-letter queue. Nothing is dropped.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/amqp.h"
#include "services/platform/pg.h"

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

// Runs a handler for an event at most once.
class IdempotentApplier {
 public:
  virtual ~IdempotentApplier() = default;
  // Returns true if the handler ran and committed, false if the event had been applied before.
  virtual absl::StatusOr<bool> Apply(const sambat::v1::Event& event,
                                     const EventHandler& handler) = 0;
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
enum class Disposition { kAck, kRetry, kDeadLetter, kWaitForStore, kWaitForEarlier };

struct ProcessResult {
  Disposition disposition = Disposition::kAck;
  std::string error;  // why, when not kAck
};

// Whether a failure with `status`, on a message that had already failed `attempt` times,
// is worth another attempt.
Disposition DecideAfterFailure(const absl::Status& status, int attempt, int max_attempts);

// Decodes a delivery, applies it once through the applier and decides what becomes of it.
// Has no I/O of its own, so its decisions are unit-tested.
class DeliveryProcessor {
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

  ProcessResult Process(const AmqpDelivery& delivery);

 private:
  std::string service_;
  EventHandlers handlers_;
  IdempotentApplier& applier_;
  int max_attempts_;
  int max_waits_;
};

class EventConsumer {
 public:
  struct Options {
    AmqpEndpoint endpoint;
    TopologyOptions topology;
    int prefetch = 50;
    absl::Duration initial_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(10);
  };

  EventConsumer(Options options, DeliveryProcessor& processor)
      : options_(std::move(options)), processor_(processor) {}

  // Consumes until `stop` is set, reconnecting with backoff when RabbitMQ goes away. While the
  // database is down, the message in hand waits (backing off) and no other is taken. On stop,
  // it finishes (and acks) the message in hand and leaves everything else unacked, so the
  // broker hands it to another replica.
  void Run(const std::atomic<bool>& stop);

 private:
  // Consumes on one connection until stop or a connection error.
  absl::Status ConsumeOnce(const std::atomic<bool>& stop);
  absl::Status Park(ConfirmingPublisher& publisher, const AmqpDelivery& delivery,
                    const ProcessResult& result);

  Options options_;
  DeliveryProcessor& processor_;
};

}  // namespace skk

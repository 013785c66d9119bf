#pragma once

// The transactional outbox (design.md, "Never lose, never duplicate"): a service writes its
// change and the events it causes in one transaction; the relay publishes the outbox rows with
// publisher confirms and deletes them only after the broker confirmed every one. A crash
// anywhere loses nothing; at worst an event is published twice, and consumers are idempotent.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/amqp.h"
#include "services/platform/pg.h"

namespace skk {

// Adds `event` to the outbox inside the caller's open transaction on `tx` (InTransaction), and
// wakes this process's relay when that transaction commits. The only way events enter an
// outbox.
absl::Status EnqueueEvent(PgConnection& tx, const sambat::v1::Event& event);
// The same for many events in one statement, published in the order given.
absl::Status EnqueueEvents(PgConnection& tx, const std::vector<const sambat::v1::Event*>& events);

// Erases the citizen's personal data (ErasePersonalData with `photos`) from the events about
// `complaint_id` still waiting in the outbox, inside the caller's open transaction on `tx`
// (complaint.erasure_requested: a service erases its outbox in the transaction that erases its
// tables). Published events are not kept (the relay deletes a row once the broker confirmed
// it), so these rows are every copy the outbox holds. A row a relay is publishing at that
// moment is waited for: it is then gone, or, if the relay failed, erased here before it is
// published. Returns how many rows it rewrote. INTERNAL if a row is not an event.
absl::StatusOr<int> EraseOutboxPersonalData(PgConnection& tx, const std::string& complaint_id,
                                            bool photos);

struct OutboxRow {
  int64_t id = 0;
  std::string event_id;
  std::string routing_key;
  std::string complaint_id;
  std::string correlation_id;
  std::string payload;  // serialized sambat.v1.Event
  absl::Time created_at;
  int unroutable_count = 0;  // how often the broker returned it as unroutable
};

// An outbox row the broker returned as unroutable, kept to be tried again in `retry_in`.
struct SetAsideRow {
  int64_t row_id = 0;
  absl::Duration retry_in;
};

// A batch of outbox rows claimed by one relay (other relays skip them). Destroying a batch
// without Complete() releases the rows for a later attempt.
class OutboxBatch {
 public:
  virtual ~OutboxBatch() = default;
  virtual const std::vector<OutboxRow>& rows() const = 0;
  // Call only after the broker confirmed every row. Removes the rows, except those
  // `set_aside` (returned by the broker as unroutable): those stay, with their
  // unroutable_count raised, and are not claimed again before their retry_in has passed.
  virtual absl::Status Complete(const std::vector<SetAsideRow>& set_aside = {}) = 0;
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Claims up to `limit` unpublished rows, oldest first, skipping rows other relays hold and
  // rows set aside as unroutable whose retry time has not come.
  virtual absl::StatusOr<std::unique_ptr<OutboxBatch>> Claim(int limit) = 0;
  // Waits up to `timeout` for new rows to be committed. Spurious wake-ups are fine.
  virtual void WaitForRows(absl::Duration timeout) = 0;
};

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // OK only if every message was confirmed by the broker. Returns the message ids the broker
  // returned as unroutable (no queue bound for them): confirmed, but delivered to nobody.
  virtual absl::StatusOr<std::vector<std::string>> PublishBatch(
      const std::vector<AmqpMessage>& messages) = 0;
};

// The outbox in a service's PostgreSQL schema. Holds its own connections.
std::unique_ptr<OutboxStore> MakePgOutboxStore(std::string uri, std::string schema);

// Adapts ConfirmingPublisher to EventPublisher.
std::unique_ptr<EventPublisher> MakeAmqpEventPublisher(AmqpEndpoint endpoint,
                                                       std::string name);

class OutboxRelay {
 public:
  struct Options {
    std::string exchange = "sambat.events";
    int batch_size = 500;
    // Backstop for a missed notification; new rows normally wake the relay at once.
    absl::Duration idle_wait = absl::Milliseconds(500);
    absl::Duration max_backoff = absl::Seconds(10);
    // An event no queue is bound for is tried again after this, doubling up to the maximum:
    // it comes through by itself once the consuming service has declared its queue.
    absl::Duration unroutable_first_retry = absl::Minutes(1);
    absl::Duration unroutable_max_retry = absl::Hours(1);
  };

  OutboxRelay(OutboxStore& store, EventPublisher& publisher, Options options)
      : store_(store), publisher_(publisher), options_(std::move(options)) {}

  // Publishes one batch. Returns how many events were published and removed; on an error
  // nothing of the batch is removed, so the rows are published again later. An event the
  // broker returns as unroutable is logged as an error and set aside for a later try; the
  // rest of the batch goes on (design.md: nothing vanishes, nothing blocks the others).
  absl::StatusOr<int> RelayOnce();

  // Relays until `stop` is set, backing off while PostgreSQL or RabbitMQ is away. Finishes the
  // batch in flight before returning.
  void Run(const std::atomic<bool>& stop);

 private:
  OutboxStore& store_;
  EventPublisher& publisher_;
  Options options_;
};

// Sets the gauges of this service's outbox (skk_outbox_rows by state, waiting or set aside as
// unroutable, and skk_outbox_oldest_seconds): what the relay has not published yet, and how
// long the oldest has waited. An outbox that grows or ages means events are not leaving.
absl::Status MeasureOutbox(PgPool& pool);

}  // namespace skk

#pragma once

// Getting decided deliveries onto the wire, once each (design.md, "Never lose, never
// duplicate"):
//  - The dispatcher moves pending deliveries whose time has come (quiet hours end on the
//    business clock) to their channel's RabbitMQ work queue, with publisher confirms, and
//    marks them queued in the same transaction that claimed them (FOR UPDATE SKIP LOCKED).
//  - One work queue per channel ("notification.<channel>.events"), each with its own worker
//    threads, so a slow SMS gateway never holds up email.
//  - A worker records the attempts of the batch of messages it took in PostgreSQL before it
//    sends (state sending, a lease; one transaction) and their outcomes after (another); a
//    failure that may pass goes to the channel's retry queue for the next backoff step (TTL,
//    then dead-lettered back to the work queue); a permanent one, or the last allowed
//    attempt, to the channel's dead queue, and the delivery is dead. The platform's
//    EventConsumer consumes the queue, parks and acks; the worker only sends.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/notification/channels.h"
#include "services/notification/store.h"
#include "services/platform/amqp.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/pg.h"

namespace skk::notification {

// The work queue topology of a channel: its queue, retry queues (one per backoff step) and
// dead queue.
TopologyOptions ChannelTopology(const std::string& channel,
                                const std::vector<absl::Duration>& backoff);

// Exponential backoff: `first`, doubled each step, `steps` steps (e.g. 2s,4s,...,256s).
std::vector<absl::Duration> ExponentialBackoff(absl::Duration first, int steps);

struct DeliveryOptions {
  AmqpEndpoint endpoint;
  std::vector<absl::Duration> backoff = ExponentialBackoff(absl::Seconds(2), 7);
  int max_attempts = 8;
  // How long an attempt may hold a delivery before another worker may take it over.
  absl::Duration lease = absl::Minutes(2);
  int prefetch = 20;
  // Messages a worker takes at once (EventConsumer::Options::batch_max), at most prefetch.
  int batch = 20;
  absl::Duration idle_poll = absl::Milliseconds(200);
};

class Dispatcher {
 public:
  Dispatcher(PgPool& pool, Clock& clock, DeliveryOptions options)
      : pool_(pool), clock_(clock), options_(std::move(options)) {}
  // Queues one batch. Returns how many deliveries were queued.
  absl::StatusOr<int> DispatchOnce();
  void Run(const std::atomic<bool>& stop);

 private:
  PgPool& pool_;
  Clock& clock_;
  DeliveryOptions options_;
  std::unique_ptr<ConfirmingPublisher> publisher_;
};

// Sends the deliveries named by the messages of one channel's work queue.
class ChannelWorker final : public MessageProcessor {
 public:
  ChannelWorker(std::string channel, PgPool& pool, Clock& clock, std::unique_ptr<Sender> sender,
                DeliveryOptions options)
      : channel_(std::move(channel)),
        pool_(pool),
        clock_(clock),
        sender_(std::move(sender)),
        options_(std::move(options)) {}
  // Consumes the channel's work queue until `stop`, reconnecting with backoff.
  void Run(const std::atomic<bool>& stop);

  // Attempts the delivery a message names once and records its outcome: kAck when sent or
  // nothing is left to do, kRetry or kDeadLetter (counted by the delivery's attempts) when it
  // failed, kRevisitLater while another worker holds it, kWaitForStore when the database is
  // away before anything was sent. Outcomes of messages that went out wait for the database.
  absl::StatusOr<ProcessResult> Process(const AmqpDelivery& delivery) override;
  // The messages of a batch as Process would, with the attempts begun in one transaction and
  // their outcomes recorded in another.
  absl::StatusOr<std::vector<ProcessResult>> ProcessBatch(
      const std::vector<AmqpDelivery>& deliveries) override;

 private:
  // Records the outcomes of attempts whose messages went out, waiting (until the worker stops)
  // while the database is away.
  absl::Status RecordOutcomes(const std::vector<FinishedAttempt>& finished, absl::Time now);
  absl::Status RecordOutcomesOnce(const std::vector<FinishedAttempt>& finished, absl::Time now);

  std::string channel_;
  PgPool& pool_;
  Clock& clock_;
  std::unique_ptr<Sender> sender_;
  DeliveryOptions options_;
  const std::atomic<bool>* stop_ = nullptr;  // set by Run; none when driven by a test
};

// Declares every channel's queues (idempotent).
absl::Status DeclareChannelQueues(const DeliveryOptions& options);

}  // namespace skk::notification

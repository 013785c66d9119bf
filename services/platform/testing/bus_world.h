#pragma once

// A service's database and queues on a private world, for the tests of the platform's outbox,
// consumer and parked events against the real PostgreSQL and RabbitMQ.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/amqp.h"
#include "services/platform/consumer.h"
#include "services/platform/pg.h"
#include "services/platform/testing/test_env.h"

namespace skk::testing {

// The depth of `queue` (ready messages); fails the test if RabbitMQ cannot tell.
uint32_t QueueDepth(AmqpConnection& conn, const std::string& queue);

// Routing's side of an event bus on an IsolatedWorld: the routing role's connection with the
// platform's tables and a table `effects (event_id, note)` for test handlers to write, and
// routing's topology (complaint.submitted bound, retries after 100 ms and 200 ms) declared on
// the world's vhost.
struct BusWorld {
  explicit BusWorld(const std::string& name);

  // A complaint.submitted event of `complaint_id`, made now.
  static sambat::v1::Event Submitted(const std::string& complaint_id);

  // What most test handlers do with an event: write a row of `effects` with its event id and
  // its complaint id as the note.
  static absl::Status NoteComplaint(PgConnection& tx, const sambat::v1::Event& e);

  // Publishes `events` to sambat.events on the world's vhost, with confirms.
  void Publish(const std::vector<sambat::v1::Event>& events);

  // QueryInt on the routing connection.
  long long Count(const std::string& sql);
  // Waits until Count(sql) reaches `n`; false if it has not after `timeout`.
  bool AwaitCount(const std::string& sql, long long n, absl::Duration timeout);
  uint32_t Depth(const std::string& queue) { return QueueDepth(*broker, queue); }

  IsolatedWorld world;
  std::unique_ptr<PgConnection> db;
  AmqpEndpoint amqp;
  TopologyOptions topology;
  std::unique_ptr<AmqpConnection> broker;  // the connection that declared the topology
};

// Routing's consumer on a BusWorld, as the service runs it: an EventConsumer of the world's
// queues (prefetch 10) whose DeliveryProcessor applies each event once through the routing
// role's pool, on a thread of its own from construction until Stop (or destruction).
class RunningConsumer {
 public:
  RunningConsumer(BusWorld& bus, EventHandlers handlers, int max_attempts,
                  int max_waits = DeliveryProcessor::kDefaultMaxWaits);
  ~RunningConsumer() { Stop(); }
  RunningConsumer(const RunningConsumer&) = delete;
  RunningConsumer& operator=(const RunningConsumer&) = delete;

  // Stops consuming (the message in hand is finished) and waits for the thread.
  void Stop();

 private:
  PgPool pool_;
  PgIdempotentApplier applier_;
  DeliveryProcessor processor_;
  EventConsumer consumer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace skk::testing

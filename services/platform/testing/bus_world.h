#pragma once

// A service's database and queues on a private world, for the tests of the platform's outbox,
// consumer and parked events against the real PostgreSQL and RabbitMQ.

#include <cstdint>
#include <memory>
#include <string>

#include "sambat/v1/events.pb.h"
#include "services/platform/amqp.h"
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

  // QueryInt on the routing connection.
  long long Count(const std::string& sql);
  uint32_t Depth(const std::string& queue) { return QueueDepth(*broker, queue); }

  IsolatedWorld world;
  std::unique_ptr<PgConnection> db;
  AmqpEndpoint amqp;
  TopologyOptions topology;
  std::unique_ptr<AmqpConnection> broker;  // the connection that declared the topology
};

}  // namespace skk::testing

#include "services/platform/testing/bus_world.h"

#include <catch2/catch.hpp>
#include <vector>

#include "absl/time/clock.h"
#include "services/platform/events.h"
#include "services/platform/migrations.h"

namespace skk::testing {
namespace {

const std::vector<Migration> kEffects = {
    {1, "effects", "CREATE TABLE effects (event_id uuid NOT NULL, note text NOT NULL)"}};

}  // namespace

uint32_t QueueDepth(AmqpConnection& conn, const std::string& queue) {
  auto depth = conn.QueueDepth(queue);
  INFO(depth.status().ToString());
  REQUIRE(depth.ok());
  return *depth;
}

BusWorld::BusWorld(const std::string& name) : world(name) {
  auto conn = PgConnection::Connect(world.PgUri("routing"), "routing");
  REQUIRE(conn.ok());
  db = std::move(conn).value();
  REQUIRE(ApplyMigrations(*db, "platform", platform_migrations()).ok());
  REQUIRE(ApplyMigrations(*db, "test", kEffects).ok());
  auto endpoint = ParseAmqpUri(world.AmqpUri());
  REQUIRE(endpoint.ok());
  amqp = *endpoint;
  topology.service = "routing";
  topology.bindings = {kComplaintSubmitted};
  topology.retry_delays = {absl::Milliseconds(100), absl::Milliseconds(200)};
  auto admin = AmqpConnection::Open(amqp, "test-setup");
  REQUIRE(admin.ok());
  REQUIRE((*admin)->DeclareTopology(topology).ok());
  broker = std::move(admin).value();
}

sambat::v1::Event BusWorld::Submitted(const std::string& complaint_id) {
  sambat::v1::Event e = NewEvent(kComplaintSubmitted, complaint_id, absl::Now(), "test", nullptr);
  e.mutable_complaint_submitted()->set_ticket("SKK-2026-000001");
  e.mutable_complaint_submitted()->set_category("jalan-rusak");
  return e;
}

long long BusWorld::Count(const std::string& sql) { return QueryInt(*db, sql); }

}  // namespace skk::testing

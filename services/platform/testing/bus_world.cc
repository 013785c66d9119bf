#include "services/platform/testing/bus_world.h"

#include <catch2/catch.hpp>
#include <chrono>
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

absl::Status BusWorld::NoteComplaint(PgConnection& tx, const sambat::v1::Event& e) {
  static constexpr SqlStatement kNote{"test_note_complaint",
                                      "INSERT INTO effects (event_id, note) VALUES ($1, $2)"};
  return tx.Execute(kNote, {SqlParam::Text(e.event_id()), SqlParam::Text(e.complaint_id())})
      .status();
}

void BusWorld::Publish(const std::vector<sambat::v1::Event>& events) {
  std::vector<AmqpMessage> messages;
  for (const sambat::v1::Event& e : events) messages.push_back(ToAmqpMessage(e, kEventsExchange));
  ConfirmingPublisher publisher(amqp, "test-publisher");
  const absl::Status published = publisher.PublishBatch(messages);
  INFO(published.ToString());
  REQUIRE(published.ok());
}

long long BusWorld::Count(const std::string& sql) { return QueryInt(*db, sql); }

bool BusWorld::AwaitCount(const std::string& sql, long long n, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (Count(sql) < n) {
    if (absl::Now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

RunningConsumer::RunningConsumer(BusWorld& bus, EventHandlers handlers, int max_attempts,
                                 int max_waits)
    : pool_({.uri = bus.world.PgUri("routing"), .schema = "routing", .size = 4}),
      applier_(pool_),
      processor_("routing", std::move(handlers), applier_, max_attempts, max_waits),
      consumer_({.endpoint = bus.amqp, .topology = bus.topology, .prefetch = 10}, processor_),
      thread_([this] { consumer_.Run(stop_); }) {}

void RunningConsumer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace skk::testing

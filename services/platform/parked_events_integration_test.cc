// Parked events against the real PostgreSQL and RabbitMQ (issue 7: a poison message is parked
// and replayable, not lost and not blocking the queue). Each case has its own vhost and
// database (IsolatedWorld).

#include <sys/wait.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/platform/amqp.h"
#include "services/platform/consumer.h"
#include "services/platform/events.h"
#include "services/platform/migrations.h"
#include "services/platform/parked_events.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

using testing::IsolatedWorld;
using testing::QueryInt;

const std::vector<Migration> kEffects = {
    {1, "effects", "CREATE TABLE effects (event_id uuid NOT NULL, note text NOT NULL)"}};

// The routing service's schema and topology on a private world.
struct Fixture {
  explicit Fixture(const std::string& name) : world(name) {
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

  sambat::v1::Event Submitted(const std::string& complaint_id) {
    sambat::v1::Event e = NewEvent(kComplaintSubmitted, complaint_id, absl::Now(), "test", nullptr);
    e.mutable_complaint_submitted()->set_ticket("SKK-2026-000001");
    e.mutable_complaint_submitted()->set_category("jalan-rusak");
    return e;
  }

  long long Count(const std::string& sql) { return QueryInt(*db, sql); }

  uint32_t Depth(const std::string& queue) {
    auto depth = broker->QueueDepth(queue);
    INFO(depth.status().ToString());
    REQUIRE(depth.ok());
    return *depth;
  }

  // Waits until `queue` holds `n` ready messages (messages a listing held come back
  // asynchronously, within moments); false after `timeout`.
  bool AwaitDepth(const std::string& queue, uint32_t n,
                  absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time give_up = absl::Now() + timeout;
    while (Depth(queue) != n) {
      if (absl::Now() > give_up) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
  }

  // Puts messages straight into the dead queue, the way EventConsumer::Park does.
  void Park(const std::vector<AmqpMessage>& messages) {
    std::vector<AmqpMessage> parked;
    for (AmqpMessage m : messages) {
      m.original_routing_key = m.routing_key;
      m.exchange = "";
      m.routing_key = "routing.events.dead";
      m.attempt = 1;
      m.last_error = absl::StrCat("INVALID_ARGUMENT: bad ", m.message_id);
      parked.push_back(std::move(m));
    }
    ConfirmingPublisher publisher(amqp, "test-park");
    REQUIRE(publisher.PublishBatch(parked).ok());
  }

  IsolatedWorld world;
  std::unique_ptr<PgConnection> db;
  AmqpEndpoint amqp;
  TopologyOptions topology;
  std::unique_ptr<AmqpConnection> broker;
};

std::vector<std::string> Ids(const std::vector<ParkedEvent>& parked) {
  std::vector<std::string> ids;
  for (const ParkedEvent& p : parked) ids.push_back(p.event_id);
  return ids;
}

std::vector<ParkedEvent> List(Fixture& f, int limit = 100) {
  auto parked = ListParked(f.amqp, "routing", limit);
  INFO(parked.status().ToString());
  REQUIRE(parked.ok());
  return *parked;
}

// Runs a shell command; returns its exit code and fills `out` with its standard output.
int Run(const std::string& command, std::string* out) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  out->clear();
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out->append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("A poison event is parked without blocking the queue and replays once after the fix",
          "[parked]") {
  Fixture f("parked");
  PgPool pool({.uri = f.world.PgUri("routing"), .schema = "routing", .size = 4});
  PgIdempotentApplier applier(pool);
  const SqlStatement effect{"effect", "INSERT INTO effects (event_id, note) VALUES ($1, $2)"};
  std::atomic<bool> fixed{false};
  std::atomic<int> poison_attempts{0};
  EventHandlers handlers = {
      {kComplaintSubmitted, [&](PgConnection& tx, const sambat::v1::Event& e) -> absl::Status {
         if (e.complaint_id() == "poison") {
           ++poison_attempts;
           if (!fixed) return absl::InvalidArgumentError("area 3507-99 is not in the city");
         }
         return tx.Execute(effect, {SqlParam::Text(e.event_id()), SqlParam::Text(e.complaint_id())})
             .status();
       }}};
  DeliveryProcessor processor("routing", handlers, applier, /*max_attempts=*/5);
  EventConsumer consumer({.endpoint = f.amqp, .topology = f.topology, .prefetch = 10}, processor);
  std::atomic<bool> stop{false};
  std::thread running([&] { consumer.Run(stop); });

  const sambat::v1::Event poison = f.Submitted("poison");
  std::vector<AmqpMessage> messages = {ToAmqpMessage(poison, kEventsExchange)};
  for (int i = 0; i < 50; ++i) {
    messages.push_back(ToAmqpMessage(f.Submitted(absl::StrCat("good-", i)), kEventsExchange));
  }
  ConfirmingPublisher publisher(f.amqp, "test-publisher");
  REQUIRE(publisher.PublishBatch(messages).ok());

  // The poison goes first, and the 50 behind it are all applied: it does not block the queue.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (f.Count("SELECT count(*) FROM effects") < 50 && absl::Now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(f.Count("SELECT count(*) FROM effects WHERE note LIKE 'good-%'") == 50);
  REQUIRE(f.AwaitDepth("routing.events.dead", 1));
  CHECK(poison_attempts == 1);  // a permanent failure is not retried

  const std::vector<ParkedEvent> first = List(f);
  REQUIRE(first.size() == 1);
  const ParkedEvent& p = first[0];
  CHECK(p.event_id == poison.event_id());
  CHECK(p.event_type == kComplaintSubmitted);
  CHECK(p.complaint_id == "poison");
  CHECK(p.decode_error.empty());
  CHECK(p.original_routing_key == kComplaintSubmitted);
  CHECK(p.attempt == 1);
  CHECK_THAT(p.last_error, Catch::Contains("area 3507-99 is not in the city"));
  CHECK(p.size_bytes == poison.SerializeAsString().size());

  // Listing moves nothing: straight after, the same message is listed again, the same.
  const std::vector<ParkedEvent> second = List(f);
  REQUIRE(second.size() == 1);
  CHECK(second[0].event_id == p.event_id);
  CHECK(second[0].attempt == p.attempt);
  CHECK(second[0].last_error == p.last_error);
  CHECK(f.AwaitDepth("routing.events.dead", 1));
  CHECK(f.Count("SELECT count(*) FROM effects WHERE note = 'poison'") == 0);

  fixed = true;
  auto replayed = ReplayParked(f.amqp, "routing", {.event_id = poison.event_id()});
  INFO(replayed.status().ToString());
  REQUIRE(replayed.ok());
  CHECK(*replayed == 1);
  const absl::Time applied_by = absl::Now() + absl::Seconds(10);
  while (f.Count("SELECT count(*) FROM effects WHERE note = 'poison'") < 1 &&
         absl::Now() < applied_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Give a stray duplicate time to show up before counting.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  running.join();

  CHECK(f.Count("SELECT count(*) FROM effects WHERE note = 'poison'") == 1);
  CHECK(f.Count("SELECT count(*) FROM effects") == 51);
  CHECK(poison_attempts == 2);
  CHECK(f.Depth("routing.events.dead") == 0);
  CHECK(f.Depth("routing.events") == 0);
  CHECK(List(f).empty());
}

TEST_CASE("Replay with an event id that matches nothing replays nothing and loses nothing",
          "[parked]") {
  Fixture f("parkedmiss");
  std::vector<AmqpMessage> messages;
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    const sambat::v1::Event e = f.Submitted(absl::StrCat("c-", i));
    messages.push_back(ToAmqpMessage(e, kEventsExchange));
    ids.push_back(e.event_id());
  }
  // A payload that does not decode is listed (and replayable) by its AMQP message id.
  AmqpMessage garbage = messages.back();
  garbage.message_id = "garbage-1";
  garbage.body = "\x08\x96\x01 this is not an event";
  messages.push_back(garbage);
  ids.push_back("garbage-1");
  f.Park(messages);
  REQUIRE(f.AwaitDepth("routing.events.dead", 21));

  auto none = ReplayParked(f.amqp, "routing", {.event_id = "00000000-0000-0000-0000-000000000000"});
  INFO(none.status().ToString());
  REQUIRE(none.ok());
  CHECK(*none == 0);
  CHECK(f.Depth("routing.events") == 0);

  // Everything is still there, in the order it was parked, with its history.
  const std::vector<ParkedEvent> all = List(f);
  CHECK(Ids(all) == ids);
  REQUIRE(all.size() == 21);
  CHECK(all[3].complaint_id == "c-3");
  CHECK(all[3].attempt == 1);
  CHECK(all[3].last_error == absl::StrCat("INVALID_ARGUMENT: bad ", ids[3]));
  CHECK(all[20].complaint_id.empty());
  CHECK_FALSE(all[20].decode_error.empty());
  CHECK(all[20].event_type == kComplaintSubmitted);

  // A limit shows the oldest and still moves nothing.
  CHECK(Ids(List(f, 5)) == std::vector<std::string>(ids.begin(), ids.begin() + 5));
  REQUIRE(f.AwaitDepth("routing.events.dead", 21));

  // One id replays that message alone, reset to attempt 0 with its history kept.
  auto one = ReplayParked(f.amqp, "routing", {.event_id = ids[7]});
  REQUIRE(one.ok());
  CHECK(*one == 1);
  REQUIRE(f.AwaitDepth("routing.events.dead", 20));
  auto conn = AmqpConnection::Open(f.amqp, "test-read");
  REQUIRE(conn.ok());
  REQUIRE((*conn)->StartConsuming("routing.events", 10).ok());
  auto delivery = (*conn)->NextDelivery(absl::Seconds(5));
  REQUIRE(delivery.ok());
  REQUIRE(delivery->has_value());
  const AmqpMessage& back = (*delivery)->message;
  CHECK(back.message_id == ids[7]);
  CHECK(back.attempt == 0);
  CHECK(back.original_routing_key == kComplaintSubmitted);
  CHECK(back.last_error == absl::StrCat("INVALID_ARGUMENT: bad ", ids[7]));
  CHECK(back.body == messages[7].body);

  std::vector<std::string> rest = ids;
  rest.erase(rest.begin() + 7);
  CHECK(Ids(List(f)) == rest);
}

TEST_CASE("Parked events refuse a bad filter and name a missing dead queue", "[parked]") {
  Fixture f("parkedbad");
  CHECK(absl::IsInvalidArgument(ReplayParked(f.amqp, "routing", {}).status()));
  CHECK(absl::IsInvalidArgument(
      ReplayParked(f.amqp, "routing", {.all = true, .event_id = "x"}).status()));
  CHECK(absl::IsInvalidArgument(ListParked(f.amqp, "routing", 0).status()));
  auto missing = ListParked(f.amqp, "sla", 10);  // sla's topology was never declared here
  CHECK(absl::IsNotFound(missing.status()));
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("sla.events.dead"));
  CHECK(absl::IsNotFound(ReplayParked(f.amqp, "sla", {.all = true, .event_id = ""}).status()));
}

TEST_CASE("sambatctl parked lists and sambatctl replay-parked replays", "[parked]") {
  Fixture f("parkedctl");
  const sambat::v1::Event a = f.Submitted("complaint-a");
  const sambat::v1::Event b = f.Submitted("complaint-b");
  f.Park({ToAmqpMessage(a, kEventsExchange), ToAmqpMessage(b, kEventsExchange)});
  REQUIRE(f.AwaitDepth("routing.events.dead", 2));

  const std::string sambatctl = absl::StrCat(SKK_BIN_DIR, "/sambatctl");
  const std::string uri = absl::StrCat(" --amqp_uri '", f.world.AmqpUri(), "'");
  std::string out;
  CHECK(Run(absl::StrCat(sambatctl, " parked routing", uri), &out) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Contains(absl::StrCat(a.event_id(), "  complaint.submitted  complaint "
                                               "complaint-a  attempts 1  INVALID_ARGUMENT: bad ",
                                               a.event_id())));
  CHECK_THAT(out, Catch::Contains(b.event_id()));
  CHECK_THAT(out, Catch::Contains("2 parked event(s) in routing.events.dead"));

  // The URI can come from the environment as well.
  CHECK(Run(absl::StrCat("SKK_AMQP_URI='", f.world.AmqpUri(), "' ", sambatctl, " parked routing"),
            &out) == 0);
  CHECK_THAT(out, Catch::Contains("2 parked event(s)"));

  CHECK(Run(absl::StrCat(sambatctl, " parked billing", uri, " 2>&1"), &out) == 2);
  CHECK_THAT(out, Catch::Contains("unknown service 'billing'"));
  CHECK(Run(absl::StrCat(sambatctl, " replay-parked routing", uri, " 2>&1"), &out) == 2);
  CHECK(Run(absl::StrCat(sambatctl, " replay-parked routing --event_id nope", uri, " 2>&1"),
            &out) == 1);
  CHECK_THAT(out, Catch::Contains("no parked event with id nope"));

  REQUIRE(f.AwaitDepth("routing.events.dead", 2));
  CHECK(Run(absl::StrCat(sambatctl, " replay-parked routing --all", uri), &out) == 0);
  CHECK_THAT(out, Catch::Contains("replayed 2 parked event(s) from routing.events.dead to "
                                  "routing.events"));
  CHECK(f.AwaitDepth("routing.events", 2));
  CHECK(f.Depth("routing.events.dead") == 0);
}

}  // namespace skk

// The outbox relay, idempotent application and the consumer's retry and dead-letter path,
// against the real PostgreSQL and RabbitMQ.

#include <atomic>
#include <functional>
#include <set>
#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/platform/amqp.h"
#include "services/platform/consumer.h"
#include "services/platform/events.h"
#include "services/platform/migrations.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"
#include "services/platform/testing/bus_world.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

// Routing's database and queues on a private world (services/platform/testing/bus_world.h).
using Fixture = testing::BusWorld;

// Reads up to `n` messages from `queue` (acking them), waiting at most `timeout` in all.
std::vector<AmqpDelivery> Drain(const AmqpEndpoint& amqp, const std::string& queue, size_t n,
                                absl::Duration timeout = absl::Seconds(10)) {
  auto conn = AmqpConnection::Open(amqp, "test-drain");
  REQUIRE(conn.ok());
  REQUIRE((*conn)->StartConsuming(queue, 100).ok());
  std::vector<AmqpDelivery> out;
  const absl::Time give_up = absl::Now() + timeout;
  while (out.size() < n && absl::Now() < give_up) {
    auto d = (*conn)->NextDelivery(absl::Milliseconds(100));
    REQUIRE(d.ok());
    if (!d->has_value()) continue;
    REQUIRE((*conn)->Ack((*d)->delivery_tag).ok());
    out.push_back(**d);
  }
  return out;
}

}  // namespace

TEST_CASE("committed events are published exactly as written and rolled-back ones never", "[outbox]") {
  Fixture f("relay");
  std::vector<std::string> committed;
  for (int i = 0; i < 300; ++i) {
    sambat::v1::Event e = f.Submitted(absl::StrCat("complaint-", i));
    const bool commit = i % 3 != 0;
    absl::Status st = InTransaction(*f.db, [&](PgConnection& tx) -> absl::Status {
      if (absl::Status s = EnqueueEvent(tx, e); !s.ok()) return s;
      return commit ? absl::OkStatus() : absl::AbortedError("rolled back on purpose");
    });
    if (commit) {
      REQUIRE(st.ok());
      committed.push_back(e.event_id());
    }
  }
  REQUIRE(f.Count("SELECT count(*) FROM outbox") == 200);

  auto store = MakePgOutboxStore(f.world.PgUri("routing"), "routing");
  auto publisher = MakeAmqpEventPublisher(f.amqp, "test-relay");
  OutboxRelay relay(*store, *publisher, {.batch_size = 64});
  int published = 0;
  while (true) {
    auto n = relay.RelayOnce();
    REQUIRE(n.ok());
    if (*n == 0) break;
    published += *n;
  }
  CHECK(published == 200);
  CHECK(f.Count("SELECT count(*) FROM outbox") == 0);

  const auto got = Drain(f.amqp, "routing.events", 200);
  REQUIRE(got.size() == 200);
  for (size_t i = 0; i < got.size(); ++i) {
    auto event = ParseEvent(got[i].message.body);
    REQUIRE(event.ok());
    CHECK(got[i].message.message_id == committed[i]);  // in commit order
    CHECK(event->event_id() == committed[i]);
    CHECK(got[i].message.type == kComplaintSubmitted);
  }
}


TEST_CASE("an event no queue is bound for stays in the outbox, set aside, and goes out once a "
          "queue is bound",
          "[outbox]") {
  Fixture f("unroutable");  // binds complaint.submitted only
  sambat::v1::Event submitted = f.Submitted("complaint-bound");
  sambat::v1::Event routed = NewEvent(kCaseRouted, "complaint-unbound", absl::Now(), "test", nullptr);
  routed.mutable_case_routed()->set_agency_code("DLH");
  sambat::v1::Event later = f.Submitted("complaint-later");
  REQUIRE(InTransaction(*f.db, [&](PgConnection& tx) -> absl::Status {
            SKK_RETURN_IF_ERROR(EnqueueEvent(tx, routed));  // first: it must not block the rest
            SKK_RETURN_IF_ERROR(EnqueueEvent(tx, submitted));
            return EnqueueEvent(tx, later);
          }).ok());

  auto store = MakePgOutboxStore(f.world.PgUri("routing"), "routing");
  auto publisher = MakeAmqpEventPublisher(f.amqp, "test-relay");
  OutboxRelay relay(*store, *publisher, {.batch_size = 64});
  auto n = relay.RelayOnce();
  REQUIRE(n.ok());
  CHECK(*n == 2);
  const auto got = Drain(f.amqp, "routing.events", 2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].message.message_id == submitted.event_id());
  CHECK(got[1].message.message_id == later.event_id());

  // The broker returned case.routed: it is kept, counted, and not tried again at once.
  CHECK(f.Count("SELECT count(*) FROM outbox") == 1);
  CHECK(f.Count(absl::StrCat("SELECT unroutable_count FROM outbox WHERE event_id = '",
                             routed.event_id(), "'")) == 1);
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE retry_at > now() + interval '50 seconds'") == 1);
  n = relay.RelayOnce();
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(f.Count("SELECT unroutable_count FROM outbox") == 1);

  // sla declares its queue; when the row's retry time comes, the event reaches it.
  TopologyOptions sla = f.topology;
  sla.service = "sla";
  sla.bindings = {kCaseRouted};
  auto conn = AmqpConnection::Open(f.amqp, "test-sla-setup");
  REQUIRE(conn.ok());
  REQUIRE((*conn)->DeclareTopology(sla).ok());
  REQUIRE(f.db->ExecuteScript("UPDATE outbox SET retry_at = now()").ok());
  n = relay.RelayOnce();
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(f.Count("SELECT count(*) FROM outbox") == 0);
  const auto arrived = Drain(f.amqp, "sla.events", 1);
  REQUIRE(arrived.size() == 1);
  CHECK(arrived[0].message.message_id == routed.event_id());
}

TEST_CASE("erasing a complaint's personal data rewrites its waiting events, and only those",
          "[outbox][erasure]") {
  Fixture f("outboxerase");
  const std::string erased_id = "0b6e4d21-9f3a-4c58-b7d0-2a1e8c5f6b94";
  sambat::v1::Event submitted = f.Submitted(erased_id);
  auto* complaint = submitted.mutable_complaint_submitted();
  complaint->set_description("Saluran mampet di depan rumah Bu Sri, Gang Kenari 5");
  complaint->set_address("Gang Kenari 5 RT 03");
  complaint->add_media_ids("5f0c3a9e");
  sambat::v1::Event handed = NewEvent(kCaseHandedOff, erased_id, absl::Now(), "test", &submitted);
  handed.mutable_case_handed_off()->set_description(complaint->description());
  handed.mutable_case_handed_off()->set_address(complaint->address());
  handed.mutable_case_handed_off()->set_agency_code("polresta");
  sambat::v1::Event claimed = NewEvent(kCaseClaimed, erased_id, absl::Now(), "test", &submitted);
  claimed.mutable_case_claimed()->set_officer_name("Budi Santoso");
  sambat::v1::Event other = f.Submitted("complaint-y");
  other.mutable_complaint_submitted()->set_description("Lampu jalan mati di Gang Kenari");
  REQUIRE(InTransaction(*f.db, [&](PgConnection& tx) -> absl::Status {
            for (const auto* e : {&submitted, &handed, &claimed, &other}) {
              SKK_RETURN_IF_ERROR(EnqueueEvent(tx, *e));
            }
            return absl::OkStatus();
          }).ok());
  auto holding = [&](const std::string& words) {
    return f.Count(absl::StrCat("SELECT count(*) FROM outbox WHERE position(convert_to('",
                                words, "', 'UTF8') in payload) > 0"));
  };
  REQUIRE(holding("Bu Sri") == 2);

  // Rolled back, the erasure changes nothing.
  absl::Status rolled_back = InTransaction(*f.db, [&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(int n, EraseOutboxPersonalData(tx, erased_id, true));
    CHECK(n == 2);
    return absl::AbortedError("rolled back on purpose");
  });
  CHECK(absl::IsAborted(rolled_back));
  CHECK(holding("Bu Sri") == 2);

  int rewritten = -1;
  REQUIRE(InTransaction(*f.db, [&](PgConnection& tx) -> absl::Status {
            SKK_ASSIGN_OR_RETURN(rewritten, EraseOutboxPersonalData(tx, erased_id, false));
            return absl::OkStatus();
          }).ok());
  CHECK(rewritten == 2);  // case.claimed holds nothing of the citizen's
  CHECK(holding("Bu Sri") == 0);
  CHECK(holding("Gang Kenari 5") == 0);
  CHECK(holding("Lampu jalan mati di Gang Kenari") == 1);  // another complaint's
  CHECK(holding("5f0c3a9e") == 1);                         // photos not asked for
  CHECK(holding("Budi Santoso") == 1);                     // staff stay
  CHECK(f.Count("SELECT count(*) FROM outbox") == 4);

  // Again, with the photos: only the photo ids are left to go.
  REQUIRE(InTransaction(*f.db, [&](PgConnection& tx) -> absl::Status {
            SKK_ASSIGN_OR_RETURN(rewritten, EraseOutboxPersonalData(tx, erased_id, true));
            return absl::OkStatus();
          }).ok());
  CHECK(rewritten == 1);
  CHECK(holding("5f0c3a9e") == 0);

  // What the relay publishes is the erased event, with its id and place in the order. The
  // case events go to a queue of their own (publishing is mandatory: they need one).
  TopologyOptions cases = f.topology;
  cases.service = "sla";
  cases.bindings = {"case.*"};
  auto setup = AmqpConnection::Open(f.amqp, "test-cases-setup");
  REQUIRE(setup.ok());
  REQUIRE((*setup)->DeclareTopology(cases).ok());
  auto store = MakePgOutboxStore(f.world.PgUri("routing"), "routing");
  auto publisher = MakeAmqpEventPublisher(f.amqp, "test-relay");
  OutboxRelay relay(*store, *publisher, {});
  auto published = relay.RelayOnce();
  REQUIRE(published.ok());
  CHECK(*published == 4);
  const auto got = Drain(f.amqp, "routing.events", 2);  // bound to complaint.submitted only
  REQUIRE(got.size() == 2);
  auto first = ParseEvent(got[0].message.body);
  auto second = ParseEvent(got[1].message.body);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->event_id() == submitted.event_id());
  CHECK(first->complaint_submitted().description() == kErasedText);
  CHECK(first->complaint_submitted().address() == kErasedText);
  CHECK(first->complaint_submitted().media_ids_size() == 0);
  CHECK(first->complaint_submitted().ticket() == "SKK-2026-000001");
  CHECK(second->complaint_submitted().description() == "Lampu jalan mati di Gang Kenari");
}

TEST_CASE("an erasure waits for a relay publishing the complaint's events: what it published "
          "is gone, what it gave up on is erased",
          "[outbox][erasure]") {
  Fixture f("outboxrace");
  const std::string erased_id = "0b6e4d21-9f3a-4c58-b7d0-2a1e8c5f6b94";
  auto enqueue = [&] {
    sambat::v1::Event e = f.Submitted(erased_id);
    e.mutable_complaint_submitted()->set_description("Rumah Bu Sri kebanjiran");
    REQUIRE(InTransaction(*f.db, [&](PgConnection& tx) { return EnqueueEvent(tx, e); }).ok());
  };
  auto store = MakePgOutboxStore(f.world.PgUri("routing"), "routing");
  auto erase_meanwhile = [&](const std::function<void(OutboxBatch&)>& relay_ends) {
    auto batch = store->Claim(10);
    REQUIRE(batch.ok());
    REQUIRE((*batch)->rows().size() == 1);
    std::atomic<bool> done{false};
    int rewritten = -1;
    absl::Status st;
    std::thread erasure([&] {
      auto conn = PgConnection::Connect(f.world.PgUri("routing"), "routing");
      st = !conn.ok() ? conn.status()
                      : InTransaction(**conn, [&](PgConnection& tx) -> absl::Status {
                          SKK_ASSIGN_OR_RETURN(rewritten,
                                               EraseOutboxPersonalData(tx, erased_id, false));
                          return absl::OkStatus();
                        });
      done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(done.load());  // held by the relay's claim
    relay_ends(**batch);
    batch->reset();
    erasure.join();
    INFO(st.ToString());
    CHECK(st.ok());
    return rewritten;
  };

  enqueue();
  // The relay published it: the row is gone, nothing is left to erase.
  CHECK(erase_meanwhile([](OutboxBatch& b) { REQUIRE(b.Complete().ok()); }) == 0);
  CHECK(f.Count("SELECT count(*) FROM outbox") == 0);

  enqueue();
  // The relay failed (the broker was away): the row stays, erased before it is published.
  CHECK(erase_meanwhile([](OutboxBatch&) {}) == 1);
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE position(convert_to('Bu Sri', 'UTF8') in "
                "payload) > 0") == 0);
  CHECK(f.Count("SELECT count(*) FROM outbox") == 1);
}

TEST_CASE("a relay that cannot reach RabbitMQ keeps every row for later", "[outbox]") {
  Fixture f("relaydown");
  REQUIRE(InTransaction(*f.db, [&](PgConnection& tx) {
            return EnqueueEvent(tx, f.Submitted("c-1"));
          }).ok());
  auto store = MakePgOutboxStore(f.world.PgUri("routing"), "routing");
  AmqpEndpoint nowhere = f.amqp;
  nowhere.port = 1;
  auto publisher = MakeAmqpEventPublisher(nowhere, "test-relay-down");
  OutboxRelay relay(*store, *publisher, {});
  CHECK_FALSE(relay.RelayOnce().ok());
  CHECK(f.Count("SELECT count(*) FROM outbox") == 1);
}

TEST_CASE("an event is applied once, however often and however concurrently it arrives",
          "[outbox]") {
  Fixture f("idem");
  PgPool pool({.uri = f.world.PgUri("routing"), .schema = "routing", .size = 8});
  PgIdempotentApplier applier(pool);
  const SqlStatement effect{"effect", "INSERT INTO effects (event_id, note) VALUES ($1, 'done')"};
  EventHandler handler = [&](PgConnection& tx, const sambat::v1::Event& e) {
    return tx.Execute(effect, {SqlParam::Text(e.event_id())}).status();
  };
  const sambat::v1::Event event = f.Submitted("c-1");
  std::atomic<int> applied{0};
  std::atomic<int> skipped{0};
  std::vector<std::thread> replicas;
  for (int i = 0; i < 8; ++i) {
    replicas.emplace_back([&] {
      auto r = applier.Apply(event, handler);
      if (r.ok() && *r) ++applied;
      if (r.ok() && !*r) ++skipped;
    });
  }
  for (auto& t : replicas) t.join();
  CHECK(applied == 1);
  CHECK(skipped == 7);
  CHECK(f.Count("SELECT count(*) FROM effects") == 1);

  // A handler that fails leaves no trace, not even the applied id: the retry applies it.
  const sambat::v1::Event second = f.Submitted("c-2");
  auto failed = applier.Apply(second, [&](PgConnection& tx, const sambat::v1::Event& e) {
    (void)tx.Execute(effect, {SqlParam::Text(e.event_id())});
    return absl::UnavailableError("downstream away");
  });
  CHECK(absl::IsUnavailable(failed.status()));
  CHECK(f.Count("SELECT count(*) FROM effects") == 1);
  auto retried = applier.Apply(second, handler);
  REQUIRE(retried.ok());
  CHECK(*retried);
  CHECK(f.Count("SELECT count(*) FROM effects") == 2);
}

TEST_CASE("the consumer retries a failing event, parks a poison one, and acks each once",
          "[outbox]") {
  Fixture f("consumer");
  std::atomic<int> flaky_attempts{0};
  testing::RunningConsumer consumer(
      f,
      {{kComplaintSubmitted, [&](PgConnection& tx, const sambat::v1::Event& e) -> absl::Status {
          if (e.complaint_id() == "flaky" && ++flaky_attempts < 3) {
            return absl::UnavailableError("database hiccup");
          }
          if (e.complaint_id() == "poison") {
            return absl::FailedPreconditionError("names a case that cannot exist");
          }
          return Fixture::NoteComplaint(tx, e);
        }}},
      /*max_attempts=*/5);

  std::vector<AmqpMessage> messages;
  const sambat::v1::Event good = f.Submitted("good");
  for (const auto& e : {good, good, f.Submitted("flaky"), f.Submitted("poison")}) {
    messages.push_back(ToAmqpMessage(e, kEventsExchange));
  }
  AmqpMessage garbage = messages.back();
  garbage.message_id = "garbage";
  garbage.body = "\x08\x96\x01 this is not an event";
  messages.push_back(garbage);
  ConfirmingPublisher publisher(f.amqp, "test-publisher");
  REQUIRE(publisher.PublishBatch(messages).ok());

  // good once (its duplicate changes nothing), flaky after two retries.
  CHECK(testing::QueryInt(*f.db, "SELECT 1") == 1);
  f.AwaitCount("SELECT count(*) FROM effects", 2, absl::Seconds(20));
  const auto dead = Drain(f.amqp, "routing.events.dead", 2);
  consumer.Stop();

  CHECK(f.Count("SELECT count(*) FROM effects WHERE note = 'good'") == 1);
  CHECK(f.Count("SELECT count(*) FROM effects WHERE note = 'flaky'") == 1);
  CHECK(flaky_attempts == 3);
  REQUIRE(dead.size() == 2);
  std::set<std::string> dead_ids = {dead[0].message.message_id, dead[1].message.message_id};
  CHECK(dead_ids.contains("garbage"));
  for (const auto& d : dead) {
    CHECK_FALSE(d.message.last_error.empty());
    CHECK(d.message.original_routing_key == kComplaintSubmitted);
  }
  auto depth = AmqpConnection::Open(f.amqp, "test-depth");
  REQUIRE(depth.ok());
  CHECK((*depth)->QueueDepth("routing.events").value_or(99) == 0);
}

}  // namespace skk

namespace skk {

TEST_CASE("an event that comes before an earlier event of its case waits for it, however long, "
          "and is never parked for it",
          "[outbox]") {
  Fixture f("consumer_waits");
  const SqlStatement earlier{"earlier", "SELECT 1 FROM effects WHERE note = 'earlier'"};
  std::atomic<int> early_tries{0};
  constexpr int kMaxAttempts = 2;
  testing::RunningConsumer consumer(
      f,
      {{kComplaintSubmitted, [&](PgConnection& tx, const sambat::v1::Event& e) -> absl::Status {
          if (e.complaint_id() == "later") {
            SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(earlier));
            if (r.rows() == 0) {
              ++early_tries;
              return EarlierEventPending("later before earlier");
            }
          }
          return Fixture::NoteComplaint(tx, e);
        }}},
      kMaxAttempts, /*max_waits=*/1000);

  f.Publish({f.Submitted("later")});
  // The earlier event is late by many times the attempts the later one has: it would have
  // been parked if waiting counted as failing.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (early_tries < 4 * kMaxAttempts && absl::Now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(early_tries >= 4 * kMaxAttempts);
  f.Publish({f.Submitted("earlier")});
  f.AwaitCount("SELECT count(*) FROM effects", 2, absl::Seconds(20));
  consumer.Stop();

  CHECK(f.Count("SELECT count(*) FROM effects WHERE note = 'earlier'") == 1);
  CHECK(f.Count("SELECT count(*) FROM effects WHERE note = 'later'") == 1);
  auto depth = AmqpConnection::Open(f.amqp, "test-depth");
  REQUIRE(depth.ok());
  CHECK((*depth)->QueueDepth("routing.events.dead").value_or(99) == 0);
  CHECK((*depth)->QueueDepth("routing.events").value_or(99) == 0);
}

}  // namespace skk

namespace skk {

TEST_CASE("an event whose earlier event never comes is parked after its waits, saying so",
          "[outbox]") {
  Fixture f("consumer_orphan");
  testing::RunningConsumer consumer(
      f,
      {{kComplaintSubmitted, [](PgConnection&, const sambat::v1::Event&) -> absl::Status {
          return EarlierEventPending("case.responded before case.routed");
        }}},
      /*max_attempts=*/5, /*max_waits=*/3);
  f.Publish({f.Submitted("orphan")});
  const auto dead = Drain(f.amqp, "routing.events.dead", 1);
  consumer.Stop();

  REQUIRE(dead.size() == 1);
  // Two waits, then the third try gave up: the giving up is its only failed attempt.
  CHECK(dead[0].message.waits == 2);
  CHECK(dead[0].message.attempt == 1);
  CHECK_THAT(dead[0].message.last_error, Catch::Contains("waited 3 times"));
  CHECK(dead[0].message.original_routing_key == kComplaintSubmitted);
}

}  // namespace skk

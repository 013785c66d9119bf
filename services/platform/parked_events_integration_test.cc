// Parked events against the real PostgreSQL and RabbitMQ (issue 7: a poison message is parked
// and replayable, not lost and not blocking the queue). Each case has its own vhost and
// database (IsolatedWorld).

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
#include "services/platform/testing/bus_world.h"
#include "services/platform/testing/local.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

using testing::RunCommand;

// Routing's database and queues on a private world (services/platform/testing/bus_world.h),
// with the parked-event helpers of these tests.
struct Fixture : testing::BusWorld {
  using BusWorld::BusWorld;

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

  // Puts messages straight into the dead queue, the way the consumer parks them (ParkedCopy).
  void Park(const std::vector<AmqpMessage>& messages) {
    std::vector<AmqpMessage> parked;
    for (AmqpMessage m : messages) {
      m.original_routing_key = m.routing_key;
      m.exchange = "";
      m.routing_key = "routing.events.dead";
      m.attempt = 1;
      if (m.last_error.empty()) m.last_error = absl::StrCat("INVALID_ARGUMENT: bad ", m.message_id);
      parked.push_back(std::move(m));
    }
    ConfirmingPublisher publisher(amqp, "test-park");
    REQUIRE(publisher.PublishBatch(parked).ok());
  }
};

std::vector<std::string> Ids(const std::vector<ParkedEvent>& parked) {
  std::vector<std::string> ids;
  for (const ParkedEvent& p : parked) ids.push_back(p.event_id);
  return ids;
}

// Every message of `queue` as it is now, headers and all. Nothing is acked: they go back to
// the queue, in their order, when this returns.
std::vector<AmqpMessage> Peek(Fixture& f, const std::string& queue, size_t expected) {
  auto conn = AmqpConnection::Open(f.amqp, "test-peek");
  REQUIRE(conn.ok());
  REQUIRE((*conn)->StartConsuming(queue, 1000).ok());
  std::vector<AmqpMessage> out;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (out.size() < expected && absl::Now() < give_up) {
    auto d = (*conn)->NextDelivery(absl::Milliseconds(100));
    REQUIRE(d.ok());
    if (d->has_value()) out.push_back((*d)->message);
  }
  // Nothing more than expected.
  auto extra = (*conn)->NextDelivery(absl::Milliseconds(300));
  REQUIRE(extra.ok());
  CHECK_FALSE(extra->has_value());
  return out;
}

std::vector<ParkedEvent> List(Fixture& f, int limit = 100) {
  auto parked = ListParked(f.amqp, "routing", limit);
  INFO(parked.status().ToString());
  REQUIRE(parked.ok());
  return *parked;
}


}  // namespace

TEST_CASE("A poison event is parked without blocking the queue and replays once after the fix",
          "[parked]") {
  Fixture f("parked");
  std::atomic<bool> fixed{false};
  std::atomic<int> poison_attempts{0};
  testing::RunningConsumer consumer(
      f,
      {{kComplaintSubmitted, [&](PgConnection& tx, const sambat::v1::Event& e) -> absl::Status {
          if (e.complaint_id() == "poison") {
            ++poison_attempts;
            if (!fixed) return absl::InvalidArgumentError("area 3507-99 is not in the city");
          }
          return Fixture::NoteComplaint(tx, e);
        }}},
      /*max_attempts=*/5);

  const sambat::v1::Event poison = f.Submitted("poison");
  std::vector<sambat::v1::Event> events = {poison};
  for (int i = 0; i < 50; ++i) events.push_back(f.Submitted(absl::StrCat("good-", i)));
  f.Publish(events);

  // The poison goes first, and the 50 behind it are all applied: it does not block the queue.
  f.AwaitCount("SELECT count(*) FROM effects", 50, absl::Seconds(30));
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
  f.AwaitCount("SELECT count(*) FROM effects WHERE note = 'poison'", 1, absl::Seconds(10));
  // Give a stray duplicate time to show up before counting.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  consumer.Stop();

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

TEST_CASE("Erasing a complaint's personal data from a dead queue rewrites its messages and "
          "leaves every other message as it was, in its order",
          "[parked][erasure]") {
  Fixture f("parkederase");
  const std::string erased_id = "0b6e4d21-9f3a-4c58-b7d0-2a1e8c5f6b94";
  // The citizen's words, and words of the database error about them, that must all go.
  const std::vector<std::string> words = {"Gang Kenari", "Bu Sri", "0812-5555-1234",
                                          "Pak Darmo"};

  sambat::v1::Event submitted = f.Submitted(erased_id);
  submitted.mutable_complaint_submitted()->set_description(
      "Saluran mampet di depan rumah Bu Sri, Gang Kenari 5");
  submitted.mutable_complaint_submitted()->set_address("Gang Kenari 5 RT 03");
  submitted.mutable_complaint_submitted()->add_media_ids("5f0c3a9e");
  AmqpMessage submitted_m = ToAmqpMessage(submitted, kEventsExchange);
  submitted_m.last_error =
      "INVALID_ARGUMENT: routing_create_case: ERROR:  new row violates check constraint "
      "\"x\"\nDETAIL:  Failing row contains (Saluran mampet di depan rumah Bu Sri, Gang Kenari 5)";

  sambat::v1::Event info = NewEvent(kInfoAdded, erased_id, absl::Now(), "test", &submitted);
  info.mutable_info_added()->set_ticket("SKK-2026-000001");
  info.mutable_info_added()->set_text("Hubungi saya di 0812-5555-1234, Pak Darmo");
  info.mutable_info_added()->add_media_ids("77aa01");
  AmqpMessage info_m = ToAmqpMessage(info, kEventsExchange);
  info_m.last_error = "waited 360 times for an earlier event of the case: UNAVAILABLE: Pak Darmo";

  sambat::v1::Event other = f.Submitted("complaint-a");
  other.mutable_complaint_submitted()->set_description("Lampu jalan mati di Jl. Ijen");
  AmqpMessage garbage = ToAmqpMessage(f.Submitted("complaint-b"), kEventsExchange);
  garbage.message_id = "garbage-1";
  garbage.body = "\x08\x96\x01 this is not an event";

  const std::vector<AmqpMessage> before = {
      ToAmqpMessage(other, kEventsExchange), submitted_m,
      ToAmqpMessage(f.Submitted("complaint-b"), kEventsExchange), info_m, garbage,
      ToAmqpMessage(f.Submitted("complaint-a"), kEventsExchange)};
  f.Park(before);
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));
  const std::vector<AmqpMessage> parked = Peek(f, "routing.events.dead", 6);
  REQUIRE(parked.size() == 6);
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));

  auto erased = EraseParked(f.amqp, "routing", erased_id, /*photos=*/false);
  INFO(erased.status().ToString());
  REQUIRE(erased.ok());
  CHECK(*erased == 2);
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));

  // The others first, exactly as they were and in their order; then the erased two, in theirs.
  const std::vector<AmqpMessage> after = Peek(f, "routing.events.dead", 6);
  REQUIRE(after.size() == 6);
  const std::vector<size_t> others = {0, 2, 4, 5};
  for (size_t i = 0; i < others.size(); ++i) {
    const AmqpMessage& was = parked[others[i]];
    INFO("other message " << i << " " << was.message_id);
    CHECK(after[i].message_id == was.message_id);
    CHECK(after[i].body == was.body);
    CHECK(after[i].last_error == was.last_error);
    CHECK(after[i].attempt == was.attempt);
    CHECK(after[i].original_routing_key == was.original_routing_key);
  }
  const AmqpMessage& s = after[4];
  const AmqpMessage& a = after[5];
  CHECK(s.message_id == submitted.event_id());
  CHECK(a.message_id == info.event_id());
  for (const AmqpMessage* m : {&s, &a}) {
    CHECK(m->attempt == 1);
    CHECK(m->original_routing_key == m->type);
    CHECK(m->correlation_id == submitted.event_id());
  }
  CHECK(s.last_error == absl::StrCat("INVALID_ARGUMENT: ", kErasedText));
  CHECK(a.last_error == absl::StrCat("UNAVAILABLE: ", kErasedText));
  auto s_event = ParseEvent(s.body);
  auto a_event = ParseEvent(a.body);
  REQUIRE(s_event.ok());
  REQUIRE(a_event.ok());
  CHECK(s_event->complaint_submitted().description() == kErasedText);
  CHECK(s_event->complaint_submitted().address() == kErasedText);
  CHECK(s_event->complaint_submitted().ticket() == "SKK-2026-000001");
  CHECK(s_event->complaint_submitted().media_ids_size() == 1);  // photos not asked for
  CHECK(a_event->info_added().text() == kErasedText);
  CHECK(a_event->info_added().media_ids_size() == 1);
  for (const AmqpMessage& m : after) {
    for (const std::string& word : words) {
      INFO(m.message_id << " still holds " << word);
      CHECK(m.body.find(word) == std::string::npos);
      CHECK(m.last_error.find(word) == std::string::npos);
    }
  }
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));
  const std::vector<ParkedEvent> listed = List(f);
  REQUIRE(listed.size() == 6);
  CHECK(listed[5].complaint_id == erased_id);
  CHECK(listed[5].last_error == absl::StrCat("UNAVAILABLE: ", kErasedText));

  // Again, with the photos: the same two, now without their photo ids; nothing else moves.
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));
  auto with_photos = EraseParked(f.amqp, "routing", erased_id, /*photos=*/true);
  REQUIRE(with_photos.ok());
  CHECK(*with_photos == 2);
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));
  const std::vector<AmqpMessage> last = Peek(f, "routing.events.dead", 6);
  REQUIRE(last.size() == 6);
  for (size_t i = 0; i < 4; ++i) CHECK(last[i].body == after[i].body);
  auto s2 = ParseEvent(last[4].body);
  auto a2 = ParseEvent(last[5].body);
  REQUIRE(s2.ok());
  REQUIRE(a2.ok());
  CHECK(s2->event_id() == submitted.event_id());
  CHECK(s2->complaint_submitted().media_ids_size() == 0);
  CHECK(s2->complaint_submitted().description() == kErasedText);
  CHECK(a2->info_added().media_ids_size() == 0);
  CHECK(last[4].last_error == absl::StrCat("INVALID_ARGUMENT: ", kErasedText));

  // A complaint with nothing parked changes nothing; a missing complaint id is refused.
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));
  auto none = EraseParked(f.amqp, "routing", "3f1e9a2c-5b7d-4e11-8c0a-6d2b9e4f7a13", true);
  REQUIRE(none.ok());
  CHECK(*none == 0);
  CHECK(absl::IsInvalidArgument(EraseParked(f.amqp, "routing", "", true).status()));
  CHECK(absl::IsNotFound(EraseParked(f.amqp, "sla", erased_id, true).status()));
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));
  const std::vector<AmqpMessage> untouched = Peek(f, "routing.events.dead", 6);
  REQUIRE(untouched.size() == 6);
  for (size_t i = 0; i < 6; ++i) CHECK(untouched[i].body == last[i].body);

  // The erased events still replay, erased.
  REQUIRE(f.AwaitDepth("routing.events.dead", 6));
  auto replayed = ReplayParked(f.amqp, "routing", {.event_id = info.event_id()});
  REQUIRE(replayed.ok());
  CHECK(*replayed == 1);
  const std::vector<AmqpMessage> back = Peek(f, "routing.events", 1);
  REQUIRE(back.size() == 1);
  CHECK(back[0].body == last[5].body);
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
  CHECK(RunCommand(absl::StrCat(sambatctl, " parked routing", uri), &out) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Contains(absl::StrCat(a.event_id(), "  complaint.submitted  complaint "
                                               "complaint-a  attempts 1  INVALID_ARGUMENT: bad ",
                                               a.event_id())));
  CHECK_THAT(out, Catch::Contains(b.event_id()));
  CHECK_THAT(out, Catch::Contains("2 parked event(s) in routing.events.dead"));

  // The URI can come from the environment as well.
  CHECK(RunCommand(absl::StrCat("SKK_AMQP_URI='", f.world.AmqpUri(), "' ", sambatctl, " parked routing"),
                 &out) == 0);
  CHECK_THAT(out, Catch::Contains("2 parked event(s)"));

  CHECK(RunCommand(absl::StrCat(sambatctl, " parked billing", uri, " 2>&1"), &out) == 2);
  CHECK_THAT(out, Catch::Contains("unknown service 'billing'"));
  CHECK(RunCommand(absl::StrCat(sambatctl, " replay-parked routing", uri, " 2>&1"), &out) == 2);
  CHECK(RunCommand(
            absl::StrCat(sambatctl, " replay-parked routing --event_id nope", uri, " 2>&1"),
            &out) == 1);
  CHECK_THAT(out, Catch::Contains("no parked event with id nope"));

  REQUIRE(f.AwaitDepth("routing.events.dead", 2));
  CHECK(RunCommand(absl::StrCat(sambatctl, " replay-parked routing --all", uri), &out) == 0);
  CHECK_THAT(out, Catch::Contains("replayed 2 parked event(s) from routing.events.dead to "
                                  "routing.events"));
  CHECK(f.AwaitDepth("routing.events", 2));
  CHECK(f.Depth("routing.events.dead") == 0);
}

}  // namespace skk

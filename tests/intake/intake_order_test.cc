// Order-safe citizen's view (issue 13): intake applies a case's events in the case's order
// (case_sequence, previous_case_sequence), whatever order the parallel consumers and the
// dead-letter replays deliver them in, and takes sla's deadlines by the case event that set
// them. Every permutation of a case's events, delivered through the idempotent applier the
// consumer uses and retried while early, must leave what the citizen sees when tracking the
// complaint (state, agency, deadline, escalation, reopen window, timeline) exactly as
// delivery in order does; a stale replay must change nothing. In process against the real
// PostgreSQL (and Redis for the limiter), with a hand-set business clock.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/intake/complaints.h"
#include "services/intake/media_store.h"
#include "services/intake/rate_limits.h"
#include "services/platform/consumer.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/migrations.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/case_order.h"
#include "tests/support/city_time.h"

namespace skk::intake {
namespace {

using sambat::v1::Event;
// The case event builders and the order driver (tests/support/case_order.h).
using namespace skk::testing;  // NOLINT(build/namespaces)

constexpr char kPeer[] = "ipv4:10.1.2.3";

using testing::Wib;
// intake's complaints and the handlers of its consumer on a private world. Events are applied
// as the consumer would (one transaction each, through the applier).
struct IntakeWorld {
  explicit IntakeWorld(const std::string& name)
      : world(name), clock(Wib(2026, 3, 2, 8)) {
    // Thousands of one-event transactions: commits do not wait for the disk.
    pool = testing::MigratedPool(world, "intake", intake_migrations(),
                                 /*commit_without_waiting=*/true);
    media = std::make_unique<MediaStore>(*pool, media_dir.path(), MediaLimits{}, clock);
    limiter = std::make_unique<RateLimiter>(testing::Stack().redis_addr, world.redis_prefix(),
                                            "order-test-limits", RateLimiter::Limits{}, clock);
    complaints = std::make_unique<Complaints>(*pool, clock, testing::ShippedCityConfig(), *media,
                                              *limiter,
                                              Complaints::Options{.tracking_secret = "order"});
    handlers = complaints->Handlers();
  }

  // A new complaint, as a citizen submits it (at 08:00 WIB, before any of the case's events).
  sambat::v1::SubmitComplaintResponse Submit() {
    sambat::v1::SubmitComplaintRequest r;
    r.set_category("jalan-rusak");
    r.set_description("Jalan berlubang besar di depan SDN Kauman 1, membahayakan pengendara.");
    r.mutable_location()->set_latitude(-7.9826);
    r.mutable_location()->set_longitude(112.6308);
    r.set_channel(sambat::v1::CHANNEL_APP);
    auto submitted = complaints->Submit(r, kPeer);
    INFO(submitted.status().ToString());
    REQUIRE(submitted.ok());
    return *submitted;
  }

  // What the citizen sees when tracking the complaint, without what names it.
  std::string View(const sambat::v1::SubmitComplaintResponse& s) {
    auto view = complaints->Track(s.ticket(), s.tracking_token(), kPeer);
    INFO(view.status().ToString());
    REQUIRE(view.ok());
    view->clear_complaint_id();
    view->clear_ticket();
    std::string out;
    for (const auto& entry : view->timeline()) {
      absl::StrAppend(&out, "\n  ", absl::FormatTime(FromProtoTime(entry.at())), " ",
                      entry.kind(), ": ", entry.text());
    }
    view->clear_timeline();
    // The rest whole; the timeline one entry a line, for a readable report.
    return absl::StrReplaceAll(view->ShortDebugString() + out, {{s.ticket(), "<ticket>"}});
  }

  int Deliver(const std::vector<Event>& events) {
    return testing::DeliverAsConsumer(*pool, handlers, events);
  }

  // A new complaint with `events` delivered in the given order; its view.
  std::string Run(const std::vector<Event>& events) {
    const sambat::v1::SubmitComplaintResponse s = Submit();
    Deliver(ForComplaint(events, s.complaint_id()));
    return View(s);
  }

  // Applies one event straight to the handler in a transaction of its own, as a replayed
  // parked event whose id was never recorded reaches it.
  absl::Status ApplyDirect(const Event& e) {
    return pool->Transact([&](PgConnection& tx) { return handlers.at(e.type())(tx, e); });
  }

  testing::IsolatedWorld world;
  testing::TempDir media_dir;
  ManualClock clock;
  std::unique_ptr<PgPool> pool;
  std::unique_ptr<MediaStore> media;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<Complaints> complaints;
  EventHandlers handlers;
};

std::vector<Event> LifeOfACase() { return testing::LifeOfACase("DPUPRPKP"); }

// routed with its deadline, (a release: no event), forwarded with the new agency's deadline,
// claimed by the new agency.
std::vector<Event> AForward() {
  const absl::Time routed = Wib(2026, 3, 2, 9);
  const absl::Time forwarded = Wib(2026, 3, 3, 9);
  return {
      Routed({.sequence = 1}, "dpuprpkp", "DPUPRPKP", routed),
      DeadlineSet({}, "dpuprpkp", 1, routed, Wib(2026, 3, 5, 9)),
      Forwarded({.sequence = 3, .previous = 1}, "dpuprpkp", "dlh", "DLH", forwarded),
      DeadlineSet({}, "dlh", 3, forwarded, Wib(2026, 3, 10, 9)),
      Claimed({.sequence = 4, .previous = 3}, "dlh", Wib(2026, 3, 3, 10)),
  };
}

// resolved, (a rating: no event), reopened with a new deadline, resolved again.
std::vector<Event> AReopen() {
  const std::string a = "dpuprpkp";
  const absl::Time reopened = Wib(2026, 3, 9, 9);
  return {
      Routed({.sequence = 1}, a, "DPUPRPKP", Wib(2026, 3, 2, 9)),
      Resolved({.sequence = 2, .previous = 1}, a, "Sudah ditambal.", Wib(2026, 3, 4, 9)),
      Reopened({.sequence = 4, .previous = 2}, a, "masih berlubang", reopened),
      DeadlineSet({}, a, 4, reopened, Wib(2026, 3, 12, 9)),
      Resolved({.sequence = 5, .previous = 4}, a, "Ditambal ulang dengan aspal.",
               Wib(2026, 3, 10, 9)),
  };
}

// routed with its deadline, answered, resolved with the end of the citizen's window: the two
// deadlines of sla race each other (the fault storm delivered the window first).
std::vector<Event> AResolution() {
  const std::string a = "dpuprpkp";
  const absl::Time routed = Wib(2026, 3, 2, 9);
  const absl::Time resolved = Wib(2026, 3, 3, 9);
  return {
      Routed({.sequence = 1}, a, "DPUPRPKP", routed),
      DeadlineSet({}, a, 1, routed, Wib(2026, 3, 5, 9)),
      Responded({.sequence = 2, .previous = 1}, a, "Petugas menuju lokasi.", Wib(2026, 3, 2, 10)),
      Resolved({.sequence = 3, .previous = 2}, a, "Sudah ditambal.", resolved),
      DeadlineSet({}, a, 3, resolved, Wib(2026, 3, 13, 9), sambat::v1::DEADLINE_KIND_CLOSE),
  };
}

TEST_CASE("every delivery order of a case's life (routed, claimed, info requested, answered, "
          "responded, resolved) shows the citizen what delivery in order does",
          "[intake][security]") {
  IntakeWorld w("intake_order_life");
  const sambat::v1::SubmitComplaintResponse s = w.Submit();
  REQUIRE(w.Deliver(ForComplaint(LifeOfACase(), s.complaint_id())) == 0);
  auto view = w.complaints->Track(s.ticket(), s.tracking_token(), kPeer);
  REQUIRE(view.ok());
  CHECK(view->state() == sambat::v1::CASE_STATE_RESOLVED);
  CHECK(view->agency_code() == "dpuprpkp");
  REQUIRE(view->timeline_size() == 6);  // submitted, routed, claimed, asked, answer, resolved
  CHECK(view->timeline(5).kind() == "resolved");
  CHECK(testing::EveryOrderAsInOrder(LifeOfACase(), [&](const std::vector<Event>& order) {
          return w.Run(order);
        }) == 720);
}

TEST_CASE("every delivery order of a forward and both agencies' deadlines shows the new "
          "agency and its deadline",
          "[intake][security]") {
  IntakeWorld w("intake_order_forward");
  const sambat::v1::SubmitComplaintResponse s = w.Submit();
  REQUIRE(w.Deliver(ForComplaint(AForward(), s.complaint_id())) == 0);
  auto view = w.complaints->Track(s.ticket(), s.tracking_token(), kPeer);
  REQUIRE(view.ok());
  CHECK(view->agency_code() == "dlh");
  CHECK(view->state() == sambat::v1::CASE_STATE_IN_PROGRESS);
  CHECK(FromProtoTime(view->first_response_due_at()) == Wib(2026, 3, 10, 9));
  CHECK(testing::EveryOrderAsInOrder(AForward(), [&](const std::vector<Event>& order) {
          return w.Run(order);
        }) == 120);
}

TEST_CASE("every delivery order of a reopen keeps the second resolution and its reopen window",
          "[intake][security]") {
  IntakeWorld w("intake_order_reopen");
  const sambat::v1::SubmitComplaintResponse s = w.Submit();
  REQUIRE(w.Deliver(ForComplaint(AReopen(), s.complaint_id())) == 0);
  auto view = w.complaints->Track(s.ticket(), s.tracking_token(), kPeer);
  REQUIRE(view.ok());
  CHECK(view->state() == sambat::v1::CASE_STATE_RESOLVED);
  // Ten days from the second resolution, not the first.
  CHECK(FromProtoTime(view->reopen_until()) == Wib(2026, 3, 20, 9));
  testing::EveryOrderAsInOrder(AReopen(), [&](const std::vector<Event>& order) {
    return w.Run(order);
  });
}

TEST_CASE("every delivery order of a resolution keeps the first-response due time and the "
          "reopen window, whichever deadline arrives first",
          "[intake][security]") {
  IntakeWorld w("intake_order_resolution");
  const sambat::v1::SubmitComplaintResponse s = w.Submit();
  const std::vector<Event> events = ForComplaint(AResolution(), s.complaint_id());
  // The window's deadline before the first-response one, as the storm delivered them.
  REQUIRE(w.Deliver({events[0], events[2], events[3], events[4], events[1]}) == 0);
  auto view = w.complaints->Track(s.ticket(), s.tracking_token(), kPeer);
  REQUIRE(view.ok());
  CHECK(view->state() == sambat::v1::CASE_STATE_RESOLVED);
  CHECK(FromProtoTime(view->first_response_due_at()) == Wib(2026, 3, 5, 9));
  CHECK(FromProtoTime(view->reopen_until()) == Wib(2026, 3, 13, 9));
  CHECK(testing::EveryOrderAsInOrder(AResolution(), [&](const std::vector<Event>& order) {
          return w.Run(order);
        }) == 120);
}

TEST_CASE("a replayed or duplicated old event after later ones changes nothing the citizen "
          "sees",
          "[intake][security]") {
  IntakeWorld w("intake_order_replay");
  const sambat::v1::SubmitComplaintResponse s = w.Submit();
  const std::vector<Event> events = ForComplaint(AReopen(), s.complaint_id());
  REQUIRE(w.Deliver(events) == 0);
  const std::string before = w.View(s);
  const Event& first_resolution = events[1];
  REQUIRE(first_resolution.type() == kCaseResolved);
  const Event& routed = events[0];

  // Parked in the dead-letter queue and replayed: the same event id, which reaches the handler
  // when it was never recorded as applied.
  CHECK(w.ApplyDirect(first_resolution).ok());
  CHECK(w.ApplyDirect(routed).ok());
  CHECK(w.View(s) == before);
  // The same events under new ids, through the consumer's applier: acknowledged (not retried,
  // not parked), and nothing changes; sla's deadline (not in the case's chain) included.
  REQUIRE(events[3].type() == kDeadlineSet);
  for (Event duplicate : {first_resolution, routed, events[3]}) {
    duplicate.set_complaint_id(s.complaint_id());
    duplicate.set_event_id(NewUuid());
    REQUIRE(w.Deliver({duplicate}) == 0);
  }
  CHECK(w.View(s) == before);
}

TEST_CASE("an event delivered before its predecessor waits for it, changing nothing",
          "[intake][security]") {
  IntakeWorld w("intake_order_early");
  const sambat::v1::SubmitComplaintResponse s = w.Submit();
  const std::vector<Event> events = ForComplaint(LifeOfACase(), s.complaint_id());
  const std::string submitted = w.View(s);
  const absl::Status early = w.ApplyDirect(events[1]);
  CHECK(IsEarlierEventPending(early));
  CHECK(w.View(s) == submitted);
  REQUIRE(w.Deliver({events[0], events[1]}) == 0);
  auto view = w.complaints->Track(s.ticket(), s.tracking_token(), kPeer);
  REQUIRE(view.ok());
  CHECK(view->state() == sambat::v1::CASE_STATE_IN_PROGRESS);
}

}  // namespace
}  // namespace skk::intake

// Order-safe notifications (issue 13): notification applies a case's events in the case's order
// (case_sequence, previous_case_sequence), whatever order the parallel consumers and the
// dead-letter replays deliver them in, and takes sla's deadlines only after the case event
// that set them and only while no later case event has replaced them. Every permutation of a
// case's events, delivered through the idempotent applier the consumer uses and retried while
// early, must leave what the daily digest reads of the case (agency, state, pending deadline)
// and what each person is told, in the order they are told it, exactly as delivery in order
// does; a stale replay must change nothing and tell nobody anything. In process against the
// real PostgreSQL, with a hand-set business clock.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/notification/notifications.h"
#include "services/platform/consumer.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/migrations.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/case_order.h"
#include "tests/support/city_time.h"

namespace skk::notification {
namespace {

using sambat::v1::Event;
// The case event builders and the order driver (tests/support/case_order.h).
using namespace skk::testing;  // NOLINT(build/namespaces)
using testing::Wib;
constexpr const char* kTicket = testing::kOrderTicket;

// notification's desk and the handlers of its consumer on a private world, with the shipped
// city's contacts as recipients.
struct NotificationWorld {
  explicit NotificationWorld(const std::string& name) : world(name), clock(Wib(2026, 3, 2, 8)) {
    admin = world.Admin();
    // Thousands of one-event transactions: commits do not wait for the disk.
    pool = testing::MigratedPool(world, "notification", notification_migrations(),
                                 /*commit_without_waiting=*/true);
    auto settings = SettingsFrom(testing::ShippedCityConfig());
    REQUIRE(settings.ok());
    desk = std::make_unique<NotificationDesk>(*settings, clock);
    REQUIRE(desk->SyncRecipients(*pool).ok());
    handlers = desk->Handlers();
  }

  // Delivers `events` as the consumer does; the business clock moves a minute before each
  // delivery, so the order in which messages were decided can be read back.
  int Deliver(const std::vector<Event>& events) {
    return testing::DeliverAsConsumer(*pool, handlers, events,
                                      [this] { clock.Advance(absl::Minutes(1)); });
  }

  // A complaint whose citizen left an email and a phone, not confidential.
  std::string NewComplaint() {
    const std::string id = NewUuid();
    Event submitted = NewEvent(kComplaintSubmitted, id, Wib(2026, 3, 2, 8), "intake", nullptr);
    submitted.mutable_complaint_submitted()->set_ticket(kTicket);
    submitted.mutable_complaint_submitted()->set_category("jalan-rusak");
    REQUIRE(Deliver({submitted, Contact(id)}) == 0);
    return id;
  }

  static Event Contact(const std::string& id) {
    Event contact = NewEvent(kReporterContact, id, Wib(2026, 3, 2, 8), "intake", nullptr);
    contact.mutable_reporter_contact()->set_ticket(kTicket);
    contact.mutable_reporter_contact()->set_name("Siti Aminah");
    contact.mutable_reporter_contact()->set_email("siti@example.com");
    contact.mutable_reporter_contact()->set_phone("081234567890");
    return contact;
  }

  // What the digest reads of the case, and what each recipient was told on each channel, in
  // the order it was decided; without ids or times. Messages decided in one transaction (a
  // contact arriving late releases those held for it) share their time; with
  // `event_ids_in_case_order`, each recipient's messages are listed in the order of the events
  // they tell of instead.
  std::string View(const std::string& id,
                   const std::vector<std::string>& event_ids_in_case_order = {}) {
    static constexpr SqlStatement kCase{"test_order_case", R"sql(
      SELECT coalesce((SELECT concat_ws('|', ticket, agency_code, state,
                                        to_char(due_at AT TIME ZONE 'Asia/Jakarta',
                                                'YYYY-MM-DD HH24:MI'))
                       FROM notification.cases WHERE complaint_id = $1), 'no case'))sql"};
    static constexpr SqlStatement kTold{"test_order_told", R"sql(
      SELECT coalesce(string_agg(concat_ws('|', replace(recipient_id, $1, 'X'), channel,
                                           subject, body),
                                 E'\n' ORDER BY recipient_id, channel,
                                             array_position($2::text[], event_id), created_at),
                      '')
      FROM notification.deliveries WHERE complaint_id = $1::uuid)sql"};
    auto c = admin->Execute(kCase, {SqlParam::Text(id)});
    REQUIRE(c.ok());
    auto told = admin->Execute(
        kTold, {SqlParam::Text(id),
                SqlParam::Text(absl::StrCat("{", absl::StrJoin(event_ids_in_case_order, ","), "}"))});
    REQUIRE(told.ok());
    return absl::StrCat("case: ", c->OnlyCell(), "\ntold:\n", told->OnlyCell());
  }

  // A new complaint with `events` delivered in the given order; its view.
  std::string Run(const std::vector<Event>& events) {
    const std::string id = NewComplaint();
    Deliver(ForComplaint(events, id));
    return View(id);
  }

  // Applies one event straight to the handler in a transaction of its own, as a replayed
  // parked event whose id was never recorded reaches it.
  absl::Status ApplyDirect(const Event& e) {
    return pool->Transact([&](PgConnection& tx) { return handlers.at(e.type())(tx, e); });
  }

  testing::IsolatedWorld world;
  ManualClock clock;
  std::unique_ptr<PgPool> pool;
  std::unique_ptr<NotificationDesk> desk;
  EventHandlers handlers;
  std::unique_ptr<PgConnection> admin;
};

std::vector<Event> LifeOfACase() { return testing::LifeOfACase("dpuprpkp"); }

// routed with its deadline, (a release: no event), forwarded with the new agency's deadline;
// the new agency asks the citizen (the clock pauses, the deadline stays pending).
std::vector<Event> AForward() {
  const absl::Time routed = Wib(2026, 3, 2, 9);
  const absl::Time forwarded = Wib(2026, 3, 3, 9);
  return {
      Routed({.sequence = 1}, "dpuprpkp", "dpuprpkp", routed),
      DeadlineSet({}, "dpuprpkp", 1, routed, Wib(2026, 3, 5, 9)),
      Forwarded({.category = "drainase", .sequence = 3, .previous = 1}, "dpuprpkp", "dlh", "dlh",
                forwarded),
      DeadlineSet({}, "dlh", 3, forwarded, Wib(2026, 3, 10, 9)),
      InfoRequested({.sequence = 4, .previous = 3}, "dlh", Wib(2026, 3, 4, 9)),
  };
}

// routed with its deadline, resolved, (a rating: no event), reopened with a new deadline.
std::vector<Event> AReopen() {
  const std::string a = "dpuprpkp";
  const absl::Time routed = Wib(2026, 3, 2, 9);
  const absl::Time reopened = Wib(2026, 3, 9, 9);
  return {
      Routed({.sequence = 1}, a, a, routed),
      DeadlineSet({}, a, 1, routed, Wib(2026, 3, 5, 9)),
      Resolved({.sequence = 2, .previous = 1}, a, "Sudah ditambal.", Wib(2026, 3, 4, 9)),
      Reopened({.sequence = 4, .previous = 2}, a, "masih berlubang", reopened),
      DeadlineSet({}, a, 4, reopened, Wib(2026, 3, 12, 9)),
  };
}

TEST_CASE("every delivery order of a case's life (routed, claimed, info requested, answered, "
          "responded, resolved) leaves the case and the messages as in order",
          "[notification][security]") {
  NotificationWorld w("ntf_order_life");
  const std::string id = w.NewComplaint();
  REQUIRE(w.Deliver(ForComplaint(LifeOfACase(), id)) == 0);
  const std::string in_order = w.View(id);
  CHECK(in_order.find("|dpuprpkp|resolved\n") != std::string::npos);
  CHECK(testing::EveryOrderAsInOrder(LifeOfACase(), [&](const std::vector<Event>& order) {
          return w.Run(order);
        }) == 720);
}

TEST_CASE("every delivery order of a forward and both agencies' deadlines leaves the case with "
          "the new agency and its deadline",
          "[notification][security]") {
  NotificationWorld w("ntf_order_forward");
  const std::string id = w.NewComplaint();
  REQUIRE(w.Deliver(ForComplaint(AForward(), id)) == 0);
  CHECK(w.View(id).find("|dlh|waiting|2026-03-10 09:00") != std::string::npos);
  testing::EveryOrderAsInOrder(AForward(), [&](const std::vector<Event>& order) {
    return w.Run(order);
  });
}

TEST_CASE("every delivery order of a resolution and a reopen leaves the case open with the new "
          "deadline",
          "[notification][security]") {
  NotificationWorld w("ntf_order_reopen");
  const std::string id = w.NewComplaint();
  REQUIRE(w.Deliver(ForComplaint(AReopen(), id)) == 0);
  CHECK(w.View(id).find("|dpuprpkp|open|2026-03-12 09:00") != std::string::npos);
  testing::EveryOrderAsInOrder(AReopen(), [&](const std::vector<Event>& order) {
    return w.Run(order);
  });
}

TEST_CASE("every delivery order of the citizen's contact among the case's events tells the "
          "citizen the same, what waited for the contact going out with it, oldest first",
          "[notification][security]") {
  NotificationWorld w("ntf_order_contact");
  const std::string a = "dpuprpkp";
  const std::vector<Event> events = {
      NotificationWorld::Contact(testing::kNoComplaint),
      Routed({.sequence = 1}, a, a, Wib(2026, 3, 2, 9)),
      InfoRequested({.sequence = 3, .previous = 1}, a, Wib(2026, 3, 3, 9)),
      Responded({.sequence = 5, .previous = 3}, a, "Perbaikan dijadwalkan Kamis.",
                Wib(2026, 3, 5, 9)),
      Resolved({.sequence = 6, .previous = 5}, a, "Lubang sudah ditambal.", Wib(2026, 3, 6, 9)),
  };
  testing::EveryOrderAsInOrder(events, [&](const std::vector<Event>& order) {
    const std::string id = NewUuid();
    Event submitted = NewEvent(kComplaintSubmitted, id, Wib(2026, 3, 2, 8), "intake", nullptr);
    submitted.mutable_complaint_submitted()->set_ticket(kTicket);
    REQUIRE(w.Deliver({submitted}) == 0);
    const std::vector<Event> mine = ForComplaint(order, id);
    w.Deliver(mine);
    // The contact and the case's events each in their place (the contact first).
    std::vector<std::string> in_case_order(events.size());
    for (const Event& e : mine) {
      for (size_t i = 0; i < events.size(); ++i) {
        if (events[i].type() == e.type() && events[i].case_sequence() == e.case_sequence()) {
          in_case_order[i] = e.event_id();
        }
      }
    }
    return w.View(id, in_case_order);
  });
}

TEST_CASE("a replayed or duplicated old event after later ones changes nothing and tells "
          "nobody",
          "[notification][security]") {
  NotificationWorld w("ntf_order_replay");
  const std::string id = w.NewComplaint();
  const std::vector<Event> events = ForComplaint(AReopen(), id);
  REQUIRE(w.Deliver(events) == 0);
  const std::string before = w.View(id);
  const Event& routed = events[0];
  const Event& resolved = events[2];
  REQUIRE(resolved.type() == kCaseResolved);

  // Parked in the dead-letter queue and replayed: the same event id, which reaches the handler
  // when it was never recorded as applied.
  CHECK(w.ApplyDirect(resolved).ok());
  CHECK(w.ApplyDirect(routed).ok());
  CHECK(w.ApplyDirect(events[1]).ok());
  CHECK(w.View(id) == before);
  // The same events under new ids, through the consumer's applier: acknowledged (not retried,
  // not parked), nothing changes, nobody is told again.
  for (Event duplicate : {resolved, routed, events[1], events[4]}) {
    duplicate.set_event_id(NewUuid());
    REQUIRE(w.Deliver({duplicate}) == 0);
  }
  CHECK(w.View(id) == before);
}

TEST_CASE("an event or a deadline delivered before the case event it follows waits for it, "
          "deciding nothing",
          "[notification][security]") {
  NotificationWorld w("ntf_order_early");
  const std::string id = w.NewComplaint();
  const std::vector<Event> events = ForComplaint(AForward(), id);
  const std::string nothing_yet = w.View(id);
  CHECK(IsEarlierEventPending(w.ApplyDirect(events[2])));  // forwarded before routed
  CHECK(IsEarlierEventPending(w.ApplyDirect(events[1])));  // routed's deadline before routed
  CHECK(w.View(id) == nothing_yet);
  REQUIRE(w.Deliver({events[0]}) == 0);
  const std::string routed = w.View(id);
  CHECK(IsEarlierEventPending(w.ApplyDirect(events[3])));  // dlh's deadline before the forward
  CHECK(w.View(id) == routed);
  REQUIRE(w.Deliver({events[1], events[2], events[3]}) == 0);
  CHECK(w.View(id).find("|dlh|open|2026-03-10 09:00") != std::string::npos);
}

}  // namespace
}  // namespace skk::notification

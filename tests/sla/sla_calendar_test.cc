// The calendar follows the decree (issue 19): the 2027 holidays ship as estimates, and when the
// joint decree is signed an administrator replaces the calendar while clocks run across the
// changed days. Every running clock keeps the working time it had left and gets its due time
// and every timer from the new calendar; a paused clock resumes by it; a late clock keeps its
// due time; the citizen whose due date moved is told once (sla.deadline_set, calendar_changed).

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "services/platform/city_config.h"
#include "services/sla/calendar_admin.h"
#include "tests/sla/sla_support.h"

namespace skk {
namespace {

using testing::Wib;

// The shipped calendar as the decree corrects it: Isra Mikraj 1448 H on Wednesday 6 January
// 2027 (not the estimated Tuesday 5th), with cuti bersama on Thursday 7 January.
sambat::v1::HolidayCalendar Decreed() {
  auto shipped = ReadHolidayCalendar(testing::SourcePath("deploy/config/holidays-indonesia.textproto"));
  REQUIRE(shipped.ok());
  sambat::v1::HolidayCalendar decreed;
  for (const auto& h : shipped->holidays()) {
    if (h.date() != "2027-01-05") *decreed.add_holidays() = h;
  }
  auto* isra = decreed.add_holidays();
  isra->set_date("2027-01-06");
  isra->set_name("Isra Mikraj Nabi Muhammad SAW");
  auto* leave = decreed.add_holidays();
  leave->set_date("2027-01-07");
  leave->set_name("Cuti bersama Isra Mikraj");
  leave->set_collective_leave(true);
  return decreed;
}

sambat::v1::ReplaceHolidayCalendarRequest Replacement(bool dry_run = false) {
  sambat::v1::ReplaceHolidayCalendarRequest r;
  *r.mutable_calendar() = Decreed();
  r.set_decree("SKB Menteri Agama, Menteri Ketenagakerjaan dan MenPAN-RB tentang Hari Libur "
               "Nasional dan Cuti Bersama Tahun 2027");
  r.set_dry_run(dry_run);
  return r;
}

sla::HolidayCalendars::Options Options() {
  return {.file_path = testing::SourcePath("deploy/config/holidays-indonesia.textproto")};
}

const Caller kAdmin{.subject = "admin.diskominfo", .name = "Rina", .role = StaffRole::kAdmin};

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S+00", t, absl::UTCTimeZone());
}

// The pending timers of a complaint's running clock, as "kind level due" in due order.
std::vector<std::string> PendingTimers(testing::SlaWorld& w, const std::string& id) {
  auto r = w.admin->Execute(
      {"test_pending_timers",
       "SELECT t.kind, t.level, t.due_at FROM sla.timers t "
       "JOIN sla.deadlines d ON d.id = t.deadline_id "
       "WHERE t.complaint_id = $1 AND d.state = 'running' AND t.fired_at IS NULL "
       "AND t.cancelled_at IS NULL ORDER BY t.due_at, t.level"},
      {SqlParam::Text(id)});
  REQUIRE(r.ok());
  std::vector<std::string> out;
  for (PgRow row : *r) {
    out.push_back(absl::StrCat(row.String("kind"), " ", row.Int("level"), " ",
                               Utc(row.Time("due_at"))));
  }
  return out;
}

absl::Time DueOf(testing::SlaWorld& w, const std::string& id) {
  auto r = w.admin->Execute({"test_due_of", "SELECT due_at FROM sla.deadlines "
                                            "WHERE complaint_id = $1 AND state <> 'stopped'"},
                            {SqlParam::Text(id)});
  REQUIRE(r.ok());
  REQUIRE(r->rows() == 1);
  return r->Row(0).Time("due_at");
}

TEST_CASE("a calendar replaced while clocks run across the changed days moves every due time "
          "and timer by the working time left, and tells of each moved deadline once",
          "[sla]") {
  // Monday 14 December 2026: a fallen tree nobody answers, late and escalated by the 28th.
  testing::SlaWorld w("sla_calendar", Wib(2026, 12, 14, 9));
  const std::string late = w.RouteNewCase("pohon-tumbang", "dlh");
  w.clock.Set(Wib(2026, 12, 28, 9));
  REQUIRE(w.FireDue() == 4);  // two reminders, level 1 (17 Dec), level 2 (21 Dec)
  // Monday 28 December 09:00: a KTP case (7 working days), another that waits for its
  // citizen from 13:00, and a fallen tree (3 working days, due before the changed days).
  const std::string ktp = w.RouteNewCase("adminduk", "dispendukcapil");
  const std::string waiting = w.RouteNewCase("adminduk", "dispendukcapil");
  const std::string tree = w.RouteNewCase("pohon-tumbang", "dlh");
  // By the estimates: 28 (from 09:00), 29, 30, 31 December, 4, 6, 7 January, and 8 January
  // to 09:00 (New Year and the estimated Isra Mikraj on the 5th are holidays).
  CHECK(DueOf(w, ktp) == Wib(2027, 1, 8, 9));
  CHECK(DueOf(w, tree) == Wib(2026, 12, 31, 9));
  w.clock.Set(Wib(2026, 12, 28, 13));
  w.Apply(testing::CaseEvent(waiting, kCaseInfoRequested, "dispendukcapil", w.clock.Now()));

  sla::HolidayCalendars calendars(*w.pool, w.clock, w.policies, *w.clocks, Options());
  // Tuesday 29 December 09:00: the decree is signed.
  w.clock.Set(Wib(2026, 12, 29, 9));

  SECTION("a dry run says what would move and changes nothing") {
    const auto before = PendingTimers(w, ktp);
    auto dry = calendars.Replace(kAdmin, Replacement(/*dry_run=*/true));
    INFO(dry.status().ToString());
    REQUIRE(dry.ok());
    CHECK(dry->calendar_id() == 0);
    CHECK(dry->clocks_checked() == 3);  // the late one, the KTP case, the tree; not the paused
    REQUIRE(dry->clocks_moved() == 1);
    CHECK(FromProtoTime(dry->moved(0).old_due_at()) == Wib(2027, 1, 8, 9));
    CHECK(FromProtoTime(dry->moved(0).new_due_at()) == Wib(2027, 1, 11, 9));
    CHECK(PendingTimers(w, ktp) == before);
    CHECK(DueOf(w, ktp) == Wib(2027, 1, 8, 9));
    CHECK(w.Count("SELECT count(*) FROM holiday_calendars") == 0);
    CHECK(w.policies.active()->id == 0);
  }

  SECTION("the replacement moves the running clocks, once") {
    const size_t deadlines_before = w.Outbox(kDeadlineSet).size();
    auto replaced = calendars.Replace(kAdmin, Replacement());
    INFO(replaced.status().ToString());
    REQUIRE(replaced.ok());
    CHECK(replaced->calendar_id() > 0);
    CHECK(w.policies.active()->id == replaced->calendar_id());
    CHECK(replaced->clocks_checked() == 3);
    REQUIRE(replaced->clocks_moved() == 1);
    CHECK(replaced->moved(0).ticket() == "SKK-2026-" + ktp.substr(0, 6));

    // The KTP case had used one working day; six are left: 29, 30, 31 December, 4, 5 (a
    // working day now) and 8 January, so it is due Monday 11 January 09:00. Its reminders,
    // level 1 and level 2 (two working days later: 12, 13 January) follow.
    CHECK(DueOf(w, ktp) == Wib(2027, 1, 11, 9));
    CHECK(PendingTimers(w, ktp) ==
          std::vector<std::string>{"reminder 0 " + Utc(Wib(2027, 1, 8, 9)),
                                   "reminder 0 " + Utc(Wib(2027, 1, 11, 5)),
                                   "escalation 1 " + Utc(Wib(2027, 1, 11, 9)),
                                   "escalation 2 " + Utc(Wib(2027, 1, 13, 9))});
    // The tree is still due on the 31st, but its level 2 comes on Tuesday 5 January, a
    // working day now (by the estimates it was the 6th).
    CHECK(DueOf(w, tree) == Wib(2026, 12, 31, 9));
    CHECK(PendingTimers(w, tree).back() == "escalation 2 " + Utc(Wib(2027, 1, 5, 9)));
    // The late case keeps the due time it escalated from; the paused one is untouched.
    CHECK(DueOf(w, late) == Wib(2026, 12, 17, 9));
    CHECK(PendingTimers(w, late).empty());
    CHECK(w.Count("SELECT count(*) FROM deadlines WHERE state = 'running' AND calendar_id = " +
                  std::to_string(replaced->calendar_id())) == 3);

    // One deadline news, for the KTP case, naming the clock's own cause.
    const auto deadlines = w.Outbox(kDeadlineSet);
    REQUIRE(deadlines.size() == deadlines_before + 1);
    const auto& moved = deadlines.back().deadline_set();
    CHECK(deadlines.back().complaint_id() == ktp);
    CHECK(moved.calendar_changed());
    CHECK(FromProtoTime(moved.due_at()) == Wib(2027, 1, 11, 9));
    CHECK(moved.cause_case_sequence() == deadlines[1].deadline_set().cause_case_sequence());
    CHECK(moved.cause_case_sequence() > 0);

    // The same calendar again: nothing moves, nobody is told again.
    auto again = calendars.Replace(kAdmin, Replacement());
    REQUIRE(again.ok());
    CHECK(again->clocks_moved() == 0);
    CHECK(w.Outbox(kDeadlineSet).size() == deadlines_before + 1);

    // Another replica learns of the calendar and puts it in force.
    sla::SlaPolicies other_policies(testing::ShippedCityConfig(), testing::IndonesianCalendar());
    sla::CaseClocks other_clocks(other_policies, w.clock, *w.timers);
    sla::HolidayCalendars other(*w.pool, w.clock, other_policies, other_clocks, Options());
    auto followed = other.Follow();
    REQUIRE(followed.ok());
    CHECK(*followed);
    CHECK(other_policies.active()->id == again->calendar_id());
    CHECK(other_policies.calendar()->IsWorkingDay(absl::CivilDay(2027, 1, 5)));
    CHECK_FALSE(other_policies.calendar()->IsWorkingDay(absl::CivilDay(2027, 1, 7)));

    // The citizen answers on Wednesday 30 December 09:00: the paused clock resumes with its
    // 164 working hours by the new calendar: 30, 31 December, 4, 5, 8, 11, 12 January, and
    // 13 January to 05:00.
    w.clock.Set(Wib(2026, 12, 30, 9));
    w.Apply(testing::CaseEvent(waiting, kCaseCitizenAnswered, "dispendukcapil", w.clock.Now()));
    CHECK(DueOf(w, waiting) == Wib(2027, 1, 13, 5));

    // The timers fire at the new times: on 8 January the KTP case's first reminder and all of
    // the tree's (level 2 on the 5th), no escalation of the KTP case until the 11th.
    w.clock.Set(Wib(2027, 1, 8, 9));
    CHECK(w.FireDue() == 5);
    CHECK(w.Count("SELECT count(*) FROM escalations WHERE complaint_id = '" + ktp + "'") == 0);
    w.clock.Set(Wib(2027, 1, 11, 9));
    CHECK(w.FireDue() == 2);
    CHECK(w.Count("SELECT count(*) FROM escalations WHERE complaint_id = '" + ktp +
                  "' AND level = 1 AND deadline_due_at = '" + Utc(Wib(2027, 1, 11, 9)) + "'") == 1);
  }
}

TEST_CASE("only an administrator replaces the calendar, and a calendar with mistakes is refused "
          "whole, naming each",
          "[sla][security]") {
  testing::SlaWorld w("sla_calendar_refused", Wib(2026, 12, 28, 9));
  sla::HolidayCalendars calendars(*w.pool, w.clock, w.policies, *w.clocks, Options());
  const Caller officer{.subject = "budi", .role = StaffRole::kOfficer, .agency_code = "dlh"};
  CHECK(calendars.Replace(officer, Replacement()).status().code() ==
        absl::StatusCode::kPermissionDenied);

  sambat::v1::ReplaceHolidayCalendarRequest bad = Replacement();
  bad.set_decree("");
  bad.mutable_calendar()->mutable_holidays(1)->set_date("2027-02-30");
  bad.mutable_calendar()->mutable_holidays(2)->set_date(bad.calendar().holidays(0).date());
  bad.mutable_calendar()->mutable_holidays(3)->set_name("");
  const absl::Status refused = calendars.Replace(kAdmin, bad).status();
  CHECK(refused.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(refused.message()), Catch::Contains("decree: name the decree"));
  CHECK_THAT(std::string(refused.message()),
             Catch::Contains("calendar.holidays[1].date: '2027-02-30' is not a date"));
  CHECK_THAT(std::string(refused.message()),
             Catch::Contains("calendar.holidays[2].date: " + bad.calendar().holidays(0).date() +
                             " is listed twice"));
  CHECK_THAT(std::string(refused.message()), Catch::Contains("calendar.holidays[3].name"));
  sambat::v1::ReplaceHolidayCalendarRequest empty;
  empty.set_decree("SKB 2027");
  CHECK_THAT(std::string(calendars.Replace(kAdmin, empty).status().message()),
             Catch::Contains("the calendar has no holidays"));
  CHECK(w.Count("SELECT count(*) FROM holiday_calendars") == 0);

  // Leadership reads the calendar in force: the file's until one is loaded, then the decree.
  const Caller mayor{.subject = "walikota", .role = StaffRole::kLeadership};
  auto in_force = calendars.Get(mayor, {});
  REQUIRE(in_force.ok());
  CHECK(in_force->calendar_id() == 0);
  CHECK(in_force->calendar().holidays_size() > 50);
  REQUIRE(calendars.Replace(kAdmin, Replacement()).ok());
  in_force = calendars.Get(mayor, {});
  REQUIRE(in_force.ok());
  CHECK(in_force->calendar_id() > 0);
  CHECK(in_force->loaded_by() == "admin.diskominfo");
  CHECK_THAT(in_force->decree(), Catch::Contains("Cuti Bersama Tahun 2027"));
  CHECK(calendars.Get(officer, {}).status().code() == absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace skk

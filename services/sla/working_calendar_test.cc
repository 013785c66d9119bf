// Working days in WIB under the shipped Indonesian holiday calendar.

#include "services/sla/working_calendar.h"

#include <catch2/catch.hpp>

#include "services/platform/testing/test_env.h"

namespace skk::sla {
namespace {

const WorkingCalendar& Indonesia() {
  static const WorkingCalendar calendar = [] {
    auto c = WorkingCalendar::Load(
        "Asia/Jakarta", testing::SourcePath("deploy/config/holidays-indonesia.textproto"));
    REQUIRE(c.ok());
    return *c;
  }();
  return calendar;
}

absl::Time Wib(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), Indonesia().zone());
}

TEST_CASE("weekends, national holidays and cuti bersama are not working days", "[sla][unit]") {
  const WorkingCalendar& c = Indonesia();
  CHECK(c.IsWorkingDay(absl::CivilDay(2026, 3, 2)));       // Monday
  CHECK_FALSE(c.IsWorkingDay(absl::CivilDay(2026, 3, 7)));  // Saturday
  CHECK_FALSE(c.IsWorkingDay(absl::CivilDay(2026, 3, 8)));  // Sunday
  CHECK_FALSE(c.IsWorkingDay(absl::CivilDay(2026, 3, 19)));  // Nyepi
  for (int d : {18, 20, 23, 24}) CHECK_FALSE(c.IsWorkingDay(absl::CivilDay(2026, 3, d)));
  CHECK(c.IsWorkingDay(absl::CivilDay(2026, 3, 25)));  // first working day after Lebaran
  CHECK_FALSE(c.IsWorkingDay(absl::CivilDay(2025, 4, 7)));   // cuti bersama 2025
  CHECK_FALSE(c.IsWorkingDay(absl::CivilDay(2027, 12, 24)));  // 2027 estimate
  CHECK(c.LastHoliday() >= absl::CivilDay(2027, 12, 25));
}

TEST_CASE("a working day later is the same time on the next working day", "[sla][unit]") {
  const WorkingCalendar& c = Indonesia();
  CHECK(c.AddWorkingDays(Wib(2026, 3, 2, 9, 15), 3) == Wib(2026, 3, 5, 9, 15));
  // Friday + 1 skips the weekend.
  CHECK(c.AddWorkingDays(Wib(2026, 3, 6, 14, 0), 1) == Wib(2026, 3, 9, 14, 0));
  // Tuesday 17 March + 1 skips Nyepi, its cuti bersama, Idul Fitri and its cuti bersama.
  CHECK(c.AddWorkingDays(Wib(2026, 3, 17, 10, 0), 1) == Wib(2026, 3, 25, 10, 0));
}

TEST_CASE("a complaint on Saturday night or a holiday starts its clock at the next working "
          "day 00:00 WIB",
          "[sla][unit]") {
  const WorkingCalendar& c = Indonesia();
  CHECK(c.ClockStart(Wib(2026, 3, 7, 21, 30)) == Wib(2026, 3, 9));   // Saturday night
  CHECK(c.ClockStart(Wib(2026, 3, 21, 8, 0)) == Wib(2026, 3, 25));   // Lebaran
  CHECK(c.ClockStart(Wib(2026, 3, 2, 9, 0)) == Wib(2026, 3, 2, 9, 0));
  // Three working days from Saturday night end with Wednesday: due Thursday 00:00.
  CHECK(c.AddWorkingDays(Wib(2026, 3, 7, 21, 30), 3) == Wib(2026, 3, 12));
  CHECK(c.AddWorkingDays(Wib(2026, 3, 9, 0, 0), 3) == Wib(2026, 3, 12));
}

TEST_CASE("working time between instants counts only working days", "[sla][unit]") {
  const WorkingCalendar& c = Indonesia();
  CHECK(c.WorkingTimeBetween(Wib(2026, 3, 6, 12), Wib(2026, 3, 9, 12)) == absl::Hours(24));
  CHECK(c.WorkingTimeBetween(Wib(2026, 3, 17, 10), Wib(2026, 3, 25, 10)) == absl::Hours(24));
  CHECK(c.WorkingTimeBetween(Wib(2026, 3, 21), Wib(2026, 3, 23)) == absl::ZeroDuration());
  CHECK(c.WorkingTimeBetween(Wib(2026, 3, 9), Wib(2026, 3, 2)) == absl::ZeroDuration());
}

TEST_CASE("adding then measuring working time agrees, across a year of starts", "[sla][unit]") {
  const WorkingCalendar& c = Indonesia();
  for (absl::Time t = Wib(2026, 1, 1, 7, 45); t < Wib(2027, 1, 1); t += absl::Hours(17)) {
    for (absl::Duration d : {absl::Hours(4), absl::Hours(24), absl::Hours(24 * 7) + absl::Minutes(3)}) {
      INFO(absl::FormatTime(t, c.zone()) << " + " << absl::FormatDuration(d));
      const absl::Time due = c.AddWorkingTime(t, d);
      REQUIRE(c.WorkingTimeBetween(t, due) == d);
      REQUIRE(c.SubtractWorkingTime(due, d) <= due);
      REQUIRE(c.WorkingTimeBetween(c.SubtractWorkingTime(due, d), due) == d);
      REQUIRE(c.IsWorkingDay(c.DayOf(due)));
    }
  }
}

TEST_CASE("a reminder a working day before a Monday due time falls on Friday", "[sla][unit]") {
  const WorkingCalendar& c = Indonesia();
  CHECK(c.SubtractWorkingTime(Wib(2026, 3, 9, 10), absl::Hours(24)) == Wib(2026, 3, 6, 10));
  CHECK(c.SubtractWorkingTime(Wib(2026, 3, 25, 10), absl::Hours(24)) == Wib(2026, 3, 17, 10));
  CHECK(c.SubtractWorkingTime(Wib(2026, 3, 9, 2), absl::Hours(4)) == Wib(2026, 3, 6, 22));
}

TEST_CASE("a holiday calendar with a bad or repeated date is refused", "[sla][unit]") {
  sambat::v1::HolidayCalendar calendar;
  auto* h = calendar.add_holidays();
  h->set_date("2026-3-20");
  h->set_name("Cuti bersama");
  CHECK(WorkingCalendar::Create("Asia/Jakarta", calendar).status().code() ==
        absl::StatusCode::kInvalidArgument);
  h->set_date("2026-03-20");
  *calendar.add_holidays() = *h;
  auto twice = WorkingCalendar::Create("Asia/Jakarta", calendar);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message().find("listed twice") != std::string::npos);
  calendar.mutable_holidays()->RemoveLast();
  CHECK(WorkingCalendar::Create("Asia/Jakarta", calendar).ok());
  CHECK_FALSE(WorkingCalendar::Create("Mars/Olympus", calendar).ok());
}

}  // namespace
}  // namespace skk::sla

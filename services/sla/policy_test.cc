// Deadlines, reminders and escalations under the shipped Kota Malang policies and the
// shipped Indonesian holiday calendar.

#include "services/sla/policy.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "services/platform/testing/test_env.h"

namespace skk::sla {
namespace {

const sambat::v1::CityConfig& Shipped() { return testing::ShippedCityConfig(); }

WorkingCalendar Indonesia() {
  auto c = WorkingCalendar::Load(
      "Asia/Jakarta", testing::SourcePath("deploy/config/holidays-indonesia.textproto"));
  REQUIRE(c.ok());
  return *c;
}

absl::Time Wib(int y, int mo, int d, int h = 0, int mi = 0) {
  static const absl::TimeZone zone = Indonesia().zone();
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), zone);
}

TEST_CASE("the shipped configuration names its holiday calendar", "[sla][unit]") {
  CHECK(Shipped().holiday_calendar_file() == "holidays-indonesia.textproto");
}

TEST_CASE("seven working days across a weekend and the Idul Fitri leave: reminders, level 1 "
          "and level 2 at the right WIB instants",
          "[sla][unit]") {
  const SlaPolicies policies(Shipped(), Indonesia());
  // Tuesday 17 March 2026 10:00 WIB. Then: Nyepi leave (18), Nyepi (19), Lebaran leave (20),
  // the weekend with Idul Fitri (21, 22), Lebaran leave (23, 24).
  const ClockPlan plan = policies.PlanFirstResponse("adminduk", Wib(2026, 3, 17, 10));
  CHECK(plan.starts_at == Wib(2026, 3, 17, 10));
  // Working days: 25, 26, 27 March, 30, 31 March, 1, 2 April.
  CHECK(plan.due_at == Wib(2026, 4, 2, 10));
  REQUIRE(plan.timers.size() == 4);
  CHECK(plan.timers[0].kind == TimerKind::kReminder);
  CHECK(plan.timers[0].due_at == Wib(2026, 4, 1, 10));  // one working day before
  CHECK(plan.timers[1].kind == TimerKind::kReminder);
  CHECK(plan.timers[1].due_at == Wib(2026, 4, 2, 6));   // four working hours before
  CHECK(plan.timers[2].kind == TimerKind::kEscalation);
  CHECK(plan.timers[2].level == 1);
  CHECK(plan.timers[2].due_at == Wib(2026, 4, 2, 10));
  CHECK(plan.timers[3].level == 2);
  // Good Friday (3 April) and the weekend: Monday 6 and Tuesday 7 April.
  CHECK(plan.timers[3].due_at == Wib(2026, 4, 7, 10));
}

TEST_CASE("the paused KTP case of docs/sla-rules.md resumes with three working days",
          "[sla][unit]") {
  const SlaPolicies policies(Shipped(), Indonesia());
  const WorkingCalendar& c = *policies.calendar();
  CHECK(c.WorkingTimeBetween(Wib(2026, 3, 17, 10), Wib(2026, 3, 30, 10)) == absl::Hours(96));
  const ClockPlan plan = policies.Plan("adminduk", Wib(2026, 4, 8, 10), absl::Hours(72));
  CHECK(plan.due_at == Wib(2026, 4, 13, 10));
}

TEST_CASE("a fallen tree routed on Saturday night is due at the end of Wednesday",
          "[sla][unit]") {
  const SlaPolicies policies(Shipped(), Indonesia());
  const ClockPlan plan = policies.PlanFirstResponse("pohon-tumbang", Wib(2026, 3, 7, 22, 40));
  CHECK(plan.starts_at == Wib(2026, 3, 9));
  CHECK(plan.due_at == Wib(2026, 3, 12));
  REQUIRE(plan.timers.size() == 4);
  CHECK(plan.timers[0].due_at == Wib(2026, 3, 11));      // Wednesday 00:00
  CHECK(plan.timers[1].due_at == Wib(2026, 3, 11, 20));  // Wednesday 20:00
  CHECK(plan.timers[3].due_at == Wib(2026, 3, 16));      // Monday 00:00
}

TEST_CASE("a resumed clock with little time left skips the reminders behind it", "[sla][unit]") {
  const SlaPolicies policies(Shipped(), Indonesia());
  const ClockPlan plan = policies.Plan("jalan-rusak", Wib(2026, 3, 3, 9), absl::Hours(3));
  CHECK(plan.due_at == Wib(2026, 3, 3, 12));
  REQUIRE(plan.timers.size() == 2);
  CHECK(plan.timers[0].level == 1);
  CHECK(plan.timers[1].due_at == Wib(2026, 3, 5, 12));
}

TEST_CASE("every category's clock follows its policy in working days", "[sla][unit]") {
  const WorkingCalendar calendar = Indonesia();
  const SlaPolicies policies(Shipped(), calendar);
  const absl::Time routed = Wib(2026, 6, 15, 23, 59);
  for (const auto& p : Shipped().sla_policies()) {
    INFO(p.category());
    const ClockPlan plan = policies.PlanFirstResponse(p.category(), routed);
    CHECK(plan.due_at == calendar.AddWorkingDays(routed, p.first_response_days()));
    CHECK(calendar.WorkingTimeBetween(routed, plan.due_at) ==
          absl::Hours(24) * p.first_response_days());
    CHECK(plan.timers.back().due_at == calendar.AddWorkingDays(plan.due_at, p.level2_after_days()));
    CHECK(policies.Allowance(sambat::v1::DEADLINE_KIND_RESOLUTION, p.category()) ==
          absl::Hours(24) * p.resolution_working_days());
  }
}

TEST_CASE("a case of a category no longer configured gets the most generous policy",
          "[sla][unit]") {
  sambat::v1::CityConfig config = Shipped();
  for (auto& p : *config.mutable_sla_policies()) {
    if (p.category() == "perizinan") p.set_level2_after_days(5);
  }
  const SlaPolicies policies(config, Indonesia());
  const auto& fallback = policies.For("kategori-lama");
  CHECK(fallback.first_response_days() == 7);
  CHECK(fallback.level2_after_days() == 5);
  CHECK(fallback.resolution_working_days() == 14);
  CHECK(fallback.reminder_working_hours_before_size() == 2);
}

}  // namespace
}  // namespace skk::sla

namespace skk::sla {
namespace {

TEST_CASE("a case resolved before the Idul Fitri leave closes by itself ten working days "
          "later, its citizen reminded two working days before",
          "[sla][unit]") {
  const SlaPolicies policies(testing::ShippedCityConfig(), Indonesia());
  CHECK(policies.Allowance(sambat::v1::DEADLINE_KIND_CLOSE, "jalan-rusak") == absl::Hours(240));
  // Resolved Tuesday 17 March 2026 10:00 WIB; the leave runs to the 24th.
  const ClockPlan plan = policies.PlanClose(Wib(2026, 3, 17, 10));
  // 17 (from 10:00), 25, 26, 27, 30, 31 March, 1, 2 April, Good Friday skipped, 6, 7 and
  // 8 April to 10:00.
  CHECK(plan.due_at == Wib(2026, 4, 8, 10));
  REQUIRE(plan.timers.size() == 2);
  CHECK(plan.timers[0].kind == TimerKind::kReminder);
  CHECK(plan.timers[0].due_at == Wib(2026, 4, 6, 10));
  CHECK(plan.timers[1].kind == TimerKind::kClose);
  CHECK(plan.timers[1].due_at == plan.due_at);
  for (const PlannedTimer& t : plan.timers) CHECK(t.kind != TimerKind::kEscalation);
}

TEST_CASE("a city that never closes cases by itself gives the window no time, and one without "
          "reminders plans only the close",
          "[sla][unit]") {
  sambat::v1::CityConfig never = testing::ShippedCityConfig();
  never.set_auto_close_working_days(-1);
  CHECK(SlaPolicies(never, Indonesia()).Allowance(sambat::v1::DEADLINE_KIND_CLOSE, "sampah") ==
        absl::ZeroDuration());

  sambat::v1::CityConfig quiet = testing::ShippedCityConfig();
  quiet.set_auto_close_working_days(3);
  quiet.set_auto_close_reminder_working_days(-1);
  // Resolved on Friday 6 March 2026 at 15:00 WIB: Monday and Tuesday, then Wednesday to 15:00.
  const ClockPlan plan = SlaPolicies(quiet, Indonesia()).PlanClose(Wib(2026, 3, 6, 15));
  CHECK(plan.due_at == Wib(2026, 3, 11, 15));
  REQUIRE(plan.timers.size() == 1);
  CHECK(plan.timers[0].kind == TimerKind::kClose);
}

}  // namespace
}  // namespace skk::sla

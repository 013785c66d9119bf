#pragma once

// How long an agency has, when its humas are reminded, and when late cases escalate
// (docs/sla-rules.md). Pure: no I/O, unit-tested.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sambat/v1/common.pb.h"
#include "sambat/v1/config.pb.h"
#include "services/sla/working_calendar.h"

namespace skk::sla {

// kClose ends the citizen's window after a resolution (DEADLINE_KIND_CLOSE).
enum class TimerKind { kReminder, kEscalation, kClose };

// Something that happens at an instant if the clock is still running then.
struct PlannedTimer {
  TimerKind kind = TimerKind::kEscalation;
  // Escalations: 1 the agency head, 2 Sekda and mayor. Reminders and closes: 0.
  int level = 0;
  absl::Time due_at;
};

// A running clock: its due time and everything that fires on the way.
struct ClockPlan {
  absl::Time starts_at;  // the first working instant at or after the start asked for
  absl::Time due_at;
  std::vector<PlannedTimer> timers;  // in due order
};

// The holiday calendar in force and where it came from: id 0 is the configuration file's,
// any other the row of sla.holiday_calendars an administrator loaded (calendar_store.h).
struct ActiveCalendar {
  int64_t id = 0;
  WorkingCalendar calendar;
};

class SlaPolicies {
 public:
  // `city` must have passed ValidateCityConfig (city_config.h), which checks the policies.
  SlaPolicies(const sambat::v1::CityConfig& city, WorkingCalendar calendar);

  // The policy of `category`. An unknown category (the configuration changed since the
  // complaint came in) gets the most generous policy of the configuration (longest clocks,
  // longest wait before level 2) rather than none: a case always has a deadline.
  const sambat::v1::SlaPolicy& For(const std::string& category) const;

  // The working time a fresh clock of `kind` gets; zero means the category has no such clock
  // (for DEADLINE_KIND_CLOSE: the city's window after a resolution, zero when it never closes
  // cases by itself).
  absl::Duration Allowance(sambat::v1::DeadlineKind kind, const std::string& category) const;

  // The citizen's window after a resolution at `at` (auto_close_working_days): due when it
  // has passed, the citizen reminded auto_close_reminder_working_days before, and a close
  // timer at the due time. Never escalates. Only when Allowance(CLOSE) is above zero.
  ClockPlan PlanClose(absl::Time at) const {
    return PlanClose(active()->calendar, at,
                     Allowance(sambat::v1::DEADLINE_KIND_CLOSE, ""));
  }
  // A window that resumes at `from` with `working_time_left` (a replaced calendar).
  ClockPlan PlanClose(const WorkingCalendar& calendar, absl::Time from,
                      absl::Duration working_time_left) const;

  // Plans a clock of `kind` for `category` that starts (or resumes) at `from` with
  // `working_time_left`: due when that working time has passed; a reminder at each configured
  // working-hour offset before the due time that still lies after `from`; level 1 at the due
  // time; level 2 `level2_after_days` working days later.
  ClockPlan Plan(const std::string& category, absl::Time from,
                 absl::Duration working_time_left) const {
    return Plan(active()->calendar, category, from, working_time_left);
  }
  // The same by `calendar` (one snapshot for a whole change of a clock).
  ClockPlan Plan(const WorkingCalendar& calendar, const std::string& category, absl::Time from,
                 absl::Duration working_time_left) const;

  // The first-response clock of a case routed (or forwarded, reopened) at `at`.
  ClockPlan PlanFirstResponse(const std::string& category, absl::Time at) const {
    return Plan(category, at,
                Allowance(sambat::v1::DEADLINE_KIND_FIRST_RESPONSE, category));
  }

  // The calendar in force, as one snapshot: it may be replaced at any time (Use), and what a
  // change of a clock computed with one snapshot stays consistent.
  std::shared_ptr<const ActiveCalendar> active() const {
    std::lock_guard lock(mu_);
    return active_;
  }
  std::shared_ptr<const WorkingCalendar> calendar() const {
    std::shared_ptr<const ActiveCalendar> a = active();
    return std::shared_ptr<const WorkingCalendar>(a, &a->calendar);
  }
  // Puts `calendar` in force for every clock planned from now on.
  void Use(std::shared_ptr<const ActiveCalendar> calendar) {
    std::lock_guard lock(mu_);
    active_ = std::move(calendar);
  }

 private:
  std::map<std::string, sambat::v1::SlaPolicy> by_category_;
  sambat::v1::SlaPolicy fallback_;
  int close_days_ = 10;          // 0: never
  int close_reminder_days_ = 2;  // 0: no reminder
  mutable std::mutex mu_;
  std::shared_ptr<const ActiveCalendar> active_;
};

}  // namespace skk::sla

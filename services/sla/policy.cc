#include "services/sla/policy.h"

#include <algorithm>
#include <set>

namespace skk::sla {

SlaPolicies::SlaPolicies(const sambat::v1::CityConfig& city, WorkingCalendar calendar)
    : active_(std::make_shared<const ActiveCalendar>(ActiveCalendar{0, std::move(calendar)})) {
  std::set<int> reminders;
  for (const auto& p : city.sla_policies()) {
    by_category_[p.category()] = p;
    fallback_.set_first_response_days(
        std::max(fallback_.first_response_days(), p.first_response_days()));
    fallback_.set_level2_after_days(std::max(fallback_.level2_after_days(), p.level2_after_days()));
    fallback_.set_resolution_working_days(
        std::max(fallback_.resolution_working_days(), p.resolution_working_days()));
    reminders.insert(p.reminder_working_hours_before().begin(),
                     p.reminder_working_hours_before().end());
  }
  // A configuration always has policies (validated); these only guard an empty one.
  if (fallback_.first_response_days() == 0) fallback_.set_first_response_days(7);
  if (fallback_.level2_after_days() == 0) fallback_.set_level2_after_days(2);
  for (int h : reminders) fallback_.add_reminder_working_hours_before(h);
  // 0 is the default and -1 means none (config.proto; checked by ValidateCityConfig).
  if (city.auto_close_working_days() != 0) close_days_ = std::max(0, city.auto_close_working_days());
  if (city.auto_close_reminder_working_days() != 0) {
    close_reminder_days_ = std::max(0, city.auto_close_reminder_working_days());
  }
}

const sambat::v1::SlaPolicy& SlaPolicies::For(const std::string& category) const {
  auto it = by_category_.find(category);
  return it == by_category_.end() ? fallback_ : it->second;
}

absl::Duration SlaPolicies::Allowance(sambat::v1::DeadlineKind kind,
                                      const std::string& category) const {
  if (kind == sambat::v1::DEADLINE_KIND_CLOSE) return absl::Hours(24) * close_days_;
  const sambat::v1::SlaPolicy& policy = For(category);
  const int days = kind == sambat::v1::DEADLINE_KIND_RESOLUTION
                       ? policy.resolution_working_days()
                       : policy.first_response_days();
  return absl::Hours(24) * days;
}

ClockPlan SlaPolicies::Plan(const WorkingCalendar& calendar, const std::string& category,
                            absl::Time from, absl::Duration working_time_left) const {
  const sambat::v1::SlaPolicy& policy = For(category);
  ClockPlan plan;
  plan.starts_at = calendar.ClockStart(from);
  plan.due_at = calendar.AddWorkingTime(plan.starts_at, working_time_left);
  std::vector<int> hours(policy.reminder_working_hours_before().begin(),
                         policy.reminder_working_hours_before().end());
  std::sort(hours.rbegin(), hours.rend());  // the earliest reminder first
  for (int h : hours) {
    const absl::Time at = calendar.SubtractWorkingTime(plan.due_at, absl::Hours(h));
    // A resumed clock with little time left skips the reminders already behind it.
    if (at > from && at < plan.due_at) plan.timers.push_back({TimerKind::kReminder, 0, at});
  }
  plan.timers.push_back({TimerKind::kEscalation, 1, plan.due_at});
  plan.timers.push_back({TimerKind::kEscalation, 2,
                         calendar.AddWorkingDays(plan.due_at, policy.level2_after_days())});
  return plan;
}

ClockPlan SlaPolicies::PlanClose(const WorkingCalendar& calendar, absl::Time from,
                                 absl::Duration working_time_left) const {
  ClockPlan plan;
  plan.starts_at = calendar.ClockStart(from);
  plan.due_at = calendar.AddWorkingTime(plan.starts_at, working_time_left);
  if (close_reminder_days_ > 0) {
    const absl::Time remind =
        calendar.SubtractWorkingTime(plan.due_at, absl::Hours(24) * close_reminder_days_);
    if (remind > from && remind < plan.due_at) {
      plan.timers.push_back({TimerKind::kReminder, 0, remind});
    }
  }
  plan.timers.push_back({TimerKind::kClose, 0, plan.due_at});
  return plan;
}

}  // namespace skk::sla

#include "services/sla/working_calendar.h"

#include "absl/strings/str_cat.h"
#include "services/platform/city_config.h"
#include "services/platform/status_macros.h"

namespace skk::sla {
namespace {

const absl::Duration kDay = absl::Hours(24);
// Longer than any run of non-working days; a calendar that exceeds it is corrupt.
constexpr int kMaxDaysOff = 60;

}  // namespace

std::vector<FieldViolation> CalendarProblems(const sambat::v1::HolidayCalendar& calendar) {
  std::vector<FieldViolation> problems;
  std::set<absl::CivilDay> seen;
  for (int i = 0; i < calendar.holidays_size(); ++i) {
    const auto& h = calendar.holidays(i);
    const std::string at = absl::StrCat("holidays[", i, "]");
    absl::CivilDay day;
    if (!absl::ParseCivilTime(h.date(), &day) || absl::FormatCivilTime(day) != h.date()) {
      problems.push_back({at + ".date", absl::StrCat("'", h.date(), "' is not a date (YYYY-MM-DD)")});
      continue;
    }
    if (day.year() < 2000 || day.year() > 2100) {
      problems.push_back({at + ".date", absl::StrCat(h.date(), " is outside 2000 to 2100")});
    }
    if (!seen.insert(day).second) {
      problems.push_back({at + ".date", absl::StrCat(h.date(), " is listed twice")});
    }
    if (h.name().empty() || h.name().size() > 200) {
      problems.push_back({at + ".name", "a holiday has a name of 1 to 200 characters"});
    }
  }
  return problems;
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::Create(
    absl::string_view zone_name, const sambat::v1::HolidayCalendar& calendar) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(zone_name), &zone)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown time zone '", zone_name, "'"));
  }
  SKK_RETURN_IF_ERROR(InvalidFields(CalendarProblems(calendar)));
  std::set<absl::CivilDay> days;
  for (const auto& h : calendar.holidays()) {
    absl::CivilDay day;
    absl::ParseCivilTime(h.date(), &day);  // checked above
    days.insert(day);
  }
  return WorkingCalendar(zone, std::move(days));
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::Load(absl::string_view zone,
                                                      const std::string& path) {
  SKK_ASSIGN_OR_RETURN(sambat::v1::HolidayCalendar calendar, ReadHolidayCalendar(path));
  absl::StatusOr<WorkingCalendar> created = Create(zone, calendar);
  if (!created.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", created.status().message()));
  }
  return created;
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  const absl::Weekday w = absl::GetWeekday(day);
  if (w == absl::Weekday::saturday || w == absl::Weekday::sunday) return false;
  return !holidays_.contains(day);
}

absl::CivilDay WorkingCalendar::NextWorkingDay(absl::CivilDay after) const {
  absl::CivilDay day = after + 1;
  for (int i = 0; i < kMaxDaysOff && !IsWorkingDay(day); ++i) ++day;
  // A calendar with two months off in a row cannot be real; never loop forever on one.
  return day;
}

absl::CivilDay WorkingCalendar::LastHoliday() const {
  return holidays_.empty() ? absl::CivilDay(1970, 1, 1) : *holidays_.rbegin();
}

absl::Time WorkingCalendar::ClockStart(absl::Time t) const {
  const absl::CivilDay day = DayOf(t);
  if (IsWorkingDay(day)) return t;
  return StartOf(NextWorkingDay(day));
}

absl::Time WorkingCalendar::AddWorkingTime(absl::Time t, absl::Duration d) const {
  absl::Time cur = ClockStart(t);
  absl::Duration left = std::max(d, absl::ZeroDuration());
  absl::CivilDay day = DayOf(cur);
  while (true) {
    const absl::Duration rest_of_day = StartOf(day + 1) - cur;
    if (left < rest_of_day) return cur + left;
    left -= rest_of_day;
    day = NextWorkingDay(day);
    cur = StartOf(day);
  }
}

absl::Time WorkingCalendar::AddWorkingDays(absl::Time t, int n) const {
  return AddWorkingTime(t, kDay * n);
}

absl::Time WorkingCalendar::SubtractWorkingTime(absl::Time t, absl::Duration d) const {
  absl::Time cur = t;
  absl::Duration left = std::max(d, absl::ZeroDuration());
  int days_off = 0;
  while (true) {
    // The day whose working time lies just before `cur`.
    const absl::CivilDay day = DayOf(cur - absl::Nanoseconds(1));
    const absl::Time start = StartOf(day);
    if (!IsWorkingDay(day)) {
      if (++days_off > kMaxDaysOff) return cur;
      cur = start;
      continue;
    }
    days_off = 0;
    const absl::Duration available = cur - start;
    if (left <= available) return cur - left;
    left -= available;
    cur = start;
  }
}

absl::Duration WorkingCalendar::WorkingTimeBetween(absl::Time a, absl::Time b) const {
  absl::Duration total = absl::ZeroDuration();
  if (b <= a) return total;
  for (absl::CivilDay day = DayOf(a); StartOf(day) < b; ++day) {
    if (!IsWorkingDay(day)) continue;
    const absl::Time from = std::max(a, StartOf(day));
    const absl::Time to = std::min(b, StartOf(day + 1));
    if (to > from) total += to - from;
  }
  return total;
}

}  // namespace skk::sla

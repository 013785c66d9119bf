#pragma once

// Working time for SLA clocks. A working day is a Monday to Friday in the city's zone
// (Asia/Jakarta, WIB) that is neither a national holiday nor a day of cuti bersama in the
// holiday calendar; all 24 hours of a working day count, none of any other day. Pure: no I/O
// after loading, unit-tested.
//
// What a clock does with an instant that is not working time (Saturday night, a holiday): it
// starts at 00:00 of the next working day. So a complaint routed on Saturday 21:00 WIB with three
// working days is due at 00:00 on Thursday (the end of Wednesday), exactly as one routed at
// Monday 00:00.

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "services/platform/errors.h"

namespace skk::sla {

// Every problem of a holiday calendar, each naming its entry ("holidays[3].date") and why:
// a date that is not "YYYY-MM-DD" or lies outside 2000 to 2100, a date listed twice, a name
// empty or over 200 characters. The one check of a file sla loads and of a calendar an
// administrator sends (calendar_admin.h).
std::vector<FieldViolation> CalendarProblems(const sambat::v1::HolidayCalendar& calendar);

class WorkingCalendar {
 public:
  // `zone` is an IANA name; the calendar has no CalendarProblems. INVALID_ARGUMENT naming
  // each bad entry otherwise.
  static absl::StatusOr<WorkingCalendar> Create(absl::string_view zone,
                                                const sambat::v1::HolidayCalendar& holidays);
  // Reads a sambat.v1.HolidayCalendar in text format from `path`.
  static absl::StatusOr<WorkingCalendar> Load(absl::string_view zone, const std::string& path);

  bool IsWorkingDay(absl::CivilDay day) const;
  // The first working instant at or after `t`: `t` itself on a working day, otherwise 00:00 of
  // the next working day.
  absl::Time ClockStart(absl::Time t) const;
  // `t` moved forward by `d` of working time. A result that would fall exactly at the end of a
  // working day is put at the start of the next one (the same working time, a human instant).
  absl::Time AddWorkingTime(absl::Time t, absl::Duration d) const;
  // `n` working days after `t` (AddWorkingTime with n x 24 hours): Monday 09:15 + 3 is
  // Thursday 09:15 in an ordinary week.
  absl::Time AddWorkingDays(absl::Time t, int n) const;
  // The instant `d` of working time before `t` (for reminders before a due time).
  absl::Time SubtractWorkingTime(absl::Time t, absl::Duration d) const;
  // Working time in [a, b); zero when b <= a.
  absl::Duration WorkingTimeBetween(absl::Time a, absl::Time b) const;

  const absl::TimeZone& zone() const { return zone_; }
  absl::CivilDay DayOf(absl::Time t) const { return absl::ToCivilDay(t, zone_); }
  absl::Time StartOf(absl::CivilDay day) const { return absl::FromCivil(day, zone_); }
  // The last holiday in the calendar: past it only weekends are known (sla warns at start).
  absl::CivilDay LastHoliday() const;

 private:
  WorkingCalendar(absl::TimeZone zone, std::set<absl::CivilDay> holidays)
      : zone_(zone), holidays_(std::move(holidays)) {}
  absl::CivilDay NextWorkingDay(absl::CivilDay after) const;

  absl::TimeZone zone_;
  std::set<absl::CivilDay> holidays_;
};

}  // namespace skk::sla

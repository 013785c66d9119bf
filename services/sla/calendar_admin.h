#pragma once

// The calendar follows the decree (docs/sla-rules.md). The holiday calendar in force is the
// newest row of sla.holiday_calendars, or the city configuration's holiday_calendar_file while
// there is none. An administrator replaces it while the system runs (the 2027 holidays ship as
// estimates until the joint decree is signed): the new calendar is checked, stored with its
// decree and who loaded it, put in force on this replica, and every running clock moves onto
// it (CaseClocks::FollowCalendar) in the same transaction. Every other replica looks for a
// newer calendar every follow interval, puts it in force and moves what it planned by the old
// one meanwhile, so no clock stays on a superseded calendar for longer than that interval.

#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/sla.grpc.pb.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/errors.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/pg.h"
#include "services/sla/case_clocks.h"
#include "services/sla/policy.h"

namespace skk::sla {

// Every problem of a calendar an administrator sends, each naming its field, e.g.
// {"calendar.holidays[3].date", "'2027-02-30' is not a date (YYYY-MM-DD)"}.
std::vector<FieldViolation> CheckReplacement(const sambat::v1::ReplaceHolidayCalendarRequest& r);

class HolidayCalendars {
 public:
  struct Options {
    std::string time_zone = "Asia/Jakarta";
    // The configuration's calendar file, named by GetHolidayCalendar while it is in force.
    std::string file_path;
    // How often a replica looks for a calendar another replica stored.
    absl::Duration follow_interval = absl::Seconds(10);
  };

  HolidayCalendars(PgPool& pool, Clock& clock, SlaPolicies& policies, CaseClocks& clocks,
                   Options options)
      : pool_(pool), clock_(clock), policies_(policies), clocks_(clocks),
        options_(std::move(options)) {}

  absl::StatusOr<sambat::v1::ReplaceHolidayCalendarResponse> Replace(
      const Caller& caller, const sambat::v1::ReplaceHolidayCalendarRequest& request);
  absl::StatusOr<sambat::v1::GetHolidayCalendarResponse> Get(
      const Caller& caller, const sambat::v1::GetHolidayCalendarRequest& request);

  // Puts the newest stored calendar in force if it is newer than the one in force, and moves
  // the running clocks of older calendars onto it. Returns whether a newer one was found.
  absl::StatusOr<bool> Follow();
  // Follow at once (on start), then every follow interval, until `stop`.
  void Run(const std::atomic<bool>& stop);

 private:
  PgPool& pool_;
  Clock& clock_;
  SlaPolicies& policies_;
  CaseClocks& clocks_;
  Options options_;
  std::atomic<bool> followed_once_{false};
};

// The gRPC edge of HolidayCalendars.
class SlaAdminGrpcService final : public GrpcEdge<sambat::v1::SlaAdminService> {
 public:
  SlaAdminGrpcService(HolidayCalendars& calendars, RequestExecutor& executor,
                      CallerLookup callers = CallerOf)
      : GrpcEdge(executor, std::move(callers)) {
    ServeStaff("ReplaceHolidayCalendar", calendars, &HolidayCalendars::Replace);
    ServeStaff("GetHolidayCalendar", calendars, &HolidayCalendars::Get);
  }
};

}  // namespace skk::sla

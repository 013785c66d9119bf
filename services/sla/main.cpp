// sla: keeps every case's clocks in working days, reminds the humas and escalates what is late.

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/platform/auth.h"
#include "services/platform/city_config.h"
#include "services/platform/service_host.h"
#include "services/sla/calendar_admin.h"
#include "services/sla/case_clocks.h"
#include "services/sla/leadership.h"
#include "services/sla/policy.h"
#include "services/sla/timers.h"

ABSL_FLAG(absl::Duration, reconcile_interval, absl::Seconds(30),
          "how often the Redis timer schedule is rebuilt from PostgreSQL");
ABSL_FLAG(absl::Duration, calendar_follow_interval, absl::Seconds(10),
          "how often a replica looks for a holiday calendar an administrator loaded through "
          "another replica");

namespace {

// The holiday calendar named by the city configuration; sla refuses to start without a valid
// one (a wrong calendar moves every deadline).
skk::sla::WorkingCalendar LoadCalendarOrExit(const skk::ServiceOptions& options,
                                             const sambat::v1::CityConfig& city) {
  const std::string path = skk::ValueOrExit(skk::HolidayCalendarPath(city, options.city_config));
  return skk::ValueOrExit(skk::sla::WorkingCalendar::Load(city.time_zone(), path));
}

}  // namespace

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("sla", 50053, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  // Before anything connects: a service without keys of its own stops at once.
  const skk::TokenVerifier authority = skk::LoadTokenVerifierOrExit(options, city);
  // The configuration's calendar until a stored one (SlaAdminService) is found below.
  skk::sla::SlaPolicies policies(city, LoadCalendarOrExit(options, city));
  skk::ServiceHost host(options);
  host.MigrateOrExit("sla", skk::sla_migrations());

  skk::sla::Timers timers(host.pool(), host.clock(), policies,
                          {.redis_addr = options.redis_addr,
                           .redis_prefix = options.redis_prefix,
                           .reconcile_interval = absl::GetFlag(FLAGS_reconcile_interval)});
  skk::sla::CaseClocks clocks(policies, host.clock(), timers);
  skk::sla::HolidayCalendars calendars(
      host.pool(), host.clock(), policies, clocks,
      {.time_zone = city.time_zone(),
       .file_path = skk::ValueOrExit(skk::HolidayCalendarPath(city, options.city_config)),
       .follow_interval = absl::GetFlag(FLAGS_calendar_follow_interval)});
  // The calendar in force before the first clock is planned.
  skk::ValueOrExit(calendars.Follow());
  host.AddConsumer(skk::sla::ConsumedEvents(), clocks.Handlers());
  host.AddBackgroundLoop("timers", [&timers](const std::atomic<bool>& stop) { timers.Run(stop); });
  host.AddBackgroundLoop("reconcile",
                         [&timers](const std::atomic<bool>& stop) { timers.RunReconciler(stop); });
  host.AddBackgroundLoop("calendar",
                         [&calendars](const std::atomic<bool>& stop) { calendars.Run(stop); });

  // Leadership and agency heads (a staff token, auth.h); the public figures for anyone.
  host.RequireStaffAuth(&authority);
  skk::sla::Leadership leadership(host.pool(), host.clock(), city.time_zone());
  skk::sla::LeadershipGrpcService leadership_service(leadership, host.executor());
  host.AddGrpcService(&leadership_service);
  // Administrators replace the holiday calendar (leadership may read it).
  skk::sla::SlaAdminGrpcService admin_service(calendars, host.executor());
  host.AddGrpcService(&admin_service);
  return host.Run();
}

// sla: keeps every case's clocks in working days, reminds the humas and escalates what is late.

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/platform/auth.h"
#include "services/platform/city_config.h"
#include "services/platform/service_host.h"
#include "services/sla/case_clocks.h"
#include "services/sla/leadership.h"
#include "services/sla/policy.h"
#include "services/sla/timers.h"

ABSL_FLAG(absl::Duration, reconcile_interval, absl::Seconds(30),
          "how often the Redis timer schedule is rebuilt from PostgreSQL");

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
  const skk::sla::SlaPolicies policies(city, LoadCalendarOrExit(options, city));
  skk::ServiceHost host(options);
  host.MigrateOrExit("sla", skk::sla_migrations());

  skk::sla::Timers timers(host.pool(), host.clock(), policies.calendar(),
                          {.redis_addr = options.redis_addr,
                           .redis_prefix = options.redis_prefix,
                           .reconcile_interval = absl::GetFlag(FLAGS_reconcile_interval)});
  skk::sla::CaseClocks clocks(policies, host.clock(), timers);
  host.AddConsumer(skk::sla::ConsumedEvents(), clocks.Handlers());
  host.AddBackgroundLoop("timers", [&timers](const std::atomic<bool>& stop) { timers.Run(stop); });
  host.AddBackgroundLoop("reconcile",
                         [&timers](const std::atomic<bool>& stop) { timers.RunReconciler(stop); });

  // Leadership and agency heads (a staff token, auth.h); the public figures for anyone.
  host.RequireStaffAuth(&authority);
  skk::sla::Leadership leadership(host.pool(), host.clock(), city.time_zone());
  skk::sla::LeadershipGrpcService leadership_service(leadership, host.executor());
  host.AddGrpcService(&leadership_service);
  return host.Run();
}

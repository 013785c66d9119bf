// sla: keeps every case's deadline and escalates what is late.

#include "absl/flags/flag.h"
#include "services/platform/service_host.h"
#include "services/sla/policy.h"
#include "services/sla/timers.h"

ABSL_FLAG(absl::Duration, reconcile_interval, absl::Seconds(30),
          "how often the Redis timer schedule is rebuilt from PostgreSQL");

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("sla", 50053, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  skk::ServiceHost host(options);
  host.MigrateOrExit("sla", skk::sla_migrations());

  skk::sla::Timers timers(host.pool(), host.clock(), skk::sla::SlaPolicies(city),
                          {.redis_addr = options.redis_addr,
                           .redis_prefix = options.redis_prefix,
                           .reconcile_interval = absl::GetFlag(FLAGS_reconcile_interval)});
  host.AddConsumer(skk::sla::ConsumedEvents(), timers.Handlers());
  host.AddBackgroundLoop("timers", [&timers](const std::atomic<bool>& stop) { timers.Run(stop); });
  return host.Run();
}

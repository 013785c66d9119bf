// routing: sends every complaint to the one agency responsible and keeps its case.

#include "services/platform/service_host.h"
#include "services/routing/cases.h"
#include "services/routing/routing_config.h"
#include "services/routing/rules.h"

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("routing", 50052, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  skk::ServiceHost host(options);
  host.MigrateOrExit("routing", skk::routing_migrations());

  // The rules in force; SIGHUP or an edit of the file reloads them (an invalid file never
  // replaces them).
  skk::routing::RoutingConfig routing_config(options.city_config, city);
  skk::routing::ReloadWatch reload_watch(routing_config);
  host.AddBackgroundLoop("city-config-reload",
                         [&](const std::atomic<bool>& stop) { reload_watch.Run(stop); });

  skk::routing::Cases cases(host.clock(), *routing_config.Current());
  host.AddConsumer(skk::routing::ConsumedEvents(), cases.Handlers());
  return host.Run();
}

// routing: sends every complaint to the one agency responsible and keeps its case.

#include "services/platform/service_host.h"
#include "services/routing/cases.h"
#include "services/routing/rules.h"

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("routing", 50052, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  skk::ServiceHost host(options);
  host.MigrateOrExit("routing", skk::routing_migrations());

  skk::routing::Cases cases(host.clock(), skk::routing::RoutingRules(city));
  host.AddConsumer(skk::routing::ConsumedEvents(), cases.Handlers());
  return host.Run();
}

// intake: takes citizens' complaints and shows them their status.

#include "services/intake/complaints.h"
#include "services/intake/intake_service.h"
#include "services/platform/service_host.h"

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("intake", 50051, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  skk::ServiceHost host(options);
  host.MigrateOrExit("intake", skk::intake_migrations());

  skk::intake::Complaints complaints(host.pool(), host.clock(), city);
  skk::intake::IntakeService service(complaints, skk::intake::RulesFromCityConfig(city),
                                     host.executor());
  host.AddConsumer(skk::intake::ConsumedEvents(), complaints.Handlers());
  host.AddGrpcService(&service);
  return host.Run();
}

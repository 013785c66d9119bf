// notification: makes sure the right people hear of what happened to a complaint.

#include "services/notification/messages.h"
#include "services/notification/notifications.h"
#include "services/platform/service_host.h"

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("notification", 50054, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  skk::ServiceHost host(options);
  host.MigrateOrExit("notification", skk::notification_migrations());

  skk::notification::NotificationLog log(host.pool(), host.clock(),
                                         skk::notification::Recipients(city));
  skk::notification::NotificationService service(log, host.executor());
  host.AddConsumer(skk::notification::ConsumedEvents(), log.Handlers());
  host.AddGrpcService(&service);
  return host.Run();
}

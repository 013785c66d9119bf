// routing: sends every complaint to the one agency responsible and keeps its case; serves the
// officers' queue.

#include "absl/flags/flag.h"
#include "services/platform/log.h"
#include "services/platform/service_host.h"
#include "services/routing/cases.h"
#include "services/routing/officer_service.h"
#include "services/routing/officer_work.h"
#include "services/routing/rules.h"

ABSL_FLAG(std::string, queue_cursor_secret, "",
          "secret that signs the officers' queue page tokens (required outside local runs)");

namespace {
constexpr char kLocalCursorSecret[] = "local-development-only-queue-cursor-secret";
}

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("routing", 50052, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  std::string cursor_secret = absl::GetFlag(FLAGS_queue_cursor_secret);
  if (cursor_secret.empty()) {
    skk::log::Warn("no --queue_cursor_secret: using the local development secret");
    cursor_secret = kLocalCursorSecret;
  }
  skk::ServiceHost host(options);
  host.MigrateOrExit("routing", skk::routing_migrations());

  const skk::routing::AgencyDirectory agencies(city);
  skk::routing::Cases cases(host.clock(), skk::routing::RoutingRules(city), agencies);
  skk::routing::OfficerWork work(host.pool(), host.clock(), agencies,
                                 skk::routing::QueueCursorCodec(cursor_secret));
  const skk::TokenAuthority staff = skk::LoadTokenAuthorityOrExit(options, city);
  host.RequireStaffAuth(&staff, {"/sambat.v1.OfficerService/", "/sambat.v1.RoutingAdminService/"});
  const skk::routing::CallerResolver callers = skk::CallerOf;
  skk::routing::OfficerService officers(work, callers, host.executor());
  skk::routing::RoutingAdminService admin(
      [] { return absl::StatusOr<std::string>(absl::UnimplementedError("not wired yet")); },
      callers, host.executor());

  host.AddConsumer(skk::routing::ConsumedEvents(), cases.Handlers());
  host.AddGrpcService(&officers);
  host.AddGrpcService(&admin);
  return host.Run();
}

// routing: sends every complaint to the one agency responsible and keeps its case; serves the
// officers' queue.

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/platform/log.h"
#include "services/platform/service_host.h"
#include "services/routing/cases.h"
#include "services/routing/officer_service.h"
#include "services/routing/officer_work.h"
#include "services/routing/routing_config.h"
#include "services/routing/rules.h"

ABSL_FLAG(std::string, queue_cursor_secret, "",
          "secret that signs the officers' queue page tokens (prefer the _file flag)");
ABSL_FLAG(std::string, queue_cursor_secret_file, "",
          "file holding the secret that signs queue page tokens (required outside --dev)");

ABSL_FLAG(std::string, partner_urls, "",
          "agency=url,... replacing partners' configured URLs (a staging partner, a test's fake)");

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("routing", 50052, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  // Before anything connects: a service without keys of its own stops at once.
  const skk::TokenVerifier staff = skk::LoadTokenVerifierOrExit(options, city);
  const std::string cursor_secret = skk::LoadSecretOrExit(
      {.name = "queue_cursor_secret", .value = absl::GetFlag(FLAGS_queue_cursor_secret),
       .file = absl::GetFlag(FLAGS_queue_cursor_secret_file),
       .dev_default = skk::kDevQueueCursorSecret},
      options);
  skk::ServiceHost host(options);
  host.MigrateOrExit("routing", skk::routing_migrations());

  // The rules in force; SIGHUP, an edit of the file or ReloadRoutingConfig reloads them (an
  // invalid file never replaces them).
  skk::routing::RoutingConfig routing_config(options.city_config, city);
  skk::routing::ReloadWatch reload_watch(routing_config);
  host.AddBackgroundLoop("city-config-reload",
                         [&](const std::atomic<bool>& stop) { reload_watch.Run(stop); });

  // Partners' secrets are read once, here: a service that cannot reach a partner properly
  // stops at once instead of handing cases into the void.
  skk::routing::PartnerDesk partner_desk(
      host.pool(), host.clock(), routing_config,
      skk::ValueOrExit(skk::routing::LoadPartnerEndpoints(
          city, options.city_config, options.dev,
          skk::ValueOrExit(skk::routing::ParsePartnerUrls(absl::GetFlag(FLAGS_partner_urls))))));
  host.AddBackgroundLoop("partner-handoffs",
                         [&](const std::atomic<bool>& stop) { partner_desk.Run(stop); });

  skk::routing::Cases cases(host.clock(), routing_config);
  skk::routing::OfficerWork work(host.pool(), host.clock(), routing_config,
                                 skk::routing::QueueCursorCodec(cursor_secret));
  host.RequireStaffAuth(&staff);
  skk::routing::OfficerService officers(work, host.executor());
  skk::routing::PartnerService partner_service(partner_desk, host.executor());
  skk::routing::RoutingAdminService admin(
      [&routing_config]() -> absl::StatusOr<std::string> {
        if (absl::Status st = routing_config.Reload(); !st.ok()) return st;
        const auto current = routing_config.CurrentCity();
        return absl::StrCat(current->routing_rules_size(), " rules, ", current->areas_size(),
                            " areas, ", current->agencies_size(), " agencies");
      },
      host.executor());

  host.AddConsumer(skk::routing::ConsumedEvents(), cases.Handlers());
  host.AddGrpcService(&officers);
  host.AddGrpcService(&admin);
  host.AddGrpcService(&partner_service);
  return host.Run();
}

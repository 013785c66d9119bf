// gateway: the system's only public door. HTTP/JSON for the citizens' apps, mapped onto the
// services' gRPC APIs; it holds no business rules and no table of another service.

#include <optional>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "grpcpp/support/client_interceptor.h"
#include "services/gateway/citizen_api.h"
#include "services/gateway/gateway_app.h"
#include "services/gateway/http_server.h"
#include "services/gateway/media_api.h"
#include "services/gateway/open311.h"
#include "services/gateway/partner_webhook.h"
#include "services/gateway/probes.h"
#include "services/gateway/public_api.h"
#include "services/gateway/staff_api.h"
#include "services/gateway/static_files.h"
#include "services/gateway/text_webhook.h"
#include "services/platform/log.h"
#include "services/platform/city_config.h"
#include "services/platform/service_host.h"
#include "services/platform/tls.h"
#include "services/platform/trace.h"

ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080", "HTTP address, host:port (port 0: any)");
ABSL_FLAG(std::string, http_ready_file, "", "written with the bound HTTP port once it serves");
ABSL_FLAG(int, http_workers, 64, "threads that run requests (each may wait on a service)");
ABSL_FLAG(int, http_max_connections, 4096, "open connections at most; more are closed at once");
ABSL_FLAG(absl::Duration, http_head_timeout, absl::Seconds(10),
          "a request's head must arrive within this (also the keep-alive idle limit)");
ABSL_FLAG(absl::Duration, http_body_timeout, absl::Seconds(20),
          "a JSON body must arrive within this after its head");
ABSL_FLAG(std::string, intake_addr, "", "intake's gRPC address (default in --dev: 127.0.0.1:50051)");
ABSL_FLAG(std::string, routing_addr, "",
          "routing's gRPC address (default in --dev: 127.0.0.1:50052)");
ABSL_FLAG(std::string, sla_addr, "", "sla's gRPC address (default in --dev: 127.0.0.1:50053)");
ABSL_FLAG(std::string, notification_addr, "",
          "notification's gRPC address (default in --dev: 127.0.0.1:50054)");
ABSL_FLAG(std::string, services_tls_ca_file, "",
          "CA the services' certificates chain to; empty: plaintext to the services (--dev or a "
          "mesh)");
ABSL_FLAG(std::string, services_tls_cert_file, "", "the gateway's client certificate (mTLS)");
ABSL_FLAG(std::string, services_tls_key_file, "", "its private key");
ABSL_FLAG(std::string, trusted_proxies, "",
          "addresses or CIDR ranges of the proxies whose X-Forwarded-For is believed");
ABSL_FLAG(std::string, cors_origins, "",
          "comma-separated origins allowed to call the API from a browser on another site");
ABSL_FLAG(bool, behind_tls, false, "clients reach the gateway over HTTPS (adds HSTS)");
ABSL_FLAG(std::string, web_dir, "", "directory of the web apps' built files; empty: none");
ABSL_FLAG(int, address_read_limit, 1200,
          "GET requests per minute from one client address (0: no limit); generous, since a "
          "carrier's NAT puts many phones behind one address");
ABSL_FLAG(int, address_write_limit, 300,
          "other requests per minute from one client address (0: no limit)");
ABSL_FLAG(std::string, initial_admin, "",
          "username of the first administrator, created at start if missing (default in --dev: "
          "admin); it must change its password at first sign-in");
ABSL_FLAG(std::string, initial_admin_password_file, "",
          "file holding the first administrator's password (required with --initial_admin "
          "outside --dev)");
ABSL_FLAG(absl::Duration, session_idle, absl::Minutes(30), "a staff session unused this long ends");
ABSL_FLAG(absl::Duration, session_lifetime, absl::Hours(12),
          "every staff session ends this long after sign-in");
ABSL_FLAG(std::string, public_base_url, "",
          "where clients reach the gateway, e.g. https://sambat.malangkota.go.id (Open311's "
          "discovery document); empty: the request's Host");
ABSL_FLAG(std::string, map_tile_url, "",
          "the city's map tile server as a Leaflet template (https://tiles.example/{z}/{x}/{y}.png) "
          "for the report form; empty: no tiles (nothing is fetched from a third party)");
ABSL_FLAG(std::string, map_attribution, "", "the tiles' attribution line, shown on the map");
ABSL_FLAG(int64_t, max_photo_bytes, 10 * 1024 * 1024, "largest photo accepted, in bytes");

namespace {

std::string ServiceAddress(const skk::ServiceOptions& options, const std::string& name,
                           const std::string& flag_value, int dev_port) {
  if (!flag_value.empty()) return flag_value;
  if (options.dev) return absl::StrCat("127.0.0.1:", dev_port);
  skk::ExitAtStart(absl::InvalidArgumentError(absl::StrCat("--", name, "_addr is required")));
}

skk::gateway::HttpServerOptions HttpOptionsFromFlags() {
  const std::string listen = absl::GetFlag(FLAGS_http_listen);
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
    skk::ExitAtStart(absl::InvalidArgumentError("--http_listen must be host:port"));
  }
  return {.address = listen.substr(0, colon),
          .port = port,
          .worker_threads = std::max(1, absl::GetFlag(FLAGS_http_workers)),
          .max_connections = std::max(1, absl::GetFlag(FLAGS_http_max_connections)),
          .head_timeout = absl::GetFlag(FLAGS_http_head_timeout),
          .body_timeout = absl::GetFlag(FLAGS_http_body_timeout)};
}

skk::gateway::EdgeOptions EdgeOptionsFromFlags() {
  skk::gateway::EdgeOptions edge{
      .trusted_proxies =
          skk::ValueOrExit(skk::AddressRanges::Parse(absl::GetFlag(FLAGS_trusted_proxies))),
      .cors_origins =
          absl::StrSplit(absl::GetFlag(FLAGS_cors_origins), ',', absl::SkipWhitespace()),
      .behind_tls = absl::GetFlag(FLAGS_behind_tls)};
  // The browser may load images from the tile server, and from nowhere else outside.
  if (!absl::GetFlag(FLAGS_map_tile_url).empty()) {
    edge.image_origins.push_back(
        skk::ValueOrExit(skk::gateway::OriginOf(absl::GetFlag(FLAGS_map_tile_url))));
  }
  return edge;
}

void CreateInitialAdmin(const skk::ServiceOptions& options,
                        skk::gateway::StaffAccounts& accounts) {
  std::string username = absl::GetFlag(FLAGS_initial_admin);
  if (username.empty() && options.dev) username = "admin";
  if (username.empty()) return;
  const std::string password = skk::LoadSecretOrExit(
      {.name = "initial_admin_password",
       .file = absl::GetFlag(FLAGS_initial_admin_password_file),
       .dev_default = skk::kDevInitialAdminPassword,
       .min_bytes = 12},
      options);
  skk::OkOrExit(accounts.EnsureAdmin(username, password));
}

}  // namespace

int main(int argc, char** argv) {
  skk::ServiceOptions options = skk::InitService("gateway", 50055, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  const auto credentials = skk::ValueOrExit(
      skk::ClientCredentials({.cert_file = absl::GetFlag(FLAGS_services_tls_cert_file),
                              .key_file = absl::GetFlag(FLAGS_services_tls_key_file),
                              .ca_file = absl::GetFlag(FLAGS_services_tls_ca_file)}));
  // A photo comes back from intake whole (GetCaseMedia, GetPublicMedia): above gRPC's 4 MB.
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(
      static_cast<int>(absl::GetFlag(FLAGS_max_photo_bytes) + 1024 * 1024));
  auto dial = [&](const std::string& name, const std::string& flag_value, int dev_port) {
    // Every call carries the trace of the request it serves (docs/tracing.md).
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> traced;
    traced.push_back(skk::trace::MakeClientTraceFactory());
    return grpc::experimental::CreateCustomChannelWithInterceptors(
        ServiceAddress(options, name, flag_value, dev_port), credentials, channel_args,
        std::move(traced));
  };
  const auto intake = dial("intake", absl::GetFlag(FLAGS_intake_addr), 50051);
  const auto routing = dial("routing", absl::GetFlag(FLAGS_routing_addr), 50052);
  const auto sla = dial("sla", absl::GetFlag(FLAGS_sla_addr), 50053);
  const auto notification = dial("notification", absl::GetFlag(FLAGS_notification_addr), 50054);

  // The gateway signs staff in and mints their tokens, and citizens' passes: it holds the
  // issuer's private key.
  skk::TokenIssuer issuer =
      skk::ValueOrExit(skk::TokenIssuerFromConfig(city, options.city_config));
  skk::ServiceHost host(options);
  host.MigrateOrExit("gateway", skk::gateway_migrations());
  skk::gateway::StaffAccounts accounts(host.pool(), host.clock(),
                                       {.idle = absl::GetFlag(FLAGS_session_idle),
                                        .lifetime = absl::GetFlag(FLAGS_session_lifetime)});
  CreateInitialAdmin(options, accounts);

  skk::gateway::Router router;
  skk::gateway::Probes probes(
      {{"intake", intake}, {"routing", routing}, {"sla", sla}, {"notification", notification}});
  probes.AddRoutes(router);
  // Before the staff API takes the issuer: the text gateways' webhook mints phone passes.
  std::unique_ptr<skk::gateway::TextWebhook> texts;
  if (!city.text_messaging().gateways().empty()) {
    texts = skk::ValueOrExit(
        skk::gateway::TextWebhook::Create(intake, city, options.city_config, options.dev,
                                          issuer, host.clock()));
    texts->AddRoutes(router);
  }
  // The partners' webhook mints partner passes, for routing's PartnerService.
  std::unique_ptr<skk::gateway::PartnerWebhook> partners = skk::ValueOrExit(
      skk::gateway::PartnerWebhook::Create(routing, city, options.city_config, options.dev,
                                           issuer, host.clock()));
  partners->AddRoutes(router);
  skk::gateway::CitizenApi citizens(
      {.intake = intake, .notification = notification}, issuer, host.clock(), city,
      {.max_photo_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_photo_bytes)),
       .holidays = skk::ValueOrExit(skk::ReadHolidayCalendar(
           skk::ValueOrExit(skk::HolidayCalendarPath(city, options.city_config)))),
       .map_tile_url = absl::GetFlag(FLAGS_map_tile_url),
       .map_attribution = absl::GetFlag(FLAGS_map_attribution)});
  citizens.AddRoutes(router);
  skk::gateway::PublicApi public_figures(intake, sla);
  public_figures.AddRoutes(router);
  skk::gateway::AddressRateLimiter limiter(
      options.redis_addr, options.redis_prefix,
      {.reads_per_minute = absl::GetFlag(FLAGS_address_read_limit),
       .writes_per_minute = absl::GetFlag(FLAGS_address_write_limit)});
  skk::gateway::ApiKeys keys(host.pool(), host.clock());
  skk::gateway::StaffApi staff(accounts, keys, std::move(issuer), host.clock(),
                               {.routing = routing, .sla = sla, .notification = notification,
                                .intake = intake},
                               &limiter,
                               {.secure_cookie = absl::GetFlag(FLAGS_behind_tls), .city = &city});
  staff.AddRoutes(router);
  skk::gateway::MediaApi media(intake, staff);
  media.AddRoutes(router);
  std::optional<skk::gateway::Open311> open311;
  if (!city.open311_jurisdiction_id().empty()) {
    open311.emplace(intake, city, keys,
                    skk::gateway::Open311Options{.public_base_url =
                                                     absl::GetFlag(FLAGS_public_base_url)});
    open311->AddRoutes(router);
  }
  skk::gateway::StaticFiles files(absl::GetFlag(FLAGS_web_dir));
  files.AddRoutes(router);  // last: it answers what no other route knows

  skk::gateway::GatewayApp app(router, EdgeOptionsFromFlags(), &limiter);
  std::unique_ptr<skk::gateway::HttpServer> http =
      skk::ValueOrExit(skk::gateway::HttpServer::Start(HttpOptionsFromFlags(), app));
  if (const std::string ready = absl::GetFlag(FLAGS_http_ready_file); !ready.empty()) {
    skk::OkOrExit(skk::WriteReadyFile(ready, http->port()));
  }
  skk::log::Info("serving HTTP", {{"address", absl::GetFlag(FLAGS_http_listen)},
                                  {"port", http->port()}});
  // Shutdown: the gRPC health turns NOT_SERVING, then this loop ends and the HTTP server lets
  // the requests in hand finish.
  host.AddBackgroundLoop("http", [&http](const std::atomic<bool>& stop) {
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    http->Stop();
  });
  return host.Run();
}

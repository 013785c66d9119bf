#include "services/gateway/probes.h"

#include "absl/time/clock.h"
#include "services/gateway/json_body.h"
#include "services/platform/health_client.h"
#include "services/platform/log.h"

namespace skk::gateway {

void Probes::AddRoutes(Router& router) {
  router.Add({"GET", "/healthz", {}, [](RouteRequest&) -> absl::StatusOr<HttpResponse> {
                sambat::v1::Health health;
                health.set_status("ok");
                return JsonResponse(200, health);
              }});
  router.Add({"GET", "/readyz", {}, [this](RouteRequest&) -> absl::StatusOr<HttpResponse> {
                const sambat::v1::Health health = Readiness();
                return JsonResponse(health.status() == "ok" ? 200 : 503, health);
              }});
}

sambat::v1::Health Probes::Readiness() {
  std::lock_guard lock(mu_);
  const absl::Time now = absl::Now();
  if (now - checked_at_ < absl::Seconds(1)) return last_;
  sambat::v1::Health health;
  health.set_status("ok");
  for (const auto& [name, channel] : services_) {
    const absl::Status answer = CheckHealth(*channel, absl::Milliseconds(800));
    // The public sees which service is away, never where it runs or why: that is for the log.
    (*health.mutable_services())[name] = answer.ok() ? "ok" : "unavailable";
    if (!answer.ok()) {
      health.set_status("unavailable");
      log::Warn("service not ready", {{"service", name},
                                      {"error", std::string(answer.message())}});
    }
  }
  checked_at_ = absl::Now();
  last_ = health;
  return health;
}

}  // namespace skk::gateway

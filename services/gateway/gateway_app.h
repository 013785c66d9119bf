#pragma once

// The gateway as the HTTP server sees it: every request goes through the edge (client
// address, CORS, rate limit), the router, a route's handler, and back through the edge
// (security headers, gzip), with one access-log line per request. Errors from anywhere come
// out as problem details (problem.h).

#include "services/gateway/edge.h"
#include "services/gateway/http.h"
#include "services/gateway/router.h"
#include "services/platform/migrations.h"

namespace skk {
// The gateway's own schema (staff accounts, sessions, partner keys), compiled in from
// migrations/ by CMake.
const std::vector<Migration>& gateway_migrations();
}  // namespace skk

namespace skk::gateway {

class GatewayApp final : public HttpApp {
 public:
  // `router` and `limiter` (null: no limit) must outlive the app.
  GatewayApp(const Router& router, EdgeOptions edge, AddressRateLimiter* limiter)
      : router_(router), edge_(std::move(edge)), limiter_(limiter) {}

  BodyPolicy BodyPolicyFor(const HttpRequest& head) const override;
  HttpResponse Handle(HttpRequest& request) override;
  HttpResponse Refusal(int status, absl::string_view detail) const override;

 private:
  // `pattern` is set to the matched route's pattern ("/api/v1/complaints/{ticket}"), the
  // label metrics count by: never the raw path, which holds tickets.
  absl::StatusOr<HttpResponse> Route(HttpRequest& request, const std::string& client,
                                     std::string& pattern);

  const Router& router_;
  EdgeOptions edge_;
  AddressRateLimiter* limiter_;
};

}  // namespace skk::gateway

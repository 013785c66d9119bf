#include "services/gateway/gateway_app.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/gateway/open311.h"
#include "services/gateway/problem.h"
#include "services/platform/log.h"
#include "services/platform/metrics.h"
#include "services/platform/status_macros.h"
#include "services/platform/trace.h"

namespace skk::gateway {
namespace {

// skk_http_requests_total and skk_http_request_seconds by route pattern, method and status.
// A method outside the usual few is counted as "other": a stranger picks the method.
void CountRequest(const std::string& method, const std::string& pattern, int status,
                  absl::Duration took) {
  static auto& requests = metrics::CounterFamily(
      "skk_http_requests_total", "HTTP requests answered, by route, method and status code");
  static auto& seconds = metrics::HistogramFamily(
      "skk_http_request_seconds", "Time to answer an HTTP request, by route and method");
  static const auto* known = new absl::flat_hash_set<std::string>{
      "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  const std::string m = known->contains(method) ? method : "other";
  requests.Add({{"route", pattern}, {"method", m}, {"code", absl::StrCat(status)}}).Increment();
  seconds.Add({{"route", pattern}, {"method", m}}, metrics::LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(took));
}

// Probes come from the cluster, often and from one address: never rate-limited.
bool IsProbe(absl::string_view path) { return path == "/healthz" || path == "/readyz"; }

// One SMS or WhatsApp provider's address carries every citizen's message: its requests are
// signed (text_webhook.h), and intake limits each sender's number instead. A partner's reports
// are signed too (partner_webhook.h), and a busy police system must not be told to wait.
bool IsSignedWebhook(absl::string_view path) {
  return absl::StartsWith(path, "/webhooks/text/") ||
         absl::StartsWith(path, "/webhooks/partners/");
}

}  // namespace

BodyPolicy GatewayApp::BodyPolicyFor(const HttpRequest& head) const {
  const Router::Match match = router_.Find(head.method, head.RawPath());
  return match.route != nullptr ? match.route->body : BodyPolicy{};
}

absl::StatusOr<HttpResponse> GatewayApp::Route(HttpRequest& request, const std::string& client,
                                               std::string& pattern) {
  Router::Match match = router_.Find(request.method, request.RawPath());
  if (match.route != nullptr) pattern = match.route->pattern;
  if (match.bad_path) {
    return absl::InvalidArgumentError("the path is not valid percent-encoded UTF-8");
  }
  if (match.route == nullptr && !match.allowed.empty()) {
    const std::string allowed = absl::StrJoin(match.allowed, ", ");
    if (Open311::Serves(request.RawPath())) return Open311::MethodNotAllowed(request, allowed);
    HttpResponse response = Problem(405, absl::StrCat("this address takes ", allowed));
    response.SetHeader("allow", allowed);
    return response;
  }
  if (match.route == nullptr) return absl::NotFoundError("no such address");
  if (limiter_ != nullptr && !IsProbe(request.RawPath()) && !IsSignedWebhook(request.RawPath())) {
    const bool write = request.method != "GET" && request.method != "HEAD";
    SKK_RETURN_IF_ERROR(limiter_->Admit(client, write));
  }
  SKK_ASSIGN_OR_RETURN(auto query, ParseQuery(request.RawQuery()));
  RouteRequest route_request{.http = request,
                             .params = std::move(match.params),
                             .query = std::move(query),
                             .client_address = client};
  return match.route->handle(route_request);
}

HttpResponse GatewayApp::Handle(HttpRequest& request) {
  const absl::Time started = absl::Now();
  // The request's trace (its client's traceparent, or a new one): in this request's log lines
  // and carried to every service it calls (main.cpp's channels) and every event they write.
  const absl::string_view traceparent = request.Header("traceparent");
  const trace::Scope traced(trace::Continue(std::string_view(traceparent.data(), traceparent.size())));
  const std::string client = ClientAddress(request, edge_.trusted_proxies);
  HttpResponse response;
  std::string pattern = "unmatched";
  if (request.method == "OPTIONS" && request.HasHeader("access-control-request-method")) {
    response = Preflight(request, edge_);
    pattern = "preflight";
  } else {
    absl::StatusOr<HttpResponse> routed = Route(request, client, pattern);
    if (routed.ok()) {
      response = *std::move(routed);
    } else if (Open311::Serves(request.RawPath())) {
      response = Open311::ErrorFor(request, routed.status());  // the spec's error format
    } else {
      response = ProblemFor(routed.status());
    }
  }
  AddCors(request, response, edge_);
  AddSecurityHeaders(response, edge_);
  GzipIfWanted(request, response, edge_.gzip_min_bytes);
  const absl::Duration took = absl::Now() - started;
  CountRequest(request.method, pattern, response.status, took);
  // The path only: a query may carry a tracking token.
  log::Info("http", {{"method", request.method},
                     {"path", std::string(request.RawPath())},
                     {"status", response.status},
                     {"client", client},
                     {"ms", absl::ToInt64Milliseconds(took)}});
  return response;
}

HttpResponse GatewayApp::Refusal(int status, absl::string_view detail) const {
  HttpResponse response = Problem(status, detail);
  AddSecurityHeaders(response, edge_);
  return response;
}

}  // namespace skk::gateway

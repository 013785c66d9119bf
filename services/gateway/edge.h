#pragma once

// What the gateway does to every request and response, whatever the route: who the client is
// behind trusted proxies, the security headers, CORS for the allowed origins, gzip for text,
// and a per-address rate limit kept in Redis so every replica counts together.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/gateway/http.h"
#include "services/platform/address_ranges.h"
#include "services/platform/redis.h"

namespace skk::gateway {

struct EdgeOptions {
  // Proxies (load balancer, ingress) whose X-Forwarded-For is believed.
  AddressRanges trusted_proxies;
  // Origins (scheme://host[:port]) whose browsers may call the API from another site.
  std::vector<std::string> cors_origins;
  // Served behind TLS (a terminating proxy): adds HSTS.
  bool behind_tls = false;
  // Text bodies at least this long are gzipped for clients that accept it.
  size_t gzip_min_bytes = 1024;
  // Origins besides the gateway's own that pages may load images from (the map's tiles).
  std::vector<std::string> image_origins = {};
};

// "https://tiles.example:8443" of "https://tiles.example:8443/{z}/{x}/{y}.png": what a CSP
// source names. INVALID_ARGUMENT for anything but an http(s) URL with a host.
absl::StatusOr<std::string> OriginOf(absl::string_view url);

// The client's address: the TCP peer, or, when the peer is a trusted proxy, the rightmost
// address of X-Forwarded-For that is not itself a trusted proxy (the left part is whatever the
// client claimed and proves nothing).
std::string ClientAddress(const HttpRequest& request, const AddressRanges& trusted_proxies);

// CSP (only our own scripts, styles, images and API; no framing), nosniff, no referrer
// leaking tickets, and HSTS behind TLS. Set unless the route set its own.
void AddSecurityHeaders(HttpResponse& response, const EdgeOptions& options);

// The answer to a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method):
// 204 with the allowed methods and headers for an allowed origin, 403 otherwise.
HttpResponse Preflight(const HttpRequest& request, const EdgeOptions& options);
// Access-Control-Allow-Origin on responses to an allowed origin.
void AddCors(const HttpRequest& request, HttpResponse& response, const EdgeOptions& options);

// Compresses a text response (JSON, XML, HTML, CSS, JavaScript, SVG) in place when the client
// accepts gzip and it is long enough to be worth it.
void GzipIfWanted(const HttpRequest& request, HttpResponse& response, size_t min_bytes);

// Fixed one-minute windows per client address and kind of request, in Redis. When Redis is
// away, requests are let through (intake keeps its own limits) and the outage is logged.
class AddressRateLimiter {
 public:
  struct Limits {
    int reads_per_minute = 0;   // GET and HEAD; 0: no limit
    int writes_per_minute = 0;  // everything else; 0: no limit
  };
  AddressRateLimiter(std::string redis_addr, std::string prefix, Limits limits);

  // OK, or RESOURCE_EXHAUSTED with RetryInfo (the rest of the window).
  absl::Status Admit(const std::string& client_address, bool write);
  // The same for any kind of request (e.g. "signin") with its own limit and window.
  absl::Status Count(const std::string& client_address, absl::string_view kind, int limit,
                     absl::Duration window);

 private:
  std::unique_ptr<RedisClient> Borrow();
  void Return(std::unique_ptr<RedisClient> client);

  std::string redis_addr_;
  std::string prefix_;
  Limits limits_;
  std::mutex mu_;
  std::vector<std::unique_ptr<RedisClient>> idle_;
  absl::Time last_warning_ = absl::InfinitePast();
};

}  // namespace skk::gateway

#include "services/gateway/edge.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/platform/errors.h"
#include "services/platform/log.h"

namespace skk::gateway {
namespace {

bool IsText(absl::string_view content_type) {
  return absl::StartsWith(content_type, "text/") ||
         absl::StrContains(content_type, "json") || absl::StrContains(content_type, "xml") ||
         absl::StrContains(content_type, "javascript") ||
         absl::StartsWith(content_type, "image/svg");
}

bool OriginAllowed(absl::string_view origin, const EdgeOptions& options) {
  return !origin.empty() && std::find(options.cors_origins.begin(), options.cors_origins.end(),
                                      origin) != options.cors_origins.end();
}

std::string Gzip(const std::string& data) {
  z_stream stream{};
  // 15 + 16: a gzip wrapper, not zlib's own.
  if (deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

}  // namespace

std::string ClientAddress(const HttpRequest& request, const AddressRanges& trusted_proxies) {
  if (!trusted_proxies.Contains(request.peer_address)) return request.peer_address;
  std::vector<std::string> hops;
  for (const HttpHeader& h : request.headers) {
    if (h.name != "x-forwarded-for") continue;
    for (absl::string_view hop : absl::StrSplit(h.value, ',')) {
      hops.emplace_back(absl::StripAsciiWhitespace(hop));
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!IsIpAddress(*it)) break;  // garbage: trust nothing to its left
    if (!trusted_proxies.Contains(*it)) return *it;
  }
  return request.peer_address;
}

absl::StatusOr<std::string> OriginOf(absl::string_view url) {
  absl::string_view rest = url;
  std::string scheme;
  if (absl::ConsumePrefix(&rest, "https://")) {
    scheme = "https://";
  } else if (absl::ConsumePrefix(&rest, "http://")) {
    scheme = "http://";
  } else {
    return absl::InvalidArgumentError(absl::StrCat("map_tile_url: not an http(s) URL: ", url));
  }
  const absl::string_view host = rest.substr(0, rest.find('/'));
  const bool clean = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
  if (!clean) return absl::InvalidArgumentError(absl::StrCat("map_tile_url: no valid host: ", url));
  return absl::StrCat(scheme, host);
}

void AddSecurityHeaders(HttpResponse& response, const EdgeOptions& options) {
  auto set_default = [&response](absl::string_view name, std::string value) {
    if (response.Header(name).empty()) response.SetHeader(name, std::move(value));
  };
  std::string images = "'self' data: blob:";
  for (const std::string& origin : options.image_origins) absl::StrAppend(&images, " ", origin);
  set_default("content-security-policy",
              absl::StrCat("default-src 'self'; img-src ", images,
                           "; style-src 'self'; script-src 'self'; connect-src 'self'; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                           "form-action 'self'"));
  set_default("x-content-type-options", "nosniff");
  set_default("x-frame-options", "DENY");
  set_default("referrer-policy", "no-referrer");
  set_default("cross-origin-opener-policy", "same-origin");
  set_default("permissions-policy", "camera=(self), geolocation=(self), microphone=()");
  if (options.behind_tls) {
    set_default("strict-transport-security", "max-age=31536000; includeSubDomains");
  }
  set_default("cache-control", "no-store");
}

HttpResponse Preflight(const HttpRequest& request, const EdgeOptions& options) {
  HttpResponse response;
  const absl::string_view origin = request.Header("origin");
  if (!OriginAllowed(origin, options)) {
    response.status = 403;
    return response;
  }
  response.status = 204;
  response.SetHeader("access-control-allow-origin", std::string(origin));
  response.SetHeader("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE");
  response.SetHeader("access-control-allow-headers",
                     "content-type, idempotency-key, x-tracking-token, x-csrf-token, "
                     "if-none-match, if-match");
  response.SetHeader("access-control-max-age", "600");
  response.SetHeader("vary", "Origin");
  return response;
}

void AddCors(const HttpRequest& request, HttpResponse& response, const EdgeOptions& options) {
  const absl::string_view origin = request.Header("origin");
  if (!OriginAllowed(origin, options)) return;
  response.SetHeader("access-control-allow-origin", std::string(origin));
  response.SetHeader("access-control-expose-headers", "etag, location, retry-after");
  response.SetHeader("vary", "Origin");
}

void GzipIfWanted(const HttpRequest& request, HttpResponse& response, size_t min_bytes) {
  if (response.body.size() < min_bytes || !response.Header("content-encoding").empty()) return;
  if (!IsText(absl::AsciiStrToLower(response.Header("content-type")))) return;
  bool accepts = false;
  for (absl::string_view coding : absl::StrSplit(request.Header("accept-encoding"), ',')) {
    coding = absl::StripAsciiWhitespace(coding);
    if (absl::StartsWith(coding, "gzip") && !absl::StrContains(coding, "q=0")) accepts = true;
  }
  if (!accepts) return;
  std::string compressed = Gzip(response.body);
  if (compressed.empty()) return;
  response.body = std::move(compressed);
  response.SetHeader("content-encoding", "gzip");
  response.SetHeader("vary", response.Header("vary").empty()
                                 ? "Accept-Encoding"
                                 : absl::StrCat(response.Header("vary"), ", Accept-Encoding"));
}

AddressRateLimiter::AddressRateLimiter(std::string redis_addr, std::string prefix, Limits limits)
    : redis_addr_(std::move(redis_addr)), prefix_(std::move(prefix)), limits_(limits) {}

std::unique_ptr<RedisClient> AddressRateLimiter::Borrow() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<RedisClient> client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return std::make_unique<RedisClient>(redis_addr_, absl::Milliseconds(300));
}

void AddressRateLimiter::Return(std::unique_ptr<RedisClient> client) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 64) idle_.push_back(std::move(client));
}

absl::Status AddressRateLimiter::Admit(const std::string& client_address, bool write) {
  return Count(client_address, write ? "w" : "r",
               write ? limits_.writes_per_minute : limits_.reads_per_minute, absl::Minutes(1));
}

absl::Status AddressRateLimiter::Count(const std::string& client_address, absl::string_view kind,
                                       int limit, absl::Duration window) {
  if (limit <= 0) return absl::OkStatus();
  const absl::Time now = absl::Now();
  const int64_t seconds = std::max<int64_t>(1, absl::ToInt64Seconds(window));
  const int64_t slot = absl::ToUnixSeconds(now) / seconds;
  const std::string key =
      absl::StrCat(prefix_, "gateway:rate:", kind, ":", client_address, ":", slot);
  std::unique_ptr<RedisClient> client = Borrow();
  absl::StatusOr<std::vector<RedisReply>> replies = client->Pipeline(
      {{"INCR", key}, {"EXPIRE", key, absl::StrCat(2 * seconds), "NX"}});
  Return(std::move(client));
  if (!replies.ok() || replies->empty()) {
    std::lock_guard lock(mu_);
    if (now - last_warning_ > absl::Minutes(1)) {
      last_warning_ = now;
      log::Warn("rate limits not counted: Redis unavailable",
                {{"error", replies.ok() ? "no reply" : std::string(replies.status().message())}});
    }
    return absl::OkStatus();
  }
  if ((*replies)[0].integer <= limit) return absl::OkStatus();
  const absl::Duration rest = absl::Seconds(seconds - absl::ToUnixSeconds(now) % seconds);
  return RetryLater(absl::StrCat("too many requests from your address; try again in ",
                                 absl::ToInt64Seconds(rest), " s"),
                    rest);
}

}  // namespace skk::gateway

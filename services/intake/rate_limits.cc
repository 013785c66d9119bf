#include "services/intake/rate_limits.h"

#include "absl/strings/str_cat.h"
#include "services/platform/errors.h"
#include "services/platform/log.h"
#include "services/platform/secrets.h"

namespace skk::intake {
namespace {

// A fixed window per key: the first count sets its expiry. Returns {count, ttl in ms}.
constexpr char kCountScript[] = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
)lua";

}  // namespace

RateLimiter::RateLimiter(std::string redis_addr, std::string prefix, RateLimit per_reporter,
                         RateLimit per_device)
    : prefix_(std::move(prefix)),
      per_reporter_(per_reporter),
      per_device_(per_device),
      redis_(std::move(redis_addr), absl::Milliseconds(500)) {}

absl::Status RateLimiter::Admit(const std::string& reporter, const std::string& device) {
  if (!reporter.empty()) {
    if (absl::Status st = Count("reporter", reporter, per_reporter_); !st.ok()) return st;
  }
  if (!device.empty()) return Count("device", device, per_device_);
  return absl::OkStatus();
}

absl::Status RateLimiter::Count(const std::string& kind, const std::string& who,
                                const RateLimit& limit) {
  if (limit.max <= 0) return absl::OkStatus();
  // Keys hold a hash, never a phone number or email in clear.
  const std::string key = absl::StrCat(prefix_, "intake:rate:", kind, ":", Sha256Hex(who));
  absl::StatusOr<RedisReply> reply;
  {
    std::lock_guard lock(mu_);
    reply = redis_.Command({"EVAL", kCountScript, "1", key,
                            std::to_string(absl::ToInt64Milliseconds(limit.window))});
  }
  if (!reply.ok() || reply->elements.size() != 2) {
    log::Warn("rate limit not checked, redis unavailable",
              {{"error", reply.ok() ? "bad reply" : std::string(reply.status().message())}});
    return absl::OkStatus();
  }
  const long long count = reply->elements[0].integer;
  const long long ttl_ms = std::max<long long>(reply->elements[1].integer, 1000);
  if (count <= limit.max) return absl::OkStatus();
  return RetryLater(absl::StrCat("too many complaints from this ", kind == "device" ? "device" : "reporter",
                                 "; try again later"),
                    absl::Milliseconds(ttl_ms));
}

}  // namespace skk::intake

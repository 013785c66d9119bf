#include "services/intake/rate_limits.h"

#include "absl/strings/str_cat.h"
#include "services/platform/errors.h"
#include "services/platform/log.h"
#include "services/platform/secrets.h"

namespace skk::intake {
namespace {

// Fixed windows, one key per limit, checked in order; the first count of a key sets its
// expiry. Stops at the first key over its limit, so a refused reporter does not also use up
// the device's allowance. ARGV holds (window ms, max) per key. Returns {index of the key over
// its limit or 0, its ttl in ms}.
constexpr char kCountScript[] = R"lua(
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i - 1]) end
  if n > tonumber(ARGV[2 * i]) then return {i, redis.call('PTTL', KEYS[i])} end
end
return {0, 0}
)lua";

// Takes back one count from each key that still exists (an expired window has nothing to give).
constexpr char kRefundScript[] = R"lua(
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECR', KEYS[i]) end
end
return 0
)lua";

constexpr int kConnections = 4;

}  // namespace

RateLimiter::RateLimiter(std::string redis_addr, std::string prefix, RateLimit per_reporter,
                         RateLimit per_device)
    : prefix_(std::move(prefix)), per_reporter_(per_reporter), per_device_(per_device) {
  for (int i = 0; i < kConnections; ++i) {
    auto connection = std::make_unique<Connection>();
    connection->client = std::make_unique<RedisClient>(redis_addr, absl::Milliseconds(500));
    connections_.push_back(std::move(connection));
  }
}

RateLimiter::Counted RateLimiter::Keys(const std::string& reporter,
                                       const std::string& device) const {
  Counted counted;
  auto add = [&](const std::string& kind, const std::string& who, const RateLimit& limit) {
    if (who.empty() || limit.max <= 0) return;
    // Keys hold a hash, never a phone number or email in clear.
    counted.keys.push_back(absl::StrCat(prefix_, "intake:rate:", kind, ":", Sha256Hex(who)));
    counted.kinds.push_back(kind);
    counted.limits.push_back(&limit);
  };
  add("reporter", reporter, per_reporter_);
  add("device", device, per_device_);
  return counted;
}

absl::StatusOr<RedisReply> RateLimiter::Run(const std::vector<std::string>& command) {
  Connection& connection = *connections_[next_.fetch_add(1) % connections_.size()];
  std::lock_guard lock(connection.mu);
  return connection.client->Command(command);
}

absl::Status RateLimiter::Admit(const std::string& reporter, const std::string& device) {
  const Counted counted = Keys(reporter, device);
  if (counted.keys.empty()) return absl::OkStatus();
  std::vector<std::string> command = {"EVAL", kCountScript, std::to_string(counted.keys.size())};
  command.insert(command.end(), counted.keys.begin(), counted.keys.end());
  for (const RateLimit* limit : counted.limits) {
    command.push_back(std::to_string(absl::ToInt64Milliseconds(limit->window)));
    command.push_back(std::to_string(limit->max));
  }
  absl::StatusOr<RedisReply> reply = Run(command);
  if (!reply.ok() || reply->elements.size() != 2) {
    log::Warn("rate limit not checked, redis unavailable",
              {{"error", reply.ok() ? "bad reply" : std::string(reply.status().message())}});
    return absl::OkStatus();
  }
  const long long over = reply->elements[0].integer;
  if (over < 1 || over > static_cast<long long>(counted.keys.size())) return absl::OkStatus();
  const long long ttl_ms = std::max<long long>(reply->elements[1].integer, 1000);
  return RetryLater(absl::StrCat("too many complaints from this ", counted.kinds[over - 1],
                                 "; try again later"),
                    absl::Milliseconds(ttl_ms));
}

void RateLimiter::Refund(const std::string& reporter, const std::string& device) {
  const Counted counted = Keys(reporter, device);
  if (counted.keys.empty()) return;
  std::vector<std::string> command = {"EVAL", kRefundScript, std::to_string(counted.keys.size())};
  command.insert(command.end(), counted.keys.begin(), counted.keys.end());
  if (absl::StatusOr<RedisReply> reply = Run(command); !reply.ok()) {
    // A lost refund costs the citizen one count of the window, nothing more.
    log::Warn("rate limit refund failed", {{"error", std::string(reply.status().message())}});
  }
}

}  // namespace skk::intake

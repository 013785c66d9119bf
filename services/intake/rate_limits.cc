#include "services/intake/rate_limits.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>

#include "absl/strings/match.h"
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
constexpr absl::Duration kRedisPause = absl::Seconds(1);

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string PeerAddress(const std::string& grpc_peer) {
  if (absl::StartsWith(grpc_peer, "ipv4:")) {
    const std::string rest = grpc_peer.substr(5);
    return rest.substr(0, rest.rfind(':'));
  }
  if (absl::StartsWith(grpc_peer, "ipv6:")) {
    std::string rest = grpc_peer.substr(5);
    if (!rest.empty() && rest[0] == '[') rest = rest.substr(1, rest.find(']') - 1);
    rest = rest.substr(0, rest.find('%'));  // a zone index says nothing about who
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, rest.c_str(), bytes) != 1) return rest;
    std::fill(bytes + 8, bytes + 16, 0);
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, bytes, text, sizeof text) == nullptr) return rest;
    return absl::StrCat(text, "/64");
  }
  return grpc_peer;
}

std::string CitizenAddresses::Of(const grpc::ServerContextBase& context) const {
  const std::string peer = context.peer();
  if (gateways_.empty()) return PeerAddress(peer);
  std::string bare = PeerAddress(peer);
  if (absl::StartsWith(peer, "ipv6:")) {  // PeerAddress cut it to its /64; compare it whole
    bare = peer.substr(5);
    if (!bare.empty() && bare[0] == '[') bare = bare.substr(1, bare.find(']') - 1);
  }
  if (!gateways_.Contains(bare)) return PeerAddress(peer);
  const auto& metadata = context.client_metadata();
  const auto named = metadata.find(kClientAddressMetadata);
  if (named == metadata.end()) return PeerAddress(peer);
  const std::string client(named->second.data(), named->second.size());
  if (!IsIpAddress(client)) return PeerAddress(peer);
  return PeerAddress(absl::StrCat(client.find(':') == std::string::npos ? "ipv4:" : "ipv6:[",
                                  client, client.find(':') == std::string::npos ? ":0" : "]:0"));
}

// ---------------------------------------------------------------------------------------------
// LocalWindows

absl::Duration LocalWindows::Count(const std::string& key, const RateLimit& limit) {
  const absl::Time now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end() || it->second.ends <= now) {
    if (it == windows_.end() && windows_.size() >= max_keys_) {
      std::erase_if(windows_, [now](const auto& entry) { return entry.second.ends <= now; });
      if (windows_.size() >= max_keys_) return limit.window;
    }
    it = windows_.insert_or_assign(key, Window{0, now + limit.window}).first;
  }
  if (++it->second.count > limit.max) return std::max(it->second.ends - now, absl::Seconds(1));
  return absl::ZeroDuration();
}

void LocalWindows::Refund(const std::string& key) {
  const absl::Time now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it != windows_.end() && it->second.ends > now && it->second.count > 0) --it->second.count;
}

// ---------------------------------------------------------------------------------------------
// RateLimiter

RateLimiter::RateLimiter(std::string redis_addr, std::string prefix, std::string secret,
                         Limits limits, Clock& clock)
    : prefix_(std::move(prefix)),
      secret_(std::move(secret)),
      limits_(limits),
      local_(clock) {
  for (int i = 0; i < kConnections; ++i) {
    auto connection = std::make_unique<Connection>();
    connection->client = std::make_unique<RedisClient>(redis_addr, absl::Milliseconds(500));
    connections_.push_back(std::move(connection));
  }
}

void RateLimiter::Add(Counted& counted, const std::string& kind, const std::string& label,
                      const std::string& who, const RateLimit& limit) const {
  if (who.empty() || limit.max <= 0) return;
  // An HMAC under the service's secret: an unsalted hash of a phone number is undone by
  // hashing every Indonesian mobile number.
  counted.keys.push_back(
      absl::StrCat(prefix_, "intake:rate:", kind, ":", HmacSha256Hex(secret_, who)));
  counted.kinds.push_back(label);
  counted.limits.push_back(&limit);
}

RateLimiter::Counted RateLimiter::Keys(const Submitter& who) const {
  Counted counted;
  Add(counted, "reporter", "reporter", who.reporter, limits_.per_reporter);
  Add(counted, "device", "device", who.device, limits_.per_device);
  if (who.reporter.empty() && who.device.empty()) {
    Add(counted, "anonymous", "address", who.peer, limits_.anonymous_per_peer);
  }
  return counted;
}

absl::StatusOr<RedisReply> RateLimiter::Run(const std::vector<std::string>& command) {
  if (SteadyNanos() < redis_retry_after_ns_.load()) return absl::UnavailableError("redis paused");
  Connection& connection = *connections_[next_.fetch_add(1) % connections_.size()];
  absl::StatusOr<RedisReply> reply;
  {
    std::lock_guard lock(connection.mu);
    reply = connection.client->Command(command);
  }
  if (!reply.ok() && absl::IsUnavailable(reply.status())) {
    // Said once per pause, not once per request: a flood must not become a flood of logs.
    log::Warn("rate limits counted in process for a while, redis unavailable",
              {{"error", std::string(reply.status().message())}});
    redis_retry_after_ns_.store(SteadyNanos() + absl::ToInt64Nanoseconds(kRedisPause));
  }
  return reply;
}

std::pair<size_t, absl::Duration> RateLimiter::CountLocally(const Counted& counted) {
  for (size_t i = 0; i < counted.keys.size(); ++i) {
    const absl::Duration wait = local_.Count(counted.keys[i], *counted.limits[i]);
    if (wait > absl::ZeroDuration()) return {i + 1, wait};
  }
  return {0, absl::ZeroDuration()};
}

absl::Status RateLimiter::Count(const Counted& counted, const std::string& what) {
  if (counted.keys.empty()) return absl::OkStatus();
  std::vector<std::string> command = {"EVAL", kCountScript, std::to_string(counted.keys.size())};
  command.insert(command.end(), counted.keys.begin(), counted.keys.end());
  for (const RateLimit* limit : counted.limits) {
    command.push_back(std::to_string(absl::ToInt64Milliseconds(limit->window)));
    command.push_back(std::to_string(limit->max));
  }
  size_t over = 0;
  absl::Duration retry_after;
  absl::StatusOr<RedisReply> reply = Run(command);
  if (reply.ok() && reply->elements.size() == 2) {
    over = static_cast<size_t>(std::max<long long>(reply->elements[0].integer, 0));
    retry_after = absl::Milliseconds(std::max<long long>(reply->elements[1].integer, 1000));
  } else {
    // Redis is away: this replica counts alone, so a flood is still refused.
    if (reply.ok()) log::Warn("rate limit counted in process, bad reply from redis", {});
    std::tie(over, retry_after) = CountLocally(counted);
  }
  if (over < 1 || over > counted.keys.size()) return absl::OkStatus();
  return RetryLater(absl::StrCat("too many ", what, " from this ", counted.kinds[over - 1],
                                 "; try again later"),
                    retry_after);
}

absl::Status RateLimiter::Admit(const Submitter& who) { return Count(Keys(who), "complaints"); }

absl::Status RateLimiter::AdmitTracking(const std::string& peer) {
  Counted counted;
  Add(counted, "tracking", "address", peer, limits_.tracking_per_peer);
  return Count(counted, "tracking requests");
}

void RateLimiter::Refund(const Submitter& who) {
  const Counted counted = Keys(who);
  if (counted.keys.empty()) return;
  std::vector<std::string> command = {"EVAL", kRefundScript, std::to_string(counted.keys.size())};
  command.insert(command.end(), counted.keys.begin(), counted.keys.end());
  if (absl::StatusOr<RedisReply> reply = Run(command); !reply.ok()) {
    // A lost refund costs the citizen one count of the window, nothing more.
    for (const std::string& key : counted.keys) local_.Refund(key);
  }
}

}  // namespace skk::intake

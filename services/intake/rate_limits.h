#pragma once

// Per-reporter and per-device limits on new complaints, counted in Redis: a flood from one
// phone is refused with RESOURCE_EXHAUSTED and when to retry.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/platform/redis.h"

namespace skk::intake {

struct RateLimit {
  int max = 0;  // 0: no limit
  absl::Duration window = absl::Hours(1);
};

class RateLimiter {
 public:
  RateLimiter(std::string redis_addr, std::string prefix, RateLimit per_reporter,
              RateLimit per_device);

  // Counts one new complaint from `reporter` (a stable key such as the normalized phone; empty
  // for anonymous) and `device` (empty if unknown), both in one round trip. RESOURCE_EXHAUSTED
  // with a RetryInfo when a limit is passed; a refused reporter is not counted against the
  // device. When Redis is away the complaint is accepted: a citizen's complaint matters more
  // than a limit.
  absl::Status Admit(const std::string& reporter, const std::string& device);

  // Gives back what Admit counted, for a request that turned out to be a retry of a stored
  // complaint: a retry never uses up the citizen's allowance.
  void Refund(const std::string& reporter, const std::string& device);

 private:
  struct Connection {
    std::mutex mu;
    std::unique_ptr<RedisClient> client;
  };
  struct Counted {
    std::vector<std::string> keys;
    std::vector<std::string> kinds;
    std::vector<const RateLimit*> limits;
  };
  Counted Keys(const std::string& reporter, const std::string& device) const;
  absl::StatusOr<RedisReply> Run(const std::vector<std::string>& command);

  std::string prefix_;
  RateLimit per_reporter_;
  RateLimit per_device_;
  // A few connections, so request threads do not queue behind one socket.
  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<unsigned> next_{0};
};

}  // namespace skk::intake

#pragma once

// Per-reporter and per-device limits on new complaints, counted in Redis: a flood from one
// phone is refused with RESOURCE_EXHAUSTED and when to retry.

#include <mutex>
#include <string>

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
  // for anonymous) and `device` (empty if unknown). RESOURCE_EXHAUSTED with a RetryInfo when a
  // limit is passed. When Redis is away the complaint is accepted: a citizen's complaint
  // matters more than a limit.
  absl::Status Admit(const std::string& reporter, const std::string& device);

 private:
  absl::Status Count(const std::string& kind, const std::string& who, const RateLimit& limit);

  std::string prefix_;
  RateLimit per_reporter_;
  RateLimit per_device_;
  std::mutex mu_;
  RedisClient redis_;
};

}  // namespace skk::intake

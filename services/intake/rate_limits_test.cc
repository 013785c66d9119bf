// The rate limiter's parts that need no Redis: the address a call is counted under, and the
// in-process windows that take over when Redis is away.

#include <catch2/catch.hpp>

#include "services/intake/rate_limits.h"
#include "services/platform/clock.h"
#include "services/platform/errors.h"

namespace skk::intake {

TEST_CASE("a call's address is its host, an IPv6 one its /64", "[rate]") {
  CHECK(PeerAddress("ipv4:203.0.113.7:51234") == "203.0.113.7");
  CHECK(PeerAddress("ipv6:[2001:db8:1:2:aaaa::5]:443") == "2001:db8:1:2::/64");
  CHECK(PeerAddress("ipv6:[2001:db8:1:2:bbbb::9]:80") == "2001:db8:1:2::/64");
  CHECK(PeerAddress("unix:/run/x.sock") == "unix:/run/x.sock");
}

TEST_CASE("without Redis, limits are counted in the process with the same windows", "[rate]") {
  ManualClock clock(absl::FromUnixSeconds(1'770'000'000));
  // Nothing listens on port 1: every Redis call fails at once.
  RateLimiter limiter("127.0.0.1:1", "test:", std::string(40, 's'),
                      {.per_reporter = {3, absl::Hours(1)},
                       .per_device = {0, absl::Hours(1)},
                       .anonymous_per_peer = {2, absl::Hours(1)},
                       .tracking_per_peer = {5, absl::Minutes(1)}},
                      clock);
  const RateLimiter::Submitter phone{.reporter = "6281234567890", .peer = "10.0.0.1"};
  for (int i = 0; i < 3; ++i) CHECK(limiter.Admit(phone).ok());
  // A retry given back makes room again.
  limiter.Refund(phone);
  CHECK(limiter.Admit(phone).ok());
  const absl::Status refused = limiter.Admit(phone);
  REQUIRE(refused.code() == absl::StatusCode::kResourceExhausted);
  CHECK(refused.GetPayload(kRetryInfoType).has_value());
  // Other citizens are still accepted.
  CHECK(limiter.Admit({.reporter = "6281299990000", .peer = "10.0.0.1"}).ok());
  // Anonymous submissions without device meet their address's limit.
  const RateLimiter::Submitter nobody{.peer = "10.0.0.9"};
  CHECK(limiter.Admit(nobody).ok());
  CHECK(limiter.Admit(nobody).ok());
  CHECK(limiter.Admit(nobody).code() == absl::StatusCode::kResourceExhausted);
  for (int i = 0; i < 5; ++i) CHECK(limiter.AdmitTracking("10.0.0.9").ok());
  CHECK(limiter.AdmitTracking("10.0.0.9").code() == absl::StatusCode::kResourceExhausted);
  // The windows end.
  clock.Advance(absl::Hours(1) + absl::Seconds(1));
  CHECK(limiter.Admit(phone).ok());
  CHECK(limiter.Admit(nobody).ok());
  CHECK(limiter.AdmitTracking("10.0.0.9").ok());
}

}  // namespace skk::intake

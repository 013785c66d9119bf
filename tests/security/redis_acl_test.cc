// Redis with an ACL user per service: the test stack creates users intake and sla, each allowed
// only its own keys (deploy/lib-stack.sh). A service connecting as its user
// (redis://user:password@host:port) reaches its keys and no other service's; a wrong password
// is refused and never shown.

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/platform/ids.h"
#include "services/platform/redis.h"
#include "services/platform/testing/test_env.h"

namespace skk::testing {
namespace {

std::string As(const std::string& user, const std::string& password) {
  return absl::StrCat("redis://", user, ":", password, "@", Stack().redis_addr);
}

TEST_CASE("a service's Redis user reaches its own keys only", "[security]") {
  const std::string prefix = absl::StrCat("skk-acl-", NewUuid(), ":");
  RedisClient intake(As("intake", "intake-local"));
  auto own = intake.Command({"SET", prefix + "intake:rate:x", "1", "EX", "60"});
  INFO(own.status().ToString());
  CHECK(own.ok());
  auto foreign = intake.Command({"ZADD", prefix + "sla:timers", "1", "t"});
  REQUIRE_FALSE(foreign.ok());
  CHECK_THAT(std::string(foreign.status().message()), Catch::Contains("NOPERM"));
  auto admin = intake.Command({"FLUSHALL"});
  REQUIRE_FALSE(admin.ok());
  CHECK_THAT(std::string(admin.status().message()), Catch::Contains("NOPERM"));

  RedisClient sla(As("sla", "sla-local"));
  CHECK(sla.Command({"ZADD", prefix + "sla:timers", "1", "t"}).ok());
  CHECK(sla.Command({"DEL", prefix + "sla:timers"}).ok());
  CHECK(intake.Command({"DEL", prefix + "intake:rate:x"}).ok());
}

TEST_CASE("a wrong Redis password is refused without echoing it", "[security]") {
  RedisClient stranger(As("intake", "not-the-password"));
  auto refused = stranger.Command({"PING"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(std::string(refused.status().message()).find("not-the-password") == std::string::npos);
}

}  // namespace
}  // namespace skk::testing

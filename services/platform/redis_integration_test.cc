// RedisClient against the test stack's Redis. Every key lives under the world's prefix, so test
// cases run in parallel without seeing each other's data; each case deletes its keys.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/platform/redis.h"
#include "services/platform/testing/local.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

using testing::IsolatedWorld;
using Kind = RedisReply::Kind;

RedisReply Must(absl::StatusOr<RedisReply> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *std::move(r);
}

// Deletes the keys a test used, whatever happened in it.
class KeyCleanup {
 public:
  KeyCleanup(RedisClient& client, std::vector<std::string> keys)
      : client_(client), keys_(std::move(keys)) {}
  ~KeyCleanup() {
    std::vector<std::string> del = {"DEL"};
    del.insert(del.end(), keys_.begin(), keys_.end());
    (void)client_.Command(del);
  }

 private:
  RedisClient& client_;
  std::vector<std::string> keys_;
};

using testing::ClosedPort;

std::vector<std::string> Strings(const RedisReply& array) {
  REQUIRE(array.kind == Kind::kArray);
  std::vector<std::string> out;
  for (const RedisReply& e : array.elements) {
    REQUIRE(e.kind == Kind::kString);
    out.push_back(e.str);
  }
  return out;
}

TEST_CASE("SET and GET are binary safe in keys and values", "[redis]") {
  IsolatedWorld world("redis");
  RedisClient redis(testing::Stack().redis_addr);
  const std::string key = world.redis_prefix() + std::string("bin\0key\r\n", 9);
  std::string value = std::string("\0\r\n$3\r\n\xff", 9);
  value += std::string(100000, 'x');  // larger than hiredis' read buffer
  KeyCleanup cleanup(redis, {key});

  RedisReply set = Must(redis.Command({"SET", key, value}));
  CHECK(set.kind == Kind::kStatus);
  CHECK(set.str == "OK");
  RedisReply get = Must(redis.Command({"GET", key}));
  CHECK(get.kind == Kind::kString);
  CHECK(get.str == value);

  RedisReply missing = Must(redis.Command({"GET", world.redis_prefix() + "missing"}));
  CHECK(missing.kind == Kind::kNil);
}

TEST_CASE("ZADD and ZRANGEBYSCORE keep members ordered by score", "[redis]") {
  IsolatedWorld world("redis");
  RedisClient redis(testing::Stack().redis_addr);
  const std::string key = world.redis_prefix() + "timers";
  KeyCleanup cleanup(redis, {key});

  RedisReply added =
      Must(redis.Command({"ZADD", key, "30", "case-c", "10", "case-a", "20", "case-b"}));
  CHECK(added.kind == Kind::kInteger);
  CHECK(added.integer == 3);
  CHECK(Strings(Must(redis.Command({"ZRANGEBYSCORE", key, "-inf", "25"}))) ==
        std::vector<std::string>{"case-a", "case-b"});
  CHECK(Strings(Must(redis.Command({"ZRANGEBYSCORE", key, "(10", "+inf", "WITHSCORES"}))) ==
        std::vector<std::string>{"case-b", "20", "case-c", "30"});
  CHECK(Must(redis.Command({"ZRANGEBYSCORE", key, "-inf", "5"})).elements.empty());
}

TEST_CASE("A pipeline of 1,000 ZADDs takes one round trip and returns every reply", "[redis]") {
  IsolatedWorld world("redis");
  RedisClient redis(testing::Stack().redis_addr);
  const std::string key = world.redis_prefix() + "schedule";
  KeyCleanup cleanup(redis, {key});

  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 1000; ++i) {
    commands.push_back({"ZADD", key, absl::StrCat(i * 10), absl::StrCat("timer-", i)});
  }
  const absl::Time start = absl::Now();
  auto replies = redis.Pipeline(commands);
  const absl::Duration took = absl::Now() - start;
  INFO(replies.status().ToString());
  REQUIRE(replies.ok());
  WARN("pipeline of 1000 ZADDs took " << absl::FormatDuration(took));
  REQUIRE(replies->size() == 1000);
  for (const RedisReply& r : *replies) {
    CHECK(r.kind == Kind::kInteger);
    CHECK(r.integer == 1);
  }
  CHECK(Must(redis.Command({"ZCARD", key})).integer == 1000);
  CHECK(redis.Pipeline({})->empty());
}

TEST_CASE("A Lua script pops due members atomically", "[redis]") {
  IsolatedWorld world("redis");
  RedisClient redis(testing::Stack().redis_addr);
  const std::string key = world.redis_prefix() + "due";
  KeyCleanup cleanup(redis, {key});
  // Claims up to ARGV[2] members due at ARGV[1]: read and removal happen in one step, so two
  // replicas never fire the same timer.
  const std::string pop_due = R"lua(
    local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
    if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
    return due
  )lua";

  Must(redis.Command({"ZADD", key, "100", "t1", "200", "t2", "300", "t3", "400", "t4"}));
  CHECK(Strings(Must(redis.Command({"EVAL", pop_due, "1", key, "250", "10"}))) ==
        std::vector<std::string>{"t1", "t2"});
  CHECK(Must(redis.Command({"EVAL", pop_due, "1", key, "250", "10"})).elements.empty());
  CHECK(Strings(Must(redis.Command({"EVAL", pop_due, "1", key, "1000", "1"}))) ==
        std::vector<std::string>{"t3"});
  CHECK(Must(redis.Command({"ZCARD", key})).integer == 1);
}

TEST_CASE("An error reply is INTERNAL with Redis' text and the connection stays usable",
          "[redis]") {
  IsolatedWorld world("redis");
  RedisClient redis(testing::Stack().redis_addr);
  const std::string key = world.redis_prefix() + "not-a-number";
  KeyCleanup cleanup(redis, {key});
  Must(redis.Command({"SET", key, "abc"}));

  auto incr = redis.Command({"INCR", key});
  REQUIRE_FALSE(incr.ok());
  CHECK(incr.status().code() == absl::StatusCode::kInternal);
  CHECK(std::string(incr.status().message()).find("not an integer") != std::string::npos);
  CHECK(std::string(incr.status().message()).find("INCR") != std::string::npos);
  CHECK(Must(redis.Command({"GET", key})).str == "abc");

  // In a pipeline, the replies after the failing command are read too: the next call still
  // gets its own reply, not a stale one.
  auto pipeline = redis.Pipeline({{"GET", key}, {"INCR", key}, {"SET", key, "def"}});
  REQUIRE_FALSE(pipeline.ok());
  CHECK(pipeline.status().code() == absl::StatusCode::kInternal);
  CHECK(std::string(pipeline.status().message()).find("command 2") != std::string::npos);
  CHECK(Must(redis.Command({"GET", key})).str == "def");

  auto unknown = redis.Command({"NO-SUCH-COMMAND"});
  CHECK(unknown.status().code() == absl::StatusCode::kInternal);
}

TEST_CASE("A lost connection is UNAVAILABLE once and the next call reconnects", "[redis]") {
  IsolatedWorld world("redis");
  RedisClient victim(testing::Stack().redis_addr);
  RedisClient killer(testing::Stack().redis_addr);
  RedisReply id = Must(victim.Command({"CLIENT", "ID"}));
  REQUIRE(id.kind == Kind::kInteger);
  Must(killer.Command({"CLIENT", "KILL", "ID", absl::StrCat(id.integer)}));

  auto lost = victim.Command({"PING"});
  CHECK(lost.status().code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(lost.status().message()).find(testing::Stack().redis_addr) !=
        std::string::npos);
  RedisReply pong = Must(victim.Command({"PING"}));
  CHECK(pong.kind == Kind::kStatus);
  CHECK(pong.str == "PONG");
}

TEST_CASE("A closed port is UNAVAILABLE and a malformed address INVALID_ARGUMENT", "[redis]") {
  const std::string closed = absl::StrCat("127.0.0.1:", ClosedPort());
  RedisClient redis(closed, absl::Milliseconds(500));
  const absl::Time start = absl::Now();
  auto r = redis.Command({"PING"});
  CHECK(absl::Now() - start < absl::Seconds(2));
  CHECK(r.status().code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(r.status().message()).find(closed) != std::string::npos);
  CHECK(redis.Pipeline({{"PING"}}).status().code() == absl::StatusCode::kUnavailable);

  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":6379", "127.0.0.1:http", "host:70000"}) {
    INFO(bad);
    RedisClient malformed(bad);
    CHECK(malformed.Command({"PING"}).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace skk

#pragma once

// A small Redis client on hiredis: one connection, reconnected on the next call after a
// failure. Not thread-safe: one per thread.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct redisContext;

namespace skk {

// A reply flattened to what the project uses: integers, strings, nil and arrays of those.
struct RedisReply {
  enum class Kind { kNil, kInteger, kString, kArray, kStatus };
  Kind kind = Kind::kNil;
  long long integer = 0;
  std::string str;
  std::vector<RedisReply> elements;
};

class RedisClient {
 public:
  // `address` is host:port, or redis://user:password@host:port for a server with ACL users
  // (Redis 6+): the client authenticates as that user on every connect. The password never
  // appears in an error message. With Redis Sentinel (a failover pair or more),
  // redis-sentinel://user:password@sentinel:port,sentinel:port/master-name: each connect asks
  // the Sentinels in turn where the master is and talks only to a server whose ROLE is
  // master; a connection error or a READONLY, MASTERDOWN or LOADING reply (a failover) drops
  // the connection as UNAVAILABLE, and the next call asks Sentinel again. A connected client
  // also asks again when its last answer is a second old and moves if the master moved, so
  // writes reach the new master within about a second of a failover (the old one takes
  // writes until Sentinel demotes it, and those are lost: Redis holds nothing of record
  // here). The Sentinels are asked without a password.
  explicit RedisClient(std::string address, absl::Duration timeout = absl::Seconds(2))
      : address_(std::move(address)), timeout_(timeout) {}
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command given as its arguments (binary safe). A Redis error reply is INTERNAL;
  // a connection failure UNAVAILABLE.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);

  // Sends all commands at once and reads all replies (one round trip).
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

 private:
  absl::Status EnsureConnected();
  void Drop();
  std::string shown_;  // the address without credentials, for messages

  std::string address_;
  absl::Duration timeout_;
  redisContext* ctx_ = nullptr;
  std::string master_;  // host:port Sentinel named for the connection in ctx_
  absl::Time asked_sentinel_at_ = absl::InfinitePast();
};

}  // namespace skk

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
  // appears in an error message.
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
};

}  // namespace skk

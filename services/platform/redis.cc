#include "services/platform/redis.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

// hiredis writes with write(2), not send(MSG_NOSIGNAL): a second write to a connection Redis
// already closed raises SIGPIPE. ServiceHost ignores SIGPIPE for the whole process.

namespace skk {
namespace {

timeval TimevalOf(absl::Duration d) {
  if (d < absl::Milliseconds(1)) d = absl::Milliseconds(1);  // hiredis: {0,0} means "no timeout"
  return absl::ToTimeval(d);
}

// Names a command in an error message: its name and first key, never its values (which may be
// large or binary). Long keys are cut.
std::string Describe(const std::vector<std::string>& args) {
  if (args.empty()) return "(empty command)";
  std::string s = args[0];
  if (args.size() > 1) {
    absl::StrAppend(&s, " ", args[1].size() > 80 ? args[1].substr(0, 80) + "..." : args[1]);
  }
  return s;
}

// Converts a reply, or returns the text of the first error reply found in it.
absl::StatusOr<RedisReply> Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_NIL: out.kind = RedisReply::Kind::kNil; return out;
    case REDIS_REPLY_INTEGER:
      out.kind = RedisReply::Kind::kInteger;
      out.integer = r->integer;
      return out;
    case REDIS_REPLY_STRING:
      out.kind = RedisReply::Kind::kString;
      out.str.assign(r->str, r->len);
      return out;
    case REDIS_REPLY_STATUS:
      out.kind = RedisReply::Kind::kStatus;
      out.str.assign(r->str, r->len);
      return out;
    case REDIS_REPLY_ERROR: return absl::InternalError(std::string(r->str, r->len));
    case REDIS_REPLY_ARRAY:
      out.kind = RedisReply::Kind::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) {
        absl::StatusOr<RedisReply> e = Convert(r->element[i]);
        if (!e.ok()) return e.status();
        out.elements.push_back(*std::move(e));
      }
      return out;
    default: return absl::InternalError(absl::StrCat("unsupported reply type ", r->type));
  }
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

RedisClient::~RedisClient() { Drop(); }

void RedisClient::Drop() {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
}

absl::Status RedisClient::EnsureConnected() {
  if (ctx_ != nullptr) return absl::OkStatus();

  // host:port, or [v6-address]:port, after an optional redis://user:password@.
  std::string hostport = address_;
  std::string user;
  std::string password;
  if (absl::StartsWith(hostport, "redis://")) {
    hostport = hostport.substr(8);
    if (const size_t at = hostport.rfind('@'); at != std::string::npos) {
      const std::string credentials = hostport.substr(0, at);
      hostport = hostport.substr(at + 1);
      const size_t colon = credentials.find(':');
      user = credentials.substr(0, colon);
      if (colon != std::string::npos) password = credentials.substr(colon + 1);
    }
  }
  shown_ = hostport;
  const size_t colon = hostport.rfind(':');
  std::string host = colon == std::string::npos ? "" : hostport.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  if (host.empty() || !absl::SimpleAtoi(hostport.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid Redis address '", hostport, "': expected host:port or redis://user:password@host:port"));
  }

  const timeval tv = TimevalOf(timeout_);
  redisContext* c = redisConnectWithTimeout(host.c_str(), port, tv);
  if (c == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("connect to Redis at ", shown_, ": out of memory"));
  }
  if (c->err != 0) {
    std::string why = c->errstr;
    redisFree(c);
    return absl::UnavailableError(absl::StrCat("connect to Redis at ", shown_, ": ", why));
  }
  // Bounds every later read and write, so a Redis that hangs fails the call instead of the
  // caller.
  if (redisSetTimeout(c, tv) != REDIS_OK) {
    std::string why = c->errstr;
    redisFree(c);
    return absl::UnavailableError(
        absl::StrCat("set socket timeout for Redis at ", shown_, ": ", why));
  }
  if (!user.empty()) {
    // ACL users (Redis 6+): AUTH user password. The reply says only OK or WRONGPASS.
    ReplyPtr auth(static_cast<redisReply*>(
        redisCommand(c, "AUTH %b %b", user.data(), user.size(), password.data(), password.size())));
    if (auth == nullptr || auth->type == REDIS_REPLY_ERROR) {
      std::string why = auth == nullptr ? c->errstr : std::string(auth->str, auth->len);
      redisFree(c);
      return absl::PermissionDeniedError(
          absl::StrCat("Redis at ", shown_, " refused user '", user, "': ", why));
    }
  }
  ctx_ = c;
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& args) {
  if (args.empty()) return absl::InvalidArgumentError("Redis command with no arguments");
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;

  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (reply == nullptr) {
    // An I/O error or a timeout: the connection is in an unknown state (the command may or may
    // not have run), so it is dropped and the next call reconnects.
    std::string why = ctx_->errstr;
    Drop();
    return absl::UnavailableError(
        absl::StrCat("Redis ", Describe(args), " at ", shown_, ": ", why));
  }
  absl::StatusOr<RedisReply> out = Convert(reply.get());
  if (!out.ok()) {
    // An error reply: the connection is fine.
    return absl::InternalError(
        absl::StrCat("Redis ", Describe(args), " at ", shown_, ": ", out.status().message()));
  }
  return out;
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  std::vector<RedisReply> replies;
  if (commands.empty()) return replies;
  for (const auto& c : commands) {
    if (c.empty()) return absl::InvalidArgumentError("Redis pipeline with an empty command");
  }
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;

  // Everything is buffered first and written by the first redisGetReply: one round trip.
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& c : commands) {
    argv.clear();
    lens.clear();
    for (const std::string& a : c) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      std::string why = ctx_->errstr;
      Drop();  // some commands are buffered: the connection cannot be reused
      return absl::UnavailableError(
          absl::StrCat("Redis pipeline  at ", shown_, ": buffering ", Describe(c), ": ", why));
    }
  }

  // Read every reply even after an error reply, so the connection stays in step.
  replies.reserve(commands.size());
  absl::Status first_error;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      std::string why = ctx_->errstr;
      Drop();
      return absl::UnavailableError(absl::StrCat("Redis pipeline of ", commands.size(),
                                                 " commands  at ", shown_, ": reply ", i + 1, " (",
                                                 Describe(commands[i]), "): ", why));
    }
    ReplyPtr reply(static_cast<redisReply*>(raw));
    absl::StatusOr<RedisReply> r = Convert(reply.get());
    if (!r.ok()) {
      if (first_error.ok()) {
        first_error = absl::InternalError(absl::StrCat("Redis pipeline  at ", shown_, ": command ",
                                                       i + 1, " (", Describe(commands[i]),
                                                       "): ", r.status().message()));
      }
      continue;
    }
    replies.push_back(*std::move(r));
  }
  if (!first_error.ok()) return first_error;
  return replies;
}

}  // namespace skk

#include "services/platform/redis.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

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

namespace {

struct Endpoint {
  std::string host;
  int port = 0;
};

// "host:port" or "[v6-address]:port".
std::optional<Endpoint> ParseEndpoint(const std::string& hostport) {
  const size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  Endpoint e;
  e.host = hostport.substr(0, colon);
  if (e.host.size() >= 2 && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  if (e.host.empty() || !absl::SimpleAtoi(hostport.substr(colon + 1), &e.port) || e.port <= 0 ||
      e.port > 65535) {
    return std::nullopt;
  }
  return e;
}

// What an address names: one server, or a master Sentinel knows by name.
struct Target {
  std::vector<Endpoint> servers;  // the server, or the Sentinels to ask
  std::string master_name;        // empty: servers[0] is the server
  std::string user;
  std::string password;
  std::string shown;              // for messages: no credentials
};

constexpr absl::string_view kAddressForms =
    "expected host:port, redis://user:password@host:port or "
    "redis-sentinel://user:password@sentinel:port,sentinel:port/master-name";

constexpr absl::string_view kSentinelScheme = "redis-sentinel://";

absl::StatusOr<Target> ParseTarget(const std::string& address) {
  Target t;
  std::string rest = address;
  bool sentinel = false;
  if (absl::StartsWith(rest, "redis://")) {
    rest = rest.substr(8);
  } else if (absl::StartsWith(rest, kSentinelScheme)) {
    rest = rest.substr(kSentinelScheme.size());
    sentinel = true;
  }
  if (rest != address) {
    if (const size_t at = rest.rfind('@'); at != std::string::npos) {
      const std::string credentials = rest.substr(0, at);
      rest = rest.substr(at + 1);
      const size_t colon = credentials.find(':');
      t.user = credentials.substr(0, colon);
      if (colon != std::string::npos) t.password = credentials.substr(colon + 1);
    }
  }
  if (sentinel) {
    const size_t slash = rest.find('/');
    if (slash == std::string::npos || slash + 1 >= rest.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid Redis address '", rest, "': no master name; ", kAddressForms));
    }
    t.master_name = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  for (absl::string_view one : absl::StrSplit(rest, ',')) {
    std::optional<Endpoint> e = ParseEndpoint(std::string(one));
    if (!e.has_value() || (!sentinel && !t.servers.empty())) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid Redis address '", rest, "': ", kAddressForms));
    }
    t.servers.push_back(*e);
  }
  t.shown = sentinel ? absl::StrCat("master '", t.master_name, "' of Sentinel ", rest) : rest;
  return t;
}

absl::StatusOr<redisContext*> Connect(const Endpoint& e, absl::Duration timeout,
                                      const std::string& shown) {
  const timeval tv = TimevalOf(timeout);
  redisContext* c = redisConnectWithTimeout(e.host.c_str(), e.port, tv);
  if (c == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("connect to Redis at ", shown, ": out of memory"));
  }
  if (c->err != 0) {
    std::string why = c->errstr;
    redisFree(c);
    return absl::UnavailableError(absl::StrCat("connect to Redis at ", shown, ": ", why));
  }
  // Bounds every later read and write, so a Redis that hangs fails the call instead of the
  // caller.
  if (redisSetTimeout(c, tv) != REDIS_OK) {
    std::string why = c->errstr;
    redisFree(c);
    return absl::UnavailableError(
        absl::StrCat("set socket timeout for Redis at ", shown, ": ", why));
  }
  return c;
}

// Asks the Sentinels in turn where the master named `name` is now.
absl::StatusOr<Endpoint> AskSentinels(const Target& t, absl::Duration timeout) {
  std::string why = "no Sentinel answered";
  for (const Endpoint& sentinel : t.servers) {
    const std::string shown = absl::StrCat("Sentinel ", sentinel.host, ":", sentinel.port);
    absl::StatusOr<redisContext*> c = Connect(sentinel, timeout, shown);
    if (!c.ok()) {
      why = std::string(c.status().message());
      continue;
    }
    ReplyPtr reply(static_cast<redisReply*>(redisCommand(
        *c, "SENTINEL get-master-addr-by-name %b", t.master_name.data(), t.master_name.size())));
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
      why = reply == nullptr ? std::string((*c)->errstr)
                             : absl::StrCat(shown, " does not know master '", t.master_name, "'");
      redisFree(*c);
      continue;
    }
    Endpoint master;
    master.host.assign(reply->element[0]->str, reply->element[0]->len);
    const bool port_ok = absl::SimpleAtoi(
        absl::string_view(reply->element[1]->str, reply->element[1]->len), &master.port);
    redisFree(*c);
    if (port_ok) return master;
    why = absl::StrCat(shown, " gave no port for master '", t.master_name, "'");
  }
  return absl::UnavailableError(
      absl::StrCat("find Redis master '", t.master_name, "' through Sentinel: ", why));
}

// An error reply that says this server is the wrong one to talk to now: a replica since a
// failover, or one still loading. The connection is dropped so the next call asks again.
bool WrongServerNow(const absl::Status& status) {
  const absl::string_view m = status.message();
  return absl::StartsWith(m, "READONLY") || absl::StartsWith(m, "MASTERDOWN") ||
         absl::StartsWith(m, "LOADING");
}

}  // namespace

absl::Status RedisClient::EnsureConnected() {
  const bool sentinel = absl::StartsWith(address_, kSentinelScheme);
  // The hot path (connected, and no Sentinel due to be asked) parses nothing.
  if (ctx_ != nullptr &&
      (!sentinel || absl::Now() - asked_sentinel_at_ < absl::Seconds(1))) {
    return absl::OkStatus();
  }
  absl::StatusOr<Target> target = ParseTarget(address_);
  if (!target.ok()) return target.status();
  if (ctx_ != nullptr) {
    // A master that failed over is demoted only a moment after Sentinel names the new one,
    // and writes it takes meanwhile are lost: ask Sentinel again at least every second, and
    // move when the answer changed.
    absl::StatusOr<Endpoint> master = AskSentinels(*target, timeout_);
    asked_sentinel_at_ = absl::Now();
    if (!master.ok() || absl::StrCat(master->host, ":", master->port) == master_) {
      return absl::OkStatus();  // no Sentinel answered: keep the connection that works
    }
    Drop();
  }
  shown_ = target->shown;
  Endpoint server = target->servers.front();
  if (sentinel) {
    absl::StatusOr<Endpoint> master = AskSentinels(*target, timeout_);
    asked_sentinel_at_ = absl::Now();
    if (!master.ok()) return master.status();
    server = *master;
    master_ = absl::StrCat(server.host, ":", server.port);
    shown_ = absl::StrCat(target->shown, " (", master_, ")");
  }
  absl::StatusOr<redisContext*> connected = Connect(server, timeout_, shown_);
  if (!connected.ok()) return connected.status();
  redisContext* c = *connected;
  if (!target->user.empty()) {
    // ACL users (Redis 6+): AUTH user password. The reply says only OK or WRONGPASS.
    const std::string& user = target->user;
    const std::string& password = target->password;
    ReplyPtr auth(static_cast<redisReply*>(
        redisCommand(c, "AUTH %b %b", user.data(), user.size(), password.data(), password.size())));
    if (auth == nullptr || auth->type == REDIS_REPLY_ERROR) {
      std::string why = auth == nullptr ? c->errstr : std::string(auth->str, auth->len);
      redisFree(c);
      return absl::PermissionDeniedError(
          absl::StrCat("Redis at ", shown_, " refused user '", user, "': ", why));
    }
  }
  if (sentinel) {
    // Sentinel's answer may be a moment old: a failover in progress leaves the old master a
    // replica. Talk only to a master; the next call asks again.
    ReplyPtr role(static_cast<redisReply*>(redisCommand(c, "ROLE")));
    const bool master = role != nullptr && role->type == REDIS_REPLY_ARRAY &&
                        role->elements > 0 && role->element[0]->type == REDIS_REPLY_STRING &&
                        absl::string_view(role->element[0]->str, role->element[0]->len) ==
                            "master";
    if (!master) {
      redisFree(c);
      return absl::UnavailableError(
          absl::StrCat("Redis at ", shown_, " is not a master (yet): a failover in progress"));
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
    const std::string message =
        absl::StrCat("Redis ", Describe(args), " at ", shown_, ": ", out.status().message());
    if (WrongServerNow(out.status())) {
      Drop();
      return absl::UnavailableError(message);
    }
    // Any other error reply: the connection is fine.
    return absl::InternalError(message);
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
  bool wrong_server = false;
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
      if (WrongServerNow(r.status())) wrong_server = true;
      if (first_error.ok()) {
        first_error = absl::InternalError(absl::StrCat("Redis pipeline  at ", shown_, ": command ",
                                                       i + 1, " (", Describe(commands[i]),
                                                       "): ", r.status().message()));
      }
      continue;
    }
    replies.push_back(*std::move(r));
  }
  if (wrong_server) {
    Drop();
    return absl::UnavailableError(first_error.message());
  }
  if (!first_error.ok()) return first_error;
  return replies;
}

}  // namespace skk

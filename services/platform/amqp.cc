#include "services/platform/amqp.h"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <sys/time.h>

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"

namespace skk {
namespace {

// Channel 1 carries publishing and consuming. Declarations and passive declares run on channel
// 2, opened for the call and closed after it: a broker error on them (an inequivalent argument,
// a missing queue) closes only channel 2, so a consumer or publisher on channel 1 survives it.
constexpr amqp_channel_t kChannel = 1;
constexpr amqp_channel_t kAdminChannel = 2;

// Heartbeats at 30 s let both sides notice a half-open TCP connection (a broker host that
// vanished) within about a minute; without them a consumer waiting for deliveries would wait
// forever. rabbitmq-c sends and checks heartbeats only while the program is inside the library,
// which NextDelivery is every few hundred ms; ConfirmingPublisher probes the connection before
// each batch, so a connection the broker dropped while the publisher was idle costs a reconnect,
// not a failed batch. A handler that runs longer than ~60 s between NextDelivery calls loses the
// connection (its message is redelivered).
constexpr int kHeartbeatSeconds = 30;
constexpr absl::Duration kConnectTimeout = absl::Seconds(5);
constexpr absl::Duration kHandshakeTimeout = absl::Seconds(10);
// Bounds every RPC (declare, consume, qos, ...): a broker that stops answering must not hang a
// service forever. On expiry rabbitmq-c closes the socket and the call returns UNAVAILABLE.
constexpr absl::Duration kRpcTimeout = absl::Seconds(30);
// Closing in the destructor waits at most this long for the broker's close-ok.
constexpr absl::Duration kCloseTimeout = absl::Seconds(2);
// See design.md: a message that crashes its consumer over and over is dead-lettered by the
// broker after this many deliveries instead of looping forever.
constexpr int64_t kDeliveryLimit = 20;
constexpr absl::Duration kConfirmTimeout = absl::Seconds(30);

amqp_connection_state_t State(void* state) { return static_cast<amqp_connection_state_t>(state); }

// A non-owning view of a string for rabbitmq-c (which never writes through it).
amqp_bytes_t Bytes(absl::string_view s) {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = const_cast<char*>(s.data());
  return b;
}

std::string ToString(amqp_bytes_t b) {
  if (b.len == 0 || b.bytes == nullptr) return std::string();
  return std::string(static_cast<const char*>(b.bytes), b.len);
}

timeval TimevalOf(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  return absl::ToTimeval(d);
}

// Time left until `deadline` for rabbitmq-c: nullptr means "block", which only an infinite
// deadline asks for.
const timeval* TimeLeft(absl::Time deadline, timeval& storage) {
  if (deadline == absl::InfiniteFuture()) return nullptr;
  storage = TimevalOf(deadline - absl::Now());
  return &storage;
}

// Builds an AMQP field table whose strings stay alive as long as the builder.
class TableBuilder {
 public:
  TableBuilder& String(const char* key, std::string value) {
    strings_.push_back(std::move(value));
    return Add(key, {.kind = AMQP_FIELD_KIND_UTF8, .value = {.bytes = Bytes(strings_.back())}});
  }
  // Integers go out as signed 64-bit ('l'), as the management UI, rabbitmqadmin and most
  // clients send them: RabbitMQ compares the type as well as the value when a queue is
  // declared again, so every declarer must agree.
  TableBuilder& Long(const char* key, int64_t value) {
    return Add(key, {.kind = AMQP_FIELD_KIND_I64, .value = {.i64 = value}});
  }
  TableBuilder& Int32(const char* key, int32_t value) {
    return Add(key, {.kind = AMQP_FIELD_KIND_I32, .value = {.i32 = value}});
  }
  TableBuilder& Bool(const char* key, bool value) {
    return Add(key, {.kind = AMQP_FIELD_KIND_BOOLEAN, .value = {.boolean = value ? 1 : 0}});
  }
  // `table` must outlive the returned table.
  TableBuilder& Table(const char* key, const amqp_table_t& table) {
    return Add(key, {.kind = AMQP_FIELD_KIND_TABLE, .value = {.table = table}});
  }
  amqp_table_t Build() {
    amqp_table_t t;
    t.num_entries = static_cast<int>(entries_.size());
    t.entries = entries_.empty() ? nullptr : entries_.data();
    return t;
  }

 private:
  TableBuilder& Add(const char* key, amqp_field_value_t value) {
    entries_.push_back({.key = amqp_cstring_bytes(key), .value = value});
    return *this;
  }

  std::deque<std::string> strings_;  // a deque: growing it never moves the strings
  std::vector<amqp_table_entry_t> entries_;
};

const amqp_field_value_t* FindHeader(const amqp_table_t& table, absl::string_view key) {
  for (int i = 0; i < table.num_entries; ++i) {
    const amqp_table_entry_t& e = table.entries[i];
    if (ToString(e.key) == key) return &e.value;
  }
  return nullptr;
}

// Headers may come from other clients (the management UI, a replay script) with another integer
// width or string kind; accept them all.
std::optional<int64_t> FieldInt(const amqp_field_value_t& v) {
  switch (v.kind) {
    case AMQP_FIELD_KIND_I8: return v.value.i8;
    case AMQP_FIELD_KIND_U8: return v.value.u8;
    case AMQP_FIELD_KIND_I16: return v.value.i16;
    case AMQP_FIELD_KIND_U16: return v.value.u16;
    case AMQP_FIELD_KIND_I32: return v.value.i32;
    case AMQP_FIELD_KIND_U32: return v.value.u32;
    case AMQP_FIELD_KIND_I64: return v.value.i64;
    case AMQP_FIELD_KIND_U64: return static_cast<int64_t>(v.value.u64);
    default: return std::nullopt;
  }
}

std::string FieldString(const amqp_field_value_t& v) {
  if (v.kind == AMQP_FIELD_KIND_UTF8 || v.kind == AMQP_FIELD_KIND_BYTES) {
    return ToString(v.value.bytes);
  }
  return std::string();
}

// Maps an AMQP reply code of a channel.close to a status code.
absl::StatusCode ChannelCloseCode(int reply_code) {
  switch (reply_code) {
    case AMQP_NOT_FOUND: return absl::StatusCode::kNotFound;
    case AMQP_ACCESS_REFUSED: return absl::StatusCode::kPermissionDenied;
    default: return absl::StatusCode::kFailedPrecondition;  // e.g. 406 inequivalent arg
  }
}

// A connection.close from the broker: answer close-ok (the socket is closed after it) and say
// why it happened.
std::string HandleConnectionClose(amqp_connection_state_t st, const amqp_method_t& method) {
  const auto* m = static_cast<const amqp_connection_close_t*>(method.decoded);
  // Copy the text before sending: the decoded method lives in a buffer the send may reuse.
  std::string why = absl::StrCat("connection closed by the broker: ", m->reply_code, " ",
                                 ToString(m->reply_text));
  amqp_connection_close_ok_t ok;
  amqp_send_method(st, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
  return why;
}

// A channel.close from the broker: answer close-ok so the channel number can be opened again.
std::pair<int, std::string> HandleChannelClose(amqp_connection_state_t st, amqp_channel_t channel,
                                               const amqp_method_t& method) {
  const auto* m = static_cast<const amqp_channel_close_t*>(method.decoded);
  std::pair<int, std::string> result{
      m->reply_code, absl::StrCat("channel ", channel, " closed by the broker: ", m->reply_code,
                                  " ", ToString(m->reply_text))};
  amqp_channel_close_ok_t ok;
  amqp_send_method(st, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
  return result;
}

// Turns the reply of a synchronous call on `channel` into a status naming what failed and where.
absl::Status ReplyStatus(amqp_connection_state_t st, amqp_channel_t channel,
                         const amqp_rpc_reply_t& reply, absl::string_view what,
                         absl::string_view where) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL: return absl::OkStatus();
    case AMQP_RESPONSE_NONE:
      return absl::UnavailableError(
          absl::StrCat(what, " on ", where, ": no reply from the broker"));
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return absl::UnavailableError(
          absl::StrCat(what, " on ", where, ": ", amqp_error_string2(reply.library_error)));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        return absl::UnavailableError(
            absl::StrCat(what, " on ", where, ": ", HandleConnectionClose(st, reply.reply)));
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto [code, why] = HandleChannelClose(st, channel, reply.reply);
        return absl::Status(ChannelCloseCode(code), absl::StrCat(what, " on ", where, ": ", why));
      }
      return absl::UnavailableError(
          absl::StrFormat("%s on %s: unexpected method 0x%08x", what, where, reply.reply.id));
  }
  return absl::UnavailableError(absl::StrCat(what, " on ", where, ": unknown reply type"));
}

std::string LibraryError(absl::string_view what, absl::string_view where, int rc) {
  return absl::StrCat(what, " on ", where, ": ", amqp_error_string2(rc));
}

// Records a broker confirm (basic.ack) for publisher delivery tag `tag`.
void ApplyAck(uint64_t tag, bool multiple, uint64_t& confirmed, std::vector<uint64_t>& ahead) {
  if (multiple) {
    confirmed = std::max(confirmed, tag);
  } else if (tag == confirmed + 1) {
    confirmed = tag;
  } else if (tag > confirmed) {
    auto it = std::lower_bound(ahead.begin(), ahead.end(), tag);
    if (it == ahead.end() || *it != tag) ahead.insert(it, tag);
  }
  // Absorb what the new watermark reached or made contiguous.
  auto it = ahead.begin();
  while (it != ahead.end() && *it <= confirmed + 1) {
    confirmed = std::max(confirmed, *it);
    ++it;
  }
  ahead.erase(ahead.begin(), it);
}

// Reads and discards the content (header and body frames) that follows a basic.return or an
// unwanted basic.deliver, so the next frame read is a method again.
void DrainContent(amqp_connection_state_t st, amqp_channel_t channel) {
  amqp_message_t message;
  amqp_rpc_reply_t r = amqp_read_message(st, channel, &message, 0);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) amqp_destroy_message(&message);
}

// When `frame` is a channel.close or connection.close from the broker: answers close-ok and
// says why. Otherwise nullopt.
std::optional<std::string> CloseReason(amqp_connection_state_t st, const amqp_frame_t& frame) {
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD: return HandleChannelClose(st, frame.channel, method).second;
    case AMQP_CONNECTION_CLOSE_METHOD: return HandleConnectionClose(st, method);
    default: return std::nullopt;
  }
}

// After a basic.return: reads the returned message (header and body), logs it, and names it by
// its id, or by its routing key when it has none.
absl::StatusOr<std::string> ReadReturnedMessage(amqp_connection_state_t st,
                                                const amqp_frame_t& frame,
                                                const std::string& where) {
  const auto* ret = static_cast<const amqp_basic_return_t*>(frame.payload.method.decoded);
  const std::string routing_key = ToString(ret->routing_key);
  const std::string reason = absl::StrCat(ret->reply_code, " ", ToString(ret->reply_text));
  amqp_message_t returned;
  amqp_rpc_reply_t r = amqp_read_message(st, frame.channel, &returned, 0);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    return absl::UnavailableError(absl::StrCat("reading a message the broker returned on ", where,
                                               " (routing key '", routing_key, "')"));
  }
  std::string id;
  if (returned.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) {
    id = ToString(returned.properties.message_id);
  }
  amqp_destroy_message(&returned);
  log::Warn("broker returned an unroutable message",
            {{"broker", where}, {"message_id", id}, {"routing_key", routing_key},
             {"reason", reason}});
  return id.empty() ? absl::StrCat("(no id, routing key ", routing_key, ")") : id;
}

// A basic.deliver while only waiting for confirms (a caller that also consumes on the
// connection, which it should not): gives the message back rather than lose it until the
// connection closes.
void RequeueStrayDelivery(amqp_connection_state_t st, const amqp_frame_t& frame,
                          const std::string& where) {
  const auto* deliver = static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded);
  uint64_t tag = deliver->delivery_tag;
  DrainContent(st, frame.channel);
  amqp_basic_reject(st, frame.channel, tag, /*requeue=*/1);
  log::Warn("amqp delivery while waiting for confirms; requeued it",
            {{"broker", where}, {"delivery_tag", static_cast<unsigned long>(tag)}});
}

// The skk headers of a delivered message (see AmqpMessage).
void ReadSkkHeaders(const amqp_table_t& headers, AmqpMessage& m) {
  if (const amqp_field_value_t* v = FindHeader(headers, "x-skk-attempt")) {
    m.attempt = static_cast<int>(FieldInt(*v).value_or(0));
  }
  if (const amqp_field_value_t* v = FindHeader(headers, "x-skk-original-routing-key")) {
    m.original_routing_key = FieldString(*v);
  }
  if (const amqp_field_value_t* v = FindHeader(headers, "x-skk-last-error")) {
    m.last_error = FieldString(*v);
  }
  if (const amqp_field_value_t* v = FindHeader(headers, "x-skk-waits")) {
    m.waits = static_cast<int>(FieldInt(*v).value_or(0));
  }
}

// A delivery as the consumer sees it, copied out of rabbitmq-c's envelope.
AmqpDelivery DeliveryOf(const amqp_envelope_t& envelope) {
  AmqpDelivery d;
  d.delivery_tag = envelope.delivery_tag;
  d.redelivered = envelope.redelivered != 0;
  d.routing_key = ToString(envelope.routing_key);
  AmqpMessage& m = d.message;
  m.exchange = ToString(envelope.exchange);
  m.routing_key = d.routing_key;
  m.body = ToString(envelope.message.body);
  const amqp_basic_properties_t& p = envelope.message.properties;
  if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) m.message_id = ToString(p.message_id);
  if (p._flags & AMQP_BASIC_TYPE_FLAG) m.type = ToString(p.type);
  if (p._flags & AMQP_BASIC_CORRELATION_ID_FLAG) m.correlation_id = ToString(p.correlation_id);
  if (p._flags & AMQP_BASIC_TIMESTAMP_FLAG) {
    m.timestamp = absl::FromUnixSeconds(static_cast<int64_t>(p.timestamp));
  }
  if (p._flags & AMQP_BASIC_HEADERS_FLAG) ReadSkkHeaders(p.headers, m);
  return d;
}

// Declarations and passive declares run on kAdminChannel, opened for one call and closed after
// it. On a failure there is nothing to close: a broker error has closed the channel
// (ReplyStatus answered close-ok), and a library error means the connection itself is gone.
class AdminChannel {
 public:
  AdminChannel(amqp_connection_state_t st, const std::string& where) : st_(st), where_(where) {}

  absl::Status Open(absl::string_view purpose) {
    amqp_channel_open(st_, kAdminChannel);
    return Reply(absl::StrCat("open channel for ", purpose));
  }
  absl::Status DeclareExchange(const std::string& exchange) {
    amqp_exchange_declare(st_, kAdminChannel, Bytes(exchange), amqp_cstring_bytes("topic"),
                          /*passive=*/0, /*durable=*/1, /*auto_delete=*/0, /*internal=*/0,
                          amqp_empty_table);
    return Reply(absl::StrCat("declare exchange '", exchange, "'"));
  }
  absl::Status DeclareQueue(const std::string& queue, TableBuilder& args) {
    amqp_queue_declare(st_, kAdminChannel, Bytes(queue), /*passive=*/0, /*durable=*/1,
                       /*exclusive=*/0, /*auto_delete=*/0, args.Build());
    return Reply(absl::StrCat("declare queue '", queue, "'"));
  }
  absl::Status Bind(const std::string& queue, const std::string& exchange,
                    const std::string& key) {
    amqp_queue_bind(st_, kAdminChannel, Bytes(queue), Bytes(exchange), Bytes(key),
                    amqp_empty_table);
    return Reply(absl::StrCat("bind queue '", queue, "' to exchange '", exchange, "' with key '",
                              key, "'"));
  }
  // The number of messages ready in `queue`, by a passive declare.
  absl::StatusOr<uint32_t> CountMessages(const std::string& queue) {
    amqp_queue_declare_ok_t* ok =
        amqp_queue_declare(st_, kAdminChannel, Bytes(queue), /*passive=*/1, /*durable=*/0,
                           /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
    SKK_RETURN_IF_ERROR(Reply(absl::StrCat("count messages in queue '", queue, "'")));
    return ok->message_count;  // read before the next call reuses the buffer
  }
  absl::Status Close(absl::string_view what) {
    amqp_channel_close(st_, kAdminChannel, AMQP_REPLY_SUCCESS);
    return Reply(what);
  }

 private:
  absl::Status Reply(absl::string_view what) {
    return ReplyStatus(st_, kAdminChannel, amqp_get_rpc_reply(st_), what, where_);
  }

  amqp_connection_state_t st_;
  const std::string& where_;
};

absl::Status CheckTopologyOptions(const TopologyOptions& options) {
  if (options.service.empty()) {
    return absl::InvalidArgumentError("DeclareTopology: TopologyOptions.service is empty");
  }
  if (options.exchange.empty()) {
    return absl::InvalidArgumentError("DeclareTopology: TopologyOptions.exchange is empty");
  }
  for (absl::Duration d : options.retry_delays) {
    if (d < absl::Milliseconds(1)) {
      return absl::InvalidArgumentError(absl::StrCat("DeclareTopology for '", options.service,
                                                     "': retry delay ", absl::FormatDuration(d),
                                                     " is below 1ms"));
    }
  }
  return absl::OkStatus();
}

// A quorum queue that dead-letters through the default exchange to `target`, at least once
// (the message is kept until `target` confirmed it, which requires reject-publish).
TableBuilder& DeadLettersTo(TableBuilder& args, const std::string& target) {
  return args.String("x-dead-letter-exchange", "")
      .String("x-dead-letter-routing-key", target)
      .String("x-dead-letter-strategy", "at-least-once")
      .String("x-overflow", "reject-publish");
}

// A service's queues, each dead-letter target declared before the queue that feeds it.
absl::Status DeclareServiceQueues(AdminChannel& channel, const ServiceQueues& queues,
                                  const std::vector<absl::Duration>& retry_delays) {
  // Dead queue: kept until an operator looks at it and replays or discards.
  TableBuilder dead_args;
  dead_args.String("x-queue-type", "quorum");
  SKK_RETURN_IF_ERROR(channel.DeclareQueue(queues.dead, dead_args));

  // Main queue: dead-letters to the dead queue what the broker gives up on after
  // kDeliveryLimit deliveries.
  TableBuilder main_args;
  main_args.String("x-queue-type", "quorum").Long("x-delivery-limit", kDeliveryLimit);
  SKK_RETURN_IF_ERROR(channel.DeclareQueue(queues.main, DeadLettersTo(main_args, queues.dead)));

  // Retry queue n: holds a failed message for retry_delays[n-1], then dead-letters it back to
  // the main queue. Not bound: messages are parked here through the default exchange.
  for (size_t i = 0; i < queues.retry.size(); ++i) {
    TableBuilder retry_args;
    retry_args.String("x-queue-type", "quorum")
        .Long("x-message-ttl", absl::ToInt64Milliseconds(retry_delays[i]));
    SKK_RETURN_IF_ERROR(
        channel.DeclareQueue(queues.retry[i], DeadLettersTo(retry_args, queues.main)));
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// The broker's certificate is always verified, chain and host name: a TLS connection that
// accepts any certificate protects against nobody.
absl::Status ConfigureTls(amqp_socket_t* socket, const AmqpEndpoint& endpoint,
                          const std::string& where) {
  amqp_ssl_socket_set_verify_peer(socket, 1);
  amqp_ssl_socket_set_verify_hostname(socket, 1);
  if (!endpoint.ca_file.empty()) {
    if (int rc = amqp_ssl_socket_set_cacert(socket, endpoint.ca_file.c_str());
        rc != AMQP_STATUS_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read the broker CA ", endpoint.ca_file, " for ", where, ": ",
                       amqp_error_string2(rc)));
    }
  } else if (auto* context = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket));
             context == nullptr || SSL_CTX_set_default_verify_paths(context) != 1) {
    return absl::InternalError(absl::StrCat("cannot load the system's CA roots for ", where));
  }
  if (!endpoint.cert_file.empty()) {
    if (int rc = amqp_ssl_socket_set_key(socket, endpoint.cert_file.c_str(),
                                         endpoint.key_file.c_str());
        rc != AMQP_STATUS_OK) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot read the client certificate ", endpoint.cert_file, ": ", amqp_error_string2(rc)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AmqpEndpoint> ParseAmqpUri(const std::string& uri) {
  // Never echo a password into an error message or a log line.
  std::string shown = uri;
  if (size_t scheme = shown.find("://"); scheme != std::string::npos) {
    size_t at = shown.find('@', scheme + 3);
    size_t colon = shown.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      shown.replace(colon + 1, at - colon - 1, "***");
    }
  }
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("invalid AMQP URI '", shown, "': ", why));
  };
  const bool tls = uri.rfind("amqps://", 0) == 0;
  if (!tls && uri.rfind("amqp://", 0) != 0) return bad("it must start with amqp:// or amqps://");
  std::string base = uri;
  std::vector<std::pair<std::string, std::string>> parameters;
  if (const size_t q = uri.find('?'); q != std::string::npos) {
    base = uri.substr(0, q);
    for (absl::string_view pair : absl::StrSplit(absl::string_view(uri).substr(q + 1), '&')) {
      const size_t eq = pair.find('=');
      if (eq == absl::string_view::npos || eq == 0) {
        return bad("a query parameter is not name=value");
      }
      parameters.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    }
  }
  // amqp_parse_url writes into its argument and returns pointers into it.
  std::vector<char> buffer(base.begin(), base.end());
  buffer.push_back('\0');
  amqp_connection_info info;
  if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK) {
    return bad(
        "malformed; expected amqp://user:password@host:port/vhost "
        "(vhost percent-encoded, e.g. %2f for /)");
  }
  if (info.port <= 0) return bad("port must be 1-65535");
  // The fields point into `buffer` (or at the library's defaults): copy them out.
  AmqpEndpoint e{std::string(info.host), info.port, std::string(info.user),
                 std::string(info.password), std::string(info.vhost)};
  e.tls = tls;
  for (const auto& [name, value] : parameters) {
    if (!tls) return bad("query parameters are for amqps:// only");
    if (name == "cacertfile") e.ca_file = value;
    else if (name == "certfile") e.cert_file = value;
    else if (name == "keyfile") e.key_file = value;
    else return bad(absl::StrCat("unknown parameter '", name, "' (cacertfile, certfile, keyfile)"));
  }
  if (e.cert_file.empty() != e.key_file.empty()) {
    return bad("certfile and keyfile go together");
  }
  // "amqp://host/" leaves an empty path; RabbitMQ has no vhost "", so it means the default.
  if (e.vhost.empty()) e.vhost = std::string("/");
  if (e.host.empty()) return bad("host is empty");
  return e;
}

ServiceQueues QueuesFor(const TopologyOptions& options) {
  ServiceQueues q;
  q.main = absl::StrCat(options.service, ".events");
  for (size_t i = 1; i <= options.retry_delays.size(); ++i) {
    q.retry.push_back(absl::StrCat(q.main, ".retry.", i));
  }
  q.dead = absl::StrCat(q.main, ".dead");
  return q;
}

absl::StatusOr<std::unique_ptr<AmqpConnection>> AmqpConnection::Open(const AmqpEndpoint& endpoint,
                                                                     const std::string& name) {
  std::unique_ptr<AmqpConnection> conn(new AmqpConnection());
  conn->where_ = absl::StrCat(endpoint.tls ? "amqps://" : "amqp://", endpoint.host, ":",
                              endpoint.port,
                              endpoint.vhost == "/" ? "/" : "/" + endpoint.vhost);
  const std::string& where = conn->where_;

  amqp_connection_state_t st = amqp_new_connection();
  if (st == nullptr) return absl::ResourceExhaustedError("amqp_new_connection: out of memory");
  // Until the channel is open a failure just drops the socket: there is no session to close.
  auto fail = [st](absl::Status s) {
    amqp_destroy_connection(st);
    return s;
  };

  amqp_socket_t* socket = endpoint.tls ? amqp_ssl_socket_new(st) : amqp_tcp_socket_new(st);
  if (socket == nullptr) {
    return fail(absl::ResourceExhaustedError(absl::StrCat("create socket for ", where)));
  }
  if (endpoint.tls) {
    if (absl::Status st = ConfigureTls(socket, endpoint, where); !st.ok()) return fail(st);
  }
  timeval connect_timeout = TimevalOf(kConnectTimeout);
  if (int rc =
          amqp_socket_open_noblock(socket, endpoint.host.c_str(), endpoint.port, &connect_timeout);
      rc != AMQP_STATUS_OK) {
    return fail(absl::UnavailableError(LibraryError("connect", where, rc)));
  }
  timeval handshake_timeout = TimevalOf(kHandshakeTimeout);
  amqp_set_handshake_timeout(st, &handshake_timeout);
  timeval rpc_timeout = TimevalOf(kRpcTimeout);
  amqp_set_rpc_timeout(st, &rpc_timeout);

  // connection_name shows in `rabbitmqctl list_connections user_provided_name` and the
  // management UI. consumer_cancel_notify makes the broker tell us when it cancels our consumer
  // (queue deleted): otherwise the consumer would silently stop receiving. connection.blocked
  // makes it tell us when it stops reading our publishes (memory or disk alarm), which we log.
  TableBuilder capabilities;
  capabilities.Bool("consumer_cancel_notify", true)
      .Bool("connection.blocked", true)
      .Bool("authentication_failure_close", true);
  amqp_table_t capabilities_table = capabilities.Build();
  TableBuilder properties;
  properties.String("connection_name", name).Table("capabilities", capabilities_table);
  amqp_table_t properties_table = properties.Build();

  amqp_rpc_reply_t login = amqp_login_with_properties(
      st, endpoint.vhost.c_str(), AMQP_DEFAULT_MAX_CHANNELS, AMQP_DEFAULT_FRAME_SIZE,
      kHeartbeatSeconds, &properties_table, AMQP_SASL_METHOD_PLAIN, endpoint.user.c_str(),
      endpoint.password.c_str());
  if (absl::Status s =
          ReplyStatus(st, 0, login, absl::StrCat("log in as '", endpoint.user, "'"), where);
      !s.ok()) {
    // Wrong credentials or a missing vhost are as much "cannot reach the broker" to the caller.
    return fail(absl::UnavailableError(s.message()));
  }

  amqp_channel_open(st, kChannel);
  if (absl::Status s = ReplyStatus(st, kChannel, amqp_get_rpc_reply(st), "open channel", where);
      !s.ok()) {
    return fail(absl::UnavailableError(s.message()));
  }
  conn->state_ = st;  // from here the destructor closes the connection
  log::Info("amqp connected", {{"broker", where}, {"connection_name", name}});
  return conn;
}

AmqpConnection::~AmqpConnection() {
  amqp_connection_state_t st = State(state_);
  if (st == nullptr) return;
  // Closing the connection closes its channels (and the broker requeues unacked deliveries), so
  // one close round trip is enough. On a dead or half-open connection it fails fast or after
  // kCloseTimeout; either way the state is destroyed.
  if (amqp_get_socket(st) != nullptr && amqp_get_sockfd(st) >= 0) {
    timeval close_timeout = TimevalOf(kCloseTimeout);
    amqp_set_rpc_timeout(st, &close_timeout);
    amqp_connection_close(st, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(st);
}

absl::Status AmqpConnection::CheckReply(const char* what) {
  amqp_connection_state_t st = State(state_);
  return ReplyStatus(st, kChannel, amqp_get_rpc_reply(st), what, where_);
}

absl::Status AmqpConnection::DeclareTopology(const TopologyOptions& options) {
  SKK_RETURN_IF_ERROR(CheckTopologyOptions(options));
  const ServiceQueues queues = QueuesFor(options);
  AdminChannel channel(State(state_), where_);
  SKK_RETURN_IF_ERROR(channel.Open("declarations"));
  SKK_RETURN_IF_ERROR(channel.DeclareExchange(options.exchange));
  SKK_RETURN_IF_ERROR(DeclareServiceQueues(channel, queues, options.retry_delays));
  for (const std::string& key : options.bindings) {
    SKK_RETURN_IF_ERROR(channel.Bind(queues.main, options.exchange, key));
  }
  return channel.Close("close declaration channel");
}

absl::Status AmqpConnection::EnableConfirms() {
  amqp_confirm_select(State(state_), kChannel);
  SKK_RETURN_IF_ERROR(CheckReply("enable publisher confirms"));
  confirms_ = true;
  published_ = 0;
  confirmed_ = 0;
  confirmed_ahead_.clear();
  return absl::OkStatus();
}

absl::Status AmqpConnection::Publish(const AmqpMessage& message) {
  amqp_connection_state_t st = State(state_);

  TableBuilder headers;
  headers.Int32("x-skk-attempt", message.attempt);
  if (!message.original_routing_key.empty()) {
    headers.String("x-skk-original-routing-key", message.original_routing_key);
  }
  if (!message.last_error.empty()) headers.String("x-skk-last-error", message.last_error);
  if (message.waits > 0) headers.Int32("x-skk-waits", message.waits);

  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                 AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_HEADERS_FLAG;
  props.content_type = amqp_cstring_bytes("application/x-protobuf");
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  props.timestamp =
      static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixSeconds(message.timestamp)));
  props.headers = headers.Build();
  if (!message.message_id.empty()) {
    props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    props.message_id = Bytes(message.message_id);
  }
  if (!message.type.empty()) {
    props._flags |= AMQP_BASIC_TYPE_FLAG;
    props.type = Bytes(message.type);
  }
  if (!message.correlation_id.empty()) {
    props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
    props.correlation_id = Bytes(message.correlation_id);
  }

  // mandatory: a message no queue is bound for comes back (basic.return, before its confirm)
  // instead of being dropped in silence; every message this system publishes has a reader.
  int rc = amqp_basic_publish(st, kChannel, Bytes(message.exchange), Bytes(message.routing_key),
                              /*mandatory=*/1, /*immediate=*/0, &props, Bytes(message.body));
  if (rc != AMQP_STATUS_OK) {
    return absl::UnavailableError(LibraryError(
        absl::StrCat("publish message '", message.message_id, "' to exchange '", message.exchange,
                     "' with routing key '", message.routing_key, "'"),
        where_, rc));
  }
  if (confirms_) ++published_;
  return absl::OkStatus();
}

absl::Status AmqpConnection::WaitForConfirms(absl::Duration timeout) {
  if (!confirms_) {
    return absl::FailedPreconditionError(
        absl::StrCat("WaitForConfirms on ", where_, " before EnableConfirms"));
  }
  amqp_connection_state_t st = State(state_);
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  // Read at least one frame (or poll once) even with nothing outstanding: that is how a
  // connection.close or an EOF the broker sent while we were idle is noticed.
  bool polled = false;
  while (!polled || confirmed_ < published_) {
    polled = true;
    amqp_maybe_release_buffers(st);
    timeval storage;
    amqp_frame_t frame;
    int rc = amqp_simple_wait_frame_noblock(st, &frame, TimeLeft(deadline, storage));
    if (rc == AMQP_STATUS_TIMEOUT) {
      if (confirmed_ >= published_) break;
      return absl::DeadlineExceededError(absl::StrFormat(
          "waiting for publisher confirms on %s: %d of %d messages confirmed after %s", where_,
          confirmed_, published_, absl::FormatDuration(absl::Now() - start)));
    }
    if (rc != AMQP_STATUS_OK) {
      return absl::UnavailableError(LibraryError("waiting for publisher confirms", where_, rc));
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;  // stray content: nothing to confirm
    SKK_RETURN_IF_ERROR(OnFrameWhileConfirming(frame));
  }
  return absl::OkStatus();
}

absl::Status AmqpConnection::OnFrameWhileConfirming(const amqp_frame_t& frame) {
  amqp_connection_state_t st = State(state_);
  if (std::optional<std::string> why = CloseReason(st, frame)) {
    return absl::UnavailableError(
        absl::StrCat("waiting for publisher confirms on ", where_, ": ", *why));
  }
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_ACK_METHOD: {
      const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
      ApplyAck(ack->delivery_tag, ack->multiple != 0, confirmed_, confirmed_ahead_);
      break;
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
      return absl::UnavailableError(
          absl::StrCat("broker nacked published message (delivery tag ", nack->delivery_tag,
                       nack->multiple ? " and all before it" : "", ") on ", where_));
    }
    case AMQP_BASIC_RETURN_METHOD: {
      // The broker returns the whole message (header and body) and then confirms it: keep its
      // id, and wait on for the confirm like any other.
      SKK_ASSIGN_OR_RETURN(std::string returned, ReadReturnedMessage(st, frame, where_));
      returned_.push_back(std::move(returned));
      break;
    }
    case AMQP_BASIC_DELIVER_METHOD: RequeueStrayDelivery(st, frame, where_); break;
    case AMQP_CONNECTION_BLOCKED_METHOD: {
      const auto* blocked = static_cast<const amqp_connection_blocked_t*>(method.decoded);
      log::Warn("amqp broker blocked publishing",
                {{"broker", where_}, {"reason", ToString(blocked->reason)}});
      break;
    }
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
      log::Info("amqp broker unblocked publishing", {{"broker", where_}});
      break;
    default: break;
  }
  return absl::OkStatus();
}

std::vector<std::string> AmqpConnection::TakeReturned() {
  std::vector<std::string> out;
  out.swap(returned_);
  return out;
}

absl::Status AmqpConnection::StartConsuming(const std::string& queue, int prefetch) {
  if (prefetch <= 0 || prefetch > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("StartConsuming '", queue, "': prefetch ", prefetch, " not in 1-65535"));
  }
  amqp_connection_state_t st = State(state_);
  // global=0: RabbitMQ applies the limit per consumer.
  amqp_basic_qos(st, kChannel, 0, static_cast<uint16_t>(prefetch), /*global=*/0);
  SKK_RETURN_IF_ERROR(CheckReply(absl::StrCat("set prefetch for queue '", queue, "'").c_str()));
  amqp_basic_consume(st, kChannel, Bytes(queue), amqp_empty_bytes, /*no_local=*/0,
                     /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  return CheckReply(absl::StrCat("consume from queue '", queue, "'").c_str());
}

absl::StatusOr<std::optional<AmqpDelivery>> AmqpConnection::NextDelivery(absl::Duration timeout) {
  amqp_connection_state_t st = State(state_);
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    // Recycles the memory of earlier frames; a no-op while frames are queued.
    amqp_maybe_release_buffers(st);
    timeval storage;
    amqp_envelope_t envelope;
    amqp_rpc_reply_t r = amqp_consume_message(st, &envelope, TimeLeft(deadline, storage), 0);

    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
      AmqpDelivery d = DeliveryOf(envelope);
      amqp_destroy_envelope(&envelope);
      return std::optional<AmqpDelivery>(std::move(d));
    }
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION) {
      // A channel or connection close in the middle of a message.
      absl::Status s = ReplyStatus(st, kChannel, r, "waiting for a delivery", where_);
      return absl::UnavailableError(s.message());
    }
    if (r.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION) {
      return absl::UnavailableError(absl::StrCat("waiting for a delivery on ", where_,
                                                 ": unexpected reply type ", r.reply_type));
    }
    if (r.library_error == AMQP_STATUS_TIMEOUT) return std::optional<AmqpDelivery>();
    if (r.library_error != AMQP_STATUS_UNEXPECTED_STATE) {
      return absl::UnavailableError(
          LibraryError("waiting for a delivery", where_, r.library_error));
    }

    // A frame other than basic.deliver is next (the library put it back): read and handle it.
    amqp_frame_t frame;
    if (int rc = amqp_simple_wait_frame(st, &frame); rc != AMQP_STATUS_OK) {
      return absl::UnavailableError(LibraryError("waiting for a delivery", where_, rc));
    }
    if (frame.frame_type == AMQP_FRAME_METHOD) SKK_RETURN_IF_ERROR(OnFrameWhileConsuming(frame));
    if (absl::Now() >= deadline) return std::optional<AmqpDelivery>();
  }
}

absl::Status AmqpConnection::OnFrameWhileConsuming(const amqp_frame_t& frame) {
  amqp_connection_state_t st = State(state_);
  if (std::optional<std::string> why = CloseReason(st, frame)) {
    return absl::UnavailableError(absl::StrCat("waiting for a delivery on ", where_, ": ", *why));
  }
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_CANCEL_METHOD:
      return absl::UnavailableError(
          absl::StrCat("waiting for a delivery on ", where_,
                       ": the broker cancelled the consumer (queue deleted or unavailable)"));
    case AMQP_BASIC_ACK_METHOD:
      // Publisher confirms, if this connection also publishes: keep the count right.
      if (confirms_) {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
        ApplyAck(ack->delivery_tag, ack->multiple != 0, confirmed_, confirmed_ahead_);
      }
      break;
    case AMQP_BASIC_RETURN_METHOD:
      DrainContent(st, frame.channel);
      log::Warn("amqp message returned by the broker while consuming", {{"broker", where_}});
      break;
    case AMQP_CONNECTION_BLOCKED_METHOD:
      log::Warn("amqp broker blocked publishing", {{"broker", where_}});
      break;
    default: break;  // basic.nack without a waiter, connection.unblocked, ...
  }
  return absl::OkStatus();
}

namespace {

absl::Status SendAck(amqp_connection_state_t state, uint64_t delivery_tag, bool multiple,
                     const std::string& where) {
  if (int rc = amqp_basic_ack(state, kChannel, delivery_tag, multiple ? 1 : 0);
      rc != AMQP_STATUS_OK) {
    return absl::UnavailableError(
        LibraryError(absl::StrCat("ack delivery tag ", delivery_tag), where, rc));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AmqpConnection::Ack(uint64_t delivery_tag) {
  return SendAck(State(state_), delivery_tag, /*multiple=*/false, where_);
}

absl::Status AmqpConnection::AckThrough(uint64_t delivery_tag) {
  return SendAck(State(state_), delivery_tag, /*multiple=*/true, where_);
}

absl::Status AmqpConnection::Reject(uint64_t delivery_tag, bool requeue) {
  if (int rc = amqp_basic_reject(State(state_), kChannel, delivery_tag, requeue ? 1 : 0);
      rc != AMQP_STATUS_OK) {
    return absl::UnavailableError(
        LibraryError(absl::StrCat("reject delivery tag ", delivery_tag), where_, rc));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> AmqpConnection::QueueDepth(const std::string& queue) {
  // The passive declare runs on its own channel: a missing queue closes that one (404), not the
  // channel a consumer or publisher is using.
  AdminChannel channel(State(state_), where_);
  SKK_RETURN_IF_ERROR(channel.Open("a passive declare"));
  SKK_ASSIGN_OR_RETURN(const uint32_t depth, channel.CountMessages(queue));
  SKK_RETURN_IF_ERROR(channel.Close("close passive-declare channel"));
  return depth;
}

absl::Status ConfirmingPublisher::Connect() {
  SKK_ASSIGN_OR_RETURN(auto conn, AmqpConnection::Open(endpoint_, name_));
  SKK_RETURN_IF_ERROR(conn->EnableConfirms());
  conn_ = std::move(conn);
  return absl::OkStatus();
}

absl::Status ConfirmingPublisher::PublishBatch(const std::vector<AmqpMessage>& messages) {
  SKK_ASSIGN_OR_RETURN(std::vector<std::string> unroutable,
                       PublishBatchReportingUnroutable(messages));
  if (unroutable.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "no queue is bound for ", unroutable.size(), " of ", messages.size(),
      " messages (", absl::StrJoin(unroutable, ", "), ") published by ", name_,
      "; the broker returned them"));
}

absl::StatusOr<std::vector<std::string>> ConfirmingPublisher::PublishBatchReportingUnroutable(
    const std::vector<AmqpMessage>& messages) {
  if (messages.empty()) return std::vector<std::string>{};
  if (conn_ != nullptr) {
    // Probe an existing connection: a close or EOF the broker sent while we were idle (e.g.
    // missed heartbeats) shows up here and costs a reconnect instead of a failed batch.
    if (absl::Status s = conn_->WaitForConfirms(absl::ZeroDuration()); !s.ok()) {
      log::Warn("amqp publisher connection lost while idle; reconnecting",
                {{"connection_name", name_}, {"error", std::string(s.message())}});
      conn_.reset();
    }
  }
  if (conn_ == nullptr) SKK_RETURN_IF_ERROR(Connect());

  const size_t window = static_cast<size_t>(std::max(1, window_));
  absl::Status status;
  for (size_t i = 0; i < messages.size() && status.ok(); ++i) {
    status = conn_->Publish(messages[i]);
    if (status.ok() && ((i + 1) % window == 0 || i + 1 == messages.size())) {
      status = conn_->WaitForConfirms(kConfirmTimeout);
    }
  }
  if (!status.ok()) {
    // The connection's state is unknown (some messages may have been delivered anyway): start
    // afresh on the next batch.
    log::Warn("amqp publish batch failed; dropping the connection",
              {{"connection_name", name_},
               {"messages", static_cast<unsigned long>(messages.size())},
               {"error", std::string(status.message())}});
    conn_.reset();
    return status;
  }
  return conn_->TakeReturned();
}

}  // namespace skk

// AmqpConnection and ConfirmingPublisher against the test stack's RabbitMQ. Each test case has
// its own vhost (IsolatedWorld), so cases run in parallel without seeing each other's queues.

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/platform/amqp.h"
#include "services/platform/testing/bus_world.h"
#include "services/platform/testing/local.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

using testing::IsolatedWorld;

AmqpEndpoint EndpointOf(const IsolatedWorld& world) {
  absl::StatusOr<AmqpEndpoint> e = ParseAmqpUri(world.AmqpUri());
  INFO(e.status().ToString());
  REQUIRE(e.ok());
  return *e;
}

std::unique_ptr<AmqpConnection> Connect(const AmqpEndpoint& endpoint, const std::string& name) {
  auto conn = AmqpConnection::Open(endpoint, name);
  INFO(conn.status().ToString());
  REQUIRE(conn.ok());
  return std::move(conn).value();
}

// Short retry delays keep the TTL test fast.
TopologyOptions TestTopology() {
  TopologyOptions t;
  t.service = "svc";
  t.bindings = {"complaint.*", "case.closed"};
  t.retry_delays = {absl::Milliseconds(200), absl::Milliseconds(400)};
  return t;
}

AmqpMessage Event(const TopologyOptions& t, const std::string& id) {
  AmqpMessage m;
  m.exchange = t.exchange;
  m.routing_key = "complaint.submitted";
  m.message_id = id;
  m.type = "sambat.v1.ComplaintSubmitted";
  m.body = absl::StrCat("body of ", id);
  m.timestamp = absl::FromUnixSeconds(1700000000);
  return m;
}

std::optional<AmqpDelivery> Next(AmqpConnection& conn, absl::Duration timeout) {
  auto d = conn.NextDelivery(timeout);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  return *std::move(d);
}

using testing::ClosedPort;

// Runs a shell command and returns its standard output.
std::string Run(const std::string& command) {
  std::string out;
  REQUIRE(testing::RunCommand(command, &out) == 0);
  return out;
}

uint32_t Depth(AmqpConnection& conn, const std::string& queue) {
  return testing::QueueDepth(conn, queue);
}

// Starts consuming `queue` on `conn` and returns its first delivery, waiting up to 10 s.
AmqpDelivery FirstOf(AmqpConnection& conn, const std::string& queue) {
  REQUIRE(conn.StartConsuming(queue, 10).ok());
  std::optional<AmqpDelivery> d = Next(conn, absl::Seconds(10));
  REQUIRE(d.has_value());
  return *std::move(d);
}

// A test case's own vhost with TestTopology() declared on it by `conn`, a connection named
// `name` (as operators see it) that the test goes on with.
struct DeclaredWorld {
  explicit DeclaredWorld(const std::string& name)
      : endpoint(EndpointOf(world)), conn(Connect(endpoint, name)) {
    const absl::Status declared = conn->DeclareTopology(t);
    INFO(declared.ToString());
    REQUIRE(declared.ok());
  }

  IsolatedWorld world{"amqp"};
  AmqpEndpoint endpoint;
  const TopologyOptions t = TestTopology();
  std::unique_ptr<AmqpConnection> conn;
};

TEST_CASE("ParseAmqpUri reads every part and percent-decodes the vhost", "[amqp]") {
  struct Parsed {
    const char* uri;
    const char* user;
    const char* password;
    const char* host;
    int port;
    const char* vhost;
  };
  const Parsed uris[] = {
      {"amqp://alice:s%40cret@mq.example:5673/city%2fsambat", "alice", "s@cret", "mq.example",
       5673, "city/sambat"},
      {"amqp://skk:pw@127.0.0.1:5672/%2f", "skk", "pw", "127.0.0.1", 5672, "/"},
      // What the URI leaves out: RabbitMQ's defaults.
      {"amqp://mq", "guest", "guest", "mq", 5672, "/"},
      {"amqp://mq:5672/", "guest", "guest", "mq", 5672, "/"},
  };
  for (const Parsed& want : uris) {
    INFO(want.uri);
    absl::StatusOr<AmqpEndpoint> e = ParseAmqpUri(want.uri);
    REQUIRE(e.ok());
    CHECK(e->user == want.user);
    CHECK(e->password == want.password);
    CHECK(e->host == want.host);
    CHECK(e->port == want.port);
    CHECK(e->vhost == want.vhost);
    CHECK_FALSE(e->tls);
  }
}

TEST_CASE("ParseAmqpUri reads amqps with RabbitMQ's TLS parameters", "[amqp]") {
  auto tls = ParseAmqpUri(
      "amqps://skk:pw@mq.example/%2f?cacertfile=/etc/ca.pem&certfile=/etc/c.pem"
      "&keyfile=/etc/k.pem");
  REQUIRE(tls.ok());
  CHECK(tls->tls);
  CHECK(tls->port == 5671);
  CHECK(tls->ca_file == "/etc/ca.pem");
  CHECK(tls->cert_file == "/etc/c.pem");
  CHECK(tls->key_file == "/etc/k.pem");
  auto plain = ParseAmqpUri("amqp://skk:pw@mq.example/%2f");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->tls);
}

TEST_CASE("ParseAmqpUri rejects malformed URIs and never echoes the password", "[amqp]") {
  for (const char* bad :
       {"http://mq:5672/", "mq:5672", "amqp://mq:port/", "amqp://mq:99999/",
        "amqp://mq/a/b", "amqp://mq/%2f?heartbeat=10", "amqp://u:topsecret@mq:notaport/",
        "amqps://u:topsecret@mq/?verify=verify_none", "amqps://mq/?certfile=/c.pem",
        "amqps://mq/?cacertfile"}) {
    INFO(bad);
    auto e = ParseAmqpUri(bad);
    REQUIRE_FALSE(e.ok());
    CHECK(e.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(e.status().message()).find("topsecret") == std::string::npos);
  }
}

TEST_CASE("Open on a closed port fails fast with UNAVAILABLE naming the address", "[amqp]") {
  AmqpEndpoint e;
  e.host = "127.0.0.1";
  e.port = ClosedPort();
  const absl::Time start = absl::Now();
  auto conn = AmqpConnection::Open(e, "closed-port-test");
  const absl::Duration took = absl::Now() - start;
  REQUIRE_FALSE(conn.ok());
  CHECK(conn.status().code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(conn.status().message()).find(absl::StrCat("127.0.0.1:", e.port)) !=
        std::string::npos);
  CHECK(took < absl::Seconds(2));

  // An empty batch needs no broker at all.
  ConfirmingPublisher publisher(e, "closed-port-publisher");
  CHECK(publisher.PublishBatch({}).ok());
  auto failed = publisher.PublishBatch({AmqpMessage{}});
  CHECK(failed.code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("Open with a wrong password or vhost fails with UNAVAILABLE and the broker's reason",
          "[amqp]") {
  const AmqpEndpoint good = ParseAmqpUri(testing::Stack().amqp_uri).value();
  AmqpEndpoint wrong_password = good;
  wrong_password.password = "not-the-password";
  AmqpEndpoint wrong_vhost = good;
  wrong_vhost.vhost = "skk-no-such-vhost";
  // Each endpoint, and what the broker's reason must name.
  for (const auto& [endpoint, reason] : {std::pair(wrong_password, "ACCESS_REFUSED"),
                                         std::pair(wrong_vhost, "skk-no-such-vhost")}) {
    INFO(reason);
    auto conn = AmqpConnection::Open(endpoint, "wrong-endpoint-test");
    REQUIRE_FALSE(conn.ok());
    CHECK(conn.status().code() == absl::StatusCode::kUnavailable);
    CHECK(std::string(conn.status().message()).find(reason) != std::string::npos);
  }
}

TEST_CASE("DeclareTopology declares durable quorum queues with their arguments, idempotently",
          "[amqp]") {
  DeclaredWorld w("topology-test");
  const ServiceQueues q = QueuesFor(w.t);
  CHECK(q.main == "svc.events");
  CHECK(q.retry == std::vector<std::string>{"svc.events.retry.1", "svc.events.retry.2"});
  CHECK(q.dead == "svc.events.dead");

  absl::Status again = w.conn->DeclareTopology(w.t);
  INFO(again.ToString());
  REQUIRE(again.ok());
  for (const std::string& queue : {q.main, q.retry[0], q.retry[1], q.dead}) {
    CHECK(Depth(*w.conn, queue) == 0);
  }

  // What the broker holds, as an operator sees it.
  const std::string listing =
      Run(absl::StrCat(testing::Stack().rabbitmqctl, " -q list_queues --no-table-headers -p ",
                       w.world.vhost(), " name type durable arguments"));
  INFO(listing);
  std::map<std::string, std::string> lines;
  size_t pos = 0;
  while (pos < listing.size()) {
    size_t end = listing.find('\n', pos);
    if (end == std::string::npos) end = listing.size();
    std::string line = listing.substr(pos, end - pos);
    lines[line.substr(0, line.find('\t'))] = line;
    pos = end + 1;
  }
  REQUIRE(lines.size() == 4);
  for (const auto& [name, line] : lines) {
    INFO(line);
    CHECK(line.find("\tquorum\ttrue\t") != std::string::npos);
  }
  const std::string& main = lines[q.main];
  CHECK(main.find("x-delivery-limit") != std::string::npos);
  CHECK(main.find("svc.events.dead") != std::string::npos);
  CHECK(main.find("at-least-once") != std::string::npos);
  CHECK(main.find("reject-publish") != std::string::npos);
  CHECK(lines[q.retry[0]].find("200") != std::string::npos);
  CHECK(lines[q.retry[1]].find("400") != std::string::npos);
  CHECK(lines[q.retry[1]].find("svc.events") != std::string::npos);
  CHECK(lines[q.dead].find("x-message-ttl") == std::string::npos);
}

TEST_CASE("A conflicting declaration or a missing queue is reported and the connection survives",
          "[amqp]") {
  DeclaredWorld w("conflict-test");
  AmqpConnection& conn = *w.conn;
  TopologyOptions changed = w.t;
  changed.retry_delays[0] = absl::Milliseconds(250);
  absl::Status conflict = conn.DeclareTopology(changed);
  INFO(conflict.ToString());
  CHECK(conflict.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(conflict.message()).find("PRECONDITION_FAILED") != std::string::npos);
  CHECK(std::string(conflict.message()).find("svc.events.retry.1") != std::string::npos);

  auto missing = conn.QueueDepth("no-such-queue");
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(std::string(missing.status().message()).find("no-such-queue") != std::string::npos);

  // Channel 1 was never touched: publishing and consuming still work on the same connection.
  CHECK(Depth(conn, "svc.events") == 0);
  REQUIRE(conn.EnableConfirms().ok());
  REQUIRE(conn.Publish(Event(w.t, "after-errors")).ok());
  REQUIRE(conn.WaitForConfirms(absl::Seconds(10)).ok());
  const AmqpDelivery d = FirstOf(conn, "svc.events");
  CHECK(d.message.message_id == "after-errors");
  CHECK(conn.Ack(d.delivery_tag).ok());
}

TEST_CASE("A message no queue is bound for comes back named instead of vanishing, the rest of "
          "its batch is delivered, and the publisher goes on",
          "[amqp]") {
  DeclaredWorld w("unroutable-admin");  // complaint.* and case.closed only
  const TopologyOptions& t = w.t;
  AmqpConnection& admin = *w.conn;
  AmqpMessage lost = Event(t, "nobody-reads-me");
  lost.routing_key = "case.routed";
  ConfirmingPublisher publisher(w.endpoint, "unroutable-publisher", 2);
  const std::vector<AmqpMessage> batch = {Event(t, "before"), lost, Event(t, "after")};
  auto returned = publisher.PublishBatchReportingUnroutable(batch);
  REQUIRE(returned.ok());
  CHECK(*returned == std::vector<std::string>{"nobody-reads-me"});
  CHECK(Depth(admin, "svc.events") == 2);

  // Without a caller that sets it aside, the batch fails and says which message and why.
  absl::Status failed = publisher.PublishBatch({lost, Event(t, "next")});
  INFO(failed.ToString());
  CHECK(failed.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(failed.message()).find("nobody-reads-me") != std::string::npos);
  CHECK(Depth(admin, "svc.events") == 3);

  // The publisher is still good for the next batch.
  REQUIRE(publisher.PublishBatch({Event(t, "later")}).ok());
  CHECK(Depth(admin, "svc.events") == 4);
}

TEST_CASE("5,000 messages round-trip through ConfirmingPublisher with every property", "[amqp]") {
  DeclaredWorld w("roundtrip-admin");
  const TopologyOptions& t = w.t;
  constexpr int kCount = 5000;
  std::vector<AmqpMessage> batch;
  for (int i = 0; i < kCount; ++i) {
    AmqpMessage m = Event(t, absl::StrCat("m-", i));
    m.routing_key = i % 2 == 0 ? "complaint.submitted" : "case.closed";
    m.type = i % 2 == 0 ? "sambat.v1.ComplaintSubmitted" : "sambat.v1.CaseClosed";
    m.correlation_id = absl::StrCat("corr-", i);
    m.attempt = i % 4;
    m.timestamp = absl::FromUnixSeconds(1700000000 + i);
    // Protobuf bodies contain zero bytes; every byte value must survive.
    m.body = std::string("\0\x01\xff", 3) + absl::StrCat(i) + std::string(1, '\0');
    if (i % 3 == 0) {
      m.original_routing_key = "complaint.original";
      m.last_error = absl::StrCat("error ", i);
    }
    batch.push_back(std::move(m));
  }

  ConfirmingPublisher publisher(w.endpoint, "roundtrip-publisher", 1000);
  const absl::Time publish_start = absl::Now();
  absl::Status published = publisher.PublishBatch(batch);
  const absl::Duration publish_time = absl::Now() - publish_start;
  INFO(published.ToString());
  REQUIRE(published.ok());
  WARN("published " << kCount << " confirmed messages in " << absl::FormatDuration(publish_time)
                    << " (" << static_cast<int>(kCount / absl::ToDoubleSeconds(publish_time))
                    << " msg/s)");
  CHECK(Depth(*w.conn, "svc.events") == kCount);

  auto consumer = Connect(w.endpoint, "roundtrip-consumer");
  REQUIRE(consumer->StartConsuming("svc.events", 500).ok());
  std::set<std::string> seen;
  const absl::Time consume_start = absl::Now();
  while (seen.size() < kCount) {
    auto d = Next(*consumer, absl::Seconds(10));
    REQUIRE(d.has_value());
    const AmqpMessage& m = d->message;
    int i = -1;
    REQUIRE(absl::SimpleAtoi(m.message_id.substr(2), &i));
    REQUIRE(i >= 0);
    REQUIRE(i < kCount);
    const AmqpMessage& sent = batch[i];
    CHECK_FALSE(d->redelivered);
    CHECK(d->routing_key == sent.routing_key);
    CHECK(m.exchange == t.exchange);
    CHECK(m.type == sent.type);
    CHECK(m.correlation_id == sent.correlation_id);
    CHECK(m.attempt == sent.attempt);
    CHECK(m.timestamp == sent.timestamp);
    CHECK(m.body == sent.body);
    CHECK(m.original_routing_key == sent.original_routing_key);
    CHECK(m.last_error == sent.last_error);
    CHECK(seen.insert(m.message_id).second);  // no duplicates
    REQUIRE(consumer->Ack(d->delivery_tag).ok());
  }
  const absl::Duration consume_time = absl::Now() - consume_start;
  WARN("consumed and acked " << kCount << " messages in " << absl::FormatDuration(consume_time));
  CHECK_FALSE(Next(*consumer, absl::Milliseconds(200)).has_value());
  CHECK(Depth(*w.conn, "svc.events") == 0);
}

TEST_CASE("NextDelivery returns nothing after its timeout on an empty queue", "[amqp]") {
  DeclaredWorld w("empty-queue-test");
  REQUIRE(w.conn->StartConsuming("svc.events", 10).ok());
  const absl::Time start = absl::Now();
  CHECK_FALSE(Next(*w.conn, absl::Milliseconds(300)).has_value());
  const absl::Duration took = absl::Now() - start;
  CHECK(took >= absl::Milliseconds(290));
  CHECK(took < absl::Seconds(2));
}

TEST_CASE("An unacked message is redelivered after the consuming connection closes", "[amqp]") {
  DeclaredWorld w("redelivery-admin");
  ConfirmingPublisher publisher(w.endpoint, "redelivery-publisher");
  REQUIRE(publisher.PublishBatch({Event(w.t, "unacked")}).ok());

  {
    auto first = Connect(w.endpoint, "redelivery-first");
    const AmqpDelivery d = FirstOf(*first, "svc.events");
    CHECK(d.message.message_id == "unacked");
    CHECK_FALSE(d.redelivered);
    // Closes without acking, as a crashed consumer would.
  }

  auto second = Connect(w.endpoint, "redelivery-second");
  const AmqpDelivery d = FirstOf(*second, "svc.events");
  CHECK(d.message.message_id == "unacked");
  CHECK(d.redelivered);
  REQUIRE(second->Ack(d.delivery_tag).ok());
  CHECK_FALSE(Next(*second, absl::Milliseconds(200)).has_value());
}

TEST_CASE("A message parked in a retry queue returns to the main queue after its delay", "[amqp]") {
  DeclaredWorld w("retry-consumer");
  const ServiceQueues q = QueuesFor(w.t);
  AmqpConnection& consumer = *w.conn;
  REQUIRE(consumer.StartConsuming(q.main, 10).ok());

  // Parked the way a failing consumer parks it: through the default exchange, by queue name.
  AmqpMessage parked = Event(w.t, "retry-me");
  parked.exchange = "";
  parked.routing_key = q.retry[0];
  parked.attempt = 1;
  parked.original_routing_key = "complaint.submitted";
  parked.last_error = "database unavailable";
  ConfirmingPublisher publisher(w.endpoint, "retry-publisher");
  const absl::Time start = absl::Now();
  REQUIRE(publisher.PublishBatch({parked}).ok());

  auto d = Next(consumer, absl::Seconds(10));
  const absl::Duration took = absl::Now() - start;
  REQUIRE(d.has_value());
  CHECK(took >= absl::Milliseconds(150));  // it waited out (most of) the 200 ms TTL
  CHECK(d->message.message_id == "retry-me");
  CHECK(d->routing_key == q.main);  // dead-lettered with the main queue's name as key
  CHECK(d->message.attempt == 1);
  CHECK(d->message.original_routing_key == "complaint.submitted");
  CHECK(d->message.last_error == "database unavailable");
  CHECK(d->message.body == parked.body);
  REQUIRE(consumer.Ack(d->delivery_tag).ok());
  CHECK(Depth(consumer, q.retry[0]) == 0);
}

TEST_CASE("A message that is requeued over and over ends in the dead queue", "[amqp]") {
  DeclaredWorld w("poison-consumer");
  AmqpConnection& conn = *w.conn;
  ConfirmingPublisher publisher(w.endpoint, "poison-publisher");
  REQUIRE(publisher.PublishBatch({Event(w.t, "poison")}).ok());

  REQUIRE(conn.StartConsuming("svc.events", 1).ok());
  int deliveries = 0;
  for (;;) {
    auto d = Next(conn, absl::Seconds(3));
    if (!d.has_value()) break;
    CHECK(d->message.message_id == "poison");
    ++deliveries;
    REQUIRE(deliveries <= 30);
    REQUIRE(conn.Reject(d->delivery_tag, /*requeue=*/true).ok());
  }
  // The first delivery plus the 20 the main queue's x-delivery-limit allows after it.
  CHECK(deliveries == 21);

  auto dead = Connect(w.endpoint, "poison-dead-reader");
  const AmqpDelivery d = FirstOf(*dead, "svc.events.dead");
  CHECK(d.message.message_id == "poison");
  CHECK(d.message.body == "body of poison");
  REQUIRE(dead->Ack(d.delivery_tag).ok());
}

TEST_CASE("A failed batch drops the connection and the next batch reconnects", "[amqp]") {
  DeclaredWorld w("failed-batch-consumer");
  ConfirmingPublisher publisher(w.endpoint, "failed-batch-publisher");
  AmqpMessage lost = Event(w.t, "to-missing-exchange");
  lost.exchange = "no-such-exchange";
  absl::Status failed = publisher.PublishBatch({lost});
  INFO(failed.ToString());
  CHECK(failed.code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(failed.message()).find("NOT_FOUND") != std::string::npos);
  CHECK(std::string(failed.message()).find("no-such-exchange") != std::string::npos);

  REQUIRE(publisher.PublishBatch({Event(w.t, "after-reconnect")}).ok());
  const AmqpDelivery d = FirstOf(*w.conn, "svc.events");
  CHECK(d.message.message_id == "after-reconnect");
  REQUIRE(w.conn->Ack(d.delivery_tag).ok());
}

TEST_CASE("Connections the broker closes: the consumer is told, the publisher reconnects",
          "[amqp]") {
  DeclaredWorld w("forced-close-consumer");
  ConfirmingPublisher publisher(w.endpoint, "forced-close-publisher");
  REQUIRE(publisher.PublishBatch({Event(w.t, "before-close")}).ok());
  const AmqpDelivery before = FirstOf(*w.conn, "svc.events");
  REQUIRE(w.conn->Ack(before.delivery_tag).ok());

  // What an operator (or a node restart) does to every connection in the vhost.
  Run(absl::StrCat(testing::Stack().rabbitmqctl, " -q close_all_connections -p ",
                   w.world.vhost(), " 'closed by the test' >/dev/null"));

  auto lost = w.conn->NextDelivery(absl::Seconds(10));
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.status().code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(lost.status().message()).find("CONNECTION_FORCED") != std::string::npos);
  w.conn.reset();

  // The publisher's connection was closed while it was idle: the next batch notices before
  // publishing, reconnects and succeeds.
  const absl::Time start = absl::Now();
  absl::Status after = publisher.PublishBatch({Event(w.t, "after-close")});
  INFO(after.ToString());
  REQUIRE(after.ok());
  CHECK(absl::Now() - start < absl::Seconds(3));

  auto fresh = Connect(w.endpoint, "forced-close-consumer-2");
  const AmqpDelivery d = FirstOf(*fresh, "svc.events");
  CHECK(d.message.message_id == "after-close");
  REQUIRE(fresh->Ack(d.delivery_tag).ok());
}

TEST_CASE("Operators see the connection name in rabbitmqctl list_connections", "[amqp]") {
  IsolatedWorld world("amqp");
  const std::string name = absl::StrCat("named-", world.vhost());
  auto conn = Connect(EndpointOf(world), name);
  // RabbitMQ 3.10's rabbitmqctl has no user_provided_name column: the name is the
  // connection_name entry of client_properties.
  const std::string listing =
      Run(absl::StrCat(testing::Stack().rabbitmqctl,
                       " -q list_connections --no-table-headers vhost timeout client_properties"));
  INFO(listing);
  const size_t line = listing.find(absl::StrCat(world.vhost(), "\t"));
  REQUIRE(line != std::string::npos);
  const std::string ours = listing.substr(line, listing.find('\n', line) - line);
  CHECK(ours.find("connection_name") != std::string::npos);
  CHECK(ours.find(name) != std::string::npos);
  // The negotiated heartbeat timeout, in seconds.
  CHECK(ours.find(absl::StrCat(world.vhost(), "\t30\t")) == 0);
}

}  // namespace
}  // namespace skk

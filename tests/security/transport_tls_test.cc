// TLS to the servers, against the test stack's own TLS listeners (deploy/lib-stack.sh makes a
// CA and a certificate for 127.0.0.1 and localhost): PostgreSQL with sslmode=verify-full and
// RabbitMQ over amqps://. A client that trusts the stack's CA connects encrypted; one that
// trusts another CA is refused, as a man in the middle would be.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/platform/amqp.h"
#include "services/platform/pg.h"
#include "services/platform/testing/test_env.h"

namespace skk::testing {
namespace {

std::string StrangerCa(const TempDir& dir) {
  const std::string cmd = absl::StrCat(
      "cd ", dir.path(), " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 ",
      "-nodes -days 2 -subj /CN=stranger -keyout stranger.key -out stranger.pem 2>/dev/null");
  REQUIRE(std::system(cmd.c_str()) == 0);
  return dir.File("stranger.pem");
}

std::string PgTlsUri(const std::string& host, const std::string& ca) {
  return absl::StrCat("postgresql://intake:intake-local@", host, ":", Stack().pg_port,
                      "/sambat?sslmode=verify-full&sslrootcert=", ca);
}

TEST_CASE("PostgreSQL with sslmode=verify-full connects encrypted to the right server only",
          "[security]") {
  for (const char* host : {"127.0.0.1", "localhost"}) {
    INFO(host);
    auto conn = PgConnection::Connect(PgTlsUri(host, Stack().tls_ca_file), "intake");
    INFO(conn.status().ToString());
    REQUIRE(conn.ok());
    CHECK(QueryInt(**conn, "SELECT count(*) FROM pg_stat_ssl WHERE pid = pg_backend_pid() "
                           "AND ssl") == 1);
  }
  TempDir dir;
  auto stranger = PgConnection::Connect(PgTlsUri("127.0.0.1", StrangerCa(dir)), "intake");
  REQUIRE_FALSE(stranger.ok());
  CHECK_THAT(std::string(stranger.status().message()), Catch::Contains("certificate verify failed"));
}

TEST_CASE("every PostgreSQL session has statement and idle-in-transaction limits", "[security]") {
  auto conn = PgConnection::Connect(PgTlsUri("127.0.0.1", Stack().tls_ca_file), "intake");
  REQUIRE(conn.ok());
  CHECK(QueryInt(**conn, "SELECT extract(epoch FROM current_setting('statement_timeout')::"
                         "interval)::bigint") == 60);
  CHECK(QueryInt(**conn, "SELECT extract(epoch FROM current_setting("
                         "'idle_in_transaction_session_timeout')::interval)::bigint") == 60);
  // A URI that names its own options wins (an operator's longer report query, say).
  auto own = PgConnection::Connect(
      absl::StrCat(PgTlsUri("127.0.0.1", Stack().tls_ca_file),
                   "&options=-c%20statement_timeout%3D5min"),
      "intake");
  REQUIRE(own.ok());
  CHECK(QueryInt(**own, "SELECT extract(epoch FROM current_setting('statement_timeout')::"
                        "interval)::bigint") == 300);
}

TEST_CASE("RabbitMQ over amqps:// connects and confirms with the right CA only", "[security]") {
  // rabbitmq-c checks the certificate against the host *name* (an IP address in the URI fails
  // hostname verification even when the certificate lists it): brokers are named by DNS.
  const std::string base = absl::StrCat("amqps://skk:skk-local@localhost:", Stack().amqps_port,
                                        "/%2f?cacertfile=");
  auto endpoint = ParseAmqpUri(base + Stack().tls_ca_file);
  REQUIRE(endpoint.ok());
  auto conn = AmqpConnection::Open(*endpoint, "tls-test");
  INFO(conn.status().ToString());
  REQUIRE(conn.ok());
  ConfirmingPublisher publisher(*endpoint, "tls-publisher");
  AmqpMessage message;
  message.routing_key = "nobody-listens-here";  // the default exchange: no such queue
  message.message_id = "tls-test-1";
  message.body = "x";
  // Confirmed, and returned as unroutable: both answers came back over TLS.
  auto returned = publisher.PublishBatchReportingUnroutable({message});
  INFO(returned.status().ToString());
  REQUIRE(returned.ok());
  CHECK(*returned == std::vector<std::string>{"tls-test-1"});

  TempDir dir;
  auto stranger = ParseAmqpUri(base + StrangerCa(dir));
  REQUIRE(stranger.ok());
  auto refused = AmqpConnection::Open(*stranger, "tls-stranger");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kUnavailable);

  // Plaintext AMQP to the TLS port is no connection either.
  AmqpEndpoint plain = *endpoint;
  plain.tls = false;
  CHECK_FALSE(AmqpConnection::Open(plain, "plain-to-tls").ok());
}

}  // namespace
}  // namespace skk::testing

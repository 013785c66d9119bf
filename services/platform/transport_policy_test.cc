// Outside development mode a service connects to PostgreSQL and RabbitMQ only encrypted and
// verified (tls.h, RequireEncryptedServers).

#include <catch2/catch.hpp>

#include "services/platform/tls.h"

namespace skk {
namespace {

constexpr char kAmqps[] = "amqps://routing:pw@rabbitmq.sambat:5671/?cacertfile=/etc/skk/ca.pem";

TEST_CASE("only verified TLS to PostgreSQL and amqps to RabbitMQ pass outside development",
          "[security]") {
  CHECK(RequireEncryptedServers(
            "postgresql://routing:pw@db.sambat:5432/sambat?sslmode=verify-full&sslrootcert=/ca",
            kAmqps)
            .ok());
  CHECK(RequireEncryptedServers("host=db.sambat user=routing sslmode=verify-ca", kAmqps).ok());
  // Encrypted but unverified (require) lets a man in the middle read everything.
  for (const char* pg : {"postgresql://routing:pw@db.sambat/sambat",
                         "postgresql://routing:pw@db.sambat/sambat?sslmode=require",
                         "postgresql://routing:pw@db.sambat/sambat?sslmode=prefer",
                         "postgresql://x@db/sambat?application_name=sslmode=verify-full-ish"}) {
    INFO(pg);
    const absl::Status st = RequireEncryptedServers(pg, kAmqps);
    CHECK(absl::IsFailedPrecondition(st));
    CHECK_THAT(std::string(st.message()), Catch::Contains("pg_uri"));
    CHECK_THAT(std::string(st.message()), !Catch::Contains("pw@"));
  }
  const absl::Status amqp = RequireEncryptedServers(
      "postgresql://r@db/sambat?sslmode=verify-full", "amqp://routing:pw@rabbitmq.sambat:5672");
  CHECK(absl::IsFailedPrecondition(amqp));
  CHECK_THAT(std::string(amqp.message()), Catch::Contains("amqps://"));
  CHECK_THAT(std::string(amqp.message()), Catch::Contains("--servers_plaintext"));
}

}  // namespace
}  // namespace skk

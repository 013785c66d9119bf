// gRPC over TLS: a real service binary (sla) serving with a certificate, optionally requiring
// client certificates (mutual TLS). A client that trusts the right CA gets an answer; one that
// trusts another CA, speaks plaintext, or brings no or a foreign client certificate to a mutual
// TLS service is refused. Certificates are made for the test by Debian's openssl command.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/client_unary_call.h"
#include "services/platform/testing/test_env.h"
#include "services/platform/tls.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

// A CA and a certificate it signed for `name` (server: valid for 127.0.0.1 and localhost).
void MakeCa(const TempDir& dir, const std::string& ca) {
  const std::string cmd = absl::StrCat(
      "cd ", dir.path(), " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 ",
      "-nodes -days 2 -subj /CN=", ca, " -keyout ", ca, ".key -out ", ca, ".pem 2>/dev/null");
  REQUIRE(std::system(cmd.c_str()) == 0);
}

void MakeCert(const TempDir& dir, const std::string& ca, const std::string& name) {
  const std::string cmd = absl::StrCat(
      "cd ", dir.path(), " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ", name,
      ".ext && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=", name,
      " -keyout ", name, ".key -out ", name, ".csr 2>/dev/null && openssl x509 -req -in ", name,
      ".csr -CA ", ca, ".pem -CAkey ", ca, ".key -CAcreateserial -days 2 -extfile ", name,
      ".ext -out ", name, ".pem 2>/dev/null");
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// gRPC health Check on raw bytes (no generated health stub ships with Debian's gRPC).
grpc::Status Check(int port, const TlsFiles& client) {
  auto credentials = ClientCredentials(client);
  REQUIRE(credentials.ok());
  grpc::ChannelArguments args;
  // The certificate names 127.0.0.1; the channel dials it as such.
  auto channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), *credentials, args);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(),
      grpc::internal::RpcMethod("/grpc.health.v1.Health/Check",
                                grpc::internal::RpcMethod::NORMAL_RPC),
      &context, request, &response);
}

struct Pki {
  TempDir dir;
  Pki() {
    MakeCa(dir, "city-ca");
    MakeCa(dir, "stranger-ca");
    MakeCert(dir, "city-ca", "server");
    MakeCert(dir, "city-ca", "gateway");
    MakeCert(dir, "stranger-ca", "intruder");
  }
  std::string File(const std::string& name) const { return dir.File(name); }
};

TEST_CASE("a service serves gRPC over TLS, and a client trusting another CA or none is refused",
          "[security]") {
  Pki pki;
  System system("tls", {});
  system.Start("sla", {absl::StrCat("--grpc_tls_cert_file=", pki.File("server.pem")),
                       absl::StrCat("--grpc_tls_key_file=", pki.File("server.key"))});
  const int port = system.Port("sla");

  grpc::Status trusted = Check(port, {.ca_file = pki.File("city-ca.pem")});
  INFO(trusted.error_message());
  CHECK(trusted.ok());
  CHECK(Check(port, {.ca_file = pki.File("stranger-ca.pem")}).error_code() ==
        grpc::StatusCode::UNAVAILABLE);
  CHECK_FALSE(Check(port, {}).ok());  // plaintext to a TLS port
}

TEST_CASE("with a client CA, only clients with a certificate from it get in (mutual TLS)",
          "[security]") {
  Pki pki;
  System system("mtls", {});
  system.Start("sla", {absl::StrCat("--grpc_tls_cert_file=", pki.File("server.pem")),
                       absl::StrCat("--grpc_tls_key_file=", pki.File("server.key")),
                       absl::StrCat("--grpc_tls_client_ca_file=", pki.File("city-ca.pem"))});
  const int port = system.Port("sla");

  grpc::Status gateway = Check(port, {.cert_file = pki.File("gateway.pem"),
                                      .key_file = pki.File("gateway.key"),
                                      .ca_file = pki.File("city-ca.pem")});
  INFO(gateway.error_message());
  CHECK(gateway.ok());
  CHECK_FALSE(Check(port, {.ca_file = pki.File("city-ca.pem")}).ok());  // no certificate
  CHECK_FALSE(Check(port, {.cert_file = pki.File("intruder.pem"),
                           .key_file = pki.File("intruder.key"),
                           .ca_file = pki.File("city-ca.pem")})
                  .ok());
}

}  // namespace
}  // namespace skk::testing

// Email carries citizens' addresses and words: TLS is required. Against a real SMTP server
// (aiosmtpd) the notification sender delivers over STARTTLS to a server whose certificate
// chains to the configured CA, and sends nothing to a server without TLS or with a certificate
// from another CA.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/notification/channels.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/fake_receivers.h"

namespace skk::testing {
namespace {

using notification::OutgoingMessage;
using notification::SendOutcome;
using notification::SmtpOptions;

struct Certificates {
  TempDir dir;
  Certificates() {
    const std::string cmd = absl::StrCat(
        "cd ", dir.path(), " && for ca in city stranger; do openssl req -x509 -newkey ec ",
        "-pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=$ca -keyout $ca.key ",
        "-out $ca.pem 2>/dev/null || exit 1; done && printf 'subjectAltName=IP:127.0.0.1\\n' > ",
        "s.ext && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=mail ",
        "-keyout server.key -out server.csr 2>/dev/null && openssl x509 -req -in server.csr -CA ",
        "city.pem -CAkey city.key -CAcreateserial -days 2 -extfile s.ext -out server.pem ",
        "2>/dev/null");
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  std::string File(const std::string& name) const { return dir.File(name); }
};

OutgoingMessage Message() {
  return {.delivery_id = "d-1", .ticket = "SKK-2026-000777", .recipient_name = "Siti",
          .address = "siti@example.com", .subject = "Pengaduan Anda diterima",
          .body = "Pohon tumbang di Jl. Ijen sudah kami terima."};
}

SmtpOptions Options(int port, const std::string& ca_file) {
  SmtpOptions o;
  o.url = absl::StrCat("smtp://127.0.0.1:", port);
  o.from = "Sambat Kota Malang <sambat@malangkota.go.id>";
  o.require_tls = true;
  o.ca_file = ca_file;
  return o;
}

TEST_CASE("email goes over STARTTLS to a server the CA vouches for, and never in clear",
          "[security]") {
  notification::InitCurl();
  Certificates certs;
  FakeReceiver tls_server("fake_smtp.py", {"--tls_cert=" + certs.File("server.pem"),
                                           "--tls_key=" + certs.File("server.key")});
  auto sender = notification::MakeSmtpSender(Options(tls_server.port(), certs.File("city.pem")));
  const auto sent = sender->Send(Message());
  INFO(sent.detail);
  CHECK(sent.outcome == SendOutcome::kSent);
  REQUIRE(tls_server.Records().size() == 1);
  CHECK(Field(tls_server.Records()[0], "subject") == "Pengaduan Anda diterima");

  // A certificate from another CA (a man in the middle): nothing is sent.
  auto doubtful =
      notification::MakeSmtpSender(Options(tls_server.port(), certs.File("stranger.pem")));
  CHECK(doubtful->Send(Message()).outcome != SendOutcome::kSent);
  CHECK(tls_server.Records().size() == 1);

  // A server that offers no TLS gets nothing, not the message in clear.
  FakeReceiver plain_server("fake_smtp.py");
  auto to_plain = notification::MakeSmtpSender(Options(plain_server.port(), certs.File("city.pem")));
  const auto refused = to_plain->Send(Message());
  INFO(refused.detail);
  CHECK(refused.outcome != SendOutcome::kSent);
  CHECK(plain_server.Records().empty());

  // Only when plaintext is allowed (a local relay, the development fake) does it go.
  SmtpOptions relay = Options(plain_server.port(), "");
  relay.require_tls = false;
  CHECK(notification::MakeSmtpSender(relay)->Send(Message()).outcome == SendOutcome::kSent);
  CHECK(plain_server.Records().size() == 1);
}

}  // namespace
}  // namespace skk::testing

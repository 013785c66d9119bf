// Citizens' and officers' words made safe for each channel.

#include "services/notification/escaping.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "services/notification/channels.h"

namespace skk::notification {
namespace {

TEST_CASE("email headers never carry a CR or LF from someone's words", "[notification]") {
  const std::string evil = "Jalan rusak\r\nBcc: semua@example.com\r\n\r\nisi palsu";
  const std::string header = EmailHeaderValue(evil);
  CHECK_FALSE(absl::StrContains(header, "\r"));
  CHECK_FALSE(absl::StrContains(header, "\n"));
  CHECK(header == "Jalan rusak Bcc: semua@example.com  isi palsu");

  SmtpOptions smtp{.url = "smtp://127.0.0.1:1", .from = "Sambat <sambat@malangkota.go.id>"};
  OutgoingMessage m{"0b8f0c1e-2d0c-4a53-9a8f-0f3e7f9b1c11", "SKK-2026-000001",
                    "Siti\r\nBcc: x@y.z", "siti@example.com", evil, "isi"};
  const std::string email = BuildEmail(smtp, m, absl::FromUnixSeconds(1772416800));
  const std::string headers = email.substr(0, email.find("\r\n\r\n"));
  // Exactly the headers we wrote: none smuggled in.
  CHECK_FALSE(absl::StrContains(headers, "\r\nBcc:"));
  CHECK(absl::StrContains(headers, "Message-ID: <0b8f0c1e-2d0c-4a53-9a8f-0f3e7f9b1c11@"));
}

TEST_CASE("non-ASCII subjects are RFC 2047 encoded", "[notification]") {
  const std::string header = EmailHeaderValue("Pengaduan “jalan” — selesai");
  CHECK(absl::StartsWith(header, "=?UTF-8?B?"));
  CHECK(EmailHeaderValue("plain") == "plain");
}

TEST_CASE("gateway JSON bodies escape quotes, backslashes and control characters",
          "[notification]") {
  GatewayOptions gw;
  gw.body_template = R"({"to":"{to}","text":"{text}"})";
  OutgoingMessage m{"id-1", "SKK-2026-000001", "", "+6281",
                    "", "He said \"no\" \\ then\nleft\x01"};
  CHECK(BuildGatewayBody(gw, m) ==
        R"({"to":"+6281","text":"He said \"no\" \\ then\nleft\u0001"})");
  gw.content_type = "application/x-www-form-urlencoded";
  gw.body_template = "to={to}&text={text}";
  m.body = "a b&c=d";
  CHECK(BuildGatewayBody(gw, m) == "to=%2B6281&text=a+b%26c%3Dd");
}

TEST_CASE("words are cleaned of control characters and cut to length", "[notification]") {
  CHECK(CleanWords("a\x07" "b\r\nc", 100) == "ab\nc");
  CHECK(OneLine("a\nb\tc", 100) == "a b c");
  CHECK(CleanWords("abcdef", 3) == "abc…");
  CHECK(CleanWords("ok\xff\xfe", 10) == "ok");  // invalid UTF-8 dropped
}

TEST_CASE("email bodies use CRLF line ends", "[notification]") {
  CHECK(EmailBody("a\nb") == "a\r\nb\r\n");
}

TEST_CASE("failures are classified: 5xx and SMTP 4xx retry, gateway 4xx and SMTP 5xx are "
          "permanent",
          "[notification]") {
  CHECK(ClassifyHttpStatus(200) == SendOutcome::kSent);
  CHECK(ClassifyHttpStatus(503) == SendOutcome::kRetry);
  CHECK(ClassifyHttpStatus(429) == SendOutcome::kRetry);
  CHECK(ClassifyHttpStatus(400) == SendOutcome::kPermanent);
  CHECK(ClassifySmtpCode(451) == SendOutcome::kRetry);
  CHECK(ClassifySmtpCode(550) == SendOutcome::kPermanent);
}

TEST_CASE("citizens' addresses are masked", "[notification]") {
  CHECK(MaskAddress("081234567890") == "0812****7890");
  CHECK(MaskAddress("siti@example.com") == "si***@example.com");
  CHECK(MaskAddress("12345") == "***45");
}

}  // namespace
}  // namespace skk::notification

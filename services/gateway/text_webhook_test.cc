// The text gateways' webhook before intake: whose signature is believed, and what of a body
// becomes a message.

#include "services/gateway/text_webhook.h"

#include <catch2/catch.hpp>

#include "services/platform/secrets.h"

namespace skk::gateway {
namespace {

constexpr char kSecret[] = "s3cret-of-the-sms-gateway";

sambat::v1::TextGateway FormGateway() {
  sambat::v1::TextGateway g;
  g.set_name("zenziva");
  g.set_channel("sms");
  g.set_sender_field("from");
  g.set_text_field("message");
  g.set_message_id_field("id");
  g.set_signature_header("X-Signature");
  return g;
}

HttpRequest Signed(std::string body, const std::string& signature) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/webhooks/text/zenziva";
  request.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
  request.headers.push_back({"x-signature", signature});
  request.body = std::move(body);
  return request;
}

TEST_CASE("only the gateway's own HMAC over the exact body is believed", "[gateway][text]") {
  const auto g = FormGateway();
  const std::string body = "from=081234567890&message=SAMBAT+jalan+rusak&id=m-1";
  CHECK(CheckTextSignature(g, kSecret, Signed(body, HmacSha256Hex(kSecret, body))).ok());
  CHECK(
      CheckTextSignature(g, kSecret, Signed(body, "sha256=" + HmacSha256Hex(kSecret, body))).ok());
  // One byte changed (another sender), another secret, no header: refused.
  CHECK(absl::IsUnauthenticated(
      CheckTextSignature(g, kSecret, Signed(body + "x", HmacSha256Hex(kSecret, body)))));
  CHECK(absl::IsUnauthenticated(
      CheckTextSignature(g, kSecret, Signed(body, HmacSha256Hex("another", body)))));
  HttpRequest unsigned_request = Signed(body, "");
  unsigned_request.headers.pop_back();
  CHECK(absl::IsUnauthenticated(CheckTextSignature(g, kSecret, unsigned_request)));
  // A gateway that can only send a token: the token itself, nothing else.
  auto token = g;
  token.set_signature("token");
  CHECK(CheckTextSignature(token, kSecret, Signed(body, kSecret)).ok());
  CHECK(absl::IsUnauthenticated(
      CheckTextSignature(token, kSecret, Signed(body, HmacSha256Hex(kSecret, body)))));
}

TEST_CASE("a form or JSON body gives the message, its id and the sender in +62 form",
          "[gateway][text]") {
  absl::StatusOr<InboundText> form = ReadInboundText(
      FormGateway(), Signed("from=0812-3456-7890&message=CEK+SKK-2026-000001&id=m-7", ""));
  REQUIRE(form.ok());
  CHECK(form->sender == "+6281234567890");
  CHECK(form->text == "CEK SKK-2026-000001");
  CHECK(form->message_id == "m-7");

  auto json = FormGateway();
  json.set_format("json");
  json.set_sender_field("data.sender");
  json.set_message_id_field("data.id");
  absl::StatusOr<InboundText> parsed = ReadInboundText(
      json,
      Signed(R"({"data":{"sender":6281234567890,"id":991},"message":"SAMBAT lampu mati"})", ""));
  REQUIRE(parsed.ok());
  CHECK(parsed->sender == "+6281234567890");
  CHECK(parsed->message_id == "991");
  CHECK(parsed->text == "SAMBAT lampu mati");

  // A foreign or landline number, a missing field, a body that is not JSON: each named.
  const absl::Status foreign =
      ReadInboundText(FormGateway(), Signed("from=%2B6591234567&message=hi&id=1", "")).status();
  CHECK(absl::IsInvalidArgument(foreign));
  CHECK(foreign.message() == "from: is not an Indonesian mobile number");
  CHECK(ReadInboundText(FormGateway(), Signed("from=081234567890&id=1", "")).status().message() ==
        "message: is required");
  CHECK(absl::IsInvalidArgument(ReadInboundText(json, Signed("[1,2]", "")).status()));
}

TEST_CASE("the reply goes back as the gateway reads it", "[gateway][text]") {
  auto g = FormGateway();
  HttpResponse plain = TextReply(g, "Tiket SKK-2026-000001 diterima");
  CHECK(plain.body == "Tiket SKK-2026-000001 diterima");
  CHECK(plain.Header("content-type") == "text/plain; charset=utf-8");
  g.set_reply_format("json");
  g.set_reply_field("text");
  CHECK(TextReply(g, "Halo \"warga\"").body == R"({"text":"Halo \"warga\""})");
}

}  // namespace
}  // namespace skk::gateway

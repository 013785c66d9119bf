#include "services/gateway/text_webhook.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "services/platform/city_config.h"
#include "services/platform/dev_mode.h"
#include "services/platform/errors.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/log.h"
#include "services/platform/secrets.h"
#include "services/platform/status_macros.h"
#include "services/platform/text.h"

namespace skk::gateway {

namespace v1 = sambat::v1;

namespace {

// A message is at most a few SMS long; a WhatsApp gateway's body carries more around it.
constexpr size_t kMaxWebhookBytes = 64 * 1024;
constexpr absl::Duration kCallTimeout = absl::Seconds(10);

// `path` ("from" or "data.sender") in a JSON object: a string, or a number as its digits.
std::string JsonField(const nlohmann::json& body, const std::string& path) {
  const nlohmann::json* at = &body;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!at->is_object()) return "";
    const auto found = at->find(std::string(part));
    if (found == at->end()) return "";
    at = &*found;
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number_integer()) return std::to_string(at->get<int64_t>());
  if (at->is_number_unsigned()) return std::to_string(at->get<uint64_t>());
  return "";
}

}  // namespace

absl::Status CheckTextSignature(const v1::TextGateway& gateway, const std::string& secret,
                                const HttpRequest& request) {
  absl::string_view given = absl::StripAsciiWhitespace(request.Header(gateway.signature_header()));
  if (given.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the ", gateway.signature_header(), " header is missing"));
  }
  bool good = false;
  if (gateway.signature() == "token") {
    good = ConstantTimeEquals(std::string(given), secret);
  } else {
    absl::ConsumePrefix(&given, "sha256=");
    good = ConstantTimeEquals(absl::AsciiStrToLower(given), HmacSha256Hex(secret, request.body));
  }
  if (!good) {
    return absl::UnauthenticatedError(absl::StrCat("the ", gateway.signature_header(),
                                                   " header does not prove the text "
                                                   "gateway sent this body"));
  }
  return absl::OkStatus();
}

absl::StatusOr<InboundText> ReadInboundText(const v1::TextGateway& gateway,
                                            const HttpRequest& request) {
  std::map<std::string, std::string> fields;
  const std::vector<std::string> names = {gateway.sender_field(), gateway.text_field(),
                                          gateway.message_id_field()};
  if (gateway.format() == "json") {
    const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return InvalidFields({{"body", "must be a JSON object"}});
    }
    for (const std::string& name : names) fields[name] = JsonField(body, name);
  } else {
    SKK_ASSIGN_OR_RETURN(auto pairs, ParseQuery(request.body));
    for (auto& [name, value] : pairs) fields.emplace(std::move(name), std::move(value));
  }
  std::vector<FieldViolation> violations;
  InboundText text;
  const std::string& sender = fields[gateway.sender_field()];
  text.sender = NormalizePhone(sender);
  if (sender.empty()) {
    violations.push_back({gateway.sender_field(), "is required"});
  } else if (text.sender.empty()) {
    violations.push_back({gateway.sender_field(), "is not an Indonesian mobile number"});
  }
  text.text = fields[gateway.text_field()];
  if (text.text.empty()) violations.push_back({gateway.text_field(), "is required"});
  text.message_id = fields[gateway.message_id_field()];
  if (text.message_id.empty()) violations.push_back({gateway.message_id_field(), "is required"});
  SKK_RETURN_IF_ERROR(InvalidFields(violations));
  return text;
}

HttpResponse TextReply(const v1::TextGateway& gateway, const std::string& reply) {
  HttpResponse response;
  if (gateway.reply_format() == "json") {
    const std::string field = gateway.reply_field().empty() ? "reply" : gateway.reply_field();
    response.body = nlohmann::json{{field, reply}}.dump();
    response.SetHeader("content-type", "application/json");
  } else {
    response.body = reply;
    response.SetHeader("content-type", "text/plain; charset=utf-8");
  }
  response.SetHeader("cache-control", "no-store");
  return response;
}

absl::StatusOr<std::unique_ptr<TextWebhook>> TextWebhook::Create(
    std::shared_ptr<grpc::Channel> intake, const v1::CityConfig& city,
    const std::string& config_path, bool dev, TokenIssuer issuer, Clock& clock) {
  std::map<std::string, Gateway> gateways;
  for (const v1::TextGateway& g : city.text_messaging().gateways()) {
    SKK_ASSIGN_OR_RETURN(
        std::string secret,
        ReadSharedSecret({.file = g.secret_file(),
                          .what = absl::StrCat("text gateway '", g.name(), "' secret_file"),
                          .public_dev_secret = kDevTextGatewaySecret,
                          .doc = "docs/text-messages.md"},
                         config_path, dev));
    gateways.emplace(g.name(), Gateway{g, std::move(secret)});
  }
  return std::unique_ptr<TextWebhook>(
      new TextWebhook(std::move(intake), std::move(gateways), std::move(issuer), clock));
}

void TextWebhook::AddRoutes(Router& router) {
  router.Add({.method = "POST",
              .pattern = "/webhooks/text/{gateway}",
              .body = {.max_bytes = kMaxWebhookBytes},
              .handle = [this](RouteRequest& r) { return Receive(r); }});
}

absl::StatusOr<HttpResponse> TextWebhook::Receive(RouteRequest& request) {
  const auto found = gateways_.find(request.params["gateway"]);
  if (found == gateways_.end()) return absl::NotFoundError("no such text gateway");
  const Gateway& gateway = found->second;
  // Nothing of the body is believed before the signature over it is.
  SKK_RETURN_IF_ERROR(CheckTextSignature(gateway.config, gateway.secret, request.http));
  SKK_ASSIGN_OR_RETURN(const InboundText text, ReadInboundText(gateway.config, request.http));
  SKK_ASSIGN_OR_RETURN(const std::string pass, issuer_.MintPhonePass(text.sender, clock_.Now()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
  AttachBearerToken(context, pass);
  v1::ReceiveTextMessageRequest message;
  message.set_gateway(gateway.config.name());
  message.set_message_id(text.message_id);
  message.set_text(text.text);
  v1::ReceiveTextMessageResponse answer;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->ReceiveTextMessage(&context, message, &answer)));
  return TextReply(gateway.config, answer.reply());
}

}  // namespace skk::gateway

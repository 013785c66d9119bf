#include "services/gateway/partner_webhook.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/json_body.h"
#include "services/platform/city_config.h"
#include "services/platform/dev_mode.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/secrets.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace {

namespace v1 = sambat::v1;

// A report is a status and a note of at most 2000 characters.
constexpr size_t kMaxReportBytes = 16 * 1024;
constexpr absl::Duration kCallTimeout = absl::Seconds(10);

}  // namespace

absl::Status CheckPartnerSignature(const std::string& secret, const HttpRequest& request,
                                   absl::Time now) {
  const std::string timestamp(absl::StripAsciiWhitespace(request.Header("x-sambat-timestamp")));
  const std::string given =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(request.Header("x-sambat-signature")));
  int64_t seconds = 0;
  if (timestamp.empty() || given.empty() || !absl::SimpleAtoi(timestamp, &seconds)) {
    return absl::UnauthenticatedError(
        "X-Sambat-Timestamp and X-Sambat-Signature are required (docs/partners.md)");
  }
  if (absl::AbsDuration(absl::FromUnixSeconds(seconds) - now) > kPartnerSignatureWindow) {
    return absl::UnauthenticatedError(
        "X-Sambat-Timestamp is more than 5 minutes from the city's clock");
  }
  if (!ConstantTimeEquals(given, WebhookSignature(secret, timestamp, request.body))) {
    return absl::UnauthenticatedError("X-Sambat-Signature does not match the body");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PartnerWebhook>> PartnerWebhook::Create(
    std::shared_ptr<grpc::Channel> routing, const v1::CityConfig& city,
    const std::string& config_path, bool dev, TokenIssuer issuer, Clock& clock) {
  std::map<std::string, std::string> secrets;
  for (const v1::PartnerChannel& p : city.partners()) {
    // An Open311 partner is asked by routing; it has no webhook to call.
    if (p.protocol() != "webhook") continue;
    SKK_ASSIGN_OR_RETURN(
        std::string secret,
        ReadSharedSecret({.file = p.secret_file(),
                          .what = absl::StrCat("partner '", p.agency(), "' secret_file"),
                          .public_dev_secret = kDevPartnerSecret,
                          .doc = "docs/partners.md"},
                         config_path, dev));
    secrets.emplace(p.agency(), std::move(secret));
  }
  return std::unique_ptr<PartnerWebhook>(
      new PartnerWebhook(std::move(routing), std::move(secrets), std::move(issuer), clock));
}

void PartnerWebhook::AddRoutes(Router& router) {
  router.Add({.method = "POST",
              .pattern = "/webhooks/partners/{agency}",
              .body = {.max_bytes = kMaxReportBytes},
              .handle = [this](RouteRequest& r) { return Receive(r); }});
}

absl::StatusOr<HttpResponse> PartnerWebhook::Receive(RouteRequest& request) {
  const std::string& agency = request.params["agency"];
  const auto found = secrets_.find(agency);
  if (found == secrets_.end()) return absl::NotFoundError("no such partner webhook");
  const absl::Time now = clock_.Now();
  SKK_RETURN_IF_ERROR(CheckPartnerSignature(found->second, request.http, now));
  v1::ReportPartnerStatusRequest report;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, report));
  SKK_ASSIGN_OR_RETURN(const std::string pass, issuer_.MintPartnerPass(agency, now));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
  AttachBearerToken(context, pass);
  v1::ReportPartnerStatusResponse answer;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(routing_->ReportPartnerStatus(&context, report, &answer)));
  return JsonResponse(200, answer);
}

}  // namespace skk::gateway

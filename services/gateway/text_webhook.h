#pragma once

// The webhook Indonesian SMS and WhatsApp gateways call with each message a citizen sends to
// the city's number (docs/text-messages.md): POST /webhooks/text/{gateway}. The gateway's
// signature is checked against its shared secret before anything else; the sender's number is
// normalised to +62 and vouched for with a phone pass to intake, which decides everything
// else. The reply intake chooses goes back in the response, which the text gateway sends to
// the number.

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/gateway/http.h"
#include "services/gateway/router.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"

namespace skk::gateway {

// A message as its text gateway's body carries it.
struct InboundText {
  std::string sender;  // +62 form
  std::string text;
  std::string message_id;
};

// UNAUTHENTICATED unless the request carries `gateway`'s proof: the hex HMAC-SHA256 of the
// exact body under `secret` (a "sha256=" prefix allowed), or the secret itself for
// signature "token". Compared in constant time.
absl::Status CheckTextSignature(const sambat::v1::TextGateway& gateway, const std::string& secret,
                                const HttpRequest& request);

// The message in the body, in the gateway's format. INVALID_ARGUMENT naming a missing field,
// a body that is not the format, or a sender that is not an Indonesian mobile number.
absl::StatusOr<InboundText> ReadInboundText(const sambat::v1::TextGateway& gateway,
                                            const HttpRequest& request);

// The response whose body the text gateway sends back to the number.
HttpResponse TextReply(const sambat::v1::TextGateway& gateway, const std::string& reply);

class TextWebhook {
 public:
  // Reads every gateway's secret (relative to the city configuration's directory). An error
  // names the gateway and the file; FAILED_PRECONDITION for the repository's public
  // development secret unless `dev`.
  static absl::StatusOr<std::unique_ptr<TextWebhook>> Create(std::shared_ptr<grpc::Channel> intake,
                                                             const sambat::v1::CityConfig& city,
                                                             const std::string& config_path,
                                                             bool dev, TokenIssuer issuer,
                                                             Clock& clock);

  void AddRoutes(Router& router);

 private:
  struct Gateway {
    sambat::v1::TextGateway config;
    std::string secret;
  };
  TextWebhook(std::shared_ptr<grpc::Channel> intake, std::map<std::string, Gateway> gateways,
              TokenIssuer issuer, Clock& clock)
      : intake_(sambat::v1::IntakeService::NewStub(intake)),
        gateways_(std::move(gateways)),
        issuer_(std::move(issuer)),
        clock_(clock) {}
  absl::StatusOr<HttpResponse> Receive(RouteRequest& request);

  std::unique_ptr<sambat::v1::IntakeService::Stub> intake_;
  std::map<std::string, Gateway> gateways_;
  TokenIssuer issuer_;
  Clock& clock_;
};

}  // namespace skk::gateway

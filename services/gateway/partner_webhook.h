#pragma once

// The webhook external partners (police, prosecutor, military district) call to report on the
// cases the city handed them (docs/partners.md): POST /webhooks/partners/{agency} with a JSON
// sambat.v1.ReportPartnerStatusRequest, signed with the secret the city shares with that
// partner. Nothing of the body is believed before its signature and its timestamp are; then
// the gateway mints a partner pass for that one partner and hands the report to routing,
// which decides everything else.

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/routing.grpc.pb.h"
#include "services/gateway/http.h"
#include "services/gateway/router.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"

namespace skk::gateway {

// How far a report's X-Sambat-Timestamp may be from the gateway's clock: a captured request
// cannot be replayed later than this.
inline constexpr absl::Duration kPartnerSignatureWindow = absl::Minutes(5);

// UNAUTHENTICATED unless the request carries X-Sambat-Timestamp (Unix seconds, within
// kPartnerSignatureWindow of `now`) and X-Sambat-Signature equal to
// WebhookSignature(secret, timestamp, body), compared in constant time.
absl::Status CheckPartnerSignature(const std::string& secret, const HttpRequest& request,
                                   absl::Time now);

class PartnerWebhook {
 public:
  // Reads the secret of every webhook partner (relative to the city configuration's
  // directory). FAILED_PRECONDITION for the repository's public development secret unless
  // `dev`.
  static absl::StatusOr<std::unique_ptr<PartnerWebhook>> Create(
      std::shared_ptr<grpc::Channel> routing, const sambat::v1::CityConfig& city,
      const std::string& config_path, bool dev, TokenIssuer issuer, Clock& clock);

  void AddRoutes(Router& router);

 private:
  PartnerWebhook(std::shared_ptr<grpc::Channel> routing, std::map<std::string, std::string> secrets,
                 TokenIssuer issuer, Clock& clock)
      : routing_(sambat::v1::PartnerService::NewStub(routing)),
        secrets_(std::move(secrets)),
        issuer_(std::move(issuer)),
        clock_(clock) {}
  absl::StatusOr<HttpResponse> Receive(RouteRequest& request);

  std::unique_ptr<sambat::v1::PartnerService::Stub> routing_;
  std::map<std::string, std::string> secrets_;  // agency code -> shared secret
  TokenIssuer issuer_;
  Clock& clock_;
};

}  // namespace skk::gateway

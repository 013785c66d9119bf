#pragma once

// The staff API under /api/v1/staff/ (docs/http-api.md, docs/staff-auth.md): sign-in, the
// session, the password, administrators' account calls, and the officers' and leadership's
// calls of routing and sla. A request is authenticated by its session cookie; one that changes
// something must also carry the session's CSRF token (X-CSRF-Token). Each call to a service
// carries a staff token the gateway mints for that session's account, valid a few minutes: the
// services decide what the caller may do, as they do for any token.

#include <map>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/notification.grpc.pb.h"
#include "sambat/v1/operations.grpc.pb.h"
#include "sambat/v1/routing.grpc.pb.h"
#include "sambat/v1/sla.grpc.pb.h"
#include "services/gateway/api_keys.h"
#include "services/gateway/edge.h"
#include "services/gateway/router.h"
#include "services/gateway/staff_accounts.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"

namespace skk::gateway {

struct StaffApiOptions {
  // The session cookie gets Secure (behind TLS, the browser never sends it in clear).
  bool secure_cookie = false;
  // Sign-in attempts from one address per 15 minutes, counted in Redis (0: no limit).
  int sign_ins_per_address = 30;
  absl::Duration call_timeout = absl::Seconds(10);
  size_t max_json_bytes = 64 * 1024;
  // The city's configuration (answer templates, agency names for reports); may be null.
  const sambat::v1::CityConfig* city = nullptr;
};

// The services the staff API calls on the staff's behalf.
struct StaffServices {
  std::shared_ptr<grpc::Channel> routing;
  std::shared_ptr<grpc::Channel> sla;
  std::shared_ptr<grpc::Channel> notification;
  // For its parked events only (the administrator's screen).
  std::shared_ptr<grpc::Channel> intake;
};

class StaffApi {
 public:
  // `limiter` may be null (no per-address limit on sign-ins).
  StaffApi(StaffAccounts& accounts, ApiKeys& keys, TokenIssuer issuer, Clock& clock,
           const StaffServices& services, AddressRateLimiter* limiter, StaffApiOptions options);
  void AddRoutes(Router& router);

  // The session cookie's name.
  static constexpr char kCookie[] = "skk_session";

  // The session of a request; for one that changes something (`changes`), also its CSRF
  // token. A machine client's request carries a staff API key instead (Authorization:
  // Bearer), which needs no CSRF token: no browser adds that header by itself. A session that
  // must change its password may do nothing else: only the routes that change it, sign out or
  // say who is signed in pass `temporary_password_allowed`. (MediaApi asks it too.)
  absl::StatusOr<ActiveSession> Authenticate(const RouteRequest& request, bool changes,
                                             bool temporary_password_allowed = false) const;
  // A context for a call as the session's account (already authenticated).
  absl::Status Prepare(grpc::ClientContext& context, const ActiveSession& session) const;

 private:
  absl::StatusOr<HttpResponse> SignIn(RouteRequest& request);
  absl::StatusOr<HttpResponse> WhoAmI(RouteRequest& request);
  absl::StatusOr<HttpResponse> SignOut(RouteRequest& request);
  absl::StatusOr<HttpResponse> ChangePassword(RouteRequest& request);
  absl::StatusOr<HttpResponse> BeginTotp(RouteRequest& request);
  absl::StatusOr<HttpResponse> ConfirmTotp(RouteRequest& request);
  absl::StatusOr<HttpResponse> CreateAccount(RouteRequest& request);
  absl::StatusOr<HttpResponse> ResetPassword(RouteRequest& request);
  absl::StatusOr<HttpResponse> DisableAccount(RouteRequest& request);
  absl::StatusOr<HttpResponse> Queue(RouteRequest& request);
  absl::StatusOr<HttpResponse> IssueApiKey(RouteRequest& request);
  absl::StatusOr<HttpResponse> ListApiKeys(RouteRequest& request);
  absl::StatusOr<HttpResponse> RevokeApiKey(RouteRequest& request);
  absl::StatusOr<HttpResponse> ListAccounts(RouteRequest& request);
  absl::StatusOr<HttpResponse> EnableAccount(RouteRequest& request);
  absl::StatusOr<HttpResponse> ChangeRole(RouteRequest& request);
  absl::StatusOr<HttpResponse> Templates(RouteRequest& request);
  // The dashboard's figures of a period as CSV, one line per agency and one for the city.
  absl::StatusOr<HttpResponse> ReportCsv(RouteRequest& request);
  // A service's parked events (the request names the service), and their replay.
  absl::StatusOr<HttpResponse> ListParked(RouteRequest& request);
  absl::StatusOr<HttpResponse> ReplayParked(RouteRequest& request);
  absl::StatusOr<sambat::v1::ParkedEventsService::Stub*> ParkedOf(const std::string& service);

  // One route for each unary call: GETs read the request from the query, POSTs from the JSON
  // body; `path_field` (e.g. "complaint_id") is set from the path's {id}.
  template <class Stub, class Request, class Response>
  RouteHandler Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const char* path_field);

  StaffAccounts& accounts_;
  ApiKeys& keys_;
  TokenIssuer issuer_;
  Clock& clock_;
  std::unique_ptr<sambat::v1::OfficerService::Stub> officers_;
  std::unique_ptr<sambat::v1::LeadershipService::Stub> leadership_;
  std::unique_ptr<sambat::v1::NotificationService::Stub> notifications_;
  std::unique_ptr<sambat::v1::RoutingAdminService::Stub> routing_admin_;
  std::unique_ptr<sambat::v1::SlaAdminService::Stub> sla_admin_;
  // By service name: "intake", "routing", "sla", "notification".
  std::map<std::string, std::unique_ptr<sambat::v1::ParkedEventsService::Stub>> parked_;
  AddressRateLimiter* limiter_;
  StaffApiOptions options_;
};

// The value of cookie `name` in a Cookie header, or empty.
std::string CookieValue(absl::string_view header, absl::string_view name);

}  // namespace skk::gateway

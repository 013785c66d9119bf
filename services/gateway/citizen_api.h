#pragma once

// The citizens' JSON API under /api/v1/ (docs/http-api.md): the city's categories and
// agencies, photo upload streamed to intake, submission with an Idempotency-Key, tracking with
// the ticket and the tracking token (header X-Tracking-Token), the follow-ups (more
// information, rating, reopening) and the messages the citizen was sent. Each route maps to
// intake's RPCs and holds no rule of its own: intake validates and answers, and its errors
// come back as problem details. For the messages, once intake has accepted the tracking
// token, the gateway asks notification with a citizen pass for that one complaint (auth.h).

#include <memory>
#include <string_view>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "sambat/v1/notification.grpc.pb.h"
#include "services/gateway/router.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"

namespace skk::gateway {

// A call to intake on behalf of the request's client: its deadline, and the client's address
// for intake's limits (intake believes it from the gateways it trusts).
void PrepareCitizenCall(grpc::ClientContext& context, const RouteRequest& request,
                        absl::Duration timeout);

struct CitizenApiOptions {
  absl::Duration call_timeout = absl::Seconds(10);
  // A photo from a phone on a poor connection takes a while; the server's minimum rate
  // (http_server.h) cuts off the ones that never finish.
  absl::Duration upload_timeout = absl::Minutes(5);
  size_t max_photo_bytes = 10 * 1024 * 1024;
  size_t max_json_bytes = 64 * 1024;
  // What the form shows besides the city's configuration (sambat.v1.PublicCity).
  sambat::v1::HolidayCalendar holidays;
  std::string map_tile_url;
  std::string map_attribution;
};

// The services the citizens' API calls.
struct CitizenServices {
  std::shared_ptr<grpc::Channel> intake;
  std::shared_ptr<grpc::Channel> notification;
};

class CitizenApi {
 public:
  // `issuer` mints the citizen passes, on `clock`.
  CitizenApi(const CitizenServices& services, TokenIssuer issuer, Clock& clock,
             const sambat::v1::CityConfig& city, CitizenApiOptions options);
  void AddRoutes(Router& router);

 private:
  absl::StatusOr<HttpResponse> City(RouteRequest& request) const;
  absl::StatusOr<HttpResponse> UploadPhoto(RouteRequest& request);
  // "Already reported nearby": FindNearbyComplaints for the body's category, point and words.
  absl::StatusOr<HttpResponse> Nearby(RouteRequest& request);
  absl::StatusOr<HttpResponse> Submit(RouteRequest& request);
  absl::StatusOr<HttpResponse> Track(RouteRequest& request);
  absl::StatusOr<HttpResponse> Notifications(RouteRequest& request);
  // AddInfo, Rate and Reopen: the body's request with the path's ticket and the header's
  // tracking token.
  template <class Request>
  absl::StatusOr<HttpResponse> FollowUp(
      RouteRequest& request,
      grpc::Status (sambat::v1::IntakeService::Stub::*method)(grpc::ClientContext*,
                                                              const Request&,
                                                              sambat::v1::Complaint*));

  std::unique_ptr<sambat::v1::IntakeService::Stub> intake_;
  std::unique_ptr<sambat::v1::NotificationService::Stub> notifications_;
  TokenIssuer issuer_;
  Clock& clock_;
  CitizenApiOptions options_;
  std::string city_json_;
};

}  // namespace skk::gateway

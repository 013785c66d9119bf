#pragma once

// What anyone may read of the city's record without signing in (docs/http-api.md): per agency
// and category how many complaints came and how many were answered in time, and where the
// open complaints are that are not confidential, as SP4N-LAPOR and FixMyStreet show the
// public. Counts, categories, states and places only: never a complaint's words, address,
// photo or anything of its reporter.

#include <memory>

#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "sambat/v1/sla.grpc.pb.h"
#include "services/gateway/router.h"

namespace skk::gateway {

class PublicApi {
 public:
  PublicApi(std::shared_ptr<grpc::Channel> intake, std::shared_ptr<grpc::Channel> sla,
            absl::Duration call_timeout = absl::Seconds(10));
  void AddRoutes(Router& router);

 private:
  absl::StatusOr<HttpResponse> Stats(RouteRequest& request);
  absl::StatusOr<HttpResponse> Map(RouteRequest& request);

  std::unique_ptr<sambat::v1::IntakeService::Stub> intake_;
  std::unique_ptr<sambat::v1::LeadershipService::Stub> sla_;
  absl::Duration call_timeout_;
};

}  // namespace skk::gateway

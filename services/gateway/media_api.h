#pragma once

// Photos over HTTP: GET /media/{id} and GET /media/{id}/thumbnail (docs/http-api.md, "Photos").
// A request with a staff session (or a staff API key) asks intake's GetCaseMedia as that member
// of staff; any other asks GetPublicMedia, with the citizen's ticket (query `ticket`) and
// tracking token (header X-Tracking-Token) if it has them. Intake decides who may see what;
// the gateway adds what a browser needs: the stored content type, an ETag, and a long cache
// lifetime, since an id names the same bytes for ever (public only for what anyone may see).

#include <memory>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/gateway/router.h"
#include "services/gateway/staff_api.h"

namespace skk::gateway {

class MediaApi {
 public:
  // `staff` must outlive this.
  MediaApi(std::shared_ptr<grpc::Channel> intake, const StaffApi& staff,
           absl::Duration call_timeout = absl::Seconds(10));
  void AddRoutes(Router& router);

 private:
  absl::StatusOr<HttpResponse> Get(RouteRequest& request, bool thumbnail);

  std::unique_ptr<sambat::v1::IntakeService::Stub> intake_;
  const StaffApi& staff_;
  absl::Duration call_timeout_;
};

}  // namespace skk::gateway

#pragma once

// The officers' and administrators' gRPC API (proto/sambat/v1/routing.proto). Requests are
// parsed at the edge (grpc_edge.h), the caller is read from the staff token, and the work is
// done by OfficerWork on the host's request threads.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/routing.grpc.pb.h"
#include "services/platform/auth.h"
#include "services/platform/grpc_edge.h"
#include "services/routing/officer_work.h"

namespace skk::routing {

// Who is calling: CallerOf (auth.h) in the service; UNAUTHENTICATED without a good token.
using CallerResolver = std::function<absl::StatusOr<Caller>(const grpc::ServerContextBase&)>;

namespace internal {
using S = sambat::v1::OfficerService;
using OfficerServiceBase = S::WithRawCallbackMethod_ListQueue<S::WithRawCallbackMethod_GetCase<
    S::WithRawCallbackMethod_Claim<S::WithRawCallbackMethod_Release<
        S::WithRawCallbackMethod_Respond<S::WithRawCallbackMethod_RequestInfo<
            S::WithRawCallbackMethod_Forward<S::WithRawCallbackMethod_Resolve<
                S::WithRawCallbackMethod_Reject<S::Service>>>>>>>>>;
using AdminServiceBase = sambat::v1::RoutingAdminService::WithRawCallbackMethod_ReloadRoutingConfig<
    sambat::v1::RoutingAdminService::Service>;
}  // namespace internal

class OfficerService final : public internal::OfficerServiceBase {
 public:
  OfficerService(OfficerWork& work, CallerResolver callers, RequestExecutor& executor)
      : work_(work), callers_(std::move(callers)), executor_(executor) {}

#define SKK_OFFICER_METHOD(Name)                                                    \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* context,              \
                                 const grpc::ByteBuffer* request,                   \
                                 grpc::ByteBuffer* response) override;
  SKK_OFFICER_METHOD(ListQueue)
  SKK_OFFICER_METHOD(GetCase)
  SKK_OFFICER_METHOD(Claim)
  SKK_OFFICER_METHOD(Release)
  SKK_OFFICER_METHOD(Respond)
  SKK_OFFICER_METHOD(RequestInfo)
  SKK_OFFICER_METHOD(Forward)
  SKK_OFFICER_METHOD(Resolve)
  SKK_OFFICER_METHOD(Reject)
#undef SKK_OFFICER_METHOD

 private:
  OfficerWork& work_;
  CallerResolver callers_;
  RequestExecutor& executor_;
};

// Reloads the routing configuration; returns a summary of what is now in force.
using ConfigReloader = std::function<absl::StatusOr<std::string>()>;

class RoutingAdminService final : public internal::AdminServiceBase {
 public:
  RoutingAdminService(ConfigReloader reload, CallerResolver callers, RequestExecutor& executor)
      : reload_(std::move(reload)), callers_(std::move(callers)), executor_(executor) {}

  grpc::ServerUnaryReactor* ReloadRoutingConfig(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;

 private:
  ConfigReloader reload_;
  CallerResolver callers_;
  RequestExecutor& executor_;
};

}  // namespace skk::routing

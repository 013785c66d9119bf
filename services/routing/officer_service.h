#pragma once

// The officers' and administrators' gRPC API (proto/sambat/v1/routing.proto), served with
// ServeStaffUnary (grpc_edge.h): the request parsed, the caller read from the staff token, and
// the work done by OfficerWork on the host's request threads.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/routing.grpc.pb.h"
#include "services/platform/auth.h"
#include "services/platform/grpc_edge.h"
#include "services/routing/officer_work.h"

namespace skk::routing {

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
  OfficerService(OfficerWork& work, RequestExecutor& executor, CallerLookup callers = CallerOf)
      : work_(work), executor_(executor), callers_(std::move(callers)) {}

grpc::ServerUnaryReactor* ListQueue(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Claim(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Release(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Respond(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RequestInfo(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Forward(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Resolve(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Reject(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

 private:
  OfficerWork& work_;
  RequestExecutor& executor_;
  CallerLookup callers_;
};

// Reloads the routing configuration; returns a summary of what is now in force.
using ConfigReloader = std::function<absl::StatusOr<std::string>()>;

class RoutingAdminService final : public internal::AdminServiceBase {
 public:
  RoutingAdminService(ConfigReloader reload, RequestExecutor& executor,
                      CallerLookup callers = CallerOf)
      : reload_(std::move(reload)), executor_(executor), callers_(std::move(callers)) {}

  grpc::ServerUnaryReactor* ReloadRoutingConfig(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;

 private:
  ConfigReloader reload_;
  RequestExecutor& executor_;
  CallerLookup callers_;
};

}  // namespace skk::routing

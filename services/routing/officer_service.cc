#include "services/routing/officer_service.h"

#include "services/platform/status_macros.h"
#include "services/routing/access.h"

namespace skk::routing {

namespace v1 = sambat::v1;

// Each method: the caller from the token, then the work. `Call` is the OfficerWork member.
#define SKK_SERVE(Method, Request, Response, call)                                           \
  grpc::ServerUnaryReactor* OfficerService::Method(grpc::CallbackServerContext* context,     \
                                                   const grpc::ByteBuffer* request,          \
                                                   grpc::ByteBuffer* response) {             \
    return ServeUnary<Request, Response>(                                                    \
        context, request, response, executor_,                                               \
        [this, context](const Request& r) -> absl::StatusOr<Response> {                      \
          SKK_ASSIGN_OR_RETURN(const Caller caller, callers_(*context));                     \
          return call;                                                                       \
        });                                                                                  \
  }

SKK_SERVE(ListQueue, v1::ListQueueRequest, v1::ListQueueResponse, work_.ListQueue(caller, r))
SKK_SERVE(GetCase, v1::GetCaseRequest, v1::Case, work_.GetCase(caller, r.complaint_id()))
SKK_SERVE(Claim, v1::ClaimRequest, v1::Case, work_.Claim(caller, r))
SKK_SERVE(Release, v1::ReleaseRequest, v1::Case, work_.Release(caller, r))
SKK_SERVE(Respond, v1::RespondRequest, v1::Case, work_.Respond(caller, r))
SKK_SERVE(RequestInfo, v1::RequestInfoRequest, v1::Case, work_.RequestInfo(caller, r))
SKK_SERVE(Forward, v1::ForwardRequest, v1::Case, work_.Forward(caller, r))
SKK_SERVE(Resolve, v1::ResolveRequest, v1::Case, work_.Resolve(caller, r))
SKK_SERVE(Reject, v1::RejectRequest, v1::Case, work_.Reject(caller, r))
#undef SKK_SERVE

grpc::ServerUnaryReactor* RoutingAdminService::ReloadRoutingConfig(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeUnary<v1::ReloadRoutingConfigRequest, v1::ReloadRoutingConfigResponse>(
      context, request, response, executor_,
      [this, context](const v1::ReloadRoutingConfigRequest&)
          -> absl::StatusOr<v1::ReloadRoutingConfigResponse> {
        SKK_ASSIGN_OR_RETURN(const Caller caller, callers_(*context));
        SKK_RETURN_IF_ERROR(MayAdminister(caller));
        SKK_ASSIGN_OR_RETURN(std::string summary, reload_());
        v1::ReloadRoutingConfigResponse out;
        out.set_summary(std::move(summary));
        return out;
      });
}

}  // namespace skk::routing

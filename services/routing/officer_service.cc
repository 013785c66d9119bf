#include "services/routing/officer_service.h"

#include "services/platform/status_macros.h"
#include "services/routing/access.h"

namespace skk::routing {

namespace v1 = sambat::v1;

grpc::ServerUnaryReactor* OfficerService::ListQueue(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, work_,
                         &OfficerWork::ListQueue);
}

grpc::ServerUnaryReactor* OfficerService::GetCase(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return ServeStaffUnary<v1::GetCaseRequest, v1::Case>(
      context, request, response, executor_, callers_,
      [this](const Caller& caller, const v1::GetCaseRequest& r) {
        return work_.GetCase(caller, r.complaint_id());
      });
}

grpc::ServerUnaryReactor* OfficerService::Claim(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, work_,
                         &OfficerWork::Claim);
}

grpc::ServerUnaryReactor* OfficerService::Release(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, work_,
                         &OfficerWork::Release);
}

grpc::ServerUnaryReactor* OfficerService::Respond(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, work_,
                         &OfficerWork::Respond);
}

grpc::ServerUnaryReactor* OfficerService::RequestInfo(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, work_,
                         &OfficerWork::RequestInfo);
}

grpc::ServerUnaryReactor* OfficerService::Forward(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, work_,
                         &OfficerWork::Forward);
}

grpc::ServerUnaryReactor* OfficerService::Resolve(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, work_,
                         &OfficerWork::Resolve);
}

grpc::ServerUnaryReactor* OfficerService::Reject(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, work_,
                         &OfficerWork::Reject);
}

grpc::ServerUnaryReactor* RoutingAdminService::ReloadRoutingConfig(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeStaffUnary<v1::ReloadRoutingConfigRequest, v1::ReloadRoutingConfigResponse>(
      context, request, response, executor_, callers_,
      [this](const Caller& caller, const v1::ReloadRoutingConfigRequest&)
          -> absl::StatusOr<v1::ReloadRoutingConfigResponse> {
        SKK_RETURN_IF_ERROR(MayAdminister(caller));
        SKK_ASSIGN_OR_RETURN(std::string summary, reload_());
        v1::ReloadRoutingConfigResponse out;
        out.set_summary(std::move(summary));
        return out;
      });
}

}  // namespace skk::routing

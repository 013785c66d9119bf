#include "services/routing/officer_service.h"

#include "services/platform/status_macros.h"
#include "services/routing/access.h"

namespace skk::routing {

namespace v1 = sambat::v1;

OfficerService::OfficerService(OfficerWork& work, RequestExecutor& executor,
                               CallerLookup callers)
    : GrpcEdge(executor, std::move(callers)) {
  ServeStaff("ListQueue", work, &OfficerWork::ListQueue);
  ServeStaff("CaseMap", work, &OfficerWork::CaseMap);
  ServeStaff<v1::GetCaseRequest, v1::Case>(
      "GetCase", [&work](const Caller& caller, const v1::GetCaseRequest& r) {
        return work.GetCase(caller, r.complaint_id());
      });
  ServeStaff("Claim", work, &OfficerWork::Claim);
  ServeStaff("Release", work, &OfficerWork::Release);
  ServeStaff("Respond", work, &OfficerWork::Respond);
  ServeStaff("RequestInfo", work, &OfficerWork::RequestInfo);
  ServeStaff("Forward", work, &OfficerWork::Forward);
  ServeStaff("Resolve", work, &OfficerWork::Resolve);
  ServeStaff("Reject", work, &OfficerWork::Reject);
  ServeStaff("Unmerge", work, &OfficerWork::Unmerge);
}

PartnerService::PartnerService(PartnerDesk& desk, RequestExecutor& executor,
                               CallerLookup callers)
    : GrpcEdge(executor, std::move(callers)) {
  ServeStaff("ReportPartnerStatus", desk, &PartnerDesk::Report);
}

RoutingAdminService::RoutingAdminService(ConfigReloader reload, RequestExecutor& executor,
                                         CallerLookup callers)
    : GrpcEdge(executor, std::move(callers)) {
  ServeStaff<v1::ReloadRoutingConfigRequest, v1::ReloadRoutingConfigResponse>(
      "ReloadRoutingConfig",
      [reload = std::move(reload)](const Caller& caller, const v1::ReloadRoutingConfigRequest&)
          -> absl::StatusOr<v1::ReloadRoutingConfigResponse> {
        SKK_RETURN_IF_ERROR(MayAdminister(caller));
        SKK_ASSIGN_OR_RETURN(std::string summary, reload());
        v1::ReloadRoutingConfigResponse out;
        out.set_summary(std::move(summary));
        return out;
      });
}

}  // namespace skk::routing

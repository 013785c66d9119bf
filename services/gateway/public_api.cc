#include "services/gateway/public_api.h"

#include "services/gateway/citizen_api.h"
#include "services/gateway/json_body.h"
#include "services/platform/errors.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace v1 = sambat::v1;

// Figures move slowly; five minutes of caching spares the database a crowd's reloads.
constexpr char kCacheable[] = "public, max-age=300";

PublicApi::PublicApi(std::shared_ptr<grpc::Channel> intake, std::shared_ptr<grpc::Channel> sla,
                     absl::Duration call_timeout)
    : intake_(v1::IntakeService::NewStub(intake)),
      sla_(v1::LeadershipService::NewStub(sla)),
      call_timeout_(call_timeout) {}

void PublicApi::AddRoutes(Router& router) {
  router.Add({"GET", "/api/v1/public/stats", {}, [this](RouteRequest& r) { return Stats(r); }});
  router.Add({"GET", "/api/v1/public/complaints", {}, [this](RouteRequest& r) { return Map(r); }});
}

absl::StatusOr<HttpResponse> PublicApi::Stats(RouteRequest& request) {
  v1::PublicStatsRequest query;
  SKK_RETURN_IF_ERROR(ReadQuery(request.query, query));
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, call_timeout_);
  v1::PublicStatsResponse stats;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(sla_->PublicStats(&context, query, &stats)));
  return WithEtag(request.http, JsonResponse(200, stats), kCacheable);
}

absl::StatusOr<HttpResponse> PublicApi::Map(RouteRequest& request) {
  v1::ListPublicComplaintsRequest query;
  SKK_RETURN_IF_ERROR(ReadQuery(request.query, query));
  if (!query.tickets().empty()) {
    return InvalidFields({{"tickets", "the map lists by category and time, not by ticket"}});
  }
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, call_timeout_);
  v1::ListPublicComplaintsResponse listed;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->ListPublicComplaints(&context, query, &listed)));
  // A point on the map, not a complaint to read: a citizen's words may name them even masked.
  v1::ListPublicComplaintsResponse points;
  for (const v1::PublicComplaint& c : listed.complaints()) {
    if (!c.has_location()) continue;
    v1::PublicComplaint& p = *points.add_complaints();
    p.set_ticket(c.ticket());
    p.set_category(c.category());
    *p.mutable_location() = c.location();
    *p.mutable_submitted_at() = c.submitted_at();
    p.set_state(c.state());
    p.set_finished(c.finished());
    p.set_agency_code(c.agency_code());
    p.set_agency_name(c.agency_name());
  }
  return WithEtag(request.http, JsonResponse(200, points), kCacheable);
}

}  // namespace skk::gateway

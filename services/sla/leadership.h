#pragma once

// What leadership reads and does about late cases (proto/sambat/v1/sla.proto): escalations,
// acknowledgements, and each agency's record. Leadership sees every agency; an agency head
// only their own; officers and administrators nothing (PERMISSION_DENIED). The caller comes
// from the staff token (services/platform/auth.h); the methods are served with ServeStaff
// (grpc_edge.h).

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/sla.grpc.pb.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/pg.h"
#include "services/sla/working_calendar.h"

namespace skk::sla {

// The agency a caller may read when asking for `asked` ("" = all): leadership gets what it
// asked for; a head gets their own agency and is refused another; anyone else is refused.
absl::StatusOr<std::string> AgencyScope(const Caller& caller, const std::string& asked);

class Leadership {
 public:
  // `time_zone`: the city's (an IANA name), in which weeks start on Monday 00:00.
  Leadership(PgPool& pool, Clock& clock, std::string time_zone = "Asia/Jakarta")
      : pool_(pool), clock_(clock), time_zone_(std::move(time_zone)) {}

  absl::StatusOr<sambat::v1::ListEscalationsResponse> ListEscalations(
      const Caller& caller, const sambat::v1::ListEscalationsRequest& request);
  absl::StatusOr<sambat::v1::EscalationView> Acknowledge(
      const Caller& caller, const sambat::v1::AcknowledgeRequest& request);
  absl::StatusOr<sambat::v1::AgencyStatsResponse> AgencyStats(
      const Caller& caller, const sambat::v1::AgencyStatsRequest& request);
  absl::StatusOr<sambat::v1::DashboardResponse> Dashboard(
      const Caller& caller, const sambat::v1::DashboardRequest& request);
  // Anyone's: counts per agency and category, nothing of a complaint.
  absl::StatusOr<sambat::v1::PublicStatsResponse> PublicStats(
      const sambat::v1::PublicStatsRequest& request);

 private:
  PgPool& pool_;
  Clock& clock_;
  std::string time_zone_;
};

// The gRPC edge of Leadership.
class LeadershipGrpcService final : public GrpcEdge<sambat::v1::LeadershipService> {
 public:
  LeadershipGrpcService(Leadership& leadership, RequestExecutor& executor,
                        CallerLookup callers = CallerOf)
      : GrpcEdge(executor, std::move(callers)) {
    ServeStaff("ListEscalations", leadership, &Leadership::ListEscalations);
    ServeStaff("Acknowledge", leadership, &Leadership::Acknowledge);
    ServeStaff("AgencyStats", leadership, &Leadership::AgencyStats);
    ServeStaff("Dashboard", leadership, &Leadership::Dashboard);
    Serve<sambat::v1::PublicStatsRequest, sambat::v1::PublicStatsResponse>(
        "PublicStats", [&leadership](const CallContext&, const sambat::v1::PublicStatsRequest& r) {
          return leadership.PublicStats(r);
        });
  }
};

}  // namespace skk::sla

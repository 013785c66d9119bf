#pragma once

// What leadership reads and does about late cases (proto/sambat/v1/sla.proto): escalations,
// acknowledgements, and each agency's record. Leadership sees every agency; an agency head
// only their own; officers and administrators nothing (PERMISSION_DENIED). The caller comes
// from the staff token (services/platform/auth.h); the methods are served with ServeStaffUnary
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
  Leadership(PgPool& pool, Clock& clock) : pool_(pool), clock_(clock) {}

  absl::StatusOr<sambat::v1::ListEscalationsResponse> ListEscalations(
      const Caller& caller, const sambat::v1::ListEscalationsRequest& request);
  absl::StatusOr<sambat::v1::EscalationView> Acknowledge(
      const Caller& caller, const sambat::v1::AcknowledgeRequest& request);
  absl::StatusOr<sambat::v1::AgencyStatsResponse> AgencyStats(
      const Caller& caller, const sambat::v1::AgencyStatsRequest& request);

 private:
  PgPool& pool_;
  Clock& clock_;
};

using LeadershipServiceBase = sambat::v1::LeadershipService::WithRawCallbackMethod_ListEscalations<
    sambat::v1::LeadershipService::WithRawCallbackMethod_Acknowledge<
        sambat::v1::LeadershipService::WithRawCallbackMethod_AgencyStats<
            sambat::v1::LeadershipService::Service>>>;

// The gRPC edge of Leadership.
class LeadershipGrpcService final : public LeadershipServiceBase {
 public:
  LeadershipGrpcService(Leadership& leadership, RequestExecutor& executor,
                        CallerLookup callers = CallerOf)
      : leadership_(leadership), executor_(executor), callers_(std::move(callers)) {}

  grpc::ServerUnaryReactor* ListEscalations(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Acknowledge(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* AgencyStats(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;

 private:
  Leadership& leadership_;
  RequestExecutor& executor_;
  CallerLookup callers_;
};

}  // namespace skk::sla

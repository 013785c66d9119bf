#pragma once

// The officers' and administrators' gRPC API (proto/sambat/v1/routing.proto), served with
// ServeStaff (grpc_edge.h): the request parsed, the caller read from the staff token, and
// the work done by OfficerWork on the host's request threads.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/routing.grpc.pb.h"
#include "services/platform/auth.h"
#include "services/platform/grpc_edge.h"
#include "services/routing/officer_work.h"
#include "services/routing/partner_handoffs.h"

namespace skk::routing {

class OfficerService final : public GrpcEdge<sambat::v1::OfficerService> {
 public:
  OfficerService(OfficerWork& work, RequestExecutor& executor, CallerLookup callers = CallerOf);
};

// Reloads the routing configuration; returns a summary of what is now in force.
using ConfigReloader = std::function<absl::StatusOr<std::string>()>;

class RoutingAdminService final : public GrpcEdge<sambat::v1::RoutingAdminService> {
 public:
  RoutingAdminService(ConfigReloader reload, RequestExecutor& executor,
                      CallerLookup callers = CallerOf);
};

// The external partners' reports (docs/partners.md), through the gateway's signed webhook.
class PartnerService final : public GrpcEdge<sambat::v1::PartnerService> {
 public:
  PartnerService(PartnerDesk& desk, RequestExecutor& executor, CallerLookup callers = CallerOf);
};

}  // namespace skk::routing

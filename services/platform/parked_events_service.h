#pragma once

// The operators' gRPC door to a service's parked events (proto/sambat/v1/operations.proto):
// ServiceHost serves it for every service that consumes events, so the administrator's screen
// reaches each service's dead queue through the service itself, with the broker credentials
// only the service holds. Administrators only (the access policy in the .proto).

#include <string>

#include "sambat/v1/operations.grpc.pb.h"
#include "services/platform/amqp.h"
#include "services/platform/grpc_edge.h"

namespace skk {

class ParkedEventsDesk {
 public:
  ParkedEventsDesk(AmqpEndpoint endpoint, std::string service)
      : endpoint_(std::move(endpoint)), service_(std::move(service)) {}

  absl::StatusOr<sambat::v1::ListParkedResponse> List(const Caller& caller,
                                                      const sambat::v1::ListParkedRequest& r);
  absl::StatusOr<sambat::v1::ReplayParkedResponse> Replay(
      const Caller& caller, const sambat::v1::ReplayParkedRequest& r);

 private:
  // OK for an empty name or this service's; a request meant for another is a routing mistake.
  absl::Status IsThisService(const std::string& named) const;

  AmqpEndpoint endpoint_;
  std::string service_;
};

class ParkedEventsGrpcService final : public GrpcEdge<sambat::v1::ParkedEventsService> {
 public:
  ParkedEventsGrpcService(ParkedEventsDesk& desk, RequestExecutor& executor,
                          CallerLookup callers = CallerOf)
      : GrpcEdge(executor, std::move(callers)) {
    ServeStaff("ListParked", desk, &ParkedEventsDesk::List);
    ServeStaff("ReplayParked", desk, &ParkedEventsDesk::Replay);
  }
};

}  // namespace skk

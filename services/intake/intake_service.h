#pragma once

// The citizen's gRPC API. Requests are parsed and validated at the edge (grpc_edge.h), then
// handed over to Complaints and MediaUploads on the host's request threads.

#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/intake/complaints.h"
#include "services/intake/erasure.h"
#include "services/intake/media.h"
#include "services/intake/photo_access.h"
#include "services/intake/public_complaints.h"
#include "services/intake/text_desk.h"
#include "services/intake/validation.h"
#include "services/platform/grpc_edge.h"

namespace skk::intake {

class IntakeService final : public GrpcEdge<sambat::v1::IntakeService> {
 public:
  // Calls count against addresses.Of(call): the gateway's word on a citizen's address counts
  // only from the gateways it trusts.
  IntakeService(Complaints& complaints, MediaUploads& uploads, PublicComplaints& listing,
                PhotoAccess& photos, TextDesk& texts, SubmissionRules rules, RequestExecutor& executor,
                const CitizenAddresses& addresses);

 private:
  Complaints& complaints_;
  SubmissionRules rules_;
  const CitizenAddresses& addresses_;
};

// The data protection officer's tools; admins only (declared in intake.proto).
class CitizenDataService final : public GrpcEdge<sambat::v1::CitizenDataService> {
 public:
  CitizenDataService(CitizenData& data, RequestExecutor& executor,
                     CallerLookup callers = CallerOf);
};

}  // namespace skk::intake

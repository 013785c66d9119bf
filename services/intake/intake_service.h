#pragma once

// The citizen's gRPC API. Requests are parsed and validated at the edge (grpc_edge.h), then
// handed over to Complaints on the host's request threads.

#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/intake/complaints.h"
#include "services/intake/validation.h"
#include "services/platform/grpc_edge.h"

namespace skk::intake {

using IntakeServiceBase = sambat::v1::IntakeService::WithRawCallbackMethod_SubmitComplaint<
    sambat::v1::IntakeService::WithRawCallbackMethod_GetComplaint<
        sambat::v1::IntakeService::Service>>;

class IntakeService final : public IntakeServiceBase {
 public:
  IntakeService(Complaints& complaints, SubmissionRules rules, RequestExecutor& executor)
      : complaints_(complaints), rules_(std::move(rules)), executor_(executor) {}

  grpc::ServerUnaryReactor* SubmitComplaint(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetComplaint(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

 private:
  Complaints& complaints_;
  SubmissionRules rules_;
  RequestExecutor& executor_;
};

}  // namespace skk::intake

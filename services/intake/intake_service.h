#pragma once

// The citizen's gRPC API. Requests are parsed and validated at the edge (grpc_edge.h), then
// handed over to Complaints and MediaUploads on the host's request threads.

#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/intake/complaints.h"
#include "services/intake/erasure.h"
#include "services/intake/media.h"
#include "services/intake/validation.h"
#include "services/platform/grpc_edge.h"

namespace skk::intake {

using IntakeServiceBase = sambat::v1::IntakeService::WithRawCallbackMethod_UploadMedia<
    sambat::v1::IntakeService::WithRawCallbackMethod_SubmitComplaint<
        sambat::v1::IntakeService::WithRawCallbackMethod_GetComplaint<
            sambat::v1::IntakeService::WithRawCallbackMethod_AddInfo<
                sambat::v1::IntakeService::WithRawCallbackMethod_Rate<
                    sambat::v1::IntakeService::WithRawCallbackMethod_Reopen<
                        sambat::v1::IntakeService::Service>>>>>>;

class IntakeService final : public IntakeServiceBase {
 public:
  IntakeService(Complaints& complaints, MediaUploads& uploads, SubmissionRules rules,
                RequestExecutor& executor)
      : complaints_(complaints), uploads_(uploads), rules_(std::move(rules)), executor_(executor) {}

  grpc::ServerReadReactor<grpc::ByteBuffer>* UploadMedia(grpc::CallbackServerContext* context,
                                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitComplaint(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetComplaint(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* AddInfo(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Rate(grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* request,
                                 grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Reopen(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

 private:
  Complaints& complaints_;
  MediaUploads& uploads_;
  SubmissionRules rules_;
  RequestExecutor& executor_;
};

using CitizenDataServiceBase =
    sambat::v1::CitizenDataService::WithRawCallbackMethod_EraseCitizenData<
        sambat::v1::CitizenDataService::WithRawCallbackMethod_ListErasures<
            sambat::v1::CitizenDataService::Service>>;

// The data protection officer's tools; admins only (declared in intake.proto), served with
// ServeStaffUnary.
class CitizenDataService final : public CitizenDataServiceBase {
 public:
  CitizenDataService(CitizenData& data, RequestExecutor& executor,
                     CallerLookup callers = CallerOf)
      : data_(data), executor_(executor), callers_(std::move(callers)) {}

  grpc::ServerUnaryReactor* EraseCitizenData(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListErasures(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

 private:
  CitizenData& data_;
  RequestExecutor& executor_;
  CallerLookup callers_;
};

}  // namespace skk::intake

#include "services/intake/intake_service.h"

namespace skk::intake {

grpc::ServerUnaryReactor* IntakeService::SubmitComplaint(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return ServeUnary<sambat::v1::SubmitComplaintRequest, sambat::v1::SubmitComplaintResponse>(
      context, request, response, executor_,
      [this](const sambat::v1::SubmitComplaintRequest& submission)
          -> absl::StatusOr<sambat::v1::SubmitComplaintResponse> {
        if (absl::Status invalid = InvalidFields(ValidateSubmission(submission, rules_));
            !invalid.ok()) {
          return invalid;
        }
        return complaints_.Submit(submission);
      });
}

grpc::ServerUnaryReactor* IntakeService::GetComplaint(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  return ServeUnary<sambat::v1::GetComplaintRequest, sambat::v1::Complaint>(
      context, request, response, executor_,
      [this](const sambat::v1::GetComplaintRequest& get) {
        return complaints_.Get(get.complaint_id());
      });
}

}  // namespace skk::intake

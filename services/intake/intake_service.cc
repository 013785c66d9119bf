#include "services/intake/intake_service.h"

#include "services/intake/rate_limits.h"

namespace skk::intake {

using sambat::v1::AddInfoRequest;
using sambat::v1::Complaint;
using sambat::v1::GetComplaintRequest;
using sambat::v1::RateRequest;
using sambat::v1::ReopenRequest;
using sambat::v1::SubmitComplaintRequest;
using sambat::v1::SubmitComplaintResponse;

grpc::ServerReadReactor<grpc::ByteBuffer>* IntakeService::UploadMedia(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return uploads_.Start(context, response);
}

grpc::ServerUnaryReactor* IntakeService::SubmitComplaint(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return ServeUnary<SubmitComplaintRequest, SubmitComplaintResponse>(
      context, request, response, executor_,
      [this, peer = PeerAddress(context->peer())](
          const SubmitComplaintRequest& r) -> absl::StatusOr<SubmitComplaintResponse> {
        if (absl::Status st = InvalidFields(ValidateSubmission(r, rules_)); !st.ok()) return st;
        return complaints_.Submit(r, peer);
      });
}

grpc::ServerUnaryReactor* IntakeService::GetComplaint(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  return ServeUnary<GetComplaintRequest, Complaint>(
      context, request, response, executor_,
      [this, peer = PeerAddress(context->peer())](const GetComplaintRequest& r) {
        return complaints_.Track(r.ticket(), r.tracking_token(), peer);
      });
}

grpc::ServerUnaryReactor* IntakeService::AddInfo(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  return ServeUnary<AddInfoRequest, Complaint>(
      context, request, response, executor_,
      [this, peer = PeerAddress(context->peer())](
          const AddInfoRequest& r) -> absl::StatusOr<Complaint> {
        if (absl::Status st = InvalidFields(ValidateAddInfo(r, rules_)); !st.ok()) return st;
        return complaints_.AddInfo(r, peer);
      });
}

grpc::ServerUnaryReactor* IntakeService::Rate(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return ServeUnary<RateRequest, Complaint>(
      context, request, response, executor_,
      [this, peer = PeerAddress(context->peer())](
          const RateRequest& r) -> absl::StatusOr<Complaint> {
        if (absl::Status st = InvalidFields(ValidateRate(r)); !st.ok()) return st;
        return complaints_.Rate(r, peer);
      });
}

grpc::ServerUnaryReactor* IntakeService::Reopen(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) {
  return ServeUnary<ReopenRequest, Complaint>(
      context, request, response, executor_,
      [this, peer = PeerAddress(context->peer())](
          const ReopenRequest& r) -> absl::StatusOr<Complaint> {
        if (absl::Status st = InvalidFields(ValidateReopen(r)); !st.ok()) return st;
        return complaints_.Reopen(r, peer);
      });
}

grpc::ServerUnaryReactor* CitizenDataService::EraseCitizenData(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeStaffUnary(context, request, response, executor_, callers_, data_,
                         &CitizenData::Erase);
}

grpc::ServerUnaryReactor* CitizenDataService::ListErasures(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  using sambat::v1::ListErasuresRequest;
  using sambat::v1::ListErasuresResponse;
  return ServeStaffUnary<ListErasuresRequest, ListErasuresResponse>(
      context, request, response, executor_, callers_,
      [this](const Caller&, const ListErasuresRequest& r) { return data_.List(r); });
}

}  // namespace skk::intake

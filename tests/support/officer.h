#pragma once

// The officers' side of a test: a client of routing's OfficerService that calls as one staff
// member (a fresh token at the test's clock on every call), and ways to get cases into
// routing, through intake as a citizen would or straight into its tables for bulk.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/routing.grpc.pb.h"
#include "services/platform/auth.h"
#include "services/platform/pg.h"
#include "tests/support/system.h"

namespace skk::testing {

class OfficerClient {
 public:
  // Calls as `subject` (default "test.<role>.<agency>") with `role` of `agency` (empty for
  // leadership and admin), against the routing service of `system`.
  OfficerClient(const System& system, StaffRole role, std::string agency,
                std::string subject = "", std::string name = "");

  const std::string& subject() const { return subject_; }
  const std::string& name() const { return name_; }

  grpc::Status ListQueue(const sambat::v1::ListQueueRequest& request,
                         sambat::v1::ListQueueResponse* response) const;
  grpc::Status GetCase(const std::string& complaint_id, sambat::v1::Case* out = nullptr) const;
  grpc::Status Claim(const std::string& complaint_id, sambat::v1::Case* out = nullptr) const;
  grpc::Status Release(const std::string& complaint_id, sambat::v1::Case* out = nullptr) const;
  grpc::Status Respond(const std::string& complaint_id, const std::string& message,
                       sambat::v1::Case* out = nullptr) const;
  grpc::Status RequestInfo(const std::string& complaint_id, const std::string& question,
                           sambat::v1::Case* out = nullptr) const;
  grpc::Status Forward(const std::string& complaint_id, const std::string& to_agency,
                       const std::string& reason, sambat::v1::Case* out = nullptr) const;
  grpc::Status Resolve(const std::string& complaint_id, const std::string& note,
                       const std::vector<std::string>& proof_media_ids = {},
                       sambat::v1::Case* out = nullptr) const;
  grpc::Status Reject(const sambat::v1::RejectRequest& request,
                      sambat::v1::Case* out = nullptr) const;
  grpc::Status Unmerge(const std::string& complaint_id, const std::string& reason,
                       sambat::v1::Case* out = nullptr) const;
  grpc::Status ReloadRoutingConfig(sambat::v1::ReloadRoutingConfigResponse* out = nullptr) const;

  // Every page of a queue query, following next_page_token; fails the test on an error.
  std::vector<sambat::v1::CaseSummary> WholeQueue(sambat::v1::ListQueueRequest request) const;

 private:
  void Authorize(grpc::ClientContext& context) const;
  // One authorized call; the answer goes to `out`, or nowhere when it is null.
  template <class Stub, class Request, class Response>
  grpc::Status Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* out) const {
    grpc::ClientContext context;
    Authorize(context);
    Response ignored;
    return (stub.*method)(&context, request, out != nullptr ? out : &ignored);
  }

  const System& system_;
  StaffRole role_;
  std::string agency_;
  std::string subject_;
  std::string name_;
  std::unique_ptr<sambat::v1::OfficerService::Stub> officers_;
  std::unique_ptr<sambat::v1::RoutingAdminService::Stub> admin_;
};

// Submits a complaint of `category` through intake and waits until routing holds its case.
sambat::v1::SubmitComplaintResponse SubmitAndRoute(System& system,
                                                   const std::string& category = "jalan-rusak");

// Waits until routing's case is in `state` (name as stored, e.g. "IN_PROGRESS").
void WaitForCaseState(System& system, const std::string& complaint_id, const std::string& state);

// Bulk cases straight into routing's tables (for queue tests and the benchmark): `count`
// cases spread over `agencies` round-robin, in `state`, with deadlines spread one per minute
// from `first_due` (some in the past, so overdue), every `undated_every`-th without a deadline
// (0: all dated). Ids are deterministic from `seed`.
struct BulkCases {
  int count = 0;
  std::vector<std::string> agencies;
  std::vector<std::string> states = {"ROUTED"};
  absl::Time first_due;
  int undated_every = 0;
  int seed = 1;
};
void InsertCases(PgConnection& admin, const BulkCases& spec, absl::Time now);

}  // namespace skk::testing

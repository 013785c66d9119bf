#include "tests/support/officer.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tests/support/staff_tokens.h"

namespace skk::testing {

OfficerClient::OfficerClient(const System& system, StaffRole role, std::string agency,
                             std::string subject, std::string name)
    : system_(system), role_(role), agency_(std::move(agency)), subject_(std::move(subject)),
      name_(std::move(name)) {
  if (subject_.empty()) {
    subject_ = absl::StrCat("test.", RoleName(role_), agency_.empty() ? "" : ".", agency_);
  }
  if (name_.empty()) name_ = subject_;
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", system.Port("routing")),
                                     grpc::InsecureChannelCredentials());
  officers_ = sambat::v1::OfficerService::NewStub(channel);
  admin_ = sambat::v1::RoutingAdminService::NewStub(channel);
}

void OfficerClient::Authorize(grpc::ClientContext& context) const {
  AuthorizeAs(context, StaffToken(role_, agency_, system_.Now(),
                                  {.subject = subject_, .name = name_}));
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

grpc::Status OfficerClient::ListQueue(const sambat::v1::ListQueueRequest& request,
                                      sambat::v1::ListQueueResponse* response) const {
  return Call(*officers_, &sambat::v1::OfficerService::Stub::ListQueue, request, response);
}

grpc::Status OfficerClient::GetCase(const std::string& id, sambat::v1::Case* out) const {
  sambat::v1::GetCaseRequest r;
  r.set_complaint_id(id);
  return Call(*officers_, &sambat::v1::OfficerService::Stub::GetCase, r, out);
}

grpc::Status OfficerClient::Claim(const std::string& id, sambat::v1::Case* out) const {
  sambat::v1::ClaimRequest r;
  r.set_complaint_id(id);
  return Call(*officers_, &sambat::v1::OfficerService::Stub::Claim, r, out);
}

grpc::Status OfficerClient::Release(const std::string& id, sambat::v1::Case* out) const {
  sambat::v1::ReleaseRequest r;
  r.set_complaint_id(id);
  return Call(*officers_, &sambat::v1::OfficerService::Stub::Release, r, out);
}

grpc::Status OfficerClient::Respond(const std::string& id, const std::string& message,
                                    sambat::v1::Case* out) const {
  sambat::v1::RespondRequest r;
  r.set_complaint_id(id);
  r.set_message(message);
  return Call(*officers_, &sambat::v1::OfficerService::Stub::Respond, r, out);
}

grpc::Status OfficerClient::RequestInfo(const std::string& id, const std::string& question,
                                        sambat::v1::Case* out) const {
  sambat::v1::RequestInfoRequest r;
  r.set_complaint_id(id);
  r.set_question(question);
  return Call(*officers_, &sambat::v1::OfficerService::Stub::RequestInfo, r, out);
}

grpc::Status OfficerClient::Forward(const std::string& id, const std::string& to_agency,
                                    const std::string& reason, sambat::v1::Case* out) const {
  sambat::v1::ForwardRequest r;
  r.set_complaint_id(id);
  r.set_to_agency_code(to_agency);
  r.set_reason(reason);
  return Call(*officers_, &sambat::v1::OfficerService::Stub::Forward, r, out);
}

grpc::Status OfficerClient::Resolve(const std::string& id, const std::string& note,
                                    const std::vector<std::string>& proof_media_ids,
                                    sambat::v1::Case* out) const {
  sambat::v1::ResolveRequest r;
  r.set_complaint_id(id);
  r.set_note(note);
  for (const auto& m : proof_media_ids) r.add_proof_media_ids(m);
  return Call(*officers_, &sambat::v1::OfficerService::Stub::Resolve, r, out);
}

grpc::Status OfficerClient::Reject(const sambat::v1::RejectRequest& request,
                                   sambat::v1::Case* out) const {
  return Call(*officers_, &sambat::v1::OfficerService::Stub::Reject, request, out);
}

grpc::Status OfficerClient::Unmerge(const std::string& complaint_id, const std::string& reason,
                                    sambat::v1::Case* out) const {
  sambat::v1::UnmergeRequest request;
  request.set_complaint_id(complaint_id);
  request.set_reason(reason);
  return Call(*officers_, &sambat::v1::OfficerService::Stub::Unmerge, request, out);
}

grpc::Status OfficerClient::ReloadRoutingConfig(
    sambat::v1::ReloadRoutingConfigResponse* out) const {
  sambat::v1::ReloadRoutingConfigRequest r;
  return Call(*admin_, &sambat::v1::RoutingAdminService::Stub::ReloadRoutingConfig, r, out);
}
#undef SKK_CALL

std::vector<sambat::v1::CaseSummary> OfficerClient::WholeQueue(
    sambat::v1::ListQueueRequest request) const {
  std::vector<sambat::v1::CaseSummary> all;
  for (int pages = 0; pages < 10000; ++pages) {
    sambat::v1::ListQueueResponse page;
    const grpc::Status status = ListQueue(request, &page);
    INFO(status.error_message());
    REQUIRE(status.ok());
    all.insert(all.end(), page.cases().begin(), page.cases().end());
    if (page.next_page_token().empty()) return all;
    request.set_page_token(page.next_page_token());
  }
  FAIL("the queue never ended");
  return all;
}

sambat::v1::SubmitComplaintResponse SubmitAndRoute(System& system, const std::string& category) {
  sambat::v1::SubmitComplaintResponse submitted;
  grpc::ClientContext context;
  const grpc::Status status =
      system.Intake()->SubmitComplaint(&context, SampleComplaint(category), &submitted);
  INFO(status.error_message());
  REQUIRE(status.ok());
  const std::string query = absl::StrCat("SELECT count(*) FROM routing.cases WHERE complaint_id = '",
                                         submitted.complaint_id(), "'");
  INFO(system.LogTail("routing"));
  REQUIRE(System::WaitUntil([&] { return system.Count(query) == 1; }));
  return submitted;
}

void WaitForCaseState(System& system, const std::string& complaint_id, const std::string& state) {
  const std::string query =
      absl::StrCat("SELECT count(*) FROM routing.cases WHERE complaint_id = '", complaint_id,
                   "' AND state = '", state, "'");
  INFO("waiting for case " << complaint_id << " to be " << state << "\n"
                           << system.LogTail("routing"));
  REQUIRE(System::WaitUntil([&] { return system.Count(query) == 1; }));
}

void InsertCases(PgConnection& admin, const BulkCases& spec, absl::Time now) {
  REQUIRE_FALSE(spec.agencies.empty());
  REQUIRE_FALSE(spec.states.empty());
  // One statement for the lot: generate_series does the looping inside PostgreSQL.
  std::vector<std::string> agencies;
  for (const auto& a : spec.agencies) agencies.push_back(absl::StrCat("'", a, "'"));
  std::vector<std::string> states;
  for (const auto& s : spec.states) states.push_back(absl::StrCat("'", s, "'"));
  const std::string first_due =
      absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", spec.first_due, absl::UTCTimeZone());
  const std::string at = absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", now, absl::UTCTimeZone());
  const std::string sql = absl::StrFormat(R"sql(
    INSERT INTO routing.cases (complaint_id, ticket, category, description, latitude, longitude,
        agency_code, agency_name, state, correlation_id, created_at, updated_at,
        clock_started_at, submitted_at, due_at)
    SELECT md5('%d-' || i)::uuid, 'SKK-BULK-%d-' || i, 'jalan-rusak',
           'Keluhan nomor ' || i || ': jalan berlubang di depan rumah warga.',
           -7.98, 112.63,
           (ARRAY[%s])[1 + (i %% %d)], upper((ARRAY[%s])[1 + (i %% %d)]),
           (ARRAY[%s])[1 + ((i / %d) %% %d)],
           md5('c%d-' || i), '%s', '%s', '%s', '%s',
           CASE WHEN %d > 0 AND i %% %d = 0 THEN 'infinity'::timestamptz
                ELSE '%s'::timestamptz + (i || ' minutes')::interval END
    FROM generate_series(1, %d) AS i)sql",
      spec.seed, spec.seed, absl::StrJoin(agencies, ","), spec.agencies.size(),
      absl::StrJoin(agencies, ","), spec.agencies.size(), absl::StrJoin(states, ","),
      spec.agencies.size(), spec.states.size(), spec.seed, at, at, at, at, spec.undated_every,
      std::max(spec.undated_every, 1), first_due, spec.count);
  const absl::Status st = admin.ExecuteScript(sql + "; ANALYZE routing.cases;");
  INFO(st.ToString());
  REQUIRE(st.ok());
}

}  // namespace skk::testing

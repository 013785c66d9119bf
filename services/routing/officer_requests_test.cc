// What an officer sends is checked before anything is read: each field and its reason.

#include "services/routing/officer_requests.h"

#include <catch2/catch.hpp>

namespace skk::routing {
namespace {

constexpr char kId[] = "6f1c1d2e-0000-4000-8000-000000000001";

std::vector<std::string> Fields(const std::vector<FieldViolation>& v) {
  std::vector<std::string> fields;
  for (const auto& f : v) fields.push_back(f.field);
  return fields;
}

TEST_CASE("the queue filter defaults to the open states, in order, without repeats",
          "[routing]") {
  std::vector<FieldViolation> v;
  sambat::v1::ListQueueRequest r;
  CHECK(QueueStates(r, v) == OpenStates());
  r.add_states(sambat::v1::CASE_STATE_REOPENED);
  r.add_states(sambat::v1::CASE_STATE_ROUTED);
  r.add_states(sambat::v1::CASE_STATE_REOPENED);
  CHECK(QueueStates(r, v) ==
        std::vector<CaseState>{sambat::v1::CASE_STATE_ROUTED, sambat::v1::CASE_STATE_REOPENED});
  CHECK(v.empty());
  r.add_states(static_cast<sambat::v1::CaseState>(99));
  r.set_page_size(201);
  QueueStates(r, v);
  CHECK(Fields(v) == std::vector<std::string>{"page_size", "states"});
}

TEST_CASE("each officer request names the fields it lacks", "[routing]") {
  CHECK(Fields(ValidateCaseId("SKK-2026-000001")) == std::vector<std::string>{"complaint_id"});
  CHECK(ValidateCaseId(kId).empty());

  sambat::v1::RespondRequest respond;
  respond.set_complaint_id(kId);
  respond.set_message("   ");
  CHECK(Fields(ValidateRespond(respond)) == std::vector<std::string>{"message"});
  respond.set_message(std::string(4001, 'a'));
  CHECK(Fields(ValidateRespond(respond)) == std::vector<std::string>{"message"});
  respond.set_message("Tim kami menuju lokasi.");
  CHECK(ValidateRespond(respond).empty());

  sambat::v1::ForwardRequest forward;
  forward.set_complaint_id(kId);
  CHECK(Fields(ValidateForward(forward)) ==
        std::vector<std::string>{"to_agency_code", "reason"});

  sambat::v1::ResolveRequest resolve;
  resolve.set_complaint_id(kId);
  resolve.set_note("Selesai");
  resolve.add_proof_media_ids(std::string(64, 'a'));
  CHECK(ValidateResolve(resolve).empty());
  resolve.add_proof_media_ids("photo.jpg");
  CHECK(Fields(ValidateResolve(resolve)) == std::vector<std::string>{"proof_media_ids[1]"});
}

TEST_CASE("a rejection needs a reason from the list, and a ticket exactly when a duplicate",
          "[routing]") {
  sambat::v1::RejectRequest r;
  r.set_complaint_id(kId);
  CHECK(Fields(ValidateReject(r)) == std::vector<std::string>{"reason"});
  r.set_reason(sambat::v1::REJECT_REASON_DUPLICATE);
  CHECK(Fields(ValidateReject(r)) == std::vector<std::string>{"duplicate_of_ticket"});
  r.set_duplicate_of_ticket("SKK-2026-000001");
  CHECK(ValidateReject(r).empty());
  r.set_reason(sambat::v1::REJECT_REASON_SPAM);
  CHECK(Fields(ValidateReject(r)) == std::vector<std::string>{"duplicate_of_ticket"});
  CHECK(RejectReasonWord(sambat::v1::REJECT_REASON_NOT_CITY_AUTHORITY) == "not_city_authority");
  CHECK(RejectReasonWord(sambat::v1::REJECT_REASON_INSUFFICIENT_INFORMATION) ==
        "insufficient_information");
  CHECK(RejectReasonWord(sambat::v1::REJECT_REASON_UNSPECIFIED).empty());
}

}  // namespace
}  // namespace skk::routing

// Who may do what to a case, decided without a server: the roles, the agency wall, the holder.

#include "services/routing/access.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

namespace skk::routing {
namespace {

using S = sambat::v1::CaseState;

Caller Officer(const std::string& subject, const std::string& agency) {
  return {subject, "Officer " + subject, StaffRole::kOfficer, agency};
}
Caller Head(const std::string& agency) {
  return {"kepala." + agency, "Kepala", StaffRole::kAgencyHead, agency};
}
Caller Leader() { return {"sekda", "Sekda", StaffRole::kLeadership, ""}; }
Caller Admin() { return {"admin", "Admin", StaffRole::kAdmin, ""}; }

CaseFacts Case(S state, const std::string& holder = "") {
  return {"6f1c1d2e-0000-4000-8000-000000000001", "dpuprpkp", state, holder,
          holder.empty() ? "" : "Budi Santoso"};
}

absl::StatusCode Code(const absl::Status& s) { return s.code(); }

TEST_CASE("another agency's case is not found, with the words a missing case gets",
          "[routing]") {
  const absl::Status other = MayRead(Officer("ani", "dlh"), Case(S::CASE_STATE_ROUTED));
  CHECK(Code(other) == absl::StatusCode::kNotFound);
  CHECK(other.message() == "no case 6f1c1d2e-0000-4000-8000-000000000001");
  CHECK(Code(MayAct(Officer("ani", "dlh"), CaseAction::kClaim, Case(S::CASE_STATE_ROUTED))) ==
        absl::StatusCode::kNotFound);
  CHECK(Code(MayRead(Head("dlh"), Case(S::CASE_STATE_ROUTED))) == absl::StatusCode::kNotFound);
  CHECK(MayRead(Officer("budi", "dpuprpkp"), Case(S::CASE_STATE_ROUTED)).ok());
  CHECK(MayRead(Head("dpuprpkp"), Case(S::CASE_STATE_ROUTED)).ok());
}

TEST_CASE("leadership reads every agency and changes nothing, administrators have no cases",
          "[routing]") {
  CHECK(MayRead(Leader(), Case(S::CASE_STATE_ROUTED)).ok());
  CHECK(Code(MayAct(Leader(), CaseAction::kClaim, Case(S::CASE_STATE_ROUTED))) ==
        absl::StatusCode::kPermissionDenied);
  CHECK(Code(MayRead(Admin(), Case(S::CASE_STATE_ROUTED))) ==
        absl::StatusCode::kPermissionDenied);
  CHECK(Code(MayAct(Admin(), CaseAction::kClaim, Case(S::CASE_STATE_ROUTED))) ==
        absl::StatusCode::kPermissionDenied);
  CHECK(MayAdminister(Admin()).ok());
  for (const Caller& c : {Officer("budi", "dpuprpkp"), Head("dpuprpkp"), Leader()}) {
    CHECK(Code(MayAdminister(c)) == absl::StatusCode::kPermissionDenied);
  }
}

TEST_CASE("a held case is worked by its holder, and a second claim names the holder",
          "[routing]") {
  const CaseFacts held = Case(S::CASE_STATE_IN_PROGRESS, "budi");
  CHECK(MayAct(Officer("budi", "dpuprpkp"), CaseAction::kRespond, held).ok());
  const absl::Status other = MayAct(Officer("ani", "dpuprpkp"), CaseAction::kRespond, held);
  CHECK(Code(other) == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(other.message(), "Budi Santoso"));
  const absl::Status second = MayAct(Officer("ani", "dpuprpkp"), CaseAction::kClaim, held);
  CHECK(Code(second) == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(second.message(), "IN_PROGRESS"));
  CHECK(absl::StrContains(second.message(), "held by Budi Santoso (budi)"));
}

TEST_CASE("the agency head may release a case another officer holds, an officer may not",
          "[routing]") {
  const CaseFacts held = Case(S::CASE_STATE_IN_PROGRESS, "budi");
  CHECK(MayAct(Head("dpuprpkp"), CaseAction::kRelease, held).ok());
  CHECK(Code(MayAct(Officer("ani", "dpuprpkp"), CaseAction::kRelease, held)) ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(Code(MayAct(Head("dpuprpkp"), CaseAction::kResolve, held)) ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("an unheld case in the queue may be claimed, forwarded or rejected by any officer "
          "of the agency",
          "[routing]") {
  for (CaseAction a : {CaseAction::kClaim, CaseAction::kForward, CaseAction::kReject}) {
    CHECK(MayAct(Officer("ani", "dpuprpkp"), a, Case(S::CASE_STATE_ROUTED)).ok());
  }
  const absl::Status early =
      MayAct(Officer("ani", "dpuprpkp"), CaseAction::kResolve, Case(S::CASE_STATE_ROUTED));
  CHECK(Code(early) == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(early.message(), "ROUTED"));
}

TEST_CASE("the queue an officer reads is their own agency's, leadership picks any",
          "[routing]") {
  CHECK(*QueueScope(Officer("budi", "dpuprpkp"), "") == "dpuprpkp");
  CHECK(*QueueScope(Officer("budi", "dpuprpkp"), "dpuprpkp") == "dpuprpkp");
  CHECK(QueueScope(Officer("budi", "dpuprpkp"), "dlh").status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(*QueueScope(Head("dlh"), "") == "dlh");
  CHECK(*QueueScope(Leader(), "") == "");
  CHECK(*QueueScope(Leader(), "dlh") == "dlh");
  CHECK(QueueScope(Admin(), "").status().code() == absl::StatusCode::kPermissionDenied);
}

TEST_CASE("staff actors are named by their subject", "[routing]") {
  CHECK(ActorId(Officer("budi.dpuprpkp", "dpuprpkp")) == "officer:budi.dpuprpkp");
}

}  // namespace
}  // namespace skk::routing

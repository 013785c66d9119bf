#include "services/routing/case_state.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace skk::routing {
namespace {

using S = sambat::v1::CaseState;
using A = CaseAction;

// The whole state machine. A pair not listed here is not allowed.
const std::map<std::pair<S, A>, S>& Table() {
  static const auto* table = new std::map<std::pair<S, A>, S>{
      {{S::CASE_STATE_SUBMITTED, A::kRoute}, S::CASE_STATE_ROUTED},
      {{S::CASE_STATE_SUBMITTED, A::kHandOff}, S::CASE_STATE_HANDED_OFF},
      // A citizen who joined a complaint found nearby: merged into it from the start.
      {{S::CASE_STATE_SUBMITTED, A::kJoin}, S::CASE_STATE_MERGED},

      {{S::CASE_STATE_ROUTED, A::kClaim}, S::CASE_STATE_IN_PROGRESS},
      {{S::CASE_STATE_ROUTED, A::kForward}, S::CASE_STATE_ROUTED},
      {{S::CASE_STATE_ROUTED, A::kHandOff}, S::CASE_STATE_HANDED_OFF},
      {{S::CASE_STATE_ROUTED, A::kReject}, S::CASE_STATE_REJECTED},
      {{S::CASE_STATE_ROUTED, A::kMerge}, S::CASE_STATE_MERGED},

      {{S::CASE_STATE_IN_PROGRESS, A::kRelease}, S::CASE_STATE_ROUTED},
      {{S::CASE_STATE_IN_PROGRESS, A::kRespond}, S::CASE_STATE_IN_PROGRESS},
      {{S::CASE_STATE_IN_PROGRESS, A::kRequestInfo}, S::CASE_STATE_WAITING_CITIZEN},
      {{S::CASE_STATE_IN_PROGRESS, A::kForward}, S::CASE_STATE_ROUTED},
      {{S::CASE_STATE_IN_PROGRESS, A::kHandOff}, S::CASE_STATE_HANDED_OFF},
      {{S::CASE_STATE_IN_PROGRESS, A::kResolve}, S::CASE_STATE_RESOLVED},
      {{S::CASE_STATE_IN_PROGRESS, A::kReject}, S::CASE_STATE_REJECTED},
      {{S::CASE_STATE_IN_PROGRESS, A::kMerge}, S::CASE_STATE_MERGED},

      // The citizen holds the next move; the officer may still give up on a question that
      // is never answered.
      {{S::CASE_STATE_WAITING_CITIZEN, A::kCitizenAnswer}, S::CASE_STATE_IN_PROGRESS},
      {{S::CASE_STATE_WAITING_CITIZEN, A::kReject}, S::CASE_STATE_REJECTED},
      {{S::CASE_STATE_WAITING_CITIZEN, A::kMerge}, S::CASE_STATE_MERGED},

      {{S::CASE_STATE_RESOLVED, A::kReopen}, S::CASE_STATE_REOPENED},
      {{S::CASE_STATE_RESOLVED, A::kRate}, S::CASE_STATE_RESOLVED},
      {{S::CASE_STATE_RESOLVED, A::kClose}, S::CASE_STATE_CLOSED},

      // Back with the same agency, unclaimed, its clock restarted.
      {{S::CASE_STATE_REOPENED, A::kClaim}, S::CASE_STATE_IN_PROGRESS},
      {{S::CASE_STATE_REOPENED, A::kForward}, S::CASE_STATE_ROUTED},
      {{S::CASE_STATE_REOPENED, A::kHandOff}, S::CASE_STATE_HANDED_OFF},

      // A merge undone: back with the same agency as a reopened case, its clock restarted.
      {{S::CASE_STATE_MERGED, A::kUnmerge}, S::CASE_STATE_REOPENED},

      // With an external partner, whose word is all that moves the case; a refusal goes to
      // the verifier's triage, as any case no one takes.
      {{S::CASE_STATE_HANDED_OFF, A::kPartnerUpdate}, S::CASE_STATE_HANDED_OFF},
      {{S::CASE_STATE_HANDED_OFF, A::kPartnerClose}, S::CASE_STATE_CLOSED},
      {{S::CASE_STATE_HANDED_OFF, A::kPartnerReturn}, S::CASE_STATE_ROUTED},

      // A citizen may rate a resolution after it closed by itself.
      {{S::CASE_STATE_CLOSED, A::kRate}, S::CASE_STATE_CLOSED},
  };
  return *table;
}

}  // namespace

std::vector<CaseState> AllCaseStates() {
  std::vector<CaseState> states;
  for (int i = sambat::v1::CaseState_MIN; i <= sambat::v1::CaseState_MAX; ++i) {
    if (i != S::CASE_STATE_UNSPECIFIED && sambat::v1::CaseState_IsValid(i)) {
      states.push_back(static_cast<CaseState>(i));
    }
  }
  return states;
}

absl::string_view ActionName(CaseAction action) {
  switch (action) {
    case A::kRoute: return "route";
    case A::kHandOff: return "hand_off";
    case A::kClaim: return "claim";
    case A::kRelease: return "release";
    case A::kRespond: return "respond";
    case A::kRequestInfo: return "request_info";
    case A::kCitizenAnswer: return "citizen_answer";
    case A::kForward: return "forward";
    case A::kResolve: return "resolve";
    case A::kReject: return "reject";
    case A::kMerge: return "merge";
    case A::kJoin: return "join";
    case A::kReopen: return "reopen";
    case A::kRate: return "rate";
    case A::kClose: return "close";
    case A::kUnmerge: return "unmerge";
    case A::kPartnerUpdate: return "partner_update";
    case A::kPartnerClose: return "partner_close";
    case A::kPartnerReturn: return "partner_return";
  }
  return "unknown";
}

std::string StateName(CaseState state) {
  std::string name = sambat::v1::CaseState_Name(state);
  constexpr absl::string_view kPrefix = "CASE_STATE_";
  return absl::StartsWith(name, kPrefix) ? name.substr(kPrefix.size()) : name;
}

absl::StatusOr<CaseState> ParseState(absl::string_view name) {
  CaseState state;
  if (name.empty() ||
      !sambat::v1::CaseState_Parse(absl::StrCat("CASE_STATE_", name), &state) ||
      state == S::CASE_STATE_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat("unknown case state '", name, "'"));
  }
  return state;
}

absl::StatusOr<CaseState> NextState(CaseState from, CaseAction action) {
  const auto& table = Table();
  auto it = table.find({from, action});
  if (it == table.end()) {
    return absl::FailedPreconditionError(absl::StrCat("the case is ", StateName(from), ": ",
                                                      ActionName(action),
                                                      " is not possible now"));
  }
  return it->second;
}

const std::vector<CaseState>& OpenStates() {
  static const auto* open = new std::vector<CaseState>{
      S::CASE_STATE_ROUTED, S::CASE_STATE_IN_PROGRESS, S::CASE_STATE_WAITING_CITIZEN,
      S::CASE_STATE_REOPENED};
  return *open;
}

bool IsHeld(CaseState state) {
  return state == S::CASE_STATE_IN_PROGRESS || state == S::CASE_STATE_WAITING_CITIZEN;
}

}  // namespace skk::routing

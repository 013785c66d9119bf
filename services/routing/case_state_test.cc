// The case's state machine, every (state, action) pair: the allowed ones go where design.md
// says, every other one is refused naming the current state.

#include "services/routing/case_state.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"

namespace skk::routing {
namespace {

using S = sambat::v1::CaseState;
using A = CaseAction;

// The expected machine, written out independently of the implementation's table.
const std::map<std::pair<S, A>, S>& Expected() {
  static const auto* expected = new std::map<std::pair<S, A>, S>{
      {{S::CASE_STATE_SUBMITTED, A::kRoute}, S::CASE_STATE_ROUTED},
      {{S::CASE_STATE_SUBMITTED, A::kHandOff}, S::CASE_STATE_HANDED_OFF},
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
      {{S::CASE_STATE_WAITING_CITIZEN, A::kCitizenAnswer}, S::CASE_STATE_IN_PROGRESS},
      {{S::CASE_STATE_WAITING_CITIZEN, A::kReject}, S::CASE_STATE_REJECTED},
      {{S::CASE_STATE_WAITING_CITIZEN, A::kMerge}, S::CASE_STATE_MERGED},
      {{S::CASE_STATE_RESOLVED, A::kReopen}, S::CASE_STATE_REOPENED},
      {{S::CASE_STATE_RESOLVED, A::kRate}, S::CASE_STATE_RESOLVED},
      {{S::CASE_STATE_RESOLVED, A::kClose}, S::CASE_STATE_CLOSED},
      {{S::CASE_STATE_REOPENED, A::kClaim}, S::CASE_STATE_IN_PROGRESS},
      {{S::CASE_STATE_REOPENED, A::kForward}, S::CASE_STATE_ROUTED},
      {{S::CASE_STATE_REOPENED, A::kHandOff}, S::CASE_STATE_HANDED_OFF},
      {{S::CASE_STATE_CLOSED, A::kRate}, S::CASE_STATE_CLOSED},
  };
  return *expected;
}

TEST_CASE("every legal transition of a case goes where the design says", "[routing]") {
  for (const auto& [from_action, to] : Expected()) {
    const auto [from, action] = from_action;
    INFO(StateName(from) << " --" << ActionName(action) << "--> " << StateName(to));
    absl::StatusOr<CaseState> next = NextState(from, action);
    REQUIRE(next.ok());
    CHECK(*next == to);
  }
}

TEST_CASE("every other state and action pair is refused, naming the current state",
          "[routing]") {
  int refused = 0;
  for (CaseState from : AllCaseStates()) {
    for (CaseAction action : kAllCaseActions) {
      if (Expected().contains({from, action})) continue;
      INFO(StateName(from) << " --" << ActionName(action) << "-->");
      absl::StatusOr<CaseState> next = NextState(from, action);
      REQUIRE_FALSE(next.ok());
      CHECK(next.status().code() == absl::StatusCode::kFailedPrecondition);
      CHECK(absl::StrContains(next.status().message(), StateName(from)));
      CHECK(absl::StrContains(next.status().message(), ActionName(action)));
      ++refused;
    }
  }
  CHECK(refused == static_cast<int>(AllCaseStates().size() * std::size(kAllCaseActions) -
                                    Expected().size()));
}

TEST_CASE("final states allow nothing but a late rating of a closed case", "[routing]") {
  for (S state : {S::CASE_STATE_REJECTED, S::CASE_STATE_MERGED, S::CASE_STATE_HANDED_OFF}) {
    for (CaseAction action : kAllCaseActions) CHECK_FALSE(NextState(state, action).ok());
  }
  for (CaseAction action : kAllCaseActions) {
    CHECK(NextState(S::CASE_STATE_CLOSED, action).ok() == (action == A::kRate));
  }
}

TEST_CASE("a waiting case moves only when the citizen answers or the officer gives up",
          "[routing]") {
  std::set<CaseAction> allowed;
  for (CaseAction action : kAllCaseActions) {
    if (NextState(S::CASE_STATE_WAITING_CITIZEN, action).ok()) allowed.insert(action);
  }
  CHECK(allowed == std::set<CaseAction>{A::kCitizenAnswer, A::kReject, A::kMerge});
}

TEST_CASE("state names round-trip between the enum and routing's tables", "[routing]") {
  for (CaseState s : AllCaseStates()) {
    INFO(StateName(s));
    CHECK_FALSE(absl::StartsWith(StateName(s), "CASE_STATE_"));
    absl::StatusOr<CaseState> parsed = ParseState(StateName(s));
    REQUIRE(parsed.ok());
    CHECK(*parsed == s);
  }
  CHECK(StateName(S::CASE_STATE_WAITING_CITIZEN) == "WAITING_CITIZEN");
  CHECK(ParseState("HANDED_OFF").ok());
  CHECK_FALSE(ParseState("UNSPECIFIED").ok());
  CHECK_FALSE(ParseState("").ok());
  CHECK_FALSE(ParseState("routed").ok());
}

TEST_CASE("open states are those an officer still has work in, held ones have a holder",
          "[routing]") {
  CHECK(OpenStates() == std::vector<CaseState>{S::CASE_STATE_ROUTED, S::CASE_STATE_IN_PROGRESS,
                                               S::CASE_STATE_WAITING_CITIZEN,
                                               S::CASE_STATE_REOPENED});
  CHECK(IsHeld(S::CASE_STATE_IN_PROGRESS));
  CHECK(IsHeld(S::CASE_STATE_WAITING_CITIZEN));
  CHECK_FALSE(IsHeld(S::CASE_STATE_ROUTED));
  CHECK_FALSE(IsHeld(S::CASE_STATE_REOPENED));
}

}  // namespace
}  // namespace skk::routing

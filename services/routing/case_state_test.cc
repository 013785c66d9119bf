// The case's state machine, walked along the paths real cases take (docs/officer-workflow.md):
// each step goes where the design says, the paths together take every move the design allows,
// and every state and action pair they never take is refused, naming the current state.

#include "services/routing/case_state.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace skk::routing {
namespace {

using S = sambat::v1::CaseState;
using A = CaseAction;

// Cases' lives as routing's audit trail tells them: the state, then each action and the state
// it leads to. Every case starts SUBMITTED.
struct Journey {
  const char* story;
  const char* trail;
};

const Journey kJourneys[] = {
    {"answered, resolved, closed by itself and rated late",
     "SUBMITTED route ROUTED claim IN_PROGRESS respond IN_PROGRESS resolve RESOLVED "
     "close CLOSED rate CLOSED"},
    {"a partner's from the start, received, worked on and finished by the partner",
     "SUBMITTED hand_off HANDED_OFF partner_update HANDED_OFF partner_update HANDED_OFF "
     "partner_close CLOSED"},
    {"refused by the partner, triaged by the verifier and answered",
     "SUBMITTED hand_off HANDED_OFF partner_return ROUTED claim IN_PROGRESS respond IN_PROGRESS"},
    {"forwarded to the agency that finds it is spam",
     "SUBMITTED route ROUTED forward ROUTED reject REJECTED"},
    {"a duplicate seen in the queue", "SUBMITTED route ROUTED merge MERGED"},
    {"joined by its citizen to one found nearby, then found to be another hole",
     "SUBMITTED join MERGED unmerge REOPENED claim IN_PROGRESS"},
    {"merged by mistake, brought back and answered",
     "SUBMITTED route ROUTED merge MERGED unmerge REOPENED claim IN_PROGRESS respond IN_PROGRESS"},
    {"a partner's, seen in the queue", "SUBMITTED route ROUTED hand_off HANDED_OFF"},
    {"given back, asked and answered, rated, reopened and sent to the right agency",
     "SUBMITTED route ROUTED claim IN_PROGRESS release ROUTED claim IN_PROGRESS "
     "request_info WAITING_CITIZEN citizen_answer IN_PROGRESS resolve RESOLVED "
     "rate RESOLVED reopen REOPENED claim IN_PROGRESS forward ROUTED"},
    {"taken up, then found to be a partner's",
     "SUBMITTED route ROUTED claim IN_PROGRESS hand_off HANDED_OFF"},
    {"taken up, then rejected", "SUBMITTED route ROUTED claim IN_PROGRESS reject REJECTED"},
    {"taken up, then found to be a duplicate",
     "SUBMITTED route ROUTED claim IN_PROGRESS merge MERGED"},
    {"a question the citizen never answers",
     "SUBMITTED route ROUTED claim IN_PROGRESS request_info WAITING_CITIZEN reject REJECTED"},
    {"a duplicate found while the citizen is asked",
     "SUBMITTED route ROUTED claim IN_PROGRESS request_info WAITING_CITIZEN merge MERGED"},
    {"reopened, and forwarded before anyone claims it again",
     "SUBMITTED route ROUTED claim IN_PROGRESS resolve RESOLVED reopen REOPENED forward ROUTED"},
    {"reopened, then found to be a partner's",
     "SUBMITTED route ROUTED claim IN_PROGRESS resolve RESOLVED reopen REOPENED "
     "hand_off HANDED_OFF"},
};

// One move of a journey: an action on a case in `from`, and the state the design says follows.
struct Step {
  CaseState from;
  CaseAction action;
  CaseState to;
};

CaseAction ActionNamed(const std::string& name) {
  std::vector<CaseAction> named;
  for (CaseAction action : kAllCaseActions) {
    if (ActionName(action) == name) named.push_back(action);
  }
  INFO("action '" << name << "'");
  REQUIRE(named.size() == 1);
  return named[0];
}

CaseState StateNamed(const std::string& name) {
  absl::StatusOr<CaseState> state = ParseState(name);
  INFO("state '" << name << "'");
  REQUIRE(state.ok());
  return *state;
}

std::vector<Step> Steps(const Journey& journey) {
  const std::vector<std::string> words = absl::StrSplit(journey.trail, ' ', absl::SkipEmpty());
  INFO(journey.trail);
  REQUIRE(words.size() % 2 == 1);
  std::vector<Step> steps;
  CaseState at = StateNamed(words[0]);
  for (size_t i = 1; i < words.size(); i += 2) {
    steps.push_back({at, ActionNamed(words[i]), StateNamed(words[i + 1])});
    at = steps.back().to;
  }
  return steps;
}

TEST_CASE("each move of the paths real cases take goes where the design says", "[routing]") {
  for (const Journey& journey : kJourneys) {
    INFO(journey.story);
    const std::vector<Step> steps = Steps(journey);
    REQUIRE_FALSE(steps.empty());
    CHECK(steps.front().from == S::CASE_STATE_SUBMITTED);
    for (const Step& step : steps) {
      INFO(StateName(step.from) << " --" << ActionName(step.action) << "--> "
                                << StateName(step.to));
      absl::StatusOr<CaseState> next = NextState(step.from, step.action);
      REQUIRE(next.ok());
      CHECK(*next == step.to);
    }
  }
}

TEST_CASE("every state and action pair no real path takes is refused, naming the current state",
          "[routing]") {
  std::set<std::pair<CaseState, CaseAction>> taken;
  for (const Journey& journey : kJourneys) {
    for (const Step& step : Steps(journey)) taken.insert({step.from, step.action});
  }
  int refused = 0;
  for (CaseState from : AllCaseStates()) {
    for (CaseAction action : kAllCaseActions) {
      if (taken.contains({from, action})) continue;
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
                                    taken.size()));
}

TEST_CASE("final states allow nothing but a late rating of a closed case, and a merge only its "
          "undoing, and a partner's case moves only by the partner's word", "[routing]") {
  for (CaseAction action : kAllCaseActions) {
    CHECK_FALSE(NextState(S::CASE_STATE_REJECTED, action).ok());
  }
  for (CaseAction action : kAllCaseActions) {
    CHECK(NextState(S::CASE_STATE_HANDED_OFF, action).ok() ==
          (action == A::kPartnerUpdate || action == A::kPartnerClose ||
           action == A::kPartnerReturn));
  }
  for (CaseAction action : kAllCaseActions) {
    CHECK(NextState(S::CASE_STATE_MERGED, action).ok() == (action == A::kUnmerge));
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

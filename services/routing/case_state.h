#pragma once

// The case's state machine (design.md, "The case and its clock"): which action may move a case
// from which state, and where to. Pure: no I/O. CaseStore::Apply is the only code that changes
// a case's state, and it asks NextState first; nothing else decides a transition.
//
//   SUBMITTED ─route─▶ ROUTED ─claim─▶ IN_PROGRESS ─resolve─▶ RESOLVED ─close─▶ CLOSED
//       │                ▲  ▲            │   ▲  │                 │  ▲
//    hand_off            │  └──release───┘   │  request_info      │  └ rate (recorded)
//       ▼                │                   │  ▼                 reopen
//   HANDED_OFF      forward (to another   citizen_answer          ▼
//                    agency)              WAITING_CITIZEN      REOPENED ─claim─▶ IN_PROGRESS
//
// plus reject (REJECTED) and merge (MERGED, a duplicate) from ROUTED, IN_PROGRESS and
// WAITING_CITIZEN, and forward / hand_off from ROUTED, IN_PROGRESS and REOPENED. REJECTED,
// MERGED, CLOSED and HANDED_OFF are final (a closed case still takes a late rating).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sambat/v1/common.pb.h"

namespace skk::routing {

using CaseState = sambat::v1::CaseState;

enum class CaseAction {
  kRoute,          // system: the case reached the agency a rule chose
  kHandOff,        // system or officer: to an external partner through the outbound adapter
  kClaim,          // officer: takes the case
  kRelease,        // holder or head: gives it back to the queue
  kRespond,        // holder: answers the citizen
  kRequestInfo,    // holder: asks the citizen a question
  kCitizenAnswer,  // citizen: answered the question
  kForward,        // officer: to another city agency
  kResolve,        // holder: solved
  kReject,         // officer: spam, not the city's, insufficient information
  kMerge,          // officer: a duplicate of another ticket
  kJoin,           // citizen: joined a complaint found nearby instead of filing one
  kReopen,         // citizen: the resolution did not solve it
  kRate,           // citizen: stars for the resolution (recorded; the state stays)
  kClose,          // system: resolved and neither rated nor reopened in time
  kUnmerge,        // officer: a merged case was not a duplicate after all
  // The external partner a case was handed to (docs/partners.md):
  kPartnerUpdate,  // received it, or says how it stands (recorded; the state stays)
  kPartnerClose,   // finished it
  kPartnerReturn,  // refused it (or its system refused the hand-off): to the city's verifier
};

inline constexpr CaseAction kAllCaseActions[] = {
    CaseAction::kRoute,   CaseAction::kHandOff,       CaseAction::kClaim,
    CaseAction::kRelease, CaseAction::kRespond,       CaseAction::kRequestInfo,
    CaseAction::kCitizenAnswer, CaseAction::kForward, CaseAction::kResolve,
    CaseAction::kReject,  CaseAction::kMerge,         CaseAction::kReopen,
    CaseAction::kRate,    CaseAction::kClose,         CaseAction::kUnmerge,
    CaseAction::kPartnerUpdate, CaseAction::kPartnerClose, CaseAction::kPartnerReturn,
    CaseAction::kJoin,
};

// Every state a case can be in (not UNSPECIFIED).
std::vector<CaseState> AllCaseStates();

// "claim", "request_info", ... as in the audit trail.
absl::string_view ActionName(CaseAction action);

// "ROUTED", "IN_PROGRESS", ... as stored in routing's tables (the enum name without prefix).
std::string StateName(CaseState state);
// The inverse of StateName; INVALID_ARGUMENT for an unknown name.
absl::StatusOr<CaseState> ParseState(absl::string_view name);

// The state `action` takes a case in `from` to, or FAILED_PRECONDITION naming the current
// state when the action is not allowed there.
absl::StatusOr<CaseState> NextState(CaseState from, CaseAction action);

// The states an officer still has work in: ROUTED, IN_PROGRESS, WAITING_CITIZEN, REOPENED.
const std::vector<CaseState>& OpenStates();

// States in which the case has a holder (an officer who claimed it).
bool IsHeld(CaseState state);

}  // namespace skk::routing

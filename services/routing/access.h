#pragma once

// Who may do what to a case (docs/officer-workflow.md). Pure: the caller comes from the staff
// token (services/platform/auth.h), the case's facts from the store.
//
//   officer      reads and works their own agency's cases
//   agency_head  the same, and may release a case another officer holds (to unstick it)
//   leadership   reads every agency's cases, changes none (PERMISSION_DENIED)
//   admin        no cases (PERMISSION_DENIED); reloads the routing configuration
//
// Another agency's case is NOT_FOUND with exactly the message a missing case gets, so nobody
// learns which complaints other agencies have.

#include <string>

#include "absl/status/status.h"
#include "services/platform/auth.h"
#include "services/routing/case_state.h"

namespace skk::routing {

// What the checks need to know of a case.
struct CaseFacts {
  std::string complaint_id;
  std::string agency_code;
  CaseState state = sambat::v1::CASE_STATE_UNSPECIFIED;
  std::string holder_id;
  std::string holder_name;
};

// May `caller` read cases at all (list, get)? PERMISSION_DENIED for administrators.
absl::Status MayReadCases(const Caller& caller);

// May `caller` read this case? NOT_FOUND for another agency's.
absl::Status MayRead(const Caller& caller, const CaseFacts& c);

// May `caller` change cases at all? PERMISSION_DENIED for leadership and administrators.
absl::Status MayChangeCases(const Caller& caller);

// May `caller` do `action` to this case now? In order: the role (PERMISSION_DENIED), the agency
// (NOT_FOUND), the state machine (FAILED_PRECONDITION naming the state, and the holder when the
// case is held), the holder (FAILED_PRECONDITION naming who holds it).
absl::Status MayAct(const Caller& caller, CaseAction action, const CaseFacts& c);

// Which agency's queue `caller` reads when asking for `requested` (empty: the default).
// Officers and heads: their own (another is NOT_FOUND); leadership: `requested` (empty: all).
absl::StatusOr<std::string> QueueScope(const Caller& caller, const std::string& requested);

// May `caller` reload the routing configuration? Administrators only.
absl::Status MayAdminister(const Caller& caller);

// The envelope and audit-trail actor of a staff caller: "officer:<subject>".
std::string ActorId(const Caller& caller);

}  // namespace skk::routing

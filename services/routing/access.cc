#include "services/routing/access.h"

#include "absl/strings/str_cat.h"

namespace skk::routing {
namespace {

bool WorksCases(const Caller& caller) {
  return caller.role == StaffRole::kOfficer || caller.role == StaffRole::kAgencyHead;
}

std::string HolderText(const CaseFacts& c) {
  return absl::StrCat(c.holder_name.empty() ? c.holder_id : c.holder_name, " (", c.holder_id,
                      ")");
}

}  // namespace

absl::Status MayReadCases(const Caller& caller) {
  if (caller.role == StaffRole::kAdmin) {
    return absl::PermissionDeniedError("administrators do not read cases");
  }
  return absl::OkStatus();
}

absl::Status MayRead(const Caller& caller, const CaseFacts& c) {
  if (absl::Status st = MayReadCases(caller); !st.ok()) return st;
  if (caller.role == StaffRole::kLeadership) return absl::OkStatus();
  if (caller.agency_code.empty() || caller.agency_code != c.agency_code) {
    return absl::NotFoundError(absl::StrCat("no case ", c.complaint_id));
  }
  return absl::OkStatus();
}

absl::Status MayChangeCases(const Caller& caller) {
  if (!WorksCases(caller)) {
    return absl::PermissionDeniedError(
        absl::StrCat("a caller with role ", RoleName(caller.role), " does not change cases"));
  }
  return absl::OkStatus();
}

absl::Status MayAct(const Caller& caller, CaseAction action, const CaseFacts& c) {
  if (absl::Status st = MayChangeCases(caller); !st.ok()) return st;
  if (absl::Status st = MayRead(caller, c); !st.ok()) return st;
  const bool held = !c.holder_id.empty();
  if (absl::StatusOr<CaseState> next = NextState(c.state, action); !next.ok()) {
    if (!held) return next.status();
    return absl::FailedPreconditionError(
        absl::StrCat(next.status().message(), "; held by ", HolderText(c)));
  }
  if (!held || c.holder_id == caller.subject) return absl::OkStatus();
  if (action == CaseAction::kRelease && caller.role == StaffRole::kAgencyHead) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat("the case is ", StateName(c.state),
                                                    ", held by ", HolderText(c)));
}

absl::StatusOr<std::string> QueueScope(const Caller& caller, const std::string& requested) {
  if (absl::Status st = MayReadCases(caller); !st.ok()) return st;
  if (caller.role == StaffRole::kLeadership) return requested;
  if (!requested.empty() && requested != caller.agency_code) {
    return absl::NotFoundError(absl::StrCat("no queue for agency ", requested));
  }
  return caller.agency_code;
}

absl::Status MayAdminister(const Caller& caller) {
  if (caller.role != StaffRole::kAdmin) {
    return absl::PermissionDeniedError("only administrators reload the routing configuration");
  }
  return absl::OkStatus();
}

std::string ActorId(const Caller& caller) { return absl::StrCat("officer:", caller.subject); }

}  // namespace skk::routing

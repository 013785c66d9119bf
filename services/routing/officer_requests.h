#pragma once

// Checks of what an officer sends, before anything is read or changed. Pure: no I/O,
// unit-tested. What needs the case or the configuration (is the target agency one of the
// city's? does the duplicate's ticket exist?) is checked by OfficerWork.

#include <string>
#include <vector>

#include "sambat/v1/routing.pb.h"
#include "services/platform/errors.h"
#include "services/routing/case_state.h"

namespace skk::routing {

// A queue page when the request names no size.
inline constexpr int kDefaultPageSize = 50;

// The queue's filter: the states asked for, without repeats and in enum order; the open states
// when none were. Sets `violations` for a bad page size or state.
std::vector<CaseState> QueueStates(const sambat::v1::ListQueueRequest& r,
                                   std::vector<FieldViolation>& violations);

std::vector<FieldViolation> ValidateCaseId(const std::string& complaint_id);
std::vector<FieldViolation> ValidateRelease(const sambat::v1::ReleaseRequest& r);
std::vector<FieldViolation> ValidateRespond(const sambat::v1::RespondRequest& r);
std::vector<FieldViolation> ValidateRequestInfo(const sambat::v1::RequestInfoRequest& r);
std::vector<FieldViolation> ValidateForward(const sambat::v1::ForwardRequest& r);
std::vector<FieldViolation> ValidateResolve(const sambat::v1::ResolveRequest& r);
std::vector<FieldViolation> ValidateReject(const sambat::v1::RejectRequest& r);
std::vector<FieldViolation> ValidateUnmerge(const sambat::v1::UnmergeRequest& r);

// "spam", "duplicate", "not_city_authority", "insufficient_information" (the words of
// case.rejected); empty for UNSPECIFIED or an unknown value.
std::string RejectReasonWord(sambat::v1::RejectReason reason);

}  // namespace skk::routing

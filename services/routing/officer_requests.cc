#include "services/routing/officer_requests.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/platform/ids.h"
#include "services/platform/text.h"

namespace skk::routing {
namespace {

// What one request may carry.
constexpr int kMaxPageSize = 200;
constexpr int kMaxMessageChars = 4000;
constexpr int kMaxReasonChars = 2000;
constexpr int kMaxProofPhotos = 10;

// Appends a violation unless `text` is not blank (unless `optional`) and at most `max_chars`
// characters. gRPC parsing (grpc_edge.h) already refused text that is not UTF-8.
void CheckText(const std::string& text, const std::string& field, int max_chars, bool optional,
               std::vector<FieldViolation>& violations) {
  size_t chars = 0;
  IsValidUtf8(text, &chars);
  if (!optional && absl::StripAsciiWhitespace(text).empty()) {
    violations.push_back({field, "must not be empty"});
  } else if (chars > static_cast<size_t>(max_chars)) {
    violations.push_back({field, absl::StrCat("must be at most ", max_chars, " characters")});
  }
}

void CheckCaseId(const std::string& id, std::vector<FieldViolation>& violations) {
  if (!IsUuid(id)) violations.push_back({"complaint_id", "is not a complaint id"});
}

// A media id of intake's store: 64 lowercase hex characters (a SHA-256).
bool IsMediaId(const std::string& id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::vector<CaseState> QueueStates(const sambat::v1::ListQueueRequest& r,
                                   std::vector<FieldViolation>& violations) {
  if (r.page_size() < 0 || r.page_size() > kMaxPageSize) {
    violations.push_back({"page_size", absl::StrCat("must be 0 to ", kMaxPageSize)});
  }
  std::vector<CaseState> states;
  for (int s : r.states()) {
    if (s == sambat::v1::CASE_STATE_UNSPECIFIED || !sambat::v1::CaseState_IsValid(s)) {
      violations.push_back({"states", "names an unknown state"});
    } else {
      states.push_back(static_cast<CaseState>(s));
    }
  }
  if (states.empty()) states = OpenStates();
  std::sort(states.begin(), states.end());
  states.erase(std::unique(states.begin(), states.end()), states.end());
  return states;
}

std::vector<FieldViolation> ValidateCaseId(const std::string& complaint_id) {
  std::vector<FieldViolation> v;
  CheckCaseId(complaint_id, v);
  return v;
}

std::vector<FieldViolation> ValidateRelease(const sambat::v1::ReleaseRequest& r) {
  std::vector<FieldViolation> v;
  CheckCaseId(r.complaint_id(), v);
  CheckText(r.reason(), "reason", kMaxReasonChars, /*optional=*/true, v);
  return v;
}

std::vector<FieldViolation> ValidateRespond(const sambat::v1::RespondRequest& r) {
  std::vector<FieldViolation> v;
  CheckCaseId(r.complaint_id(), v);
  CheckText(r.message(), "message", kMaxMessageChars, /*optional=*/false, v);
  return v;
}

std::vector<FieldViolation> ValidateRequestInfo(const sambat::v1::RequestInfoRequest& r) {
  std::vector<FieldViolation> v;
  CheckCaseId(r.complaint_id(), v);
  CheckText(r.question(), "question", kMaxReasonChars, /*optional=*/false, v);
  return v;
}

std::vector<FieldViolation> ValidateForward(const sambat::v1::ForwardRequest& r) {
  std::vector<FieldViolation> v;
  CheckCaseId(r.complaint_id(), v);
  if (r.to_agency_code().empty()) v.push_back({"to_agency_code", "must not be empty"});
  CheckText(r.reason(), "reason", kMaxReasonChars, /*optional=*/false, v);
  return v;
}

std::vector<FieldViolation> ValidateResolve(const sambat::v1::ResolveRequest& r) {
  std::vector<FieldViolation> v;
  CheckCaseId(r.complaint_id(), v);
  CheckText(r.note(), "note", kMaxMessageChars, /*optional=*/false, v);
  if (r.proof_media_ids_size() > kMaxProofPhotos) {
    v.push_back({"proof_media_ids", absl::StrCat("at most ", kMaxProofPhotos)});
  }
  for (int i = 0; i < r.proof_media_ids_size(); ++i) {
    if (!IsMediaId(r.proof_media_ids(i))) {
      v.push_back({absl::StrCat("proof_media_ids[", i, "]"), "is not a media id"});
    }
  }
  return v;
}

std::vector<FieldViolation> ValidateUnmerge(const sambat::v1::UnmergeRequest& r) {
  std::vector<FieldViolation> v;
  CheckCaseId(r.complaint_id(), v);
  CheckText(r.reason(), "reason", kMaxReasonChars, /*optional=*/false, v);
  return v;
}

std::vector<FieldViolation> ValidateReject(const sambat::v1::RejectRequest& r) {
  std::vector<FieldViolation> v;
  CheckCaseId(r.complaint_id(), v);
  if (RejectReasonWord(r.reason()).empty()) {
    v.push_back({"reason", "must be spam, duplicate, not_city_authority or "
                           "insufficient_information"});
  }
  CheckText(r.note(), "note", kMaxReasonChars, /*optional=*/true, v);
  const bool duplicate = r.reason() == sambat::v1::REJECT_REASON_DUPLICATE;
  if (duplicate && r.duplicate_of_ticket().empty()) {
    v.push_back({"duplicate_of_ticket", "is required for a duplicate"});
  } else if (!duplicate && !r.duplicate_of_ticket().empty()) {
    v.push_back({"duplicate_of_ticket", "is only for a duplicate"});
  }
  return v;
}

std::string RejectReasonWord(sambat::v1::RejectReason reason) {
  switch (reason) {
    case sambat::v1::REJECT_REASON_SPAM: return "spam";
    case sambat::v1::REJECT_REASON_DUPLICATE: return "duplicate";
    case sambat::v1::REJECT_REASON_NOT_CITY_AUTHORITY: return "not_city_authority";
    case sambat::v1::REJECT_REASON_INSUFFICIENT_INFORMATION: return "insufficient_information";
    default: return "";
  }
}

}  // namespace skk::routing

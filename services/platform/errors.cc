#include "services/platform/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"

namespace skk {

absl::Status InvalidFields(const std::vector<FieldViolation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(
      violations, "; ", [](std::string* out, const FieldViolation& f) {
        absl::StrAppend(out, f.field, ": ", f.reason);
      }));
  google::rpc::BadRequest details;
  for (const FieldViolation& f : violations) {
    auto* v = details.add_field_violations();
    v->set_field(f.field);
    v->set_description(f.reason);
  }
  status.SetPayload(kBadRequestType, absl::Cord(details.SerializeAsString()));
  return status;
}

absl::Status RetryLater(const std::string& message, absl::Duration retry_after) {
  absl::Status status = absl::ResourceExhaustedError(message);
  google::rpc::RetryInfo info;
  const int64_t seconds = absl::ToInt64Seconds(retry_after);
  info.mutable_retry_delay()->set_seconds(seconds);
  info.mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(retry_after - absl::Seconds(seconds))));
  status.SetPayload(kRetryInfoType, absl::Cord(info.SerializeAsString()));
  return status;
}

}  // namespace skk

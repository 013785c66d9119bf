#pragma once

// Errors a client can act on, as absl::Status values carrying the standard google.rpc details
// (BadRequest field violations, RetryInfo) as payloads. ToGrpcStatus (grpc_edge.h) turns the
// payloads into the grpc-status-details-bin trailer that gRPC clients decode.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace skk {

// One thing wrong with one field of a request, e.g. {"location.latitude", "is outside the city"}.
struct FieldViolation {
  std::string field;
  std::string reason;
};

// INVALID_ARGUMENT whose message names every field and its reason ("field: reason; ...") and
// whose details hold a google.rpc.BadRequest with the same violations; OK for none.
absl::Status InvalidFields(const std::vector<FieldViolation>& violations);

// RESOURCE_EXHAUSTED with a google.rpc.RetryInfo saying when to try again.
absl::Status RetryLater(const std::string& message, absl::Duration retry_after);

// The type URLs of the payloads above.
inline constexpr char kBadRequestType[] = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kRetryInfoType[] = "type.googleapis.com/google.rpc.RetryInfo";

}  // namespace skk

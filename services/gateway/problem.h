#pragma once

// Every error the gateway answers, in one format: RFC 9457 problem details
// (application/problem+json, sambat.v1.Problem), with the HTTP status a client expects for the
// gRPC code, the field names and reasons of gRPC's BadRequest, and Retry-After for 429 and 503.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/gateway/http.h"
#include "services/platform/errors.h"

namespace skk::gateway {

// The HTTP status for an error of that code: INVALID_ARGUMENT and OUT_OF_RANGE 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS 409,
// FAILED_PRECONDITION 409 (the case's state forbids it), ABORTED 409, RESOURCE_EXHAUSTED 429,
// UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, anything else 500.
int HttpStatusFor(absl::StatusCode code);

// What a client is told of an error, whatever the format: the HTTP status (the code's, or the
// one WithHttpStatus forced), the message, the BadRequest's fields and the retry delay in
// seconds (from RetryInfo; 5 for 503, 60 for a 429 without one). An internal error (500) is
// logged here and its detail says nothing of what went wrong inside.
struct ErrorFacts {
  int http_status = 500;
  std::string detail;
  std::vector<FieldViolation> fields;
  int retry_after_seconds = 0;
};
ErrorFacts FactsOf(const absl::Status& status);

// The problem response for `status` (not OK). Internal errors say nothing of what went wrong
// inside; the rest carry their message, field violations and retry delay.
HttpResponse ProblemFor(const absl::Status& status);

// A problem the gateway states itself, e.g. 415 "the body must be application/json".
HttpResponse Problem(int http_status, absl::string_view detail,
                     const std::vector<FieldViolation>& fields = {},
                     int retry_after_seconds = 0);

}  // namespace skk::gateway

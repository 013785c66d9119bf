#pragma once

// JSON in and out through protobuf's proto3 JSON mapping, with the field names as the .proto
// declares them (snake_case). A body is refused before parsing unless it is
// application/json, valid UTF-8 and within the route's size; unknown fields are refused, so a
// typo in a client never silently drops what a citizen typed.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "services/gateway/http.h"

namespace skk::gateway {

// INVALID_ARGUMENT (400) with the parser's reason, or UNSUPPORTED (415, see WithHttpStatus) for
// another content type.
absl::Status ReadJsonBody(const HttpRequest& request, google::protobuf::Message& into);

// A GET's query parameters into a request message: each name is a field of `into` (a repeated
// field may be named several times), each value read as proto3 JSON reads a string (numbers,
// enum names, RFC 3339 times). INVALID_ARGUMENT naming an unknown parameter or a bad value.
absl::Status ReadQuery(const std::vector<std::pair<std::string, std::string>>& query,
                       google::protobuf::Message& into);

// `response` with its ETag and `cache_control`, or 304 with no body when the request's
// If-None-Match already names it: what a client polls costs nothing while nothing changed.
HttpResponse WithEtag(const HttpRequest& request, HttpResponse response,
                      const std::string& cache_control);

// `message` as application/json with `status`.
HttpResponse JsonResponse(int status, const google::protobuf::Message& message);

// A strong ETag for a response body, the same on every replica ("\"<16 hex digits>\"").
std::string EtagOf(const std::string& body);

// An error whose HTTP status is not the one its code implies (415 for a wrong content type):
// ProblemFor answers with `http_status`.
absl::Status WithHttpStatus(absl::Status status, int http_status);
inline constexpr char kHttpStatusPayload[] = "urn:sambat:http-status";

}  // namespace skk::gateway

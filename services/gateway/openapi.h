#pragma once

// The OpenAPI 3 document of the JSON API, served at /api/v1/openapi.json. Its routes, words and
// hand-written schemas are api/openapi.json (compiled in); the schemas of the .proto messages
// it names ("$ref": "#/components/schemas/sambat.v1.RespondRequest") are written from the
// messages' own descriptors, and an operation's "x-sambat-query": "sambat.v1.ListQueueRequest"
// becomes one query parameter per field, so the document cannot drift from the contract.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace skk::gateway {

// api/openapi.json as compiled in (generated from it at build time).
std::string_view OpenApiTemplate();

// `template_json` with every sambat.v1 message it names written out under
// components/schemas (and the messages those name), and x-sambat-query expanded.
// INVALID_ARGUMENT for text that is not JSON, a message that does not exist, or a query
// message with a field a query cannot carry.
absl::StatusOr<std::string> CompleteOpenApi(std::string_view template_json);

// CompleteOpenApi(OpenApiTemplate()), built once; the unit test proves it builds.
std::string_view OpenApiDocument();

}  // namespace skk::gateway

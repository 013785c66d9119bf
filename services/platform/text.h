#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace skk {

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). Sets `chars`, if given, to the number of code points.
bool IsValidUtf8(std::string_view text, size_t* chars = nullptr);

// One thing wrong with one field of a request, e.g. {"location.latitude", "is outside the city"}.
struct FieldViolation {
  std::string field;
  std::string reason;
};

// INVALID_ARGUMENT whose message names every field and its reason ("field: reason; ..."), or OK
// for none. The single place where field violations become a status.
absl::Status InvalidFields(const std::vector<FieldViolation>& violations);

}  // namespace skk

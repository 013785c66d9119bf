#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace skk {

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). Sets `chars`, if given, to the number of code points.
bool IsValidUtf8(std::string_view text, size_t* chars = nullptr);

// The inside of a JSON string literal (no quotes): ", \ and control characters (DEL too)
// escaped. The one JSON string escaper: log lines and the SMS/WhatsApp gateways' bodies.
std::string JsonEscape(std::string_view text);

}  // namespace skk

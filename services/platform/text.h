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

// An Indonesian mobile number in +62 form (0812-3456-7890, 6281234567890 and +62 812 3456 7890
// all give +6281234567890); empty if it is not one. The one place a citizen's number is
// normalised: intake's reporters and erasures, the text gateways' senders.
std::string NormalizePhone(std::string_view phone);

}  // namespace skk

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace skk {

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). Sets `chars`, if given, to the number of code points.
bool IsValidUtf8(std::string_view text, size_t* chars = nullptr);

}  // namespace skk

#pragma once

#include <string>
#include <string_view>

namespace skk {

// A random (version 4) UUID in its canonical lowercase text form.
std::string NewUuid();

// True for a canonical lowercase or uppercase UUID text.
bool IsUuid(std::string_view text);

}  // namespace skk

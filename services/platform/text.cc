#include "services/platform/text.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"


namespace skk {

bool IsValidUtf8(std::string_view text, size_t* chars) {
  size_t count = 0;
  size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  while (i < text.size()) {
    const unsigned char c = s[i];
    int extra;
    uint32_t cp;
    if (c < 0x80) { extra = 0; cp = c; }
    else if ((c & 0xE0) == 0xC0) { extra = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { extra = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { extra = 3; cp = c & 0x07; }
    else return false;
    if (extra > 0 && i + extra >= text.size()) return false;  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
    ++count;
  }
  if (chars != nullptr) *chars = count;
  return true;
}

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string NormalizePhone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c == ' ' || c == '-') continue;
    digits.push_back(c);
  }
  std::string national;
  if (absl::StartsWith(digits, "+62")) national = digits.substr(3);
  else if (absl::StartsWith(digits, "62")) national = digits.substr(2);
  else if (absl::StartsWith(digits, "0")) national = digits.substr(1);
  else return "";
  // Indonesian mobile numbers: 8xx, 9 to 12 digits after the country code.
  if (national.size() < 9 || national.size() > 12 || national[0] != '8') return "";
  for (char c : national) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return "";
  }
  return absl::StrCat("+62", national);
}

}  // namespace skk

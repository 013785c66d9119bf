#include "services/notification/escaping.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/platform/text.h"

namespace skk::notification {
namespace {

// Length of the UTF-8 sequence starting with `lead`, 0 if `lead` cannot start one.
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

std::string Clean(std::string_view text, size_t max_chars, bool one_line) {
  std::string out;
  out.reserve(text.size());
  size_t chars = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t n = SequenceLength(c);
    if (n == 0 || i + n > text.size() || !IsValidUtf8(text.substr(i, n))) {
      ++i;  // a stray byte: dropped, never passed on
      continue;
    }
    if (chars >= max_chars) {
      out += "…";
      break;
    }
    if (n == 1) {
      if (c == '\r') {
        // CRLF and lone CR become one newline.
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += one_line ? ' ' : '\n';
      } else if (c == '\n' || c == '\t') {
        out += one_line ? ' ' : static_cast<char>(c);
      } else if (c < 0x20 || c == 0x7F) {
        // other control characters: dropped
        ++i;
        continue;
      } else {
        out += static_cast<char>(c);
      }
    } else {
      // U+2028/U+2029 (line and paragraph separators) would break lines in some clients.
      const std::string_view seq = text.substr(i, n);
      if (seq == "\xE2\x80\xA8" || seq == "\xE2\x80\xA9") {
        out += one_line ? ' ' : '\n';
      } else {
        out.append(seq);
      }
    }
    i += n;
    ++chars;
  }
  return out;
}

bool IsAscii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::string CleanWords(std::string_view text, size_t max_chars) {
  return Clean(text, max_chars, false);
}

std::string OneLine(std::string_view text, size_t max_chars) {
  return Clean(text, max_chars, true);
}

std::string EmailHeaderValue(std::string_view text) {
  const std::string line = OneLine(text, 500);
  if (IsAscii(line)) return line;
  // Encoded words of at most 45 bytes of text each (60 base64 characters), never splitting a
  // UTF-8 sequence, joined by folding whitespace.
  std::string out;
  size_t at = 0;
  while (at < line.size()) {
    size_t end = std::min(line.size(), at + 45);
    while (end < line.size() && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(line.substr(at, end - at)), "?=");
    at = end;
  }
  return out;
}

std::string EmailBody(std::string_view text) {
  const std::string clean = CleanWords(text, 100000);
  std::string out;
  out.reserve(clean.size() + clean.size() / 40);
  for (char c : clean) {
    if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  if (out.size() < 2 || out.substr(out.size() - 2) != "\r\n") out += "\r\n";
  return out;
}

std::string FormEscape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

std::string MaskAddress(std::string_view view) {
  const std::string address(view);
  const size_t at = address.find('@');
  if (at != std::string::npos) {
    return address.substr(0, std::min<size_t>(2, at)) + "***" + address.substr(at);
  }
  if (address.size() <= 8) {
    const size_t keep = address.size() > 2 ? 2 : 0;
    return std::string(address.size() - keep, '*') + address.substr(address.size() - keep);
  }
  return address.substr(0, 4) + std::string(address.size() - 8, '*') +
         address.substr(address.size() - 4);
}

}  // namespace skk::notification

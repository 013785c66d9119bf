#pragma once

// Text that came from citizens and officers, made safe for each channel. Pure, unit-tested.

#include <cstddef>
#include <string>
#include <string_view>

namespace skk::notification {

// Someone's words for a message body: control characters (other than newline and tab) and
// invalid UTF-8 removed, CR/LF folded to LF, cut to `max_chars` code points with "…".
std::string CleanWords(std::string_view text, size_t max_chars);

// One line: like CleanWords, with every newline and tab made a space (SMS, subjects).
std::string OneLine(std::string_view text, size_t max_chars);

// A value for an email header: never a CR or LF (no header injection); non-ASCII text is
// RFC 2047 encoded (=?UTF-8?B?...?=) in words short enough for 78-character lines.
std::string EmailHeaderValue(std::string_view text);

// A plain-text email body: lines end in CRLF (SMTP needs it; libcurl dot-stuffs lines that
// start with '.').
std::string EmailBody(std::string_view text);

// Text for an application/x-www-form-urlencoded body.
std::string FormEscape(std::string_view text);

// An address with its middle hidden, e.g. "0812****7890", "si***@example.com".
std::string MaskAddress(std::string_view address);

}  // namespace skk::notification

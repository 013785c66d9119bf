#include "services/platform/address_ranges.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace skk {
namespace {

// The family and bytes of a bare address; family 0 when it is none.
int ParseAddress(absl::string_view text, unsigned char* bytes) {
  const std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), bytes) == 1) return AF_INET;
  if (inet_pton(AF_INET6, s.c_str(), bytes) == 1) return AF_INET6;
  return 0;
}

}  // namespace

bool IsIpAddress(absl::string_view address) {
  unsigned char bytes[16];
  return ParseAddress(address, bytes) != 0;
}

absl::StatusOr<AddressRanges> AddressRanges::Parse(absl::string_view list) {
  AddressRanges result;
  for (absl::string_view entry : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    Range range;
    const size_t slash = entry.find('/');
    range.family = ParseAddress(entry.substr(0, slash), range.bytes);
    const int max_bits = range.family == AF_INET ? 32 : 128;
    range.prefix_bits = max_bits;
    if (range.family != 0 && slash != absl::string_view::npos &&
        (!absl::SimpleAtoi(entry.substr(slash + 1), &range.prefix_bits) ||
         range.prefix_bits < 0 || range.prefix_bits > max_bits)) {
      range.family = 0;
    }
    if (range.family == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", entry, "\" is neither an IP address nor a CIDR range"));
    }
    result.ranges_.push_back(range);
  }
  return result;
}

bool AddressRanges::Contains(absl::string_view address) const {
  unsigned char bytes[16];
  const int family = ParseAddress(address, bytes);
  if (family == 0) return false;
  for (const Range& r : ranges_) {
    if (r.family != family) continue;
    const int full = r.prefix_bits / 8;
    const int rest = r.prefix_bits % 8;
    if (std::memcmp(bytes, r.bytes, static_cast<size_t>(full)) != 0) continue;
    if (rest == 0) return true;
    const unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
    if ((bytes[full] & mask) == (r.bytes[full] & mask)) return true;
  }
  return false;
}

}  // namespace skk

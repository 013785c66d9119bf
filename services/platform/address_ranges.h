#pragma once

// A set of IP address ranges ("10.0.0.0/8", "127.0.0.1", "fd00::/8"), for the few places that
// trust a network neighbour: the gateway believes X-Forwarded-For only from its proxies, and
// intake believes the gateway's word on a citizen's address only from the gateway.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace skk {

class AddressRanges {
 public:
  // A comma-separated list of addresses and CIDR ranges, IPv4 or IPv6; empty: no address.
  // INVALID_ARGUMENT naming the first entry that is neither.
  static absl::StatusOr<AddressRanges> Parse(absl::string_view list);

  // True if `address` (a bare IPv4 or IPv6 address, no port) lies in one of the ranges.
  bool Contains(absl::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    int family = 0;  // AF_INET or AF_INET6
    unsigned char bytes[16] = {};
    int prefix_bits = 0;
  };
  std::vector<Range> ranges_;
};

// The gRPC metadata in which the gateway names the citizen's address to intake (which believes
// it only from its --trusted_gateways).
inline constexpr char kClientAddressMetadata[] = "x-skk-client-address";

// True if `address` is a bare IPv4 or IPv6 address.
bool IsIpAddress(absl::string_view address);

}  // namespace skk

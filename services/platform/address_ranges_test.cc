#include "services/platform/address_ranges.h"

#include <catch2/catch.hpp>

namespace skk {
namespace {

TEST_CASE("address ranges hold the addresses and CIDR blocks listed, and nothing else",
          "[address_ranges]") {
  auto ranges = AddressRanges::Parse("10.0.0.0/8, 127.0.0.1,192.168.1.128/25, fd00::/8");
  REQUIRE(ranges.ok());
  CHECK(ranges->Contains("10.1.2.3"));
  CHECK(ranges->Contains("127.0.0.1"));
  CHECK_FALSE(ranges->Contains("127.0.0.2"));
  CHECK(ranges->Contains("192.168.1.200"));
  CHECK_FALSE(ranges->Contains("192.168.1.100"));
  CHECK(ranges->Contains("fd12::1"));
  CHECK_FALSE(ranges->Contains("2001:db8::1"));
  CHECK_FALSE(ranges->Contains("not an address"));
  CHECK_FALSE(ranges->Contains(""));
}

TEST_CASE("an empty list holds no address, and a bad entry is named", "[address_ranges]") {
  auto empty = AddressRanges::Parse("");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  CHECK_FALSE(empty->Contains("127.0.0.1"));
  for (const char* bad : {"10.0.0.0/33", "example.org", "10.0.0.0/", "::1/129", "1.2.3.4/x"}) {
    auto parsed = AddressRanges::Parse(bad);
    INFO(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(absl::IsInvalidArgument(parsed.status()));
    CHECK(parsed.status().message().find(bad) != std::string::npos);
  }
}

TEST_CASE("a /0 range holds every address of its family", "[address_ranges]") {
  auto all = AddressRanges::Parse("0.0.0.0/0");
  REQUIRE(all.ok());
  CHECK(all->Contains("203.0.113.7"));
  CHECK_FALSE(all->Contains("::1"));
  CHECK(IsIpAddress("::1"));
  CHECK_FALSE(IsIpAddress("1.2.3"));
}

}  // namespace
}  // namespace skk

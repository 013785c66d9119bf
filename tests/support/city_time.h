#pragma once

// Kota Malang's wall clock (WIB, UTC+7) for tests that speak of the city's days and hours.

#include <catch2/catch.hpp>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace skk::testing {

// The instant of a WIB calendar time, e.g. Wib(2026, 3, 2, 9) is Monday 2 March 2026, 09:00.
inline absl::Time Wib(int y, int mo, int d, int h = 0, int mi = 0) {
  static const absl::TimeZone zone = [] {
    absl::TimeZone z;
    REQUIRE(absl::LoadTimeZone("Asia/Jakarta", &z));
    return z;
  }();
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), zone);
}

}  // namespace skk::testing

#pragma once

// The city's configuration file (proto sambat.v1.CityConfig, protobuf text format), shared by
// every service. Each service reads the part it needs.

#include <string>

#include "absl/status/statusor.h"
#include "sambat/v1/config.pb.h"

namespace skk {

// Reads and validates the file: unique agency and category codes, rules and SLA policies that
// name known agencies and categories, no category routed by two rules (one with none goes to
// the verifier), every category with an SLA policy, a known
// verifier agency, a valid time zone and city bounds, and at least one humas contact per city
// agency. Errors name the file and, for parse errors, the line.
absl::StatusOr<sambat::v1::CityConfig> LoadCityConfig(const std::string& path);

// The same checks on a parsed message; `source` names it in errors.
absl::Status ValidateCityConfig(const sambat::v1::CityConfig& config, const std::string& source);

}  // namespace skk

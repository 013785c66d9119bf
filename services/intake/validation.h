#pragma once

// Checks a citizen's submission before anything is stored. Pure: no I/O, unit-tested.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.pb.h"
#include "services/platform/text.h"

namespace skk::intake {

inline constexpr int kMaxDescriptionChars = 4000;

// What a submission is checked against: the city's categories and bounds.
struct SubmissionRules {
  std::set<std::string> categories;
  sambat::v1::CityBounds bounds;
};
SubmissionRules RulesFromCityConfig(const sambat::v1::CityConfig& config);

// Every problem with the request, in field order; empty when it may be stored.
std::vector<FieldViolation> ValidateSubmission(const sambat::v1::SubmitComplaintRequest& request,
                                               const SubmissionRules& rules);

}  // namespace skk::intake

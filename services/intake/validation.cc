#include "services/intake/validation.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace skk::intake {

SubmissionRules RulesFromCityConfig(const sambat::v1::CityConfig& config) {
  SubmissionRules rules;
  for (const auto& c : config.categories()) rules.categories.insert(c.code());
  rules.bounds = config.bounds();
  return rules;
}

namespace {

// Control characters other than line breaks (CRLF from web forms too) and tab have no place in
// a citizen's text and are a favourite of log-injection and terminal-escape tricks.
bool HasForbiddenControl(std::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7F) return true;
  }
  return false;
}

bool IsBlank(std::string_view text) {
  for (unsigned char c : text) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

std::vector<FieldViolation> ValidateSubmission(const sambat::v1::SubmitComplaintRequest& request,
                                               const SubmissionRules& rules) {
  std::vector<FieldViolation> v;
  if (request.category().empty()) {
    v.push_back({"category", "is required"});
  } else if (!rules.categories.contains(request.category())) {
    v.push_back({"category", "is not a category of this city"});
  }

  size_t chars = 0;
  const std::string& d = request.description();
  if (d.size() > 4 * kMaxDescriptionChars) {
    v.push_back({"description", absl::StrCat("must be at most ", kMaxDescriptionChars,
                                             " characters")});
  } else if (!IsValidUtf8(d, &chars)) {
    v.push_back({"description", "must be valid UTF-8"});
  } else if (IsBlank(d)) {
    v.push_back({"description", "is required"});
  } else if (chars > static_cast<size_t>(kMaxDescriptionChars)) {
    v.push_back({"description", absl::StrCat("must be at most ", kMaxDescriptionChars,
                                             " characters")});
  } else if (HasForbiddenControl(d)) {
    v.push_back({"description", "must not contain control characters"});
  }

  if (!request.has_location()) {
    v.push_back({"location", "is required"});
  } else {
    const double lat = request.location().latitude();
    const double lon = request.location().longitude();
    const auto& b = rules.bounds;
    if (!std::isfinite(lat) || lat < -90 || lat > 90) {
      v.push_back({"location.latitude", "must be a number from -90 to 90"});
    } else if (lat < b.min_latitude() || lat > b.max_latitude()) {
      v.push_back({"location.latitude", "is outside the city"});
    }
    if (!std::isfinite(lon) || lon < -180 || lon > 180) {
      v.push_back({"location.longitude", "must be a number from -180 to 180"});
    } else if (lon < b.min_longitude() || lon > b.max_longitude()) {
      v.push_back({"location.longitude", "is outside the city"});
    }
  }

  const std::string& key = request.idempotency_key();
  if (!key.empty()) {
    bool printable = true;
    for (unsigned char c : key) printable = printable && c > 0x20 && c < 0x7F;
    if (key.size() < 8 || key.size() > 128 || !printable) {
      v.push_back({"idempotency_key", "must be 8 to 128 printable ASCII characters"});
    }
  }
  return v;
}

}  // namespace skk::intake

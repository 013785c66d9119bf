#include "services/platform/city_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace skk {
namespace {

// Collects parse errors with their line, so an operator fixing a file knows where to look.
class ParseErrors final : public google::protobuf::io::ErrorCollector {
 public:
  explicit ParseErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, int column, const std::string& message) override {
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace

absl::Status ValidateCityConfig(const sambat::v1::CityConfig& config, const std::string& source) {
  std::vector<std::string> problems;
  auto problem = [&](auto&&... parts) { problems.push_back(absl::StrCat(parts...)); };

  if (config.city_name().empty()) problem("city_name is empty");
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(config.time_zone(), &zone)) {
    problem("time_zone '", config.time_zone(), "' is not a known IANA zone");
  }
  if (config.ticket_prefix().empty()) problem("ticket_prefix is empty");
  const auto& b = config.bounds();
  if (!(b.min_latitude() >= -90 && b.max_latitude() <= 90 && b.min_latitude() < b.max_latitude() &&
        b.min_longitude() >= -180 && b.max_longitude() <= 180 &&
        b.min_longitude() < b.max_longitude())) {
    problem("bounds do not describe a box on the map");
  }

  std::set<std::string> agencies;
  for (const auto& a : config.agencies()) {
    if (a.code().empty()) problem("an agency has no code");
    if (!agencies.insert(a.code()).second) problem("agency '", a.code(), "' is defined twice");
    if (a.kind() == sambat::v1::AGENCY_KIND_UNSPECIFIED) {
      problem("agency '", a.code(), "' has no kind (CITY or EXTERNAL)");
    }
    if (a.kind() == sambat::v1::AGENCY_KIND_CITY && a.humas().empty()) {
      problem("agency '", a.code(), "' has no humas contact: its cases would reach no one");
    }
  }
  std::set<std::string> categories;
  for (const auto& c : config.categories()) {
    if (c.code().empty()) problem("a category has no code");
    if (!categories.insert(c.code()).second) {
      problem("category '", c.code(), "' is defined twice");
    }
  }
  if (!agencies.contains(config.verifier_agency())) {
    problem("verifier_agency '", config.verifier_agency(), "' is not a known agency");
  }
  std::set<std::string> routed;
  std::set<std::string> rule_ids;
  for (const auto& r : config.routing_rules()) {
    if (r.id().empty() || !rule_ids.insert(r.id()).second) {
      problem("routing rule '", r.id(), "' has an empty or repeated id");
    }
    if (!categories.contains(r.category())) {
      problem("routing rule '", r.id(), "' names unknown category '", r.category(), "'");
    }
    if (!agencies.contains(r.agency())) {
      problem("routing rule '", r.id(), "' names unknown agency '", r.agency(), "'");
    }
    if (!routed.insert(r.category()).second) {
      problem("routing rules tie: category '", r.category(), "' is routed by two rules");
    }
  }
  std::set<std::string> with_policy;
  for (const auto& p : config.sla_policies()) {
    if (!categories.contains(p.category())) {
      problem("sla policy names unknown category '", p.category(), "'");
    }
    if (!with_policy.insert(p.category()).second) {
      problem("category '", p.category(), "' has two sla policies");
    }
    if (p.first_response_days() < 1 || p.first_response_days() > 30) {
      problem("sla policy for '", p.category(), "': first_response_days must be 1 to 30");
    }
    if (p.level2_after_days() < 1 || p.level2_after_days() > 30) {
      problem("sla policy for '", p.category(), "': level2_after_days must be 1 to 30");
    }
  }
  for (const std::string& c : categories) {
    if (!with_policy.contains(c)) problem("category '", c, "' has no sla policy");
  }
  if (config.leadership().empty()) problem("leadership has no contact for level 2 escalations");

  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": invalid city configuration: ", absl::StrJoin(problems, "; ")));
}

absl::StatusOr<sambat::v1::CityConfig> LoadCityConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open city configuration"));
  std::stringstream text;
  text << in.rdbuf();
  sambat::v1::CityConfig config;
  google::protobuf::TextFormat::Parser parser;
  ParseErrors errors(path);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "; "));
  }
  absl::Status valid = ValidateCityConfig(config, path);
  if (!valid.ok()) return valid;
  return config;
}

}  // namespace skk

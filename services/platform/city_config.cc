#include "services/platform/city_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include <boost/geometry/algorithms/covered_by.hpp>
#include <boost/geometry/algorithms/intersects.hpp>
#include <boost/geometry/algorithms/relate.hpp>
#include <boost/geometry/geometries/box.hpp>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "services/platform/area_boundary.h"
#include "services/platform/config_lines.h"
#include "services/platform/status_macros.h"

namespace skk {
namespace {

namespace bg = boost::geometry;
namespace pb = google::protobuf;
using sambat::v1::CityConfig;

// Collects parse errors with their line, so an operator fixing a file knows where to look.
class ParseErrors final : public pb::io::ErrorCollector {
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

// Collects every problem with where it is, so one run of the check tells an administrator
// everything to fix.
class Problems {
 public:
  Problems(const std::string& source, const ConfigLines& lines) : source_(source), lines_(lines) {}

  template <typename... Parts>
  void At(int line, const Parts&... parts) {
    const std::string where = line > 0 ? absl::StrCat(source_, ":", line) : source_;
    problems_.emplace_back(line, absl::StrCat(where, ": ", parts...));
  }
  const ConfigLines& lines() const { return lines_; }

  // In the order of the file (what is missing altogether first), as an editor walks it.
  absl::Status ToStatus() {
    if (problems_.empty()) return absl::OkStatus();
    std::stable_sort(problems_.begin(), problems_.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::string> texts;
    for (auto& problem : problems_) texts.push_back(std::move(problem.second));
    return absl::InvalidArgumentError(absl::StrJoin(texts, "; "));
  }

 private:
  const std::string& source_;
  const ConfigLines& lines_;
  std::vector<std::pair<int, std::string>> problems_;  // (line or 0, "where: what")
};

void CheckCity(const CityConfig& config, Problems& p) {
  const ConfigLines& at = p.lines();
  if (config.city_name().empty()) p.At(0, "city_name is empty");
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(config.time_zone(), &zone)) {
    p.At(at.Of("time_zone"), "time_zone '", config.time_zone(), "' is not a known IANA zone");
  }
  if (config.ticket_prefix().empty()) p.At(0, "ticket_prefix is empty");
  const auto& b = config.bounds();
  if (!(b.min_latitude() >= -90 && b.max_latitude() <= 90 && b.min_latitude() < b.max_latitude() &&
        b.min_longitude() >= -180 && b.max_longitude() <= 180 &&
        b.min_longitude() < b.max_longitude())) {
    p.At(at.Of("bounds"), "bounds do not describe a box on the map");
  }
  if (config.leadership().empty()) p.At(0, "leadership has no contact for level 2 escalations");
  if (config.max_forwards() < 0 || config.max_forwards() > 20) {
    p.At(at.Of("max_forwards"), "max_forwards must be 0 (the default, 3) to 20");
  }
  if (config.auto_close_working_days() < -1 || config.auto_close_working_days() > 60) {
    p.At(at.Of("auto_close_working_days"),
         "auto_close_working_days must be -1 (never), 0 (the default, 10) or 1 to 60");
  }
  const int close_days = config.auto_close_working_days() == 0 ? 10 : config.auto_close_working_days();
  const int remind_days = config.auto_close_reminder_working_days() == 0
                              ? 2 : config.auto_close_reminder_working_days();
  if (config.auto_close_reminder_working_days() < -1 ||
      (close_days > 0 && remind_days >= close_days)) {
    p.At(at.Of("auto_close_reminder_working_days"),
         "auto_close_reminder_working_days must be -1 (no reminder), 0 (the default, 2) or 1 to "
         "one less than auto_close_working_days (", close_days, ")");
  }
}

// Agency code -> kind, for the checks that follow.
std::map<std::string, sambat::v1::AgencyKind> CheckAgencies(const CityConfig& config, Problems& p) {
  const ConfigLines& at = p.lines();
  std::map<std::string, sambat::v1::AgencyKind> agencies;
  for (int i = 0; i < config.agencies_size(); ++i) {
    const auto& a = config.agencies(i);
    const int line = at.Of("agencies", i, "code");
    if (a.code().empty()) p.At(line, "an agency has no code");
    if (!agencies.emplace(a.code(), a.kind()).second) {
      p.At(line, "agency '", a.code(), "' is defined twice");
    }
    if (a.kind() == sambat::v1::AGENCY_KIND_UNSPECIFIED) {
      p.At(at.Of("agencies", i), "agency '", a.code(), "' has no kind (CITY or EXTERNAL)");
    }
    if (a.kind() == sambat::v1::AGENCY_KIND_CITY && a.humas().empty()) {
      p.At(at.Of("agencies", i), "agency '", a.code(),
           "' has no humas contact: its cases would reach no one");
    }
    // An officer sends a template's text as an answer (RespondRequest.message: 1 to 4000).
    for (const auto& t : a.answer_templates()) {
      if (t.title().empty() || t.title().size() > 100 || t.text().empty() ||
          t.text().size() > 4000) {
        p.At(at.Of("agencies", i), "agency '", a.code(), "' has an answer template '", t.title(),
             "' without a title of 1 to 100 bytes and a text of 1 to 4000");
      }
    }
  }
  const auto verifier = agencies.find(config.verifier_agency());
  if (verifier == agencies.end()) {
    p.At(at.Of("verifier_agency"), "verifier_agency '", config.verifier_agency(),
         "' is not a known agency");
  } else if (verifier->second != sambat::v1::AGENCY_KIND_CITY) {
    p.At(at.Of("verifier_agency"), "verifier_agency '", config.verifier_agency(),
         "' is not a city agency: its triage queue needs the city's own officers");
  }
  return agencies;
}

// One category's clocks (docs/sla-rules.md): first response 3 to 7 working days, level 2
// 1 to 10 working days after the due time, resolution none or from the first response's days
// to 60, and at most 5 distinct reminders inside the first-response clock.
void CheckSlaPolicy(int i, const sambat::v1::SlaPolicy& s, Problems& p) {
  const ConfigLines& at = p.lines();
  auto problem = [&](const std::string& field, const auto&... parts) {
    p.At(at.Of("sla_policies", i, field), "sla policy for '", s.category(), "': ", field, " ",
         parts...);
  };
  if (s.first_response_days() < 3 || s.first_response_days() > 7) {
    problem("first_response_days", "must be 3 to 7 working days, not ", s.first_response_days());
  }
  if (s.level2_after_days() < 1 || s.level2_after_days() > 10) {
    problem("level2_after_days", "must be 1 to 10 working days, not ", s.level2_after_days());
  }
  const int resolution = s.resolution_working_days();
  if (resolution != 0 && (resolution < s.first_response_days() || resolution > 60)) {
    problem("resolution_working_days",
            "must be 0 (none) or from first_response_days to 60 working days, not ", resolution);
  }
  const std::string reminders = "reminder_working_hours_before";
  if (s.reminder_working_hours_before_size() > 5) problem(reminders, "lists more than 5 reminders");
  const int limit = s.first_response_days() * 24 - 1;
  std::set<int> seen;
  for (int h : s.reminder_working_hours_before()) {
    if (h < 1 || h > limit) problem(reminders, "has ", h, ": each must be 1 to ", limit);
    if (!seen.insert(h).second) problem(reminders, "lists ", h, " twice");
  }
}

std::set<std::string> CheckCategories(const CityConfig& config, Problems& p) {
  const ConfigLines& at = p.lines();
  std::set<std::string> categories;
  for (int i = 0; i < config.categories_size(); ++i) {
    const auto& c = config.categories(i);
    const int line = at.Of("categories", i, "code");
    if (c.code().empty()) p.At(line, "a category has no code");
    if (!categories.insert(c.code()).second)
      p.At(line, "category '", c.code(), "' is defined twice");
    if (c.nearby_radius_meters() < 0 || c.nearby_radius_meters() > 1000) {
      p.At(at.Of("categories", i, "nearby_radius_meters"), "category '", c.code(),
           "': nearby_radius_meters must be 0 (the default, 50) to 1000");
    }
  }
  if (config.nearby_resolved_days() < -1 || config.nearby_resolved_days() > 365) {
    p.At(at.Of("nearby_resolved_days"),
         "nearby_resolved_days must be -1 (open complaints only), 0 (the default, 30) or up to 365");
  }
  std::set<std::string> with_policy;
  for (int i = 0; i < config.sla_policies_size(); ++i) {
    const auto& s = config.sla_policies(i);
    if (!categories.contains(s.category())) {
      p.At(at.Of("sla_policies", i, "category"), "sla policy names unknown category '",
           s.category(), "'");
    }
    if (!with_policy.insert(s.category()).second) {
      p.At(at.Of("sla_policies", i), "category '", s.category(), "' has two sla policies");
    }
    CheckSlaPolicy(i, s, p);
  }
  for (int i = 0; i < config.categories_size(); ++i) {
    const std::string& c = config.categories(i).code();
    if (!with_policy.contains(c))
      p.At(at.Of("categories", i), "category '", c, "' has no sla policy");
  }
  return categories;
}

struct CheckedArea {
  int index;
  sambat::v1::AreaKind kind;
  std::optional<AreaPolygon> boundary;  // absent when the boundary itself is invalid
};

const char* KindName(sambat::v1::AreaKind kind) {
  return kind == sambat::v1::AREA_KIND_KECAMATAN ? "kecamatan" : "kelurahan";
}

// Area code -> what the rules need to know of it.
std::map<std::string, CheckedArea> CheckAreas(const CityConfig& config, Problems& p) {
  const ConfigLines& at = p.lines();
  const auto& b = config.bounds();
  const MapBox city({b.min_longitude(), b.min_latitude()}, {b.max_longitude(), b.max_latitude()});
  std::map<std::string, CheckedArea> areas;
  for (int i = 0; i < config.areas_size(); ++i) {
    const auto& a = config.areas(i);
    const int line = at.Of("areas", i, "code");
    if (a.code().empty()) p.At(line, "an area has no code");
    if (a.kind() == sambat::v1::AREA_KIND_UNSPECIFIED) {
      p.At(at.Of("areas", i), "area '", a.code(), "' has no kind (KECAMATAN or KELURAHAN)");
    }
    CheckedArea checked{i, a.kind(), std::nullopt};
    auto boundary = ParseAreaBoundary(a.boundary_wkt());
    if (!boundary.ok()) {
      p.At(at.Of("areas", i, "boundary_wkt"), "area '", a.code(),
           "': ", boundary.status().message());
    } else if (!bg::covered_by(EnvelopeOf(*boundary), city)) {
      p.At(at.Of("areas", i, "boundary_wkt"), "area '", a.code(),
           "' does not lie within the city bounds (WKT gives longitude first, then latitude)");
    } else {
      checked.boundary = *std::move(boundary);
    }
    if (!areas.emplace(a.code(), std::move(checked)).second) {
      p.At(line, "area '", a.code(), "' is defined twice");
    }
  }
  for (int i = 0; i < config.areas_size(); ++i) {
    const auto& a = config.areas(i);
    const int line = at.Of("areas", i, "parent");
    if (a.kind() == sambat::v1::AREA_KIND_KECAMATAN && !a.parent().empty()) {
      p.At(line, "kecamatan '", a.code(),
           "' has a parent: only a kelurahan lies within another area");
    }
    if (a.kind() != sambat::v1::AREA_KIND_KELURAHAN) continue;
    const auto parent = areas.find(a.parent());
    if (a.parent().empty()) {
      p.At(at.Of("areas", i), "kelurahan '", a.code(), "' names no kecamatan as parent");
      continue;
    }
    if (parent == areas.end() || parent->second.kind != sambat::v1::AREA_KIND_KECAMATAN) {
      p.At(line, "kelurahan '", a.code(), "' names unknown kecamatan '", a.parent(), "' as parent");
      continue;
    }
    const auto& self = areas.at(a.code());
    if (self.index == i && self.boundary && parent->second.boundary &&
        !bg::covered_by(*self.boundary, *parent->second.boundary)) {
      p.At(at.Of("areas", i, "boundary_wkt"), "kelurahan '", a.code(),
           "' does not lie within its kecamatan '", a.parent(), "'");
    }
  }
  // Two areas of one kind sharing ground would make a point in both ambiguous; sharing a
  // border is fine (a point on it goes to the area whose code sorts first).
  static const bg::de9im::mask kInteriorsOverlap("2********");
  for (auto first = areas.begin(); first != areas.end(); ++first) {
    for (auto second = std::next(first); second != areas.end(); ++second) {
      const CheckedArea& x = first->second;
      const CheckedArea& y = second->second;
      if (x.kind != y.kind || !x.boundary || !y.boundary) continue;
      if (!bg::intersects(EnvelopeOf(*x.boundary), EnvelopeOf(*y.boundary))) continue;  // cheap
      if (!bg::relate(*x.boundary, *y.boundary, kInteriorsOverlap)) continue;
      const CheckedArea& later = x.index > y.index ? x : y;
      p.At(at.Of("areas", later.index, "boundary_wkt"), KindName(x.kind), " '", first->first,
           "' and '", second->first, "' overlap: a point in both would have two areas");
    }
  }
  return areas;
}

void CheckRules(const CityConfig& config,
                const std::map<std::string, sambat::v1::AgencyKind>& agencies,
                const std::set<std::string>& categories,
                const std::map<std::string, CheckedArea>& areas, Problems& p) {
  const ConfigLines& at = p.lines();
  std::set<std::string> ids;
  // (category, area) -> index of the first rule for it; equal keys are equally specific.
  std::map<std::pair<std::string, std::string>, int> routed;
  for (int i = 0; i < config.routing_rules_size(); ++i) {
    const auto& r = config.routing_rules(i);
    if (r.id().empty() || !ids.insert(r.id()).second) {
      p.At(at.Of("routing_rules", i, "id"), "routing rule '", r.id(),
           "' has an empty or repeated id");
    }
    if (!categories.contains(r.category())) {
      p.At(at.Of("routing_rules", i, "category"), "routing rule '", r.id(),
           "' names unknown category '", r.category(), "'");
    }
    if (!agencies.contains(r.agency())) {
      p.At(at.Of("routing_rules", i, "agency"), "routing rule '", r.id(),
           "' names unknown agency '", r.agency(), "'");
    }
    if (!r.area().empty() && !areas.contains(r.area())) {
      p.At(at.Of("routing_rules", i, "area"), "routing rule '", r.id(), "' names unknown area '",
           r.area(), "'");
    }
    const auto [tied, fresh] = routed.emplace(std::pair(r.category(), r.area()), i);
    if (!fresh) {
      const auto& other = config.routing_rules(tied->second);
      const int other_line = at.Of("routing_rules", tied->second);
      p.At(at.Of("routing_rules", i), "routing rules tie: rule '", r.id(), "' and rule '",
           other.id(), "'", other_line > 0 ? absl::StrCat(" (line ", other_line, ")") : "",
           " both route category '", r.category(), "'",
           r.area().empty() ? std::string(" with no area")
                            : absl::StrCat(" in area '", r.area(), "'"));
    }
  }
}

// Complaints by SMS and WhatsApp: each gateway complete, its webhook name usable in a path.
// Every external partner has one channel the outbound adapter can use (docs/partners.md); no
// city agency has one: its officers work the queue.
void CheckLapor(const CityConfig& config,
                const std::map<std::string, sambat::v1::AgencyKind>& agencies,
                const std::set<std::string>& categories, Problems& p) {
  if (!config.has_lapor()) return;
  const auto& c = config.lapor();
  const int line = p.lines().Of("lapor");
  const std::string what = "lapor: ";
  if ((!absl::StartsWith(c.url(), "http://") && !absl::StartsWith(c.url(), "https://")) ||
      !absl::EndsWith(c.url(), "/")) {
    p.At(line, what, "url must be the API's http:// or https:// base, ending in '/'");
  }
  if (c.token_file().empty()) {
    p.At(line, what, "token_file is required: LAPOR answers no call without the city's token");
  }
  for (const auto& [category, id] : c.category_ids()) {
    if (!categories.contains(category)) {
      p.At(line, what, "category_ids names unknown category '", category, "'");
    }
    if (id.empty()) p.At(line, what, "category_ids['", category, "'] is empty");
  }
  for (const auto& [unit, agency] : c.unit_agencies()) {
    const auto found = agencies.find(agency);
    if (found == agencies.end()) {
      p.At(line, what, "unit_agencies['", unit, "'] names unknown agency '", agency, "'");
    } else if (found->second == sambat::v1::AGENCY_KIND_EXTERNAL) {
      p.At(line, what, "unit_agencies['", unit, "'] names '", agency,
           "', outside the city: LAPOR disposes only to the city's own agencies");
    }
  }
  const std::string fallback = c.import_category().empty() ? "lainnya" : c.import_category();
  if (!categories.contains(fallback)) {
    p.At(line, what, "import_category '", fallback, "' is not a category of the city");
  }
  if (c.poll_minutes() < 0 || c.poll_minutes() > 24 * 60) {
    p.At(line, what, "poll_minutes must be 0 (the default, 5) to 1440");
  }
}

void CheckPartners(const CityConfig& config,
                   const std::map<std::string, sambat::v1::AgencyKind>& agencies,
                   const std::set<std::string>& categories, Problems& p) {
  const ConfigLines& at = p.lines();
  std::set<std::string> reached;
  for (int i = 0; i < config.partners_size(); ++i) {
    const auto& c = config.partners(i);
    const int line = at.Of("partners", i);
    const std::string what = absl::StrCat("partner '", c.agency(), "': ");
    const auto agency = agencies.find(c.agency());
    if (agency == agencies.end()) {
      p.At(line, what, "agency is not a known agency");
    } else if (agency->second != sambat::v1::AGENCY_KIND_EXTERNAL) {
      p.At(line, what, "is a city agency: its officers work the queue, it has no partner channel");
    }
    if (!reached.insert(c.agency()).second) p.At(line, what, "has two channels");
    if (!absl::StartsWith(c.url(), "http://") && !absl::StartsWith(c.url(), "https://")) {
      p.At(line, what, "url must be an http:// or https:// URL");
    }
    if (c.protocol() == "open311") {
      if (!absl::EndsWith(c.url(), "/")) {
        p.At(line, what, "the url of an open311 partner is its endpoint's base, ending in '/'");
      }
      if (c.default_service_code().empty() && c.service_codes().empty()) {
        p.At(line, what, "an open311 partner needs service_codes or a default_service_code");
      }
      for (const auto& [category, code] : c.service_codes()) {
        if (!categories.contains(category)) {
          p.At(line, what, "service_codes names unknown category '", category, "'");
        }
        if (code.empty()) p.At(line, what, "service_codes['", category, "'] is empty");
      }
      if (c.poll_minutes() < 0 || c.poll_minutes() > 24 * 60) {
        p.At(line, what, "poll_minutes must be 0 (the default, 15) to 1440");
      }
    } else if (c.protocol() == "webhook") {
      if (c.secret_file().empty()) {
        p.At(line, what, "a webhook partner needs a secret_file: an unsigned hand-off could be "
             "forged, and an unsigned status could close any case");
      }
    } else {
      p.At(line, what, "protocol must be \"open311\" or \"webhook\"");
    }
  }
  for (const auto& [code, kind] : agencies) {
    if (kind == sambat::v1::AGENCY_KIND_EXTERNAL && !reached.contains(code)) {
      p.At(at.Of("agencies"), "external agency '", code,
           "' has no entry in partners: the cases handed to it would reach no one");
    }
  }
}

void CheckTextMessaging(const CityConfig& config, const std::set<std::string>& categories,
                        Problems& p) {
  const ConfigLines& at = p.lines();
  const auto& t = config.text_messaging();
  if (t.gather_seconds() < 0 || t.gather_seconds() > 3600) {
    p.At(at.Of("text_messaging"), "text_messaging.gather_seconds must be 0 (the default, 180) "
         "to 3600");
  }
  if (t.messages_per_hour() < 0) {
    p.At(at.Of("text_messaging"), "text_messaging.messages_per_hour must not be negative");
  }
  for (int i = 0; i < config.categories_size(); ++i) {
    for (const std::string& keyword : config.categories(i).text_keywords()) {
      if (keyword.empty() || absl::AsciiStrToLower(keyword) != keyword) {
        p.At(at.Of("categories", i, "text_keywords"), "category '", config.categories(i).code(),
             "': text keyword '", keyword, "' must be non-empty lowercase words");
      }
    }
  }
  if (t.gateways().empty()) return;
  if (!categories.contains(t.fallback_category())) {
    p.At(at.Of("text_messaging"), "text_messaging.fallback_category '", t.fallback_category(),
         "' is not a category of the city");
  }
  std::set<std::string> names;
  for (int i = 0; i < t.gateways_size(); ++i) {
    const auto& g = t.gateways(i);
    const std::string what = absl::StrCat("text gateway '", g.name(), "': ");
    const int line = at.Of("text_messaging");
    const bool name_ok = !g.name().empty() && g.name().size() <= 32 &&
                         absl::c_all_of(g.name(), [](char c) {
                           return absl::ascii_islower(static_cast<unsigned char>(c)) ||
                                  absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-';
                         });
    if (!name_ok) p.At(line, what, "name must be 1 to 32 lowercase letters, digits or '-'");
    if (!names.insert(g.name()).second) p.At(line, what, "is named twice");
    if (g.channel() != "sms" && g.channel() != "whatsapp") {
      p.At(line, what, "channel must be \"sms\" or \"whatsapp\"");
    }
    if (!g.format().empty() && g.format() != "form" && g.format() != "json") {
      p.At(line, what, "format must be \"form\" or \"json\"");
    }
    if (g.sender_field().empty() || g.text_field().empty() || g.message_id_field().empty()) {
      p.At(line, what, "sender_field, text_field and message_id_field are required");
    }
    if (!g.signature().empty() && g.signature() != "hmac-sha256" && g.signature() != "token") {
      p.At(line, what, "signature must be \"hmac-sha256\" or \"token\"");
    }
    if (g.signature_header().empty() || g.secret_file().empty()) {
      p.At(line, what, "signature_header and secret_file are required: a webhook nobody can "
           "verify would let anyone write as any number");
    }
    if (!g.reply_format().empty() && g.reply_format() != "text" && g.reply_format() != "json") {
      p.At(line, what, "reply_format must be \"text\" or \"json\"");
    }
  }
}

absl::Status Validate(const CityConfig& config, const std::string& source,
                      const ConfigLines& lines) {
  Problems problems(source, lines);
  CheckCity(config, problems);
  const auto agencies = CheckAgencies(config, problems);
  const auto categories = CheckCategories(config, problems);
  const auto areas = CheckAreas(config, problems);
  CheckRules(config, agencies, categories, areas, problems);
  CheckTextMessaging(config, categories, problems);
  CheckPartners(config, agencies, categories, problems);
  CheckLapor(config, agencies, categories, problems);
  return problems.ToStatus();
}

absl::Status ParseText(const std::string& text, const std::string& path, CityConfig& config,
                       ConfigLines& lines) {
  pb::TextFormat::Parser parser;
  ParseErrors errors(path);
  parser.RecordErrorsTo(&errors);
  pb::TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(text, &config)) {
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "; "));
  }
  lines = ConfigLines::FromTextFormat(config, tree);
  return absl::OkStatus();
}

absl::Status ParseJson(const std::string& text, const std::string& path, CityConfig& config,
                       ConfigLines& lines) {
  const auto parsed = pb::util::JsonStringToMessage(text, &config);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a CityConfig in protobuf JSON: ", parsed.message().ToString()));
  }
  lines = ConfigLines::FromJson(text);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateCityConfig(const CityConfig& config, const std::string& source) {
  return Validate(config, source, ConfigLines());
}

namespace {

absl::Status ReadCityConfigFile(const std::string& path, CityConfig& config, ConfigLines& lines) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open city configuration"));
  std::stringstream text;
  text << in.rdbuf();
  return absl::EndsWith(path, ".json") ? ParseJson(text.str(), path, config, lines)
                                       : ParseText(text.str(), path, config, lines);
}

// Every field set in `overlay` replaces `base`'s: messages field by field, repeated fields
// whole, scalars when set.
void ReplaceSetFields(const pb::Message& overlay, pb::Message& base) {
  const pb::Reflection* from = overlay.GetReflection();
  const pb::Reflection* to = base.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  from->ListFields(overlay, &fields);
  std::unique_ptr<pb::Message> rest(overlay.New());
  rest->CopyFrom(overlay);
  for (const pb::FieldDescriptor* field : fields) {
    if (field->is_repeated()) {
      to->ClearField(&base, field);  // the overlay's elements are added by MergeFrom below
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      ReplaceSetFields(from->GetMessage(overlay, field), *to->MutableMessage(&base, field));
      rest->GetReflection()->ClearField(rest.get(), field);
    }
  }
  base.MergeFrom(*rest);
}

}  // namespace

absl::StatusOr<CityConfig> LoadCityConfig(const std::string& path) {
  CityConfig config;
  ConfigLines lines;
  SKK_RETURN_IF_ERROR(ReadCityConfigFile(path, config, lines));
  if (config.base_file().empty()) {
    if (absl::Status valid = Validate(config, path, lines); !valid.ok()) return valid;
    return config;
  }
  const std::filesystem::path base_path = PathBesideConfig(config.base_file(), path);
  CityConfig base;
  ConfigLines base_lines;
  SKK_RETURN_IF_ERROR(ReadCityConfigFile(base_path.string(), base, base_lines));
  if (!base.base_file().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        base_path.string(), ": a base configuration may not name a base_file of its own"));
  }
  // The base on its own first, so a mistake in it is reported at its line.
  if (absl::Status valid = Validate(base, base_path.string(), base_lines); !valid.ok()) {
    return valid;
  }
  ReplaceSetFields(config, base);
  base.clear_base_file();
  if (absl::Status valid =
          Validate(base, absl::StrCat(path, " over ", base_path.string()), ConfigLines());
      !valid.ok()) {
    return valid;
  }
  return base;
}

std::string PathBesideConfig(const std::string& file, const std::string& config_path) {
  std::filesystem::path path(file);
  if (path.is_relative()) path = std::filesystem::path(config_path).parent_path() / path;
  return path.string();
}

absl::StatusOr<std::string> ReadFileBesideConfig(const std::string& file,
                                                 const std::string& config_path,
                                                 absl::string_view what) {
  const std::string path = PathBesideConfig(file, config_path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read ", what));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

absl::StatusOr<std::string> ReadSharedSecret(const SharedSecretFile& source,
                                             const std::string& config_path, bool dev) {
  SKK_ASSIGN_OR_RETURN(const std::string bytes,
                       ReadFileBesideConfig(source.file, config_path, source.what));
  std::string secret(absl::StripTrailingAsciiWhitespace(bytes));
  if (secret.size() < 16) {
    return absl::InvalidArgumentError(absl::StrCat(source.what, ": the secret in ",
                                                   PathBesideConfig(source.file, config_path),
                                                   " is shorter than 16 bytes"));
  }
  if (!dev && !source.public_dev_secret.empty() && secret == source.public_dev_secret) {
    return absl::FailedPreconditionError(absl::StrCat(
        source.what, " holds the repository's public development secret, accepted only with "
        "--dev; give the one agreed with the other side (", source.doc, ")"));
  }
  return secret;
}

absl::StatusOr<std::string> HolidayCalendarPath(const sambat::v1::CityConfig& city,
                                                const std::string& config_path) {
  if (city.holiday_calendar_file().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(config_path, ": names no holiday_calendar_file"));
  }
  return PathBesideConfig(city.holiday_calendar_file(), config_path);
}

absl::StatusOr<sambat::v1::HolidayCalendar> ReadHolidayCalendar(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read holiday calendar ", path));
  std::stringstream text;
  text << in.rdbuf();
  sambat::v1::HolidayCalendar calendar;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &calendar)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a sambat.v1.HolidayCalendar in text format"));
  }
  return calendar;
}

}  // namespace skk

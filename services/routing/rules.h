#pragma once

// Which agency is responsible for a complaint. Pure: no I/O, unit-tested.
//
// A rule names a category and, optionally, an area (kecamatan or kelurahan). For a complaint,
// the most specific rule that matches wins: a rule for the kelurahan its point lies in, else
// one for its kecamatan, else the category's rule with no area. Validation (city_config.h)
// guarantees at most one rule per (category, area), so the winner is never a tie. What no
// rule matches goes to the verifier agency's triage queue: never nowhere.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sambat/v1/config.pb.h"
#include "services/routing/areas.h"

namespace skk::routing {

struct RoutingDecision {
  std::string agency_code;
  std::string agency_name;
  // The rule that matched; empty when the complaint went to the verifier's triage queue.
  std::string rule_id;
  // The most specific area the complaint's point lies in (kelurahan, else kecamatan); empty
  // without a point or outside every area. Where it is, whichever rule matched.
  std::string area_code;
  // The kecamatan the point lies in (the kelurahan's parent); empty as above.
  std::string kecamatan_code;
  // The agency is a partner outside the city government (police, prosecutor, military
  // district): hand the case to its outbound adapter, not to an officer queue.
  bool external = false;
  // Why, in words for the audit trail, e.g. "rule parkir-liar-kauman: parkir-liar in
  // kelurahan klojen/kauman".
  std::string reason;
};

class RoutingRules {
 public:
  // `city` must have passed ValidateCityConfig. Copies what it needs; `city` may go away.
  explicit RoutingRules(const sambat::v1::CityConfig& city);

  // The agency for a complaint of `category` at `location` (none: the citizen sent no
  // point). A category this configuration does not know, or one no rule matches there, goes
  // to the verifier's triage queue.
  RoutingDecision Route(std::string_view category, std::optional<GeoPoint> location) const;
  // For callers that have no location: only rules without an area can match.
  RoutingDecision Route(std::string_view category) const;

  // The agency with `code`, or nullptr (e.g. to check a forward's target).
  const sambat::v1::Agency* FindAgency(std::string_view code) const;
  // The agency whose triage queue receives what no rule matches.
  const std::string& verifier_code() const { return verifier_code_; }
  // Forwards of one case beyond this many go to the verifier instead (config's 0 means 3).
  int max_forwards() const { return max_forwards_; }
  const Areas& areas() const { return areas_; }

 private:
  struct Rule {
    std::string id;
    std::string agency;
  };
  RoutingDecision Decide(const Rule& rule, const std::string& category, const std::string& area,
                         const AreaMatch& where) const;
  RoutingDecision Triage(const std::string& category, const AreaMatch& where) const;

  std::map<std::string, sambat::v1::Agency, std::less<>> agencies_;
  // (category, area code or "" for anywhere) -> rule.
  std::map<std::pair<std::string, std::string>, Rule, std::less<>> rules_;
  Areas areas_;
  std::string verifier_code_;
  int max_forwards_ = 3;
};

}  // namespace skk::routing

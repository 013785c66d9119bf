#include "services/routing/rules.h"

#include "absl/strings/str_cat.h"

namespace skk::routing {
namespace {

constexpr int kDefaultMaxForwards = 3;

}  // namespace

RoutingRules::RoutingRules(const sambat::v1::CityConfig& city)
    : areas_(city.areas()),
      verifier_code_(city.verifier_agency()),
      max_forwards_(city.max_forwards() > 0 ? city.max_forwards() : kDefaultMaxForwards) {
  for (const auto& a : city.agencies()) agencies_.emplace(a.code(), a);
  for (const auto& r : city.routing_rules()) {
    rules_.emplace(std::pair(r.category(), r.area()), Rule{r.id(), r.agency()});
  }
}

RoutingDecision RoutingRules::Route(std::string_view category) const {
  return Route(category, std::nullopt);
}

RoutingDecision RoutingRules::Route(std::string_view category_name,
                                    std::optional<GeoPoint> location) const {
  const std::string category(category_name);
  const AreaMatch where = location ? areas_.Locate(*location) : AreaMatch{};
  // Most specific first; an empty area code is the category's rule for anywhere.
  const std::string anywhere;
  for (const std::string* area : {&where.kelurahan, &where.kecamatan, &anywhere}) {
    if (area->empty() && area != &anywhere) continue;  // the point lies in no such area
    auto it = rules_.find(std::pair(category, *area));
    if (it != rules_.end()) return Decide(it->second, category, *area, where);
  }
  return Triage(category, where);
}

RoutingDecision RoutingRules::Decide(const Rule& rule, const std::string& category,
                                     const std::string& area, const AreaMatch& where) const {
  RoutingDecision d;
  const sambat::v1::Agency& agency = agencies_.at(rule.agency);
  d.agency_code = agency.code();
  d.agency_name = agency.name();
  d.rule_id = rule.id;
  d.area_code = where.kelurahan.empty() ? where.kecamatan : where.kelurahan;
  d.kecamatan_code = where.kecamatan;
  d.external = agency.kind() == sambat::v1::AGENCY_KIND_EXTERNAL;
  if (area.empty()) {
    d.reason = absl::StrCat("rule ", rule.id, ": ", category);
  } else {
    const sambat::v1::Area* a = areas_.Find(area);
    const bool kelurahan = a != nullptr && a->kind() == sambat::v1::AREA_KIND_KELURAHAN;
    d.reason = absl::StrCat("rule ", rule.id, ": ", category, " in ",
                            kelurahan ? "kelurahan " : "kecamatan ", area);
  }
  if (d.external) absl::StrAppend(&d.reason, ", external partner: outbound adapter");
  return d;
}

RoutingDecision RoutingRules::Triage(const std::string& category, const AreaMatch& where) const {
  RoutingDecision d;
  d.agency_code = verifier_code_;
  if (auto it = agencies_.find(verifier_code_); it != agencies_.end()) {
    d.agency_name = it->second.name();
  }
  d.area_code = where.kelurahan.empty() ? where.kecamatan : where.kelurahan;
  d.kecamatan_code = where.kecamatan;
  d.reason = absl::StrCat("no rule for category ", category, d.area_code.empty() ? "" : " in ",
                          d.area_code, ": verifier triage");
  return d;
}

const sambat::v1::Agency* RoutingRules::FindAgency(std::string_view code) const {
  auto it = agencies_.find(code);
  return it == agencies_.end() ? nullptr : &it->second;
}

}  // namespace skk::routing

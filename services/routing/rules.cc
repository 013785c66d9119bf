#include "services/routing/rules.h"

namespace skk::routing {

RoutingRules::RoutingRules(const sambat::v1::CityConfig& city) {
  std::map<std::string, std::string> names;
  for (const auto& a : city.agencies()) names[a.code()] = a.name();
  for (const auto& r : city.routing_rules()) {
    by_category_[r.category()] = {r.agency(), names[r.agency()], r.id()};
  }
  verifier_ = {city.verifier_agency(), names[city.verifier_agency()], ""};
}

RoutingDecision RoutingRules::Route(const std::string& category) const {
  auto it = by_category_.find(category);
  return it == by_category_.end() ? verifier_ : it->second;
}

}  // namespace skk::routing

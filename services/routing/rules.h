#pragma once

// Which agency is responsible for a complaint. Pure: no I/O, unit-tested.

#include <map>
#include <string>

#include "sambat/v1/config.pb.h"

namespace skk::routing {

struct RoutingDecision {
  std::string agency_code;
  std::string agency_name;
  // The rule that matched; empty when the complaint went to the verifier's triage queue.
  std::string rule_id;
};

class RoutingRules {
 public:
  // `city` must have passed ValidateCityConfig.
  explicit RoutingRules(const sambat::v1::CityConfig& city);

  // The agency for a complaint of `category`. A category no rule names, or one this
  // configuration does not know, goes to the verifier: never nowhere.
  RoutingDecision Route(const std::string& category) const;

 private:
  std::map<std::string, RoutingDecision> by_category_;
  RoutingDecision verifier_;
};

}  // namespace skk::routing

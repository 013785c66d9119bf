#include "services/sla/policy.h"

#include <algorithm>

namespace skk::sla {

SlaPolicies::SlaPolicies(const sambat::v1::CityConfig& city) {
  for (const auto& p : city.sla_policies()) {
    by_category_[p.category()] = p;
    fallback_.set_first_response_days(
        std::max(fallback_.first_response_days(), p.first_response_days()));
    fallback_.set_level2_after_days(std::max(fallback_.level2_after_days(), p.level2_after_days()));
  }
  // A configuration always has policies (validated); these only guard an empty one.
  if (fallback_.first_response_days() == 0) fallback_.set_first_response_days(7);
  if (fallback_.level2_after_days() == 0) fallback_.set_level2_after_days(2);
}

FirstResponsePlan SlaPolicies::PlanFirstResponse(const std::string& category,
                                                 absl::Time routed_at) const {
  auto it = by_category_.find(category);
  const sambat::v1::SlaPolicy& policy = it == by_category_.end() ? fallback_ : it->second;
  FirstResponsePlan plan;
  plan.starts_at = routed_at;
  plan.due_at = routed_at + absl::Hours(24) * policy.first_response_days();
  plan.escalations.push_back({1, plan.due_at});
  plan.escalations.push_back({2, plan.due_at + absl::Hours(24) * policy.level2_after_days()});
  return plan;
}

}  // namespace skk::sla

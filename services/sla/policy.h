#pragma once

// How long an agency has, and when late cases escalate. Pure: no I/O, unit-tested.
// Days are calendar days for now; the working-day calendar replaces them in a later change.

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"

namespace skk::sla {

struct EscalationStep {
  int level = 0;       // 1: agency head; 2: Sekda and mayor
  absl::Time due_at;   // when it fires if the deadline is still open
};

struct FirstResponsePlan {
  absl::Time starts_at;
  absl::Time due_at;
  std::vector<EscalationStep> escalations;
};

class SlaPolicies {
 public:
  // `city` must have passed ValidateCityConfig.
  explicit SlaPolicies(const sambat::v1::CityConfig& city);

  // The first-response deadline of a case of `category` routed at `routed_at`: level 1 at the
  // due time, level 2 a policy-defined number of days later. An unknown category (the
  // configuration changed since the complaint came in) gets the most generous policy of the
  // configuration (longest first response, longest wait before level 2) rather
  // than none: a case always has a deadline.
  FirstResponsePlan PlanFirstResponse(const std::string& category, absl::Time routed_at) const;

 private:
  std::map<std::string, sambat::v1::SlaPolicy> by_category_;
  sambat::v1::SlaPolicy fallback_;
};

}  // namespace skk::sla

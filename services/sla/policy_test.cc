// First-response deadlines and escalation times under the shipped Kota Malang policies.

#include "services/sla/policy.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "services/platform/city_config.h"
#include "services/platform/testing/test_env.h"

namespace skk::sla {
namespace {

const sambat::v1::CityConfig& Shipped() { return testing::ShippedCityConfig(); }

const absl::TimeZone& Wib() {
  static const absl::TimeZone zone = [] {
    absl::TimeZone z;
    REQUIRE(absl::LoadTimeZone("Asia/Jakarta", &z));
    return z;
  }();
  return zone;
}

absl::Time Wib(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), Wib());
}

const absl::Duration kDay = absl::Hours(24);

TEST_CASE("a fallen tree must be answered within three days, then escalates twice",
          "[sla]") {
  const SlaPolicies policies(Shipped());
  const absl::Time routed = Wib(2026, 3, 2, 9, 15);  // Monday morning
  const FirstResponsePlan plan = policies.PlanFirstResponse("pohon-tumbang", routed);

  CHECK(plan.starts_at == routed);
  CHECK(plan.due_at == routed + 3 * kDay);
  CHECK(plan.due_at == Wib(2026, 3, 5, 9, 15));
  REQUIRE(plan.escalations.size() == 2);
  CHECK(plan.escalations[0].level == 1);
  CHECK(plan.escalations[0].due_at == plan.due_at);
  CHECK(plan.escalations[1].level == 2);
  CHECK(plan.escalations[1].due_at == plan.due_at + 2 * kDay);  // level2_after_days: 2
  CHECK(plan.escalations[1].due_at == Wib(2026, 3, 7, 9, 15));
}

TEST_CASE("an ID card complaint must be answered within seven days", "[sla]") {
  const SlaPolicies policies(Shipped());
  const absl::Time routed = Wib(2026, 3, 2, 14, 0);
  const FirstResponsePlan plan = policies.PlanFirstResponse("adminduk", routed);
  CHECK(plan.due_at == routed + 7 * kDay);
  REQUIRE(plan.escalations.size() == 2);
  CHECK(plan.escalations[0].due_at == plan.due_at);
  CHECK(plan.escalations[1].due_at == plan.due_at + 2 * kDay);
}

TEST_CASE("every category's deadline follows its policy in the configuration", "[sla]") {
  const SlaPolicies policies(Shipped());
  const absl::Time routed = Wib(2026, 6, 15, 23, 59);
  for (const auto& p : Shipped().sla_policies()) {
    INFO(p.category());
    const FirstResponsePlan plan = policies.PlanFirstResponse(p.category(), routed);
    CHECK(plan.due_at == routed + p.first_response_days() * kDay);
    REQUIRE(plan.escalations.size() == 2);
    CHECK(plan.escalations[0].level == 1);
    CHECK(plan.escalations[0].due_at == plan.due_at);
    CHECK(plan.escalations[1].level == 2);
    CHECK(plan.escalations[1].due_at == plan.due_at + p.level2_after_days() * kDay);
  }
}

TEST_CASE("a case of a category no longer configured still gets the most generous deadline",
          "[sla]") {
  const SlaPolicies policies(Shipped());
  const absl::Time routed = Wib(2026, 3, 2, 9, 0);
  int max_days = 0;
  for (const auto& p : Shipped().sla_policies()) {
    max_days = std::max(max_days, p.first_response_days());
  }
  REQUIRE(max_days == 7);
  const FirstResponsePlan plan = policies.PlanFirstResponse("kategori-lama", routed);
  CHECK(plan.starts_at == routed);
  CHECK(plan.due_at == routed + max_days * kDay);
  REQUIRE(plan.escalations.size() == 2);
  CHECK(plan.escalations[0].due_at == plan.due_at);
  CHECK(plan.escalations[1].due_at > plan.due_at);
}

TEST_CASE("the fallback deadline grows with the longest policy in the configuration",
          "[sla]") {
  sambat::v1::CityConfig config = Shipped();
  for (auto& p : *config.mutable_sla_policies()) {
    if (p.category() == "perizinan") p.set_first_response_days(14);
  }
  const absl::Time routed = Wib(2026, 3, 2, 9, 0);
  CHECK(SlaPolicies(config).PlanFirstResponse("kategori-lama", routed).due_at ==
        routed + 14 * kDay);
}

// "The most generous policy" must also be the latest to reach Sekda and the mayor: a case of a
// removed category should not escalate to level 2 sooner than any configured category would.
TEST_CASE("the fallback policy waits as long as the longest level 2 delay in the configuration",
          "[sla]") {
  sambat::v1::CityConfig config = Shipped();
  for (auto& p : *config.mutable_sla_policies()) p.set_level2_after_days(5);
  const absl::Time routed = Wib(2026, 3, 2, 9, 0);
  const FirstResponsePlan plan = SlaPolicies(config).PlanFirstResponse("kategori-lama", routed);
  REQUIRE(plan.escalations.size() == 2);
  CHECK(plan.escalations[1].due_at - plan.due_at == 5 * kDay);
}

}  // namespace
}  // namespace skk::sla

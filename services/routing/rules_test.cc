// Which agency gets a complaint, under the shipped Kota Malang configuration.

#include "services/routing/rules.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "services/platform/city_config.h"
#include "services/platform/testing/test_env.h"

namespace skk::routing {
namespace {

const sambat::v1::CityConfig& Shipped() { return testing::ShippedCityConfig(); }

TEST_CASE("each category of Kota Malang reaches the agency responsible for it", "[routing]") {
  const RoutingRules rules(Shipped());
  const std::map<std::string, std::string> expected = {
      {"jalan-rusak", "dpuprpkp"},
      {"drainase-banjir", "dpuprpkp"},
      {"pohon-tumbang", "dlh"},
      {"sampah", "dlh"},
      {"penerangan-jalan-umum", "dishub"},
      {"lalu-lintas", "dishub"},
      {"parkir-liar", "dishub"},
      {"adminduk", "dispendukcapil"},
      {"kesehatan", "dinkes"},
      {"pendidikan", "disdikbud"},
      {"bansos", "dinsos-p3ap2kb"},
      {"perizinan", "dpmptsp"},
      {"ketertiban-umum", "satpol-pp"},
      {"bencana", "bpbd"},
      {"keamanan", "polresta"},
  };
  for (const auto& [category, agency] : expected) {
    INFO(category);
    const RoutingDecision d = rules.Route(category);
    CHECK(d.agency_code == agency);
    CHECK(d.rule_id == category);  // the shipped rules are named after their category
  }
}

TEST_CASE("a routed case carries the agency's name as citizens know it", "[routing]") {
  const RoutingRules rules(Shipped());
  CHECK(rules.Route("jalan-rusak").agency_name == "DPUPRPKP");
  CHECK(rules.Route("penerangan-jalan-umum").agency_name == "Dishub");
  CHECK(rules.Route("keamanan").agency_name == "Polresta Malang Kota");
}

TEST_CASE("every category with a rule is routed by that rule", "[routing]") {
  const RoutingRules rules(Shipped());
  for (const auto& r : Shipped().routing_rules()) {
    INFO(r.id());
    const RoutingDecision d = rules.Route(r.category());
    CHECK(d.agency_code == r.agency());
    CHECK(d.rule_id == r.id());
    CHECK_FALSE(d.agency_name.empty());
  }
}

TEST_CASE("a complaint no rule matches lands in the verifier's triage queue, never nowhere",
          "[routing]") {
  const RoutingRules rules(Shipped());
  for (const char* category : {"lainnya", "penampakan-ufo", ""}) {
    INFO("category '" << category << "'");
    const RoutingDecision d = rules.Route(category);
    CHECK(d.agency_code == "diskominfo");
    CHECK(d.agency_name == "Diskominfo");
    CHECK(d.rule_id.empty());
  }
}

TEST_CASE("a rule's id, not its category, names the rule that matched", "[routing]") {
  sambat::v1::CityConfig config = Shipped();
  for (auto& r : *config.mutable_routing_rules()) {
    if (r.category() == "sampah") r.set_id("sampah-ke-dlh-2026");
  }
  REQUIRE(ValidateCityConfig(config, "test").ok());
  const RoutingDecision d = RoutingRules(config).Route("sampah");
  CHECK(d.agency_code == "dlh");
  CHECK(d.rule_id == "sampah-ke-dlh-2026");
}

}  // namespace
}  // namespace skk::routing

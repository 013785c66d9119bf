// The city configuration: the shipped file loads, and each mistake an administrator can make
// is refused with a message that says where and what.

#include "services/platform/city_config.h"
#include "services/platform/testing/test_env.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"

namespace skk {
namespace {

std::string ShippedConfigPath() { return testing::SourcePath("deploy/config/kota-malang.textproto"); }

sambat::v1::CityConfig Shipped() {
  auto config = LoadCityConfig(ShippedConfigPath());
  REQUIRE(config.ok());
  return *config;
}

sambat::v1::Agency* FindAgency(sambat::v1::CityConfig& config, const std::string& code) {
  for (auto& a : *config.mutable_agencies()) {
    if (a.code() == code) return &a;
  }
  FAIL("no agency " << code);
  return nullptr;
}

// Validates `config` under the name "test.textproto" and returns the error message.
std::string ProblemWith(const sambat::v1::CityConfig& config) {
  const absl::Status st = ValidateCityConfig(config, "test.textproto");
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  const std::string message(st.message());
  CHECK_THAT(message, Catch::StartsWith("test.textproto: "));
  return message;
}

using testing::TempDir;

TEST_CASE("the shipped Kota Malang configuration loads", "[city_config]") {
  const sambat::v1::CityConfig config = Shipped();
  CHECK(config.city_name() == "Kota Malang");
  CHECK(config.time_zone() == "Asia/Jakarta");
  CHECK(config.verifier_agency() == "diskominfo");
  CHECK(config.leadership_size() == 2);
  CHECK(config.agencies_size() >= 15);
  CHECK(config.categories_size() == config.sla_policies_size());
  CHECK(ValidateCityConfig(config, "again").ok());
}

TEST_CASE("a routing rule naming an unknown agency is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  config.mutable_routing_rules(0)->set_agency("dinas-tidak-ada");
  const std::string message = ProblemWith(config);
  CHECK_THAT(message, Catch::Contains("unknown agency 'dinas-tidak-ada'"));
  CHECK_THAT(message, Catch::Contains(config.routing_rules(0).id()));
}

TEST_CASE("a routing rule naming an unknown category is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  auto* rule = config.add_routing_rules();
  rule->set_id("ufo");
  rule->set_category("penampakan-ufo");
  rule->set_agency("dishub");
  CHECK_THAT(ProblemWith(config), Catch::Contains("unknown category 'penampakan-ufo'"));
}

TEST_CASE("two routing rules for one category are refused as a tie", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  auto* rule = config.add_routing_rules();
  rule->set_id("jalan-rusak-dishub");
  rule->set_category("jalan-rusak");
  rule->set_agency("dishub");
  const std::string message = ProblemWith(config);
  CHECK_THAT(message, Catch::Contains("tie"));
  CHECK_THAT(message, Catch::Contains("'jalan-rusak'"));
}

TEST_CASE("a repeated routing rule id is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  config.mutable_routing_rules(1)->set_id(config.routing_rules(0).id());
  CHECK_THAT(ProblemWith(config), Catch::Contains("repeated id"));
}

TEST_CASE("a city agency whose cases would reach no one is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  FindAgency(config, "dlh")->clear_humas();
  const std::string message = ProblemWith(config);
  CHECK_THAT(message, Catch::Contains("'dlh'"));
  CHECK_THAT(message, Catch::Contains("no humas contact"));
}

TEST_CASE("an external partner needs no humas contact", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  FindAgency(config, "polresta")->clear_humas();
  CHECK(ValidateCityConfig(config, "test.textproto").ok());
}

TEST_CASE("an agency defined twice is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  *config.add_agencies() = config.agencies(0);
  CHECK_THAT(ProblemWith(config),
             Catch::Contains("agency '" + config.agencies(0).code() + "' is defined twice"));
}

TEST_CASE("an agency without a kind is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  FindAgency(config, "dinkes")->set_kind(sambat::v1::AGENCY_KIND_UNSPECIFIED);
  CHECK_THAT(ProblemWith(config), Catch::Contains("'dinkes' has no kind"));
}

TEST_CASE("a category defined twice is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  *config.add_categories() = config.categories(0);
  CHECK_THAT(ProblemWith(config), Catch::Contains("is defined twice"));
}

TEST_CASE("an unknown verifier agency is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  config.set_verifier_agency("kominfo-pusat");
  CHECK_THAT(ProblemWith(config),
             Catch::Contains("verifier_agency 'kominfo-pusat' is not a known agency"));
}

TEST_CASE("a time zone that is not an IANA zone is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  config.set_time_zone("Asia/Malang");
  CHECK_THAT(ProblemWith(config), Catch::Contains("time_zone 'Asia/Malang'"));
}

TEST_CASE("city bounds that are not a box on the map are refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  SECTION("swapped latitudes") {
    config.mutable_bounds()->set_min_latitude(-7.88);
    config.mutable_bounds()->set_max_latitude(-8.06);
  }
  SECTION("no bounds at all") { config.clear_bounds(); }
  SECTION("a longitude past 180") { config.mutable_bounds()->set_max_longitude(212.72); }
  CHECK_THAT(ProblemWith(config), Catch::Contains("bounds"));
}

TEST_CASE("a category without an sla policy is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  auto* policies = config.mutable_sla_policies();
  const std::string category = policies->Get(0).category();
  policies->erase(policies->begin());
  CHECK_THAT(ProblemWith(config),
             Catch::Contains("category '" + category + "' has no sla policy"));
}

TEST_CASE("an sla policy out of range or for an unknown category is refused",
          "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  SECTION("zero days to answer") {
    config.mutable_sla_policies(0)->set_first_response_days(0);
    CHECK_THAT(ProblemWith(config), Catch::Contains("first_response_days must be 1 to 30"));
  }
  SECTION("no level 2 delay") {
    config.mutable_sla_policies(0)->set_level2_after_days(0);
    CHECK_THAT(ProblemWith(config), Catch::Contains("level2_after_days must be 1 to 30"));
  }
  SECTION("unknown category") {
    auto* p = config.add_sla_policies();
    p->set_category("penampakan-ufo");
    p->set_first_response_days(3);
    p->set_level2_after_days(2);
    CHECK_THAT(ProblemWith(config),
               Catch::Contains("sla policy names unknown category 'penampakan-ufo'"));
  }
  SECTION("two policies for one category") {
    *config.add_sla_policies() = config.sla_policies(0);
    CHECK_THAT(ProblemWith(config), Catch::Contains("has two sla policies"));
  }
}

TEST_CASE("a configuration with no leadership for level 2 escalations is refused",
          "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  config.clear_leadership();
  CHECK_THAT(ProblemWith(config), Catch::Contains("leadership"));
}

TEST_CASE("every problem in a configuration is reported at once", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  config.set_verifier_agency("nobody");
  config.clear_leadership();
  config.set_time_zone("Mars/Olympus");
  const std::string message = ProblemWith(config);
  CHECK_THAT(message, Catch::Contains("verifier_agency 'nobody'"));
  CHECK_THAT(message, Catch::Contains("leadership"));
  CHECK_THAT(message, Catch::Contains("Mars/Olympus"));
}

TEST_CASE("a configuration file with a syntax error names the file and line",
          "[city_config]") {
  TempDir dir;
  const std::string path = dir.path() + "/broken.textproto";
  {
    std::ofstream out(path);
    out << "city_name: \"Kota Malang\"\n"
        << "time_zone: \"Asia/Jakarta\"\n"
        << "agencies { code: \"dlh\" kind: AGENCY_KIND_CITY\n"   // line 3
        << "  humas { name: \"Humas DLH\" emial: \"x@y\" }\n"    // line 4: misspelled field
        << "}\n";
  }
  auto config = LoadCityConfig(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  const std::string message(config.status().message());
  CHECK_THAT(message, Catch::Contains(path + ":4:"));
  CHECK_THAT(message, Catch::Contains("emial"));
}

TEST_CASE("a configuration file that parses but is invalid names the file", "[city_config]") {
  TempDir dir;
  const std::string path = dir.path() + "/empty.textproto";
  { std::ofstream out(path); out << "# nothing yet\n"; }
  auto config = LoadCityConfig(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(config.status().message()), Catch::StartsWith(path + ": "));
}

TEST_CASE("a missing configuration file is reported by name", "[city_config]") {
  TempDir dir;
  const std::string path = dir.path() + "/absent.textproto";
  auto config = LoadCityConfig(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(config.status().message()), Catch::Contains(path));
}

}  // namespace
}  // namespace skk

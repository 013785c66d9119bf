// The city configuration: the shipped file loads, and each mistake an administrator can make
// is refused with a message that says where and what.

#include "services/platform/city_config.h"
#include "services/platform/config_lines.h"
#include "services/platform/dev_mode.h"
#include "services/platform/testing/test_env.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

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

TEST_CASE("a nearby radius or resolved window out of bounds is refused", "[city_config]") {
  sambat::v1::CityConfig config = Shipped();
  config.mutable_categories(0)->set_nearby_radius_meters(5000);
  CHECK_THAT(ProblemWith(config), Catch::Contains("nearby_radius_meters must be 0"));
  config.mutable_categories(0)->set_nearby_radius_meters(80);
  config.set_nearby_resolved_days(-2);
  CHECK_THAT(ProblemWith(config), Catch::Contains("nearby_resolved_days must be -1"));
  config.set_nearby_resolved_days(-1);
  CHECK(ValidateCityConfig(config, "test.textproto").ok());
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
    CHECK_THAT(ProblemWith(config),
               Catch::Contains("first_response_days must be 3 to 7 working days, not 0"));
  }
  SECTION("more than seven working days to answer") {
    config.mutable_sla_policies(0)->set_first_response_days(10);
    CHECK_THAT(ProblemWith(config),
               Catch::Contains("first_response_days must be 3 to 7 working days, not 10"));
  }
  SECTION("no level 2 delay") {
    config.mutable_sla_policies(0)->set_level2_after_days(0);
    CHECK_THAT(ProblemWith(config),
               Catch::Contains("level2_after_days must be 1 to 10 working days, not 0"));
  }
  SECTION("a resolution shorter than the first response") {
    config.mutable_sla_policies(0)->set_resolution_working_days(2);
    CHECK_THAT(ProblemWith(config), Catch::Contains("resolution_working_days must be 0 (none)"));
  }
  SECTION("a reminder outside the clock") {
    auto* p = config.mutable_sla_policies(0);
    p->set_first_response_days(3);
    p->add_reminder_working_hours_before(0);
    CHECK_THAT(ProblemWith(config),
               Catch::Contains("reminder_working_hours_before has 0: each must be 1 to 71"));
  }
  SECTION("a reminder listed twice") {
    config.mutable_sla_policies(0)->add_reminder_working_hours_before(24);
    CHECK_THAT(ProblemWith(config),
               Catch::Contains("reminder_working_hours_before lists 24 twice"));
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

TEST_CASE("the production file replaces only the keys and the providers of the city's own file",
          "[city_config]") {
  TempDir dir;
  std::filesystem::copy_file(ShippedConfigPath(), dir.File("kota-malang.textproto"));
  std::filesystem::copy_file(
      testing::SourcePath("k8s/overlays/production/city-production.textproto"),
      dir.File("city-production.textproto"));
  auto production = LoadCityConfig(dir.File("city-production.textproto"));
  REQUIRE(production.ok());
  const sambat::v1::CityConfig city = Shipped();
  // The city's facts come from its own file, untouched.
  CHECK(production->agencies_size() == city.agencies_size());
  CHECK(production->routing_rules_size() == city.routing_rules_size());
  CHECK(production->notification().tracking_url() == city.notification().tracking_url());
  CHECK(production->notification().email().from() == city.notification().email().from());
  CHECK(production->notification().sms().body_template() ==
        city.notification().sms().body_template());
  CHECK(production->base_file().empty());
  // The development key is no longer trusted: a repeated field is replaced whole.
  REQUIRE(production->auth().public_keys_size() == 1);
  CHECK(production->auth().public_keys(0).file() == "staff-token-public.pem");
  CHECK(production->auth().signing_key().file() == "staff-token-signing.pem");
  CHECK(production->auth().issuer() == city.auth().issuer());
  CHECK(production->auth().max_token_lifetime_minutes() == 720);
  CHECK(absl::StartsWith(production->notification().email().url(), "smtps://"));
  CHECK(production->notification().sms().auth_value_file() == "sms-auth");
}

TEST_CASE("a deployment's file is checked over its base, and a base may not name a base",
          "[city_config]") {
  TempDir dir;
  std::filesystem::copy_file(ShippedConfigPath(), dir.File("kota-malang.textproto"));
  {
    std::ofstream out(dir.File("wrong.textproto"));
    out << "base_file: \"kota-malang.textproto\"\nverifier_agency: \"nope\"\n";
  }
  auto wrong = LoadCityConfig(dir.File("wrong.textproto"));
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(std::string(wrong.status().message()),
             Catch::Contains(dir.File("wrong.textproto") + " over "));
  CHECK_THAT(std::string(wrong.status().message()), Catch::Contains("nope"));
  {
    std::ofstream out(dir.File("chain.textproto"));
    out << "base_file: \"wrong.textproto\"\n";
  }
  auto chain = LoadCityConfig(dir.File("chain.textproto"));
  REQUIRE_FALSE(chain.ok());
  CHECK_THAT(std::string(chain.status().message()), Catch::Contains("may not name a base_file"));
  {
    std::ofstream out(dir.File("missing.textproto"));
    out << "base_file: \"nowhere.textproto\"\n";
  }
  auto missing = LoadCityConfig(dir.File("missing.textproto"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a missing configuration file is reported by name", "[city_config]") {
  TempDir dir;
  const std::string path = dir.path() + "/absent.textproto";
  auto config = LoadCityConfig(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(config.status().message()), Catch::Contains(path));
}

// --- Mistakes in a file, each reported at the line of the item at fault ---

// A small valid city; tests add the item at fault on lines of their own.
const std::string kSmallCity = std::string(testing::kTestCityHead) + R"pb(
agencies { code: "diskominfo" name: "Diskominfo" kind: AGENCY_KIND_CITY humas { name: "Humas" email: "h@uji.go.id" } }
agencies { code: "dishub" name: "Dishub" kind: AGENCY_KIND_CITY humas { name: "Humas" email: "h@uji.go.id" } }
agencies { code: "polresta" name: "Polresta" kind: AGENCY_KIND_EXTERNAL }
partners { agency: "polresta" protocol: "webhook" url: "https://polresta.uji.go.id/hook" secret_file: "polresta.secret" }
categories { code: "parkir-liar" name: "Parkir liar" }
sla_policies { category: "parkir-liar" first_response_days: 5 level2_after_days: 2 }
areas { code: "klojen" kind: AREA_KIND_KECAMATAN
        boundary_wkt: "POLYGON((112.615 -7.960, 112.640 -7.960, 112.640 -7.995, 112.615 -7.995, 112.615 -7.960))" }
areas { code: "klojen/kauman" kind: AREA_KIND_KELURAHAN parent: "klojen"
        boundary_wkt: "POLYGON((112.622 -7.976, 112.634 -7.976, 112.634 -7.988, 112.622 -7.988, 112.622 -7.976))" }
routing_rules { id: "parkir-liar" category: "parkir-liar" agency: "dishub" }
routing_rules { id: "parkir-liar-klojen" category: "parkir-liar" area: "klojen" agency: "polresta" }
)pb";

// The 1-based line of the first occurrence of `needle` in `text`.
int LineOf(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

// Writes kSmallCity with `extra` appended (and `replace` -> `with` done first), loads it
// and returns the error message; `path` is set to the file's path.
std::string ProblemInFile(const TempDir& dir, const std::string& text, std::string& path,
                          const std::string& name = "city.textproto") {
  path = dir.File(name);
  { std::ofstream out(path); out << text; }
  auto config = LoadCityConfig(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

// Asserts the message reports `what` at the line of `needle`.
void CheckReportedAt(const std::string& message, const std::string& path,
                     const std::string& text, const std::string& needle,
                     const std::string& what) {
  INFO(message);
  CHECK_THAT(message, Catch::Contains(absl::StrCat(path, ":", LineOf(text, needle), ": ", what)));
}

TEST_CASE("the small city of these tests is valid", "[city_config]") {
  TempDir dir;
  const std::string path = dir.File("city.textproto");
  { std::ofstream out(path); out << kSmallCity; }
  auto config = LoadCityConfig(path);
  INFO(config.status().ToString());
  CHECK(config.ok());
}

TEST_CASE("a rule naming an unknown agency, category or area is reported at its line",
          "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string text = std::string(kSmallCity) +
                           "routing_rules {\n"
                           "  id: \"tersesat\"\n"
                           "  category: \"penampakan-ufo\"\n"
                           "  area: \"atlantis\"\n"
                           "  agency: \"dinas-tidak-ada\"\n"
                           "}\n";
  const std::string message = ProblemInFile(dir, text, path);
  CheckReportedAt(message, path, text, "penampakan-ufo",
                  "routing rule 'tersesat' names unknown category 'penampakan-ufo'");
  CheckReportedAt(message, path, text, "atlantis",
                  "routing rule 'tersesat' names unknown area 'atlantis'");
  CheckReportedAt(message, path, text, "dinas-tidak-ada",
                  "routing rule 'tersesat' names unknown agency 'dinas-tidak-ada'");
}

TEST_CASE("two rules for the same category and area tie, reported at the second",
          "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string text = std::string(kSmallCity) +
      "routing_rules { id: \"parkir-liar-klojen-2\" category: \"parkir-liar\" area: \"klojen\" "
      "agency: \"dishub\" }\n";
  const std::string message = ProblemInFile(dir, text, path);
  CheckReportedAt(message, path, text, "parkir-liar-klojen-2",
                  absl::StrCat("routing rules tie: rule 'parkir-liar-klojen-2' and rule "
                               "'parkir-liar-klojen' (line ",
                               LineOf(text, "\"parkir-liar-klojen\""),
                               ") both route category 'parkir-liar' in area 'klojen'"));
}

TEST_CASE("rules for a kelurahan and for its kecamatan do not tie", "[city_config]") {
  sambat::v1::CityConfig config;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(kSmallCity, &config));
  auto* rule = config.add_routing_rules();
  rule->set_id("parkir-liar-kauman");
  rule->set_category("parkir-liar");
  rule->set_area("klojen/kauman");
  rule->set_agency("dishub");
  CHECK(ValidateCityConfig(config, "test").ok());
}

TEST_CASE("a city agency with no humas contact is reported at its line", "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string text =
      std::string(kSmallCity) + "agencies { code: \"dlh\" name: \"DLH\" kind: AGENCY_KIND_CITY }\n";
  CheckReportedAt(ProblemInFile(dir, text, path), path, text, "\"dlh\"",
                  "agency 'dlh' has no humas contact");
}

TEST_CASE("codes defined twice are reported at the second definition", "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string text =
      std::string(kSmallCity) +
      "agencies { code: \"dishub\" name: \"Dishub lagi\" kind: AGENCY_KIND_CITY "
      "humas { email: \"x@uji.go.id\" } }\n"
      "categories { code: \"parkir-liar\" name: \"Parkir liar lagi\" }\n"
      "areas { code: \"klojen\" name: \"Klojen lagi\" kind: AREA_KIND_KECAMATAN "
      "boundary_wkt: \"POLYGON((112.60 -8.00, 112.61 -8.00, 112.61 -8.01, 112.60 -8.00))\" }\n";
  const std::string message = ProblemInFile(dir, text, path);
  CheckReportedAt(message, path, text, "Dishub lagi", "agency 'dishub' is defined twice");
  CheckReportedAt(message, path, text, "Parkir liar lagi", "category 'parkir-liar' is defined twice");
  CheckReportedAt(message, path, text, "Klojen lagi", "area 'klojen' is defined twice");
}

TEST_CASE("an area boundary that is no usable polygon is reported at its line",
          "[city_config]") {
  struct Case {
    const char* name;
    const char* wkt;
    const char* what;
  };
  const Case cases[] = {
      {"not closed", "POLYGON((112.60 -8.00, 112.61 -8.00, 112.61 -8.01, 112.60 -8.01))",
       "boundary is not closed"},
      {"self-intersecting",
       "POLYGON((112.60 -8.00, 112.61 -8.01, 112.61 -8.00, 112.60 -8.01, 112.60 -8.00))",
       "boundary intersects itself"},
      {"two points", "POLYGON((112.60 -8.00, 112.61 -8.00, 112.60 -8.00))",
       "fewer than 3 distinct points"},
      {"not a polygon", "LINESTRING(112.60 -8.00, 112.61 -8.00)", "not a WKT POLYGON"},
      {"latitude first", "POLYGON((-8.00 112.60, -8.00 112.61, -8.01 112.61, -8.00 112.60))",
       "does not lie within the city bounds"},
      {"hole outside",
       "POLYGON((112.60 -8.00, 112.61 -8.00, 112.61 -8.01, 112.60 -8.01, 112.60 -8.00), "
       "(112.62 -8.00, 112.63 -8.00, 112.63 -8.01, 112.62 -8.01, 112.62 -8.00))",
       "not a valid polygon"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    TempDir dir;
    std::string path;
    const std::string text = std::string(kSmallCity) +
                             "areas {\n  code: \"sukun\"\n  kind: AREA_KIND_KECAMATAN\n"
                             "  boundary_wkt: \"" + c.wkt + "\"\n}\n";
    const std::string message = ProblemInFile(dir, text, path);
    CheckReportedAt(message, path, text, c.wkt, "area 'sukun'");
    CHECK_THAT(message, Catch::Contains(c.what));
  }
}

TEST_CASE("a kelurahan outside its kecamatan, or under no kecamatan, is refused",
          "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string text =
      std::string(kSmallCity) +
      "areas { code: \"klojen/jauh\" kind: AREA_KIND_KELURAHAN parent: \"klojen\"\n"
      "  boundary_wkt: \"POLYGON((112.60 -8.00, 112.61 -8.00, 112.61 -8.01, 112.60 -8.01, "
      "112.60 -8.00))\" }\n"
      "areas { code: \"yatim\" kind: AREA_KIND_KELURAHAN parent: \"klojen/kauman\"\n"
      "  boundary_wkt: \"POLYGON((112.625 -7.978, 112.63 -7.978, 112.63 -7.98, 112.625 -7.98, "
      "112.625 -7.978))\" }\n";
  const std::string message = ProblemInFile(dir, text, path);
  CheckReportedAt(message, path, text, "POLYGON((112.60 -8.00",
                  "kelurahan 'klojen/jauh' does not lie within its kecamatan 'klojen'");
  CheckReportedAt(message, path, text, "\"yatim\"",
                  "kelurahan 'yatim' names unknown kecamatan 'klojen/kauman' as parent");
}

TEST_CASE("two areas of one kind that overlap are refused, sharing a border is fine",
          "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string neighbour =
      "areas { code: \"blimbing\" kind: AREA_KIND_KECAMATAN\n"
      "  boundary_wkt: \"POLYGON((112.640 -7.960, 112.660 -7.960, 112.660 -7.995, "
      "112.640 -7.995, 112.640 -7.960))\" }\n";
  {
    const std::string path_ok = dir.File("neighbours.textproto");
    { std::ofstream out(path_ok); out << kSmallCity << neighbour; }
    auto config = LoadCityConfig(path_ok);
    INFO(config.status().ToString());
    CHECK(config.ok());
  }
  const std::string text =
      std::string(kSmallCity) +
      "areas { code: \"blimbing\" kind: AREA_KIND_KECAMATAN\n"
      "  boundary_wkt: \"POLYGON((112.630 -7.960, 112.660 -7.960, 112.660 -7.995, "
      "112.630 -7.995, 112.630 -7.960))\" }\n";
  CheckReportedAt(ProblemInFile(dir, text, path), path, text, "POLYGON((112.630",
                  "kecamatan 'blimbing' and 'klojen' overlap");
}

TEST_CASE("a verifier that is missing, unknown or external is refused", "[city_config]") {
  TempDir dir;
  std::string path;
  SECTION("missing: no line to name") {
    std::string text = kSmallCity;
    text.erase(text.find("verifier_agency"), std::string("verifier_agency: \"diskominfo\"\n").size());
    CHECK_THAT(ProblemInFile(dir, text, path),
               Catch::Contains(path + ": verifier_agency '' is not a known agency"));
  }
  SECTION("unknown") {
    std::string text = kSmallCity;
    text.replace(text.find("\"diskominfo\""), 12, "\"kominfo\"");
    CheckReportedAt(ProblemInFile(dir, text, path), path, text, "verifier_agency",
                    "verifier_agency 'kominfo' is not a known agency");
  }
  SECTION("external") {
    std::string text = kSmallCity;
    text.replace(text.find("\"diskominfo\""), 12, "\"polresta\"");
    CheckReportedAt(ProblemInFile(dir, text, path), path, text, "verifier_agency",
                    "verifier_agency 'polresta' is not a city agency");
  }
}

TEST_CASE("max_forwards out of range is reported at its line", "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string text = std::string(kSmallCity) + "max_forwards: -1\n";
  CheckReportedAt(ProblemInFile(dir, text, path), path, text, "max_forwards",
                  "max_forwards must be 0");
}

TEST_CASE("an auto-close window out of range, or a reminder not inside it, is reported at "
          "its line", "[city_config]") {
  TempDir dir;
  std::string path;
  std::string text = std::string(kSmallCity) + "auto_close_working_days: 61\n";
  CheckReportedAt(ProblemInFile(dir, text, path), path, text, "auto_close_working_days",
                  "auto_close_working_days must be -1 (never)");
  // The default reminder (2 working days before) does not fit in a 2-day window.
  text = std::string(kSmallCity) + "auto_close_working_days: 2\n"
                                   "auto_close_reminder_working_days: 0\n";
  CheckReportedAt(ProblemInFile(dir, text, path), path, text, "auto_close_reminder_working_days",
                  "auto_close_reminder_working_days must be -1 (no reminder)");
}

TEST_CASE("a text gateway that could not be verified or read, and keywords in capitals, are "
          "refused when the file loads", "[city_config]") {
  TempDir dir;
  std::string path;
  std::string text = std::string(kSmallCity) +
                     "text_messaging { fallback_category: \"parkir-liar\" gateways { "
                     "name: \"SMS Gateway\" channel: \"telegram\" sender_field: \"from\" "
                     "text_field: \"message\" message_id_field: \"id\" } }\n";
  const std::string message = ProblemInFile(dir, text, path);
  CHECK_THAT(message, Catch::Contains("name must be 1 to 32 lowercase letters"));
  CHECK_THAT(message, Catch::Contains("channel must be \"sms\" or \"whatsapp\""));
  CHECK_THAT(message, Catch::Contains("signature_header and secret_file are required"));
  text = std::string(kSmallCity) +
         "text_messaging { fallback_category: \"nope\" gateways { name: \"sms\" "
         "channel: \"sms\" sender_field: \"from\" text_field: \"message\" "
         "message_id_field: \"id\" signature_header: \"X-Signature\" "
         "secret_file: \"sms.secret\" } }\n";
  CHECK_THAT(ProblemInFile(dir, text, path),
             Catch::Contains("fallback_category 'nope' is not a category of the city"));
  // The shipped file's gateways and keywords load.
  CHECK(Shipped().text_messaging().gateways_size() == 2);
}

TEST_CASE("every mistake of a file is reported at once, each at its own line",
          "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string text = std::string(kSmallCity) +
                           "routing_rules { id: \"a\" category: \"parkir-liar\" area: \"x\" agency: \"dishub\" }\n"
                           "agencies { code: \"dlh\" name: \"DLH\" kind: AGENCY_KIND_CITY }\n";
  const std::string message = ProblemInFile(dir, text, path);
  CheckReportedAt(message, path, text, "area: \"x\"", "routing rule 'a' names unknown area 'x'");
  CheckReportedAt(message, path, text, "\"dlh\"", "agency 'dlh' has no humas contact");
}

TEST_CASE("a configuration in protobuf JSON loads, and its mistakes name their line",
          "[city_config]") {
  sambat::v1::CityConfig config;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(kSmallCity, &config));
  google::protobuf::util::JsonPrintOptions pretty;
  pretty.add_whitespace = true;
  TempDir dir;
  SECTION("valid") {
    std::string json;
    REQUIRE(google::protobuf::util::MessageToJsonString(config, &json, pretty).ok());
    const std::string path = dir.File("city.json");
    { std::ofstream out(path); out << json; }
    auto loaded = LoadCityConfig(path);
    INFO(loaded.status().ToString());
    REQUIRE(loaded.ok());
    CHECK(loaded->routing_rules(1).area() == "klojen");
  }
  SECTION("a rule naming an unknown agency") {
    config.mutable_routing_rules(1)->set_agency("dinas-tidak-ada");
    std::string json;
    REQUIRE(google::protobuf::util::MessageToJsonString(config, &json, pretty).ok());
    std::string path;
    CheckReportedAt(ProblemInFile(dir, json, path, "city.json"), path, json, "dinas-tidak-ada",
                    "routing rule 'parkir-liar-klojen' names unknown agency 'dinas-tidak-ada'");
  }
  SECTION("not JSON of a CityConfig") {
    std::string path;
    const std::string message =
        ProblemInFile(dir, "{\"cityName\": \"x\", \"kabupaten\": 1}", path, "city.json");
    CHECK_THAT(message, Catch::StartsWith(path + ": not a CityConfig in protobuf JSON"));
    CHECK_THAT(message, Catch::Contains("kabupaten"));
  }
}

TEST_CASE("the shipped Kota Malang areas and area rules are all there", "[city_config]") {
  const sambat::v1::CityConfig config = Shipped();
  std::set<std::string> kecamatan;
  int kelurahan = 0;
  for (const auto& a : config.areas()) {
    if (a.kind() == sambat::v1::AREA_KIND_KECAMATAN) kecamatan.insert(a.code());
    if (a.kind() == sambat::v1::AREA_KIND_KELURAHAN) ++kelurahan;
  }
  CHECK(kecamatan == std::set<std::string>{"blimbing", "kedungkandang", "klojen", "lowokwaru",
                                           "sukun"});
  CHECK(kelurahan >= 6);
  int area_rules = 0;
  for (const auto& r : config.routing_rules()) area_rules += r.area().empty() ? 0 : 1;
  CHECK(area_rules >= 3);
}

TEST_CASE("lines of a JSON file are found under either spelling of a field name",
          "[city_config]") {
  const std::string json =
      "{\n"
      "  \"bounds\": {\"minLatitude\": -8.06, \"max_latitude\": -7.88},\n"  // line 2
      "  \"routingRules\": [\n"                                            // line 3
      "    {\"id\": \"a\",\n"                                              // line 4
      "     \"agency\": \"dishub\"},\n"                                     // line 5
      "    {\"id\": \"b\", \"extra\": [[1, -2], {\"x\": null}], \"agency\": \"dlh\"}\n"  // line 6
      "  ],\n"
      "  \"verifier_agency\": \"diskominfo\"\n"                              // line 8
      "}\n";
  const ConfigLines lines = ConfigLines::FromJson(json);
  CHECK(lines.Of("bounds") == 2);
  CHECK(lines.Of("routing_rules") == 3);
  CHECK(lines.Of("routing_rules", 0) == 4);
  CHECK(lines.Of("routing_rules", 0, "agency") == 5);
  CHECK(lines.Of("routing_rules", 1, "agency") == 6);
  CHECK(lines.Of("routing_rules", 1, "area") == 6);  // absent: the element's line
  CHECK(lines.Of("verifier_agency") == 8);
  CHECK(lines.Of("areas", 0, "code") == 0);
  // Whatever the text, the walk ends and knows what it saw before the trouble.
  const ConfigLines broken = ConfigLines::FromJson("{\"a\": [1, 2,\n{\"b\" 3}}");
  CHECK(broken.Of("a") == 1);
  CHECK(ConfigLines::FromJson("").Of("a") == 0);
}

TEST_CASE("a partner channel the adapter could not use is reported at its entry",
          "[city_config]") {
  TempDir dir;
  std::string path;
  const std::string text =
      std::string(kSmallCity) +
      "partners { agency: \"dishub\" protocol: \"webhook\" url: \"https://x.go.id/\" "
      "secret_file: \"s\" }\n"
      "partners { agency: \"polresta\" protocol: \"open311\" url: \"ftp://polresta\" }\n"
      "partners { agency: \"kodim\" protocol: \"fax\" url: \"https://kodim.go.id/\" }\n";
  const std::string message = ProblemInFile(dir, text, path);
  CheckReportedAt(message, path, text, "partners { agency: \"dishub\"",
                  "partner 'dishub': is a city agency");
  CheckReportedAt(message, path, text, "ftp://polresta",
                  "partner 'polresta': has two channels");
  CheckReportedAt(message, path, text, "ftp://polresta",
                  "partner 'polresta': url must be an http:// or https:// URL");
  CheckReportedAt(message, path, text, "ftp://polresta",
                  "partner 'polresta': an open311 partner needs service_codes or a "
                  "default_service_code");
  CheckReportedAt(message, path, text, "protocol: \"fax\"",
                  "partner 'kodim': agency is not a known agency");
  CheckReportedAt(message, path, text, "protocol: \"fax\"",
                  "partner 'kodim': protocol must be \"open311\" or \"webhook\"");
}

TEST_CASE("an external agency without a partner channel, or a webhook without a secret, is "
          "refused", "[city_config]") {
  TempDir dir;
  std::string path;
  std::string text = kSmallCity;
  const std::string entry =
      "partners { agency: \"polresta\" protocol: \"webhook\" url: \"https://polresta.uji.go.id/hook\" "
      "secret_file: \"polresta.secret\" }\n";
  REQUIRE(absl::StrContains(text, entry));
  text.replace(text.find(entry), entry.size(),
               "partners { agency: \"polresta\" protocol: \"webhook\" url: \"https://p.go.id/\" }\n");
  CHECK_THAT(ProblemInFile(dir, text, path),
             Catch::Contains("partner 'polresta': a webhook partner needs a secret_file"));
  text.replace(text.find("partners {"), text.find("}\n", text.find("partners {")) + 2 -
                                            text.find("partners {"), "");
  CHECK_THAT(ProblemInFile(dir, text, path),
             Catch::Contains("external agency 'polresta' has no entry in partners"));
}


TEST_CASE("a shared secret is read beside the configuration, and the public development one "
          "only in development mode", "[city_config]") {
  TempDir dir;
  const std::string config = dir.File("city.textproto");
  std::ofstream(dir.File("dev.secret")) << kDevPartnerSecret << "\n";
  std::ofstream(dir.File("short.secret")) << "pendek\n";
  std::ofstream(dir.File("real.secret")) << "a-secret-agreed-with-the-partner\n";
  auto read = [&](const std::string& file, bool dev) {
    return ReadSharedSecret({.file = file, .what = "partner 'kejari' secret_file",
                             .public_dev_secret = kDevPartnerSecret, .doc = "docs/partners.md"},
                            config, dev);
  };
  CHECK(*read("real.secret", false) == "a-secret-agreed-with-the-partner");
  CHECK(*read("dev.secret", true) == kDevPartnerSecret);
  const auto refused = read("dev.secret", false);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains("partner 'kejari' secret_file holds the repository's public "
                             "development secret"));
  CHECK(read("short.secret", true).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(read("missing.secret", true).status().code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace skk

// Which agency gets a complaint: the most specific rule for its category and point, else the
// verifier's triage queue. First on a small city built to show each rule of precedence, then
// under the shipped Kota Malang configuration.

#include "services/routing/rules.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "services/platform/city_config.h"
#include "services/platform/testing/test_env.h"
#include "services/routing/test_city.h"

namespace skk::routing {
namespace {

using routing::testing::TestCity;

// Points of the test city (see test_city.h).
constexpr GeoPoint kUtaraBarat{-7.92, 112.61};
constexpr GeoPoint kUtaraTimur{-7.92, 112.64};
constexpr GeoPoint kSelatanBarat{-7.97, 112.61};
constexpr GeoPoint kSelatanTimur{-7.97, 112.64};  // in the kecamatan, in no kelurahan
constexpr GeoPoint kOutside{-7.85, 112.62};

// Where a complaint at `where` goes: the agency, the rule that matched, and where the point
// lies (`area`: its kelurahan, or its kecamatan where no kelurahan of it is mapped; never the
// rule's area) with its kecamatan.
struct Expected {
  GeoPoint where;
  const char* agency;
  const char* rule;
  const char* area;
  const char* kecamatan;
};

// Routes a complaint of `category` at each point of `expected` and checks its decision.
void CheckRoutes(const RoutingRules& rules, const std::string& category,
                 const std::vector<Expected>& expected) {
  for (const Expected& e : expected) {
    INFO(category << " at " << e.where.latitude << ", " << e.where.longitude);
    const RoutingDecision d = rules.Route(category, e.where);
    CHECK(d.agency_code == e.agency);
    CHECK(d.rule_id == e.rule);
    CHECK(d.area_code == e.area);
    CHECK(d.kecamatan_code == e.kecamatan);
  }
}

TEST_CASE("a kelurahan rule beats its kecamatan's, which beats the category's", "[routing]") {
  const RoutingRules rules(TestCity());
  CheckRoutes(rules, "parkir-liar",
              {{kUtaraTimur, "dlh", "parkir-liar-utara-timur", "utara/timur", "utara"},
               {kUtaraBarat, "satpol-pp", "parkir-liar-utara", "utara/barat", "utara"},
               {kSelatanBarat, "dishub", "parkir-liar", "selatan/barat", "selatan"}});

  const RoutingDecision kelurahan = rules.Route("parkir-liar", kUtaraTimur);
  CHECK(kelurahan.agency_name == "DLH");
  CHECK_FALSE(kelurahan.external);
  CHECK(kelurahan.reason == "rule parkir-liar-utara-timur: parkir-liar in kelurahan utara/timur");
  CHECK(rules.Route("parkir-liar", kUtaraBarat).reason ==
        "rule parkir-liar-utara: parkir-liar in kecamatan utara");
  CHECK(rules.Route("parkir-liar", kSelatanBarat).reason == "rule parkir-liar: parkir-liar");
}

TEST_CASE("a point in a kecamatan but in no kelurahan of it is matched by the kecamatan",
          "[routing]") {
  CheckRoutes(RoutingRules(TestCity()), "sampah",
              {{kSelatanTimur, "dlh", "sampah-selatan", "selatan", "selatan"}});
}

TEST_CASE("without a location or outside every area only a rule with no area matches",
          "[routing]") {
  const RoutingRules rules(TestCity());
  for (const RoutingDecision& d :
       {rules.Route("parkir-liar"), rules.Route("parkir-liar", std::nullopt),
        rules.Route("parkir-liar", kOutside)}) {
    CHECK(d.agency_code == "dishub");
    CHECK(d.rule_id == "parkir-liar");
    CHECK(d.area_code.empty());
    CHECK(d.kecamatan_code.empty());
  }
}

TEST_CASE("what no rule matches lands in the verifier's triage queue, never nowhere", "[routing]") {
  const RoutingRules rules(TestCity());
  SECTION("a category with rules only for other areas") {
    const RoutingDecision d = rules.Route("sampah", kUtaraTimur);
    CHECK(d.agency_code == "diskominfo");
    CHECK(d.agency_name == "Diskominfo");
    CHECK(d.rule_id.empty());
    CHECK(d.area_code == "utara/timur");
    CHECK(d.reason == "no rule for category sampah in utara/timur: verifier triage");
    CHECK(rules.Route("sampah").agency_code == "diskominfo");
  }
  SECTION("a category with no rule, or one the city does not know") {
    for (const char* category : {"lainnya", "penampakan-ufo", ""}) {
      INFO("category '" << category << "'");
      const RoutingDecision d = rules.Route(category, kSelatanBarat);
      CHECK(d.agency_code == "diskominfo");
      CHECK(d.rule_id.empty());
      CHECK_FALSE(d.external);
    }
    CHECK(rules.Route("lainnya").reason == "no rule for category lainnya: verifier triage");
  }
}

TEST_CASE("a complaint for an external partner is marked for its outbound adapter", "[routing]") {
  const RoutingRules rules(TestCity());
  const RoutingDecision d = rules.Route("keamanan", kUtaraBarat);
  CHECK(d.agency_code == "polresta");
  CHECK(d.external);
  CHECK_THAT(d.reason, Catch::Contains("external"));
  CHECK(rules.Route("keamanan").external);
}

TEST_CASE("a point on a border is routed, the same way whatever the order of the file",
          "[routing]") {
  sambat::v1::CityConfig city = TestCity();
  const RoutingRules as_written(city);
  std::reverse(city.mutable_areas()->begin(), city.mutable_areas()->end());
  std::reverse(city.mutable_routing_rules()->begin(), city.mutable_routing_rules()->end());
  const RoutingRules reversed(city);

  // Between two kelurahan of utara: the code that sorts first, utara/barat.
  const GeoPoint inner_border{-7.92, 112.625};
  // Between utara/barat and selatan/barat, so between the two kecamatan too.
  const GeoPoint kecamatan_border{-7.95, 112.61};
  // On the outer edge and on a corner of the mapped ground.
  const GeoPoint outer_edge{-7.92, 112.60};
  const GeoPoint corner{-7.90, 112.60};
  for (const RoutingRules* rules : {&as_written, &reversed}) {
    CHECK(rules->Route("parkir-liar", inner_border).rule_id == "parkir-liar-utara");
    CHECK(rules->Route("parkir-liar", inner_border).area_code == "utara/barat");
    const RoutingDecision d = rules->Route("parkir-liar", kecamatan_border);
    CHECK(d.area_code == "selatan/barat");
    CHECK(d.kecamatan_code == "selatan");  // the kelurahan's own kecamatan, never a mix
    CHECK(d.rule_id == "parkir-liar");
    CHECK(rules->Route("parkir-liar", outer_edge).area_code == "utara/barat");
    CHECK(rules->Route("parkir-liar", corner).area_code == "utara/barat");
  }
}

TEST_CASE("agencies, the verifier and the forward limit are known to the rules", "[routing]") {
  sambat::v1::CityConfig city = TestCity();
  const RoutingRules rules(city);
  REQUIRE(rules.FindAgency("polresta") != nullptr);
  CHECK(rules.FindAgency("polresta")->kind() == sambat::v1::AGENCY_KIND_EXTERNAL);
  CHECK(rules.FindAgency("dishub")->name() == "Dishub");
  CHECK(rules.FindAgency("dinas-tidak-ada") == nullptr);
  CHECK(rules.verifier_code() == "diskominfo");
  CHECK(rules.max_forwards() == 3);  // 0 in the file: the default
  city.set_max_forwards(5);
  CHECK(RoutingRules(city).max_forwards() == 5);
}

// --- Kota Malang, as shipped ---

const sambat::v1::CityConfig& Shipped() { return skk::testing::ShippedCityConfig(); }

// Landmarks, latitude then longitude.
constexpr GeoPoint kAlunAlunMerdeka{-7.9826, 112.6308};       // Klojen, kelurahan Kauman
constexpr GeoPoint kStasiunKotaBaru{-7.9775, 112.6370};       // Klojen, kelurahan Kiduldalem
constexpr GeoPoint kLapanganRampal{-7.9688, 112.6417};        // Blimbing, kelurahan Kesatrian
constexpr GeoPoint kTerminalArjosari{-7.9334, 112.6585};      // Blimbing, kelurahan Arjosari
constexpr GeoPoint kUniversitasBrawijaya{-7.9525, 112.6145};  // Lowokwaru, Ketawanggede
constexpr GeoPoint kSawojajar{-7.9720, 112.6680};             // Kedungkandang, Sawojajar
constexpr GeoPoint kPasarGadang{-8.0150, 112.6270};           // Sukun, no kelurahan mapped

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
    CHECK(d.rule_id == category);  // the shipped rules for anywhere are named after their category
    CHECK(d.external == (agency == "polresta"));
  }
}

TEST_CASE("a routed case carries the agency's name as citizens know it", "[routing]") {
  const RoutingRules rules(Shipped());
  CHECK(rules.Route("jalan-rusak").agency_name == "DPUPRPKP");
  CHECK(rules.Route("penerangan-jalan-umum").agency_name == "Dishub");
  CHECK(rules.Route("keamanan").agency_name == "Polresta Malang Kota");
}

TEST_CASE("every rule of Kota Malang with no area routes its category anywhere", "[routing]") {
  const RoutingRules rules(Shipped());
  for (const auto& r : Shipped().routing_rules()) {
    if (!r.area().empty()) continue;
    INFO(r.id());
    for (const auto& where : {std::optional<GeoPoint>(), std::optional(kPasarGadang)}) {
      const RoutingDecision d = rules.Route(r.category(), where);
      CHECK(d.agency_code == r.agency());
      CHECK(d.rule_id == r.id());
      CHECK_FALSE(d.agency_name.empty());
    }
  }
}

TEST_CASE("Kota Malang's landmarks lie in their kecamatan and kelurahan", "[routing]") {
  const RoutingRules rules(Shipped());
  const Areas& areas = rules.areas();
  const std::map<std::string, std::pair<GeoPoint, AreaMatch>> expected = {
      {"Alun-Alun Merdeka", {kAlunAlunMerdeka, {"klojen/kauman", "klojen"}}},
      {"Stasiun Malang Kota Baru", {kStasiunKotaBaru, {"klojen/kiduldalem", "klojen"}}},
      {"Lapangan Rampal", {kLapanganRampal, {"blimbing/kesatrian", "blimbing"}}},
      {"Terminal Arjosari", {kTerminalArjosari, {"blimbing/arjosari", "blimbing"}}},
      {"Universitas Brawijaya", {kUniversitasBrawijaya, {"lowokwaru/ketawanggede", "lowokwaru"}}},
      {"Sawojajar", {kSawojajar, {"kedungkandang/sawojajar", "kedungkandang"}}},
      {"Pasar Gadang", {kPasarGadang, {"", "sukun"}}},
  };
  for (const auto& [name, where] : expected) {
    INFO(name);
    const AreaMatch found = areas.Locate(where.first);
    CHECK(found.kelurahan == where.second.kelurahan);
    CHECK(found.kecamatan == where.second.kecamatan);
  }
}

TEST_CASE("illegal parking in Kota Malang goes by where it is", "[routing]") {
  CheckRoutes(
      RoutingRules(Shipped()), "parkir-liar",
      {// Kayutangan Heritage (kelurahan Kauman): Dishub's parking unit.
       {kAlunAlunMerdeka, "dishub", "parkir-liar-kauman", "klojen/kauman", "klojen"},
       // Elsewhere in Klojen, the city centre: Satpol PP.
       {kStasiunKotaBaru, "satpol-pp", "parkir-liar-klojen", "klojen/kiduldalem", "klojen"},
       // Elsewhere in the city: Dishub, by the rule for anywhere.
       {kUniversitasBrawijaya, "dishub", "parkir-liar", "lowokwaru/ketawanggede", "lowokwaru"}});
}

TEST_CASE("public order in the Rampal military complex goes to Kodim 0833's adapter", "[routing]") {
  const RoutingRules rules(Shipped());
  CheckRoutes(rules, "ketertiban-umum",
              {{kLapanganRampal, "kodim-0833", "ketertiban-umum-kesatrian", "blimbing/kesatrian",
                "blimbing"},
               {kTerminalArjosari, "satpol-pp", "ketertiban-umum", "blimbing/arjosari",
                "blimbing"}});
  const RoutingDecision rampal = rules.Route("ketertiban-umum", kLapanganRampal);
  CHECK(rampal.agency_name == "Kodim 0833");
  CHECK(rampal.external);
  CHECK_FALSE(rules.Route("ketertiban-umum", kTerminalArjosari).external);
}

TEST_CASE("a Malang complaint no rule matches goes to Diskominfo's triage", "[routing]") {
  const RoutingRules rules(Shipped());
  for (const char* category : {"lainnya", "penampakan-ufo", ""}) {
    INFO("category '" << category << "'");
    const RoutingDecision d = rules.Route(category, kSawojajar);
    CHECK(d.agency_code == "diskominfo");
    CHECK(d.agency_name == "Diskominfo");
    CHECK(d.rule_id.empty());
    CHECK(d.area_code == "kedungkandang/sawojajar");
  }
  CHECK(rules.verifier_code() == "diskominfo");
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

#pragma once

// A small city for routing's unit tests, shaped so every rule of precedence shows:
//
//   lat -7.90  +-------------+-------------+
//              | utara/barat | utara/timur |   kecamatan "utara"
//   lat -7.95  +-------------+-------------+
//              |selatan/barat|             |   kecamatan "selatan"
//   lat -8.00  +-------------+-------------+
//          lon 112.60     112.625       112.65
//
// parkir-liar: anywhere -> dishub, in utara -> satpol-pp, in utara/timur -> dlh;
// sampah: only in selatan -> dlh; keamanan: anywhere -> polresta (external);
// lainnya: no rule (verifier triage at diskominfo).

#include <string>

#include <catch2/catch.hpp>

#include "google/protobuf/text_format.h"
#include "sambat/v1/config.pb.h"
#include "services/platform/city_config.h"
#include "services/platform/testing/test_env.h"

namespace skk::routing::testing {

inline std::string TestCityText() {
  return std::string(skk::testing::kTestCityHead) + R"pb(
agencies { code: "diskominfo" name: "Diskominfo" kind: AGENCY_KIND_CITY humas { name: "Humas" email: "humas.diskominfo@uji.go.id" } }
agencies { code: "dishub" name: "Dishub" kind: AGENCY_KIND_CITY humas { name: "Humas" email: "humas.dishub@uji.go.id" } }
agencies { code: "satpol-pp" name: "Satpol PP" kind: AGENCY_KIND_CITY humas { name: "Humas" email: "humas.satpol-pp@uji.go.id" } }
agencies { code: "dlh" name: "DLH" kind: AGENCY_KIND_CITY humas { name: "Humas" email: "humas.dlh@uji.go.id" } }
agencies { code: "polresta" name: "Polresta" kind: AGENCY_KIND_EXTERNAL }
partners { agency: "polresta" protocol: "webhook" url: "https://polresta.uji.go.id/hook" secret_file: "polresta.secret" }
categories { code: "parkir-liar" name: "Parkir liar" }
categories { code: "sampah" name: "Sampah" }
categories { code: "keamanan" name: "Keamanan" }
categories { code: "lainnya" name: "Lainnya" }
sla_policies { category: "parkir-liar" first_response_days: 5 level2_after_days: 2 }
sla_policies { category: "sampah" first_response_days: 5 level2_after_days: 2 }
sla_policies { category: "keamanan" first_response_days: 3 level2_after_days: 2 }
sla_policies { category: "lainnya" first_response_days: 7 level2_after_days: 2 }
areas { code: "utara" name: "Utara" kind: AREA_KIND_KECAMATAN
        boundary_wkt: "POLYGON((112.60 -7.90, 112.65 -7.90, 112.65 -7.95, 112.60 -7.95, 112.60 -7.90))" }
areas { code: "selatan" name: "Selatan" kind: AREA_KIND_KECAMATAN
        boundary_wkt: "POLYGON((112.60 -7.95, 112.65 -7.95, 112.65 -8.00, 112.60 -8.00, 112.60 -7.95))" }
areas { code: "utara/barat" name: "Utara Barat" kind: AREA_KIND_KELURAHAN parent: "utara"
        boundary_wkt: "POLYGON((112.60 -7.90, 112.625 -7.90, 112.625 -7.95, 112.60 -7.95, 112.60 -7.90))" }
areas { code: "utara/timur" name: "Utara Timur" kind: AREA_KIND_KELURAHAN parent: "utara"
        boundary_wkt: "POLYGON((112.625 -7.90, 112.65 -7.90, 112.65 -7.95, 112.625 -7.95, 112.625 -7.90))" }
areas { code: "selatan/barat" name: "Selatan Barat" kind: AREA_KIND_KELURAHAN parent: "selatan"
        boundary_wkt: "POLYGON((112.60 -7.95, 112.625 -7.95, 112.625 -8.00, 112.60 -8.00, 112.60 -7.95))" }
routing_rules { id: "parkir-liar" category: "parkir-liar" agency: "dishub" }
routing_rules { id: "parkir-liar-utara" category: "parkir-liar" area: "utara" agency: "satpol-pp" }
routing_rules { id: "parkir-liar-utara-timur" category: "parkir-liar" area: "utara/timur" agency: "dlh" }
routing_rules { id: "sampah-selatan" category: "sampah" area: "selatan" agency: "dlh" }
routing_rules { id: "keamanan" category: "keamanan" agency: "polresta" }
)pb";
}

inline sambat::v1::CityConfig TestCity() {
  sambat::v1::CityConfig city;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(TestCityText(), &city));
  const absl::Status valid = ValidateCityConfig(city, "test city");
  INFO(valid.ToString());
  REQUIRE(valid.ok());
  return city;
}

}  // namespace skk::routing::testing

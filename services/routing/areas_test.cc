// Which kecamatan and kelurahan a point lies in.

#include "services/routing/areas.h"

#include <catch2/catch.hpp>

#include "services/routing/test_city.h"

namespace skk::routing {
namespace {

TEST_CASE("a point lies in its kelurahan and that kelurahan's kecamatan", "[routing]") {
  const Areas areas(testing::TestCity().areas());
  const AreaMatch m = areas.Locate({-7.93, 112.63});
  CHECK(m.kelurahan == "utara/timur");
  CHECK(m.kecamatan == "utara");
}

TEST_CASE("a point in a kecamatan outside its mapped kelurahan has only the kecamatan",
          "[routing]") {
  const Areas areas(testing::TestCity().areas());
  const AreaMatch m = areas.Locate({-7.99, 112.64});
  CHECK(m.kelurahan.empty());
  CHECK(m.kecamatan == "selatan");
}

TEST_CASE("a point outside every area lies in none", "[routing]") {
  const Areas areas(testing::TestCity().areas());
  for (const GeoPoint p : {GeoPoint{-7.89, 112.62}, GeoPoint{-7.92, 112.599999},
                           GeoPoint{-8.01, 112.62}, GeoPoint{0, 0}}) {
    const AreaMatch m = areas.Locate(p);
    CHECK(m.kelurahan.empty());
    CHECK(m.kecamatan.empty());
  }
  CHECK(Areas().Locate({-7.93, 112.63}).kecamatan.empty());
}

TEST_CASE("latitude and longitude are not swapped on the way to the map", "[routing]") {
  const Areas areas(testing::TestCity().areas());
  // The same numbers the other way round are nowhere near the city.
  CHECK(areas.Locate({112.63, -7.93}).kecamatan.empty());
}

TEST_CASE("an area is found by its code", "[routing]") {
  const Areas areas(testing::TestCity().areas());
  REQUIRE(areas.Find("utara/barat") != nullptr);
  CHECK(areas.Find("utara/barat")->name() == "Utara Barat");
  CHECK(areas.Find("utara/barat")->parent() == "utara");
  CHECK(areas.Find("barat") == nullptr);
}

TEST_CASE("a copy of the areas answers the same", "[routing]") {
  const Areas original(testing::TestCity().areas());
  const Areas copy = original;
  CHECK(copy.Locate({-7.93, 112.61}).kelurahan == "utara/barat");
}

TEST_CASE("a boundary drawn the other way round covers the same ground", "[routing]") {
  sambat::v1::CityConfig city = testing::TestCity();
  for (auto& area : *city.mutable_areas()) {
    if (area.code() != "selatan") continue;
    // Counter-clockwise: the same square as in test_city.h, walked the other way.
    area.set_boundary_wkt(
        "POLYGON((112.60 -7.95, 112.60 -8.00, 112.65 -8.00, 112.65 -7.95, 112.60 -7.95))");
  }
  REQUIRE(ValidateCityConfig(city, "test").ok());
  const Areas areas(city.areas());
  CHECK(areas.Locate({-7.99, 112.64}).kecamatan == "selatan");
  CHECK(areas.Locate({-8.00, 112.64}).kecamatan == "selatan");  // on its edge
  CHECK(areas.Locate({-8.01, 112.64}).kecamatan.empty());
}

}  // namespace
}  // namespace skk::routing

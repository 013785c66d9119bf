// "Already reported nearby": distances, the box an index searches, likeness of words, and the
// order a citizen sees.

#include "services/intake/nearby.h"

#include <catch2/catch.hpp>

#include "services/platform/events.h"

namespace skk::intake {
namespace {

namespace v1 = sambat::v1;

v1::GeoPoint Point(double latitude, double longitude) {
  v1::GeoPoint p;
  p.set_latitude(latitude);
  p.set_longitude(longitude);
  return p;
}

v1::NearbyComplaint Found(const std::string& ticket, int meters, double similarity,
                          absl::Time submitted = absl::UnixEpoch()) {
  v1::NearbyComplaint n;
  n.mutable_complaint()->set_ticket(ticket);
  *n.mutable_complaint()->mutable_submitted_at() = ToProtoTime(submitted);
  n.set_distance_meters(meters);
  n.set_similarity(similarity);
  return n;
}

TEST_CASE("distances across Malang come out in metres", "[unit][duplicates]") {
  // Alun-alun Merdeka to Balai Kota Malang: about 700 m as the crow flies.
  const double d = DistanceMeters(Point(-7.98247, 112.63068), Point(-7.97718, 112.63420));
  CHECK(d > 650);
  CHECK(d < 720);
  CHECK(DistanceMeters(Point(-7.98, 112.63), Point(-7.98, 112.63)) == 0);
  // A thousandth of a degree north is 111 m anywhere.
  CHECK(DistanceMeters(Point(-7.98, 112.63), Point(-7.979, 112.63)) == Approx(111.2).margin(0.1));
}

TEST_CASE("the box around a point holds every point within the radius", "[unit][duplicates]") {
  const v1::GeoPoint center = Point(-7.9826, 112.6308);
  const GeoBox box = BoxAround(center, 50);
  for (const v1::GeoPoint& edge :
       {Point(box.min_latitude, center.longitude()), Point(box.max_latitude, center.longitude()),
        Point(center.latitude(), box.min_longitude), Point(center.latitude(), box.max_longitude)}) {
    CHECK(DistanceMeters(center, edge) == Approx(50).margin(0.5));
  }
}

TEST_CASE("words alike count what they share, not the words every complaint uses",
          "[unit][duplicates]") {
  CHECK(WordSimilarity("Jalan berlubang di depan SDN Kauman",
                       "jalan BERLUBANG di depan sdn kauman!") == 1.0);
  CHECK(WordSimilarity("Jalan berlubang", "Lampu jalan mati") == Approx(1.0 / 4));
  // "mohon", "segera", "yang", "di" say nothing of the problem.
  CHECK(WordSimilarity("mohon segera yang di", "mohon segera yang di") == 0);
  CHECK(WordSimilarity("", "jalan berlubang") == 0);
  // Words in any script are words; a UTF-8 sequence is not split.
  CHECK(WordSimilarity("jalan rusak café", "café rusak") == Approx(2.0 / 3));
}

TEST_CASE("the category's radius and the resolved window have defaults", "[unit][duplicates]") {
  v1::Category category;
  CHECK(NearbyRadiusMeters(category) == 50);
  category.set_nearby_radius_meters(150);
  CHECK(NearbyRadiusMeters(category) == 150);

  const absl::Time now = absl::FromUnixSeconds(1800000000);
  v1::CityConfig city;
  CHECK(NearbyResolvedSince(city, now) == now - absl::Hours(24 * 30));
  city.set_nearby_resolved_days(7);
  CHECK(NearbyResolvedSince(city, now) == now - absl::Hours(24 * 7));
  city.set_nearby_resolved_days(-1);
  CHECK_FALSE(NearbyResolvedSince(city, now).has_value());
}

TEST_CASE("nearness and likeness of words rank the complaints, then the nearer, then the newer",
          "[unit][duplicates]") {
  const absl::Time t0 = absl::FromUnixSeconds(1800000000);
  std::vector<v1::NearbyComplaint> found = {
      Found("near-unlike", 5, 0.0), Found("further-alike", 30, 0.8), Found("outside", 51, 1.0),
      Found("older-twin", 20, 0.2, t0), Found("newer-twin", 20, 0.2, t0 + absl::Hours(1))};
  RankNearby(found, 50);
  std::vector<std::string> order;
  for (const auto& n : found) order.push_back(n.complaint().ticket());
  CHECK(order ==
        std::vector<std::string>{"further-alike", "near-unlike", "newer-twin", "older-twin"});

  std::vector<v1::NearbyComplaint> many;
  for (int i = 0; i < 9; ++i) many.push_back(Found(std::to_string(i), i, 0));
  RankNearby(many, 50);
  REQUIRE(many.size() == kMaxNearbyComplaints);
  CHECK(many.front().complaint().ticket() == "0");
}

}  // namespace
}  // namespace skk::intake

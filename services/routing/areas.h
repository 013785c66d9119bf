#pragma once

// The kecamatan and kelurahan of the city (sambat.v1.Area) and which of them a point lies in.
// Pure: no I/O, unit-tested.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/repeated_ptr_field.h"
#include "sambat/v1/common.pb.h"
#include "sambat/v1/config.pb.h"

namespace skk::routing {

// A point on the map, WGS84 degrees.
struct GeoPoint {
  double latitude = 0;
  double longitude = 0;
};

// The point of a complaint, or none when the citizen sent none (`has` is the proto's
// has_location()).
inline std::optional<GeoPoint> PointOf(bool has, const sambat::v1::GeoPoint& location) {
  if (!has) return std::nullopt;
  return GeoPoint{location.latitude(), location.longitude()};
}

// Where a point lies; codes of sambat.v1.Area, empty when in none.
struct AreaMatch {
  std::string kelurahan;
  // The kelurahan's parent when the point is in a kelurahan; else the kecamatan it is in.
  std::string kecamatan;
};

class Areas {
 public:
  // No areas: every point lies in none.
  Areas();
  // `areas` must have passed ValidateCityConfig (valid boundaries, kelurahan inside their
  // kecamatan, no overlaps); crashes on a boundary that does not parse.
  explicit Areas(const google::protobuf::RepeatedPtrField<sambat::v1::Area>& areas);

  // The kelurahan and kecamatan `point` lies in. A point on a boundary lies in the area
  // (covered_by, not within): a citizen standing on the line between two kelurahan is routed,
  // not lost. On a border shared by two areas, the area whose code sorts first is taken, so
  // the answer does not depend on the order of the file.
  AreaMatch Locate(GeoPoint point) const;

  // The area with `code`, or nullptr.
  const sambat::v1::Area* Find(std::string_view code) const;

 private:
  struct Index;
  // Immutable once built, so copies of Areas share it.
  std::shared_ptr<const Index> index_;
};

}  // namespace skk::routing

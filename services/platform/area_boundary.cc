#include "services/platform/area_boundary.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/equals.hpp>
#include <boost/geometry/algorithms/intersects.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/io/wkt/read.hpp>

#include "absl/strings/str_cat.h"

namespace skk {
namespace {

namespace bg = boost::geometry;
using Ring = AreaPolygon::ring_type;

absl::Status CheckRing(const Ring& ring, const char* which) {
  std::set<std::pair<double, double>> distinct;
  for (const MapPoint& p : ring) distinct.emplace(p.x(), p.y());
  if (distinct.size() < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(which, " has fewer than 3 distinct points: it encloses nothing"));
  }
  if (!bg::equals(ring.front(), ring.back())) {
    return absl::InvalidArgumentError(
        absl::StrCat(which, " is not closed: its last point must repeat its first"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AreaPolygon> ParseAreaBoundary(std::string_view wkt) {
  AreaPolygon polygon;
  try {
    bg::read_wkt(std::string(wkt), polygon);
  } catch (const std::exception& e) {  // read_wkt reports only by throwing; it stops here
    return absl::InvalidArgumentError(absl::StrCat("boundary is not a WKT POLYGON: ", e.what()));
  }
  if (absl::Status st = CheckRing(polygon.outer(), "boundary"); !st.ok()) return st;
  for (const Ring& inner : polygon.inners()) {
    if (absl::Status st = CheckRing(inner, "a hole of the boundary"); !st.ok()) return st;
  }
  // Checked before orientation: a ring whose edges cross has no orientation to fix.
  if (bg::intersects(polygon)) {
    return absl::InvalidArgumentError("boundary intersects itself: its edges cross");
  }
  // Administrators draw rings either way round; only the shape matters.
  if (bg::area(polygon.outer()) < 0) std::reverse(polygon.outer().begin(), polygon.outer().end());
  for (Ring& inner : polygon.inners()) {
    if (bg::area(inner) > 0) std::reverse(inner.begin(), inner.end());
  }
  std::string why;
  if (!bg::is_valid(polygon, why)) {
    return absl::InvalidArgumentError(absl::StrCat("boundary is not a valid polygon: ", why));
  }
  return polygon;
}

MapBox EnvelopeOf(const AreaPolygon& polygon) {
  const auto& ring = polygon.outer();
  if (ring.empty()) return MapBox(MapPoint(0, 0), MapPoint(0, 0));
  double min_x = ring.front().x(), max_x = min_x, min_y = ring.front().y(), max_y = min_y;
  for (const MapPoint& p : ring) {
    min_x = std::min(min_x, p.x());
    max_x = std::max(max_x, p.x());
    min_y = std::min(min_y, p.y());
    max_y = std::max(max_y, p.y());
  }
  return MapBox(MapPoint(min_x, min_y), MapPoint(max_x, max_y));
}

}  // namespace skk

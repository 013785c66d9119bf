#pragma once

// The boundary of a kecamatan or kelurahan (sambat.v1.Area.boundary_wkt), parsed once for the
// configuration check (city_config.cc) and for routing's point-in-area lookups, so both agree
// on what a valid boundary is.
//
// Coordinates are longitude-latitude degrees on a plane. A city spans ~20 km, where a plane
// and the sphere differ by centimetres; the plane keeps point-in-polygon exact and fast.

#include <string_view>

#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>

#include "absl/status/statusor.h"

namespace skk {

// x: longitude, y: latitude.
using MapPoint = boost::geometry::model::d2::point_xy<double>;
// Clockwise outer ring, closed (Boost.Geometry's default polygon).
using AreaPolygon = boost::geometry::model::polygon<MapPoint>;

// Parses "POLYGON((lon lat, ...))" and checks it is a usable area: the text is one polygon,
// each ring is closed (its last point repeats its first) and has at least 3 distinct points,
// no edge crosses another, and no ring has spikes or repeated points (boost::geometry::
// is_valid). Rings may be given in either direction; the result is oriented as AreaPolygon
// expects. The error message says what is wrong, without naming the file (callers do).
absl::StatusOr<AreaPolygon> ParseAreaBoundary(std::string_view wkt);

using MapBox = boost::geometry::model::box<MapPoint>;
// The smallest box around the outer ring (written out: Boost's envelope trips GCC 12's
// -Wmaybe-uninitialized).
MapBox EnvelopeOf(const AreaPolygon& polygon);

}  // namespace skk

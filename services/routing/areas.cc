#include "services/routing/areas.h"

#include <algorithm>
#include <map>
#include <vector>

#include <boost/geometry/algorithms/covered_by.hpp>

#include "absl/strings/str_cat.h"
#include "services/platform/area_boundary.h"
#include "services/platform/status_macros.h"

namespace skk::routing {

namespace bg = boost::geometry;

struct Areas::Index {
  struct Shape {
    std::string code;
    std::string parent;
    AreaPolygon boundary;
    MapBox envelope;  // cheap rejection before the polygon test
  };
  // Each sorted by code: the first that covers a point wins.
  std::vector<Shape> kelurahan;
  std::vector<Shape> kecamatan;
  std::map<std::string, sambat::v1::Area, std::less<>> by_code;

  static const Shape* FirstCovering(const std::vector<Shape>& shapes, const MapPoint& p) {
    for (const Shape& s : shapes) {
      if (bg::covered_by(p, s.envelope) && bg::covered_by(p, s.boundary)) return &s;
    }
    return nullptr;
  }
};

Areas::Areas() : index_(std::make_shared<Index>()) {}

Areas::Areas(const google::protobuf::RepeatedPtrField<sambat::v1::Area>& areas) {
  auto index = std::make_shared<Index>();
  for (const sambat::v1::Area& a : areas) {
    auto boundary = ParseAreaBoundary(a.boundary_wkt());
    SKK_CHECK(boundary.ok(),
              absl::StrCat("area '", a.code(), "' was not validated: ", boundary.status().message())
                  .c_str());
    Index::Shape shape{a.code(), a.parent(), *boundary, EnvelopeOf(*boundary)};
    (a.kind() == sambat::v1::AREA_KIND_KELURAHAN ? index->kelurahan : index->kecamatan)
        .push_back(std::move(shape));
    index->by_code.emplace(a.code(), a);
  }
  for (auto* shapes : {&index->kelurahan, &index->kecamatan}) {
    std::sort(shapes->begin(), shapes->end(),
              [](const Index::Shape& x, const Index::Shape& y) { return x.code < y.code; });
  }
  index_ = std::move(index);
}

AreaMatch Areas::Locate(GeoPoint point) const {
  const MapPoint p(point.longitude, point.latitude);
  if (const Index::Shape* kelurahan = Index::FirstCovering(index_->kelurahan, p)) {
    // Its parent, not a second lookup: on a kecamatan border the two could disagree.
    return {kelurahan->code, kelurahan->parent};
  }
  if (const Index::Shape* kecamatan = Index::FirstCovering(index_->kecamatan, p)) {
    return {"", kecamatan->code};
  }
  return {};
}

const sambat::v1::Area* Areas::Find(std::string_view code) const {
  auto it = index_->by_code.find(code);
  return it == index_->by_code.end() ? nullptr : &it->second;
}

}  // namespace skk::routing

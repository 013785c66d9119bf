#pragma once

// "Already reported nearby" (docs/duplicates.md): how near and how alike two complaints are,
// and in what order a citizen sees the ones that may be theirs. Pure: no I/O, unit-tested.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "sambat/v1/common.pb.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.pb.h"

namespace skk::intake {

// Complaints offered at most.
inline constexpr int kMaxNearbyComplaints = 5;

// Great-circle distance in metres on a sphere of the Earth's mean radius: within half a percent
// of the ellipsoid's, far below a phone's GPS error at a city's distances.
double DistanceMeters(const sambat::v1::GeoPoint& a, const sambat::v1::GeoPoint& b);

// A box of latitudes and longitudes holding every point within `meters` of `center` (an index
// can search a box; the distance then decides).
struct GeoBox {
  double min_latitude, max_latitude, min_longitude, max_longitude;
};
GeoBox BoxAround(const sambat::v1::GeoPoint& center, double meters);

// How alike two complaints' words are, 0 to 1: the share of their meaningful words they have
// in common (lowercased; words shorter than three characters and the words every complaint
// uses, such as "yang", "mohon" or "tolong", do not count). 0 when either has none.
double WordSimilarity(std::string_view a, std::string_view b);

// A text's meaningful words, split once to be compared with many texts (WordSimilarity's rules).
class MeaningfulWords {
 public:
  explicit MeaningfulWords(std::string_view text);
  double SimilarityTo(const MeaningfulWords& other) const;

 private:
  absl::flat_hash_set<std::string> words_;
};

// The category's radius (0 in the configuration: 50 m).
int NearbyRadiusMeters(const sambat::v1::Category& category);

// The oldest resolution still offered at `now`, or nullopt when only open complaints are
// (nearby_resolved_days -1; 0: 30 days).
std::optional<absl::Time> NearbyResolvedSince(const sambat::v1::CityConfig& city, absl::Time now);

// Keeps the complaints within `radius_meters` and orders them most alike first: nearness and
// likeness of words count the same; then the nearer, then the newer. At most
// kMaxNearbyComplaints are kept.
void RankNearby(std::vector<sambat::v1::NearbyComplaint>& found, int radius_meters);

}  // namespace skk::intake

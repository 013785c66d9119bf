#include "services/intake/nearby.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "services/platform/events.h"

namespace skk::intake {
namespace {

constexpr double kEarthRadiusMeters = 6371008.8;
constexpr double kPi = 3.14159265358979323846;
constexpr double kMetersPerDegreeLatitude = kEarthRadiusMeters * kPi / 180.0;

double Radians(double degrees) { return degrees * kPi / 180.0; }

// Words that say nothing of what or where: they would make every two complaints alike.
const absl::flat_hash_set<std::string_view>& CommonWords() {
  static const auto* words = new absl::flat_hash_set<std::string_view>{
      "yang",   "dan",    "dari",   "ini",   "itu",    "ada",    "sudah",  "belum",
      "tidak",  "untuk",  "dengan", "mohon", "tolong", "segera", "sangat", "sekali",
      "karena", "pada",   "juga",   "akan",  "atau",   "kami",   "saya",   "kita",
      "sejak",  "sini",   "sana",   "pak",   "bapak",  "ibu",    "agar",   "bisa",
      "masih",  "banyak", "sering", "hari",  "lagi",   "the",    "and",    "please"};
  return *words;
}

absl::flat_hash_set<std::string> WordsOf(std::string_view text) {
  absl::flat_hash_set<std::string> words;
  std::string word;
  const auto flush = [&] {
    if (word.size() >= 3 && !CommonWords().contains(word)) words.insert(word);
    word.clear();
  };
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    // Letters and digits of any script: bytes of a UTF-8 sequence are kept whole in the word.
    if (absl::ascii_isalnum(u) || u >= 0x80) {
      word.push_back(absl::ascii_tolower(u));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

}  // namespace

double DistanceMeters(const sambat::v1::GeoPoint& a, const sambat::v1::GeoPoint& b) {
  const double dlat = Radians(b.latitude() - a.latitude());
  const double dlon = Radians(b.longitude() - a.longitude());
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(Radians(a.latitude())) * std::cos(Radians(b.latitude())) *
                       std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusMeters * std::asin(std::min(1.0, std::sqrt(h)));
}

GeoBox BoxAround(const sambat::v1::GeoPoint& center, double meters) {
  const double dlat = meters / kMetersPerDegreeLatitude;
  // A degree of longitude shrinks toward the poles; a city is never at one.
  const double cos_lat = std::max(0.01, std::cos(Radians(center.latitude())));
  const double dlon = dlat / cos_lat;
  return {center.latitude() - dlat, center.latitude() + dlat, center.longitude() - dlon,
          center.longitude() + dlon};
}

MeaningfulWords::MeaningfulWords(std::string_view text) : words_(WordsOf(text)) {}

double MeaningfulWords::SimilarityTo(const MeaningfulWords& other) const {
  const auto& wa = words_;
  const auto& wb = other.words_;
  if (wa.empty() || wb.empty()) return 0;
  size_t shared = 0;
  for (const std::string& w : wa) shared += wb.contains(w) ? 1 : 0;
  return static_cast<double>(shared) / static_cast<double>(wa.size() + wb.size() - shared);
}

double WordSimilarity(std::string_view a, std::string_view b) {
  return MeaningfulWords(a).SimilarityTo(MeaningfulWords(b));
}

int NearbyRadiusMeters(const sambat::v1::Category& category) {
  return category.nearby_radius_meters() > 0 ? category.nearby_radius_meters() : 50;
}

std::optional<absl::Time> NearbyResolvedSince(const sambat::v1::CityConfig& city, absl::Time now) {
  if (city.nearby_resolved_days() < 0) return std::nullopt;
  const int days = city.nearby_resolved_days() > 0 ? city.nearby_resolved_days() : 30;
  return now - absl::Hours(24) * days;
}

void RankNearby(std::vector<sambat::v1::NearbyComplaint>& found, int radius_meters) {
  std::erase_if(found, [&](const sambat::v1::NearbyComplaint& n) {
    return n.distance_meters() > radius_meters;
  });
  const auto score = [&](const sambat::v1::NearbyComplaint& n) {
    const double nearness = 1.0 - static_cast<double>(n.distance_meters()) / (radius_meters + 1);
    return nearness + n.similarity();
  };
  std::stable_sort(found.begin(), found.end(),
                   [&](const sambat::v1::NearbyComplaint& x, const sambat::v1::NearbyComplaint& y) {
                     const double sx = score(x), sy = score(y);
                     if (sx != sy) return sx > sy;
                     if (x.distance_meters() != y.distance_meters()) {
                       return x.distance_meters() < y.distance_meters();
                     }
                     return FromProtoTime(x.complaint().submitted_at()) >
                            FromProtoTime(y.complaint().submitted_at());
                   });
  if (found.size() > kMaxNearbyComplaints) found.resize(kMaxNearbyComplaints);
}

}  // namespace skk::intake

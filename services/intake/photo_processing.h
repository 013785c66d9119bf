#pragma once

// Citizens' photos: detected by content (JPEG, PNG, WebP, HEIC), decoded with libvips to prove
// they are images, and stripped of metadata (a phone's EXIF holds the GPS of the citizen's home
// and the device serial) with the orientation applied. No I/O apart from libvips.
//
// What comes out is always a re-encoding, never the uploaded bytes: that is what removes the
// metadata and anything appended to the image (a ZIP or HTML polyglot). JPEG and HEIC photos
// become JPEG (quality 85): one format every officer's browser shows (most show no HEIC). PNG
// stays PNG (lossless; screenshots) and WebP stays WebP (lossless if it was). Colours are
// converted to sRGB from an embedded ICC profile before the profile is dropped. The same upload
// always gives the same bytes (which is what makes MediaStore's content addressing work).

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace skk::intake {

struct MediaLimits {
  int64_t max_photo_bytes = 10 * 1024 * 1024;
  // Larger images are refused before they are decoded: a small file may declare huge
  // dimensions (a decompression bomb). 100 megapixels covers the largest phone cameras. The
  // decoded image may also take at most max_pixels * 4 bytes (8-bit RGBA), so 16-bit colour
  // counts double.
  int64_t max_pixels = 100'000'000;
  int thumbnail_side = 320;
  // Photos one MediaStore decodes at once; further uploads wait for a turn. Each decode may
  // hold max_pixels * 4 bytes (400 MB by default), so this, not the number of request threads,
  // bounds the memory photos take. At least 1.
  int max_concurrent_decodes = 2;
};

struct ProcessedPhoto {
  std::string detected_type;  // what was uploaded: image/jpeg, image/png, image/webp, image/heic
  std::string content_type;   // what is stored: image/jpeg, image/png or image/webp
  std::string bytes;          // what is stored: no metadata, orientation applied
  std::string thumbnail_jpeg; // JPEG, longest side at most thumbnail_side pixels
  int width = 0;              // of the stored image, i.e. after the orientation was applied
  int height = 0;
};

// Detects, checks and decodes `upload`; INVALID_ARGUMENT saying why for anything that is not
// a whole, decodable photo of an accepted type within the limits. The message is the reason
// alone ("is truncated or corrupt"): the caller names the field. Dimensions are checked from
// the header, before any pixel is decoded. libvips' own error text (which may hold paths) is
// logged, never returned. Pure apart from libvips; thread-safe; does not limit how many
// decodes run at once (MediaStore does).
absl::StatusOr<ProcessedPhoto> ProcessPhoto(std::string_view upload, const MediaLimits& limits);

// The refusal of a photo over `max_photo_bytes`, as ProcessPhoto words it ("is larger than
// 10 MB"), for those who refuse it earlier (an upload stream, before it has every byte).
std::string TooLargeReason(int64_t max_photo_bytes);

// Initialises libvips for a server (once per process; later calls do nothing). ProcessPhoto
// calls it itself; calling it at startup makes a broken libvips crash there, not on a request.
void InitVips();

}  // namespace skk::intake

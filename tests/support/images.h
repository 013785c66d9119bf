#pragma once

// Real images for tests, generated in memory with libvips (never checked-in binaries): photos
// as phones send them (EXIF with GPS, device serial and orientation, XMP, a colour profile),
// other formats a server must refuse, and hostile files (truncated, polyglot, decompression
// bomb). Also reads images back, to assert on what a server stored.

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace skk::testing::images {

// Where the EXIF and XMP of the photos below place the citizen: a house in Lowokwaru.
inline constexpr char kGpsLatitude[] = "7/1 56/1 3022/100";   // 7° 56' 30.22" S
inline constexpr char kGpsLongitude[] = "112/1 37/1 512/100";  // 112° 37' 5.12" E
inline constexpr char kDeviceSerial[] = "R58R12345XY";

struct PhotoOptions {
  // EXIF orientation tag, 1 to 8: 6 means "rotate 90° clockwise to display".
  int orientation = 1;
  // EXIF GPS position, camera make/model/serial, and an XMP packet with the same GPS.
  bool gps_and_device = true;
  // An IPTC block (photographer, location).
  bool iptc = false;
  // Pixels in Display P3 with that ICC profile embedded, as iPhones shoot.
  bool p3_profile = false;
  // Adds a 4th band (alpha) with a transparent left half.
  bool alpha = false;
  int quality = 90;
};

// A gradient with a red square in its top-left corner (so rotations can be checked) as a
// camera writes it: `width` x `height` stored pixels, metadata as `options` say.
std::string Jpeg(int width, int height, const PhotoOptions& options = {});
// A CMYK JPEG (as print workflows and some scanners write) with no colour profile.
std::string CmykJpeg(int width, int height);
// PNG with a text chunk (the GPS position and serial) and a phone's EXIF (GPS, serial,
// orientation 6) in an eXIf chunk; 16 bits per sample if `deep`.
std::string Png(int width, int height, bool alpha = false, bool deep = false);
// WebP with EXIF (GPS, orientation as in `options`) and XMP.
std::string Webp(int width, int height, bool lossless = false, const PhotoOptions& options = {});
// HEIC (HEVC in HEIF) with EXIF, or nothing when this machine's libheif cannot encode HEVC.
std::optional<std::string> Heic(int width, int height);
// AVIF (AV1 in HEIF): same container as HEIC, not an accepted type. Nothing if not encodable.
std::optional<std::string> Avif(int width, int height);
std::string Gif(int width, int height);
std::string Tiff(int width, int height);
// A Windows bitmap, written by hand (libvips writes BMP only through ImageMagick).
std::string Bmp(int width, int height);

// A PNG that declares `width` x `height` 1-bit pixels and holds them all, deflated: a few
// hundred KB for 30000 x 30000 that would need gigabytes decoded. Built once per size.
const std::string& PngBomb(int width, int height);

// Hostile files.
std::string Truncated(const std::string& bytes, double keep_fraction = 0.5);
// A ZIP archive holding one small file; its local-file marker is kZipMarker.
std::string ZipArchive();
inline constexpr char kZipMarker[] = "PK\x03\x04";
inline constexpr char kHtmlPayload[] = "<html><script>alert('polyglot')</script></html>";

// What an image is, read back with libvips.
struct Inspection {
  bool loadable = false;
  std::string loader;  // e.g. "jpegload_buffer"
  int width = 0;
  int height = 0;
  int bands = 0;
  int orientation = 1;               // the "orientation" field, 1 if absent
  std::vector<std::string> fields;   // every metadata field libvips reports
  // Fields that reveal more than pixels: exif-*, xmp-data, iptc-data, icc-profile-data,
  // png-comment-*, orientation, and any field whose text mentions GPS or the device serial.
  std::vector<std::string> revealing;
};
Inspection Inspect(const std::string& bytes);

// The average of each band over a `size` x `size` square at (x, y) of the decoded image.
std::array<double, 3> MeanColour(const std::string& bytes, int x, int y, int size = 8);

}  // namespace skk::testing::images

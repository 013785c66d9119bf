// ProcessPhoto on real images made in memory: what phones send is accepted, cleaned and turned
// upright; everything else is refused with a reason in plain words. And the gate that keeps
// MediaStore from decoding more than a few photos at once.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/intake/media.h"
#include "services/platform/errors.h"
#include "tests/support/images.h"

namespace skk::intake {
namespace {

namespace img = skk::testing::images;

std::string MessageOf(const absl::StatusOr<ProcessedPhoto>& result) {
  return std::string(result.status().message());
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// What is stored and its thumbnail carry pixels only: no EXIF, XMP, IPTC, ICC, comments or
// orientation, and neither the GPS position nor the serial anywhere in their bytes.
void RequireNoMetadata(const std::string& bytes) {
  const img::Inspection seen = img::Inspect(bytes);
  REQUIRE(seen.loadable);
  INFO("fields: " << Catch::Detail::stringify(seen.fields));
  CHECK(seen.revealing.empty());
  CHECK(seen.orientation == 1);
  for (const char* name : {"exif-data", "xmp-data", "iptc-data", "icc-profile-data"}) {
    CHECK(std::find(seen.fields.begin(), seen.fields.end(), name) == seen.fields.end());
  }
  CHECK_FALSE(Contains(bytes, img::kDeviceSerial));
  CHECK_FALSE(Contains(bytes, "Exif"));
  CHECK_FALSE(Contains(bytes, "GPS"));
  CHECK_FALSE(Contains(bytes, "ns.adobe.com"));
  CHECK_FALSE(Contains(bytes, "Photoshop"));
  CHECK_FALSE(Contains(bytes, "samsung"));
}

void RequireThumbnail(const ProcessedPhoto& photo, int side) {
  const img::Inspection thumb = img::Inspect(photo.thumbnail_jpeg);
  REQUIRE(thumb.loadable);
  CHECK(thumb.loader == "jpegload_buffer");
  CHECK(std::max(thumb.width, thumb.height) <= side);
  // Same shape as the photo, within a pixel of rounding.
  CHECK(std::abs(thumb.width * photo.height - thumb.height * photo.width) <=
        std::max(photo.width, photo.height));
  RequireNoMetadata(photo.thumbnail_jpeg);
}

bool IsRed(const std::array<double, 3>& c) { return c[0] > 220 && c[1] < 40 && c[2] < 40; }

// Waits up to 10 seconds for `flag`.
bool Eventually(const std::atomic<bool>& flag) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!flag && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return flag;
}

}  // namespace

TEST_CASE("a phone's portrait JPEG is stored upright and without its GPS or serial", "[media]") {
  img::PhotoOptions phone;
  phone.orientation = 6;  // sensor landscape, displayed turned 90 degrees clockwise
  phone.iptc = true;
  const std::string upload = img::Jpeg(640, 480, phone);
  // The upload really carries what must go.
  const img::Inspection sent = img::Inspect(upload);
  REQUIRE(sent.orientation == 6);
  REQUIRE_FALSE(sent.revealing.empty());
  REQUIRE(Contains(upload, img::kDeviceSerial));
  REQUIRE(std::find(sent.fields.begin(), sent.fields.end(), "exif-ifd3-GPSLatitude") !=
          sent.fields.end());
  REQUIRE(std::find(sent.fields.begin(), sent.fields.end(), "iptc-data") != sent.fields.end());

  const absl::StatusOr<ProcessedPhoto> photo = ProcessPhoto(upload, MediaLimits{});
  INFO(photo.status());
  REQUIRE(photo.ok());
  CHECK(photo->detected_type == "image/jpeg");
  CHECK(photo->content_type == "image/jpeg");
  CHECK(photo->width == 480);
  CHECK(photo->height == 640);
  const img::Inspection stored = img::Inspect(photo->bytes);
  CHECK(stored.loader == "jpegload_buffer");
  CHECK(stored.width == 480);
  CHECK(stored.height == 640);
  RequireNoMetadata(photo->bytes);
  // The red corner of the sensor's top-left is, turned clockwise, the top-right.
  CHECK(IsRed(img::MeanColour(photo->bytes, 480 - 20, 10)));
  CHECK_FALSE(IsRed(img::MeanColour(photo->bytes, 10, 10)));
  RequireThumbnail(*photo, 320);
  CHECK(img::Inspect(photo->thumbnail_jpeg).width == 240);
  CHECK(img::Inspect(photo->thumbnail_jpeg).height == 320);
}

TEST_CASE("every orientation tag is applied", "[media]") {
  // Where the red top-left corner of the stored pixels must end up, for tags 1 to 8.
  struct Expect {
    int orientation;
    bool right;
    bool bottom;
  };
  for (const Expect e : {Expect{1, false, false}, Expect{2, true, false}, Expect{3, true, true},
                         Expect{4, false, true}, Expect{5, false, false}, Expect{6, true, false},
                         Expect{7, true, true}, Expect{8, false, true}}) {
    img::PhotoOptions options;
    options.orientation = e.orientation;
    const absl::StatusOr<ProcessedPhoto> photo = ProcessPhoto(img::Jpeg(160, 120, options), {});
    INFO("orientation " << e.orientation << ": " << photo.status());
    REQUIRE(photo.ok());
    const bool turned = e.orientation >= 5;
    CHECK(photo->width == (turned ? 120 : 160));
    CHECK(photo->height == (turned ? 160 : 120));
    const int x = e.right ? photo->width - 12 : 4;
    const int y = e.bottom ? photo->height - 12 : 4;
    CHECK(IsRed(img::MeanColour(photo->bytes, x, y)));
  }
}

TEST_CASE("PNG stays PNG, lossless, with transparency, without text or EXIF", "[media]") {
  // Its eXIf chunk says orientation 6, as a phone's: applied like a JPEG's.
  const std::string upload = img::Png(300, 200, /*alpha=*/true);
  REQUIRE(Contains(upload, img::kDeviceSerial));
  REQUIRE(img::Inspect(upload).orientation == 6);
  const absl::StatusOr<ProcessedPhoto> photo = ProcessPhoto(upload, {});
  INFO(photo.status());
  REQUIRE(photo.ok());
  CHECK(photo->detected_type == "image/png");
  CHECK(photo->content_type == "image/png");
  CHECK(photo->width == 200);
  CHECK(photo->height == 300);
  const img::Inspection stored = img::Inspect(photo->bytes);
  CHECK(stored.loader == "pngload_buffer");
  CHECK(stored.bands == 4);
  RequireNoMetadata(photo->bytes);
  CHECK(IsRed(img::MeanColour(photo->bytes, 200 - 20, 10)));
  // Smaller than the thumbnail side: the thumbnail keeps its size. The transparent half (the
  // left one as stored, the top one upright) is white in the JPEG thumbnail.
  RequireThumbnail(*photo, 320);
  CHECK(img::Inspect(photo->thumbnail_jpeg).width == 200);
  const auto top = img::MeanColour(photo->thumbnail_jpeg, 60, 40);
  CHECK(top[0] > 240);
  CHECK(top[1] > 240);
  CHECK(top[2] > 240);
  const auto bottom = img::MeanColour(photo->thumbnail_jpeg, 60, 250);
  CHECK(bottom[2] < 200);

  const absl::StatusOr<ProcessedPhoto> deep = ProcessPhoto(img::Png(64, 48, false, true), {});
  INFO(deep.status());
  REQUIRE(deep.ok());
  CHECK(deep->content_type == "image/png");
  RequireNoMetadata(deep->bytes);
  RequireThumbnail(*deep, 320);
}

TEST_CASE("WebP stays WebP, lossless if it was, upright, without EXIF or XMP", "[media]") {
  img::PhotoOptions options;
  options.orientation = 6;
  for (bool lossless : {false, true}) {
    const std::string upload = img::Webp(400, 300, lossless, options);
    REQUIRE(img::Inspect(upload).orientation == 6);
    const absl::StatusOr<ProcessedPhoto> photo = ProcessPhoto(upload, {});
    INFO("lossless " << lossless << ": " << photo.status());
    REQUIRE(photo.ok());
    CHECK(photo->detected_type == "image/webp");
    CHECK(photo->content_type == "image/webp");
    CHECK(photo->width == 300);
    CHECK(photo->height == 400);
    CHECK(img::Inspect(photo->bytes).loader == "webpload_buffer");
    CHECK(Contains(photo->bytes, "VP8L") == lossless);
    RequireNoMetadata(photo->bytes);
    CHECK(IsRed(img::MeanColour(photo->bytes, 300 - 20, 10)));
    RequireThumbnail(*photo, 320);
  }
}

TEST_CASE("HEIC from an iPhone is stored as JPEG without its EXIF", "[media]") {
  const std::optional<std::string> upload = img::Heic(320, 240);
  // Debian's libheif encodes HEVC with x265; a machine without it misses a package.
  REQUIRE(upload.has_value());
  REQUIRE(img::Inspect(*upload).loader == "heifload_buffer");
  REQUIRE(Contains(*upload, img::kDeviceSerial));
  const absl::StatusOr<ProcessedPhoto> photo = ProcessPhoto(*upload, {});
  INFO(photo.status());
  REQUIRE(photo.ok());
  CHECK(photo->detected_type == "image/heic");
  CHECK(photo->content_type == "image/jpeg");
  CHECK(photo->width == 320);
  CHECK(photo->height == 240);
  CHECK(img::Inspect(photo->bytes).loader == "jpegload_buffer");
  RequireNoMetadata(photo->bytes);
  RequireThumbnail(*photo, 320);
}

TEST_CASE("a Display P3 photo is converted to sRGB before its profile is dropped", "[media]") {
  img::PhotoOptions iphone;
  iphone.p3_profile = true;
  const std::string upload = img::Jpeg(320, 240, iphone);
  REQUIRE(std::find(img::Inspect(upload).fields.begin(), img::Inspect(upload).fields.end(),
                    "icc-profile-data") != img::Inspect(upload).fields.end());
  // Without the profile, the P3 numbers of pure red read as a duller, orange red.
  REQUIRE_FALSE(IsRed(img::MeanColour(upload, 10, 10)));
  const absl::StatusOr<ProcessedPhoto> photo = ProcessPhoto(upload, {});
  INFO(photo.status());
  REQUIRE(photo.ok());
  RequireNoMetadata(photo->bytes);
  CHECK(IsRed(img::MeanColour(photo->bytes, 10, 10)));
}

TEST_CASE("a CMYK JPEG is stored as sRGB", "[media]") {
  const std::string upload = img::CmykJpeg(160, 120);
  REQUIRE(img::Inspect(upload).bands == 4);
  const absl::StatusOr<ProcessedPhoto> photo = ProcessPhoto(upload, {});
  INFO(photo.status());
  REQUIRE(photo.ok());
  CHECK(img::Inspect(photo->bytes).bands == 3);
  CHECK(img::MeanColour(photo->bytes, 4, 4)[0] > 200);
  RequireNoMetadata(photo->bytes);
}

TEST_CASE("the same upload always gives the same stored bytes and thumbnail", "[media]") {
  std::vector<std::string> uploads = {img::Jpeg(200, 150), img::Png(120, 90),
                                      img::Webp(160, 120), img::Webp(160, 120, true)};
  if (auto heic = img::Heic(128, 96)) uploads.push_back(*heic);
  for (const std::string& upload : uploads) {
    const auto first = ProcessPhoto(upload, {});
    const auto second = ProcessPhoto(upload, {});
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first->bytes == second->bytes);
    CHECK(first->thumbnail_jpeg == second->thumbnail_jpeg);
  }
}

TEST_CASE("thumbnails fit the configured side", "[media]") {
  const std::string upload = img::Jpeg(1200, 600);
  const auto standard = ProcessPhoto(upload, {});
  REQUIRE(standard.ok());
  CHECK(img::Inspect(standard->thumbnail_jpeg).width == 320);
  CHECK(img::Inspect(standard->thumbnail_jpeg).height == 160);
  CHECK(standard->thumbnail_jpeg.size() < standard->bytes.size());
  MediaLimits small;
  small.thumbnail_side = 100;
  const auto smaller = ProcessPhoto(upload, small);
  REQUIRE(smaller.ok());
  CHECK(img::Inspect(smaller->thumbnail_jpeg).width == 100);
  CHECK(img::Inspect(smaller->thumbnail_jpeg).height == 50);
}

TEST_CASE("what is not a whole photo of an accepted type is refused, saying why", "[media]") {
  const std::string jpeg = img::Jpeg(320, 240);
  const std::string png = img::Png(320, 240);
  const std::string webp = img::Webp(320, 240);
  const std::optional<std::string> heic = img::Heic(320, 240);
  REQUIRE(heic.has_value());
  const std::string gif = img::Gif(64, 48);
  const std::string not_a_photo = "is not a JPEG, PNG, WebP or HEIC photo";
  const std::string corrupt = "is truncated or corrupt";

  struct Case {
    std::string name;
    std::string bytes;
    std::string reason;
  };
  std::vector<Case> cases = {
      {"zero bytes", "", "is empty"},
      {"a text file called photo.jpg", "hello", not_a_photo},
      {"an HTML page", img::kHtmlPayload, not_a_photo},
      {"a ZIP archive", img::ZipArchive(), not_a_photo},
      {"GIF", gif, not_a_photo},
      {"TIFF", img::Tiff(64, 48), not_a_photo},
      {"BMP", img::Bmp(64, 48), not_a_photo},
      {"PNG signature, then a GIF", std::string("\x89PNG\r\n\x1A\n", 8) + gif, corrupt},
      {"PNG signature, then HTML", std::string("\x89PNG\r\n\x1A\n", 8) + img::kHtmlPayload,
       corrupt},
      {"JPEG signature, then HTML", std::string("\xFF\xD8\xFF", 3) + img::kHtmlPayload, corrupt},
      {"RIFF WEBP header, then nothing", std::string("RIFF\x10\0\0\0WEBPVP8 ", 16), corrupt},
      {"HEIC ftyp box alone", heic->substr(0, 32), corrupt},
      {"JPEG cut in half", img::Truncated(jpeg), corrupt},
      {"JPEG without its last bytes", img::Truncated(jpeg, 0.95), corrupt},
      {"PNG cut in half", img::Truncated(png), corrupt},
      {"WebP cut in half", img::Truncated(webp), corrupt},
      {"HEIC cut in half", img::Truncated(*heic), corrupt},
  };
  if (auto avif = img::Avif(64, 48)) cases.push_back({"AVIF", *avif, not_a_photo});
  for (const Case& c : cases) {
    const absl::StatusOr<ProcessedPhoto> result = ProcessPhoto(c.bytes, {});
    INFO(c.name << ": " << result.status());
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(MessageOf(result) == c.reason);
  }
}

TEST_CASE("a photo over the byte limit is refused before anything else", "[media]") {
  const std::string jpeg = img::Jpeg(320, 240);
  MediaLimits limits;
  limits.max_photo_bytes = static_cast<int64_t>(jpeg.size()) - 1;
  auto result = ProcessPhoto(jpeg, limits);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(MessageOf(result) == absl::StrCat("is larger than ", jpeg.size() - 1, " bytes"));
  // Not even decoded: bytes over the limit that are no photo at all get the same answer.
  CHECK(MessageOf(ProcessPhoto(std::string(jpeg.size(), 'x'), limits)) ==
        MessageOf(result));

  limits.max_photo_bytes = 10 * 1024 * 1024;
  CHECK(MessageOf(ProcessPhoto(std::string(limits.max_photo_bytes + 1, '\xFF'), limits)) ==
        "is larger than 10 MB");
  limits.max_photo_bytes = static_cast<int64_t>(jpeg.size());
  CHECK(ProcessPhoto(jpeg, limits).ok());
}

TEST_CASE("a decompression bomb is refused from its header, without decoding", "[media]") {
  const std::string& bomb = img::PngBomb(30000, 30000);  // 900 megapixels, ~100 MB as 1-bit
  REQUIRE(bomb.size() < 1024 * 1024);
  const auto start = std::chrono::steady_clock::now();
  const absl::StatusOr<ProcessedPhoto> result = ProcessPhoto(bomb, {});
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(result.status());
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(MessageOf(result) ==
        "is too large: 30000 x 30000 pixels, at most 100 megapixels are accepted");
  CHECK(took < std::chrono::seconds(1));

  // The pixel limit is configurable and counts width times height.
  MediaLimits limits;
  limits.max_pixels = 200 * 100 - 1;
  CHECK(MessageOf(ProcessPhoto(img::Jpeg(200, 100), limits)) ==
        "is too large: 200 x 100 pixels, at most 19999 pixels are accepted");
  limits.max_pixels = 200 * 100;
  CHECK(ProcessPhoto(img::Jpeg(200, 100), limits).ok());

  // Memory counts too: 16-bit RGBA takes twice what 8-bit RGBA does.
  limits.max_pixels = 512 * 512;
  CHECK(ProcessPhoto(img::Png(512, 512, /*alpha=*/true), limits).ok());
  CHECK(MessageOf(ProcessPhoto(img::Png(512, 512, /*alpha=*/true, /*deep=*/true), limits)) ==
        "is too large: 512 x 512 pixels take 2 MB decoded, at most 1 MB are accepted");
}

TEST_CASE("a photo with something appended is stored without what was appended", "[media]") {
  const std::string jpeg = img::Jpeg(320, 240);
  for (const std::string& payload : {img::ZipArchive(), std::string(img::kHtmlPayload)}) {
    const std::string polyglot = jpeg + payload;
    const absl::StatusOr<ProcessedPhoto> photo = ProcessPhoto(polyglot, {});
    INFO(photo.status());
    REQUIRE(photo.ok());
    CHECK(photo->content_type == "image/jpeg");
    CHECK_FALSE(Contains(photo->bytes, img::kZipMarker));
    CHECK_FALSE(Contains(photo->bytes, "<script"));
    CHECK_FALSE(Contains(photo->bytes, "payload.html"));
    // A JPEG's last bytes are its end-of-image marker: nothing follows.
    CHECK(photo->bytes.substr(photo->bytes.size() - 2) == "\xFF\xD9");
    // And it is the same photo as without the payload.
    CHECK(photo->bytes == ProcessPhoto(jpeg, {})->bytes);
  }
}

TEST_CASE("refusals never show libvips' own words", "[media]") {
  for (const std::string& bytes :
       {img::Truncated(img::Jpeg(320, 240)), img::Truncated(img::Png(320, 240)),
        std::string("\x89PNG\r\n\x1A\n", 8) + "<html>"}) {
    const std::string message = MessageOf(ProcessPhoto(bytes, {}));
    CHECK_FALSE(Contains(message, "vips"));
    CHECK_FALSE(Contains(message, "/"));
    CHECK_FALSE(Contains(message, ":"));
  }
}

TEST_CASE("no more photos are decoded at once than max_concurrent_decodes", "[media]") {
  const int limit = MediaLimits{}.max_concurrent_decodes;
  REQUIRE(limit == 2);
  constexpr int kThreads = 8;
  constexpr int kRounds = 3;
  std::vector<std::string> uploads;
  for (int i = 0; i < kThreads; ++i) uploads.push_back(img::Jpeg(160 + 8 * i, 120));

  DecodeGate gate(limit);
  std::atomic<int> decoding{0};
  std::atomic<int> most{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        auto slot = gate.Enter(absl::Minutes(1));  // as MediaStore::Store does
        REQUIRE(slot.ok());
        const int now = ++decoding;
        int seen = most;
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        if (!ProcessPhoto(uploads[static_cast<size_t>(t)], {}).ok()) ++failed;
        --decoding;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failed == 0);
  CHECK(most <= limit);
  // Eight threads decoding for milliseconds each do meet: the gate does not serialise them.
  CHECK(most == limit);
}

TEST_CASE("a decode waits while the gate is full and goes on when a place is freed", "[media]") {
  DecodeGate gate(2);
  std::atomic<bool> third_in{false};
  std::thread third;
  {
    auto first = gate.Enter(absl::Minutes(1));
    {
      auto second = gate.Enter(absl::Minutes(1));  // two at once, from one thread even
      third = std::thread([&] {
        auto slot = gate.Enter(absl::Minutes(1));
        third_in = slot.ok();
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      CHECK_FALSE(third_in);
    }
    CHECK(Eventually(third_in));  // while `first` is still held
  }
  third.join();
}

TEST_CASE("a decode that waits past its deadline is refused with when to retry", "[media]") {
  DecodeGate gate(1);
  auto held = gate.Enter(absl::Seconds(1));
  REQUIRE(held.ok());
  const auto refused = gate.Enter(absl::Milliseconds(20));
  REQUIRE(refused.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(refused.status().GetPayload(kRetryInfoType).has_value());
}

TEST_CASE("an upload's memory follows the bytes received, not the size declared", "[media]") {
  UploadAssembler upload(10 * 1024 * 1024);
  sambat::v1::UploadMediaRequest header;
  header.mutable_header()->set_size_bytes(10 * 1024 * 1024);
  REQUIRE(upload.Accept(header).ok());
  CHECK(upload.photo().capacity() < 64 * 1024);
  sambat::v1::UploadMediaRequest chunk;
  chunk.set_chunk(std::string(1000, 'x'));
  REQUIRE(upload.Accept(chunk).ok());
  CHECK(upload.photo().capacity() < 64 * 1024);
  CHECK(upload.Complete().message() ==
        "photo: ended after 1000 of the 10485760 bytes the header announced");
}

TEST_CASE("uploads in progress are capped per address and per process", "[media]") {
  UploadSlots slots(3, 2);
  auto a1 = slots.Take("10.0.0.1");
  auto a2 = slots.Take("10.0.0.1");
  REQUIRE(a1.ok());
  REQUIRE(a2.ok());
  const auto a3 = slots.Take("10.0.0.1");
  REQUIRE(a3.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(a3.status().GetPayload(kRetryInfoType).has_value());
  auto b1 = slots.Take("10.0.0.2");
  REQUIRE(b1.ok());
  CHECK(slots.Take("10.0.0.3").status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(slots.in_progress() == 3);
  a1->reset();  // an upload ends: its address and the process get the place back
  CHECK(slots.in_progress() == 2);
  CHECK(slots.Take("10.0.0.1").ok());
}

}  // namespace skk::intake

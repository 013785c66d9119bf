// Photos through the real intake service: UploadMedia as a client stream of chunks, the
// content-addressed store on disk, the media table, and complaints that reference photos.
// Hostile, oversized, cancelled and unfinished uploads leave nothing behind.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/intake/media.h"
#include "services/platform/ids.h"
#include "services/platform/secrets.h"
#include "tests/support/images.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

namespace img = images;

constexpr size_t kChunk = 64 * 1024;
constexpr char kCountMedia[] = "SELECT count(*) FROM intake.media";

// Where the harness has intake store photos (its --media_dir).
std::string MediaDir(const System& system) { return system.dir() + "/media"; }

struct UploadOptions {
  // What the header announces (default: the true size). No header when send_header is false.
  std::optional<int64_t> declared_size = std::nullopt;
  bool send_header = true;
  size_t chunk = kChunk;
  // The client gives up (cancels the call) after this many chunks; -1: never.
  int cancel_after_chunks = -1;
};

struct Upload {
  grpc::Status status;
  sambat::v1::UploadMediaResponse response;
  int chunks_written = 0;
};

Upload Send(const System& system, const std::string& bytes, const UploadOptions& options = {}) {
  auto stub = system.Intake();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  Upload result;
  std::unique_ptr<grpc::ClientWriter<sambat::v1::UploadMediaRequest>> writer =
      stub->UploadMedia(&context, &result.response);
  bool open = true;
  if (options.send_header) {
    sambat::v1::UploadMediaRequest header;
    header.mutable_header()->set_declared_type("image/jpeg");
    header.mutable_header()->set_size_bytes(
        options.declared_size.value_or(static_cast<int64_t>(bytes.size())));
    open = writer->Write(header);
  }
  for (size_t at = 0; open && at < bytes.size(); at += options.chunk) {
    if (result.chunks_written == options.cancel_after_chunks) {
      context.TryCancel();
      break;
    }
    sambat::v1::UploadMediaRequest chunk;
    chunk.set_chunk(bytes.substr(at, options.chunk));
    open = writer->Write(chunk);  // false once the server has finished the call
    if (open) ++result.chunks_written;
  }
  writer->WritesDone();
  result.status = writer->Finish();
  return result;
}

// Every file under the media directory, temporary ones included.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  }
  return files;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string PhotoPath(const System& system, const std::string& media_id) {
  return absl::StrCat(MediaDir(system), "/", media_id.substr(0, 2), "/", media_id);
}

bool IsLowerHex64(const std::string& id) {
  return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

void RequireStoredClean(const System& system, const sambat::v1::UploadMediaResponse& uploaded) {
  const std::string stored = ReadWhole(PhotoPath(system, uploaded.media_id()));
  REQUIRE_FALSE(stored.empty());
  CHECK(Sha256Hex(stored) == uploaded.media_id());
  CHECK(static_cast<int64_t>(stored.size()) == uploaded.size_bytes());
  const img::Inspection seen = img::Inspect(stored);
  CHECK(seen.loadable);
  CHECK(seen.width == uploaded.width());
  CHECK(seen.height == uploaded.height());
  CHECK(seen.revealing.empty());
  CHECK(stored.find(img::kDeviceSerial) == std::string::npos);
  const img::Inspection thumb =
      img::Inspect(ReadWhole(PhotoPath(system, uploaded.media_id()) + ".thumb.jpg"));
  CHECK(thumb.loader == "jpegload_buffer");
  CHECK(std::max(thumb.width, thumb.height) <= 320);
  CHECK(thumb.revealing.empty());
}

}  // namespace

TEST_CASE("a photo sent in chunks is stored cleaned, once, named by its SHA-256", "[intake]") {
  System system("media", {"intake"});

  img::PhotoOptions phone;
  phone.orientation = 6;
  phone.iptc = true;
  const std::string jpeg = img::Jpeg(1600, 1200, phone);
  REQUIRE(jpeg.size() > 4 * kChunk);

  const Upload first = Send(system, jpeg);
  INFO(first.status.error_message() << "\n" << system.LogTail("intake"));
  REQUIRE(first.status.ok());
  const sambat::v1::UploadMediaResponse& photo = first.response;
  CHECK(IsLowerHex64(photo.media_id()));
  CHECK(photo.content_type() == "image/jpeg");
  CHECK(photo.width() == 1200);  // turned upright
  CHECK(photo.height() == 1600);
  CHECK_FALSE(photo.already_stored());
  RequireStoredClean(system, photo);
  CHECK(system.Count(kCountMedia) == 1);
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM intake.media WHERE media_id = '",
                                  photo.media_id(), "' AND upload_sha256 = '",
                                  Sha256Hex(jpeg), "' AND complaint_id IS NULL")) == 1);
  CHECK(FilesUnder(MediaDir(system)).size() == 2);

  // Again, in other chunk sizes: nothing new, the same id.
  const Upload again = Send(system, jpeg, {.chunk = 1000 * 1000});
  REQUIRE(again.status.ok());
  CHECK(again.response.media_id() == photo.media_id());
  CHECK(again.response.already_stored());
  CHECK(again.response.width() == 1200);
  CHECK(again.response.size_bytes() == photo.size_bytes());
  CHECK(system.Count(kCountMedia) == 1);
  CHECK(FilesUnder(MediaDir(system)).size() == 2);

  // The header's size is optional.
  const Upload unsized = Send(system, jpeg, {.declared_size = 0});
  REQUIRE(unsized.status.ok());
  CHECK(unsized.response.media_id() == photo.media_id());

  // The other types phones send. HEIC is stored as JPEG, which every browser shows.
  const Upload png = Send(system, img::Png(640, 480, true));
  REQUIRE(png.status.ok());
  CHECK(png.response.content_type() == "image/png");
  RequireStoredClean(system, png.response);
  const Upload webp = Send(system, img::Webp(640, 480, false, phone));
  REQUIRE(webp.status.ok());
  CHECK(webp.response.content_type() == "image/webp");
  CHECK(webp.response.width() == 480);
  RequireStoredClean(system, webp.response);
  const std::optional<std::string> heic = img::Heic(640, 480);
  REQUIRE(heic.has_value());
  const Upload from_iphone = Send(system, *heic);
  REQUIRE(from_iphone.status.ok());
  CHECK(from_iphone.response.content_type() == "image/jpeg");
  RequireStoredClean(system, from_iphone.response);

  // A JPEG with a ZIP archive appended is stored as the photo alone.
  const Upload polyglot = Send(system, img::Jpeg(320, 240) + img::ZipArchive());
  REQUIRE(polyglot.status.ok());
  const std::string stored = ReadWhole(PhotoPath(system, polyglot.response.media_id()));
  CHECK(stored.find(img::kZipMarker) == std::string::npos);
  CHECK(stored.find("payload.html") == std::string::npos);

  CHECK(system.Count(kCountMedia) == 5);
  CHECK(FilesUnder(MediaDir(system)).size() == 10);
}

TEST_CASE("the same photo uploaded concurrently is stored once", "[intake]") {
  System system("mediarace", {"intake"});
  const std::string jpeg = img::Jpeg(1024, 768);
  std::vector<Upload> uploads(6);
  std::vector<std::thread> threads;
  for (Upload& u : uploads) threads.emplace_back([&] { u = Send(system, jpeg); });
  for (std::thread& t : threads) t.join();
  int fresh = 0;
  for (const Upload& u : uploads) {
    INFO(u.status.error_message());
    REQUIRE(u.status.ok());
    CHECK(u.response.media_id() == uploads[0].response.media_id());
    if (!u.response.already_stored()) ++fresh;
  }
  CHECK(fresh >= 1);
  CHECK(system.Count(kCountMedia) == 1);
  CHECK(FilesUnder(MediaDir(system)).size() == 2);
}

TEST_CASE("oversized, malformed, cancelled and unfinished uploads store nothing", "[intake]") {
  System system("mediabad", {"intake"});
  const std::string jpeg = img::Jpeg(800, 600);
  const std::string eleven_mb = jpeg + std::string(11 * 1024 * 1024, '\0');

  // Over the limit, sent without a size in the header: stopped as soon as it passes 10 MB.
  const auto start = std::chrono::steady_clock::now();
  const Upload unannounced = Send(system, eleven_mb, {.declared_size = 0});
  INFO(unannounced.status.error_message());
  CHECK(unannounced.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(unannounced.status.error_message() == "photo: is larger than 10 MB");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));

  // Over the limit by the header's word: refused before the photo is sent.
  const Upload announced = Send(system, eleven_mb);
  CHECK(announced.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(announced.status.error_message() == "photo: is larger than 10 MB");

  struct Case {
    std::string name;
    std::string bytes;
    UploadOptions options;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"no header", jpeg, {.send_header = false}, "header: must come first"},
      {"negative size", jpeg, {.declared_size = -5}, "header.size_bytes: must not be negative"},
      {"a 2 MiB chunk", eleven_mb.substr(0, 3 * 1024 * 1024), {.chunk = 2 * 1024 * 1024},
       "chunk: must be at most 1 MiB"},
      {"fewer bytes than announced", jpeg, {.declared_size = static_cast<int64_t>(jpeg.size()) + 1},
       absl::StrCat("photo: ended after ", jpeg.size(), " of the ", jpeg.size() + 1,
                    " bytes the header announced")},
      {"more bytes than announced", jpeg, {.declared_size = static_cast<int64_t>(jpeg.size()) - 1},
       absl::StrCat("photo: ended after ", jpeg.size(), " of the ", jpeg.size() - 1,
                    " bytes the header announced")},
      {"header only", "", {}, "photo: is empty"},
  };
  for (const Case& c : cases) {
    const Upload refused = Send(system, c.bytes, c.options);
    INFO(c.name << ": " << refused.status.error_message());
    CHECK(refused.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(refused.status.error_message() == c.message);
  }

  // The client gives up half-way: the call is cancelled and nothing is kept.
  const std::string big = img::Jpeg(2400, 1800);
  REQUIRE(big.size() > 8 * kChunk);
  const Upload cancelled = Send(system, big, {.cancel_after_chunks = 3});
  CHECK(cancelled.status.error_code() == grpc::StatusCode::CANCELLED);

  // Nothing of any of it, not even a temporary file, once the service had time to act.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(system.Count(kCountMedia) == 0);
  CHECK(FilesUnder(MediaDir(system)).empty());

  // The service is still fine.
  const Upload fine = Send(system, jpeg);
  INFO(fine.status.error_message());
  CHECK(fine.status.ok());
}

TEST_CASE("hostile files are refused as photos and leave no trace", "[intake]") {
  System system("mediahostile", {"intake"});
  const std::string jpeg = img::Jpeg(640, 480);
  const std::string not_a_photo = "photo: is not a JPEG, PNG, WebP or HEIC photo";
  const std::string corrupt = "photo: is truncated or corrupt";
  struct Case {
    std::string name;
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"a text file called photo.jpg", "hello", not_a_photo},
      {"an HTML page", img::kHtmlPayload, not_a_photo},
      {"a ZIP archive", img::ZipArchive(), not_a_photo},
      {"GIF", img::Gif(64, 48), not_a_photo},
      {"BMP", img::Bmp(64, 48), not_a_photo},
      {"TIFF", img::Tiff(64, 48), not_a_photo},
      {"PNG signature, then a GIF", std::string("\x89PNG\r\n\x1A\n", 8) + img::Gif(64, 48),
       corrupt},
      {"PNG signature, then HTML", std::string("\x89PNG\r\n\x1A\n", 8) + img::kHtmlPayload,
       corrupt},
      {"JPEG cut in half", img::Truncated(jpeg), corrupt},
      {"decompression bomb", img::PngBomb(30000, 30000),
       "photo: is too large: 30000 x 30000 pixels, at most 100 megapixels are accepted"},
  };
  for (const Case& c : cases) {
    const Upload refused = Send(system, c.bytes);
    INFO(c.name << ": " << refused.status.error_message());
    CHECK(refused.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(refused.status.error_message() == c.message);
  }
  CHECK(system.Count(kCountMedia) == 0);
  CHECK(FilesUnder(MediaDir(system)).empty());
}

TEST_CASE("a photo is attached to one complaint only, and must exist", "[intake]") {
  System system("mediaattach", {"intake"});  // applies intake's migrations
  PgPool pool({.uri = system.world().PgUri("intake"), .schema = "intake", .size = 2});
  RealClock clock;
  intake::MediaStore store(pool, MediaDir(system), intake::MediaLimits{}, clock);

  const auto a = store.Store(img::Jpeg(320, 240));
  const auto b = store.Store(img::Png(200, 100));
  const auto c = store.Store(img::Webp(120, 80));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  const std::string a_id = a->media_id();
  const std::string b_id = b->media_id();

  // Two complaints as the citizen sent them (the columns every complaint has).
  std::vector<std::string> complaints;
  auto admin = system.world().Admin();
  for (int i = 0; i < 2; ++i) {
    complaints.push_back(NewUuid());
    REQUIRE(admin
                ->ExecuteScript(absl::StrCat(
                    "INSERT INTO intake.complaints (complaint_id, ticket, category, description, "
                    "latitude, longitude, submitted_at, updated_at) VALUES ('",
                    complaints[i], "', 'SKK-2026-90000", i,
                    "', 'jalan-rusak', 'lubang', -7.98, 112.63, now(), now())"))
                .ok());
  }
  const auto attach = [&](const std::string& complaint, const std::vector<std::string>& ids) {
    return pool.Transact([&](PgConnection& tx) {
      return store.Attach(tx, complaint, ids, "media_ids");
    });
  };
  const auto owner = [&](const std::string& media_id) {
    return system.Count(absl::StrCat("SELECT count(*) FROM intake.media WHERE media_id = '",
                                     media_id, "' AND complaint_id = '", complaints[0], "'"));
  };

  REQUIRE(attach(complaints[0], {a_id, b_id}).ok());
  CHECK(owner(a_id) == 1);
  CHECK(owner(b_id) == 1);
  // Again for the same complaint (AddInfo may name a photo it already has): fine.
  CHECK(attach(complaints[0], {a_id}).ok());
  CHECK(attach(complaints[0], {}).ok());

  const absl::Status refused =
      attach(complaints[1], {b_id, std::string(64, '0'), "../../../../etc/passwd", b_id,
                             c->media_id()});
  CHECK(refused.code() == absl::StatusCode::kInvalidArgument);
  CHECK(refused.message() ==
        "media_ids[0]: belongs to another complaint; media_ids[1]: no such photo; "
        "media_ids[2]: is not a media id (64 lowercase hex digits); "
        "media_ids[3]: repeats media_ids[0]");
  // Nothing of a refused list is attached, not even its good photo.
  CHECK(system.Count("SELECT count(*) FROM intake.media WHERE complaint_id IS NOT NULL") == 2);
  REQUIRE(attach(complaints[1], {c->media_id()}).ok());
  CHECK(system.Count("SELECT count(*) FROM intake.media WHERE complaint_id IS NOT NULL") == 3);

  // Reading back, by well-formed ids only.
  const auto bytes = store.ReadPhoto(a_id);
  REQUIRE(bytes.ok());
  CHECK(*bytes == ReadWhole(PhotoPath(system, a_id)));
  CHECK(Sha256Hex(*bytes) == a_id);
  const auto thumbnail = store.ReadThumbnail(a_id);
  REQUIRE(thumbnail.ok());
  CHECK(img::Inspect(*thumbnail).loader == "jpegload_buffer");
  std::string upper = a_id;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const std::string& bad : {std::string("../../../../etc/passwd"), std::string(64, '0'),
                                 upper, a_id + "/../" + a_id, std::string()}) {
    INFO(bad);
    CHECK(store.ReadPhoto(bad).status().code() == absl::StatusCode::kNotFound);
    CHECK(store.ReadThumbnail(bad).status().code() == absl::StatusCode::kNotFound);
  }
  // Stored through the store directly, refusals carry the reason alone (no field).
  const auto hostile = store.Store("hello");
  CHECK(hostile.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(hostile.status().message() == "is not a JPEG, PNG, WebP or HEIC photo");
}

TEST_CASE("a complaint may reference only photos that exist and are not another's", "[intake]") {
  System system("mediasubmit", {"intake"});
  const Upload photo = Send(system, img::Jpeg(640, 480));
  REQUIRE(photo.status.ok());
  auto stub = system.Intake();

  const auto submit = [&](const std::vector<std::string>& media_ids,
                          sambat::v1::SubmitComplaintResponse* response) {
    sambat::v1::SubmitComplaintRequest request = SampleComplaint();
    request.set_idempotency_key(NewUuid());
    for (const std::string& id : media_ids) request.add_media_ids(id);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return stub->SubmitComplaint(&context, request, response);
  };

  sambat::v1::SubmitComplaintResponse first;
  const grpc::Status submitted = submit({photo.response.media_id()}, &first);
  INFO(submitted.error_message() << "\n" << system.LogTail("intake"));
  REQUIRE(submitted.ok());
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM intake.media WHERE complaint_id = '",
                                  first.complaint_id(), "'")) == 1);

  sambat::v1::SubmitComplaintResponse other;
  const grpc::Status taken = submit({photo.response.media_id()}, &other);
  CHECK(taken.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StrContains(taken.error_message(), "media_ids[0]: belongs to another complaint"));

  const grpc::Status unknown = submit({std::string(64, 'a')}, &other);
  CHECK(unknown.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StrContains(unknown.error_message(), "media_ids[0]: no such photo"));
  CHECK(system.Count("SELECT count(*) FROM intake.complaints") == 1);
}

}  // namespace skk::testing

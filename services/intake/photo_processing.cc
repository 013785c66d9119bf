#include "services/intake/photo_processing.h"

#include <vips/vips.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"

namespace skk::intake {

void InitVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    SKK_CHECK(VIPS_INIT("skk-intake") == 0, "libvips must initialise");
    // A server decodes one image per request thread and keeps nothing decoded afterwards.
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    // Loaders libvips itself marks unfit for untrusted input (ImageMagick, FITS, ...) are off;
    // we only ever call four loaders by name, this keeps the detector from even probing others.
    vips_block_untrusted_set(TRUE);
    // libvips' warnings (e.g. libjpeg's "corrupt data") become our JSON log lines.
    g_log_set_handler(
        "VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
        [](const gchar*, GLogLevelFlags, const gchar* message, gpointer) {
          log::Warn("libvips", {{"detail", message == nullptr ? "" : message}});
        },
        nullptr);
  });
}

namespace {

constexpr int kJpegQuality = 85;
constexpr int kThumbnailQuality = 80;
constexpr char kNotAPhoto[] = "is not a JPEG, PNG, WebP or HEIC photo";
constexpr char kCorrupt[] = "is truncated or corrupt";

// ---------------------------------------------------------------------------------------------
// libvips plumbing

struct ImageUnref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, ImageUnref>;

// libvips' error text may carry file names and internals: for our log only. Clears it.
std::string TakeVipsError() {
  char* text = vips_error_buffer_copy();
  std::string error = text == nullptr ? "" : text;
  g_free(text);
  while (!error.empty() && error.back() == '\n') error.pop_back();
  return error;
}

absl::Status Refuse(absl::string_view reason, absl::string_view detail = "") {
  log::Warn("photo refused", {{"reason", std::string(reason)}, {"detail", std::string(detail)}});
  return absl::InvalidArgumentError(reason);
}

absl::Status VipsFailure(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", TakeVipsError()));
}

// Runs a libvips operation `op(VipsImage** out)`; `what` names it for the log.
template <class Op>
absl::StatusOr<Image> Apply(absl::string_view what, Op op) {
  VipsImage* out = nullptr;
  if (op(&out) != 0) {
    if (out != nullptr) g_object_unref(out);
    return VipsFailure(what);
  }
  return Image(out);
}

std::string TakeBuffer(void* data, size_t size) {
  std::string bytes(static_cast<const char*>(data), size);
  g_free(data);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Detection by content

enum class Kind { kJpeg, kPng, kWebp, kHeic };

// libvips' loader of one kind from memory, e.g. vips_jpegload_buffer.
using BufferLoader = int (*)(void* buf, size_t len, VipsImage** out, ...);

struct KindInfo {
  const char* mime;
  std::string_view loader;  // libvips' nickname of the loader that must agree
  BufferLoader load;        // that loader
};

KindInfo Info(Kind kind) {
  switch (kind) {
    case Kind::kJpeg: return {"image/jpeg", "jpegload_buffer", vips_jpegload_buffer};
    case Kind::kPng: return {"image/png", "pngload_buffer", vips_pngload_buffer};
    case Kind::kWebp: return {"image/webp", "webpload_buffer", vips_webpload_buffer};
    case Kind::kHeic: return {"image/heic", "heifload_buffer", vips_heifload_buffer};
  }
  SKK_CHECK(false, "every kind is listed");
}

uint32_t BigEndian32(std::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[at + 2])} << 8) | uint32_t{static_cast<uint8_t>(b[at + 3])};
}

uint32_t LittleEndian32(std::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at + 3])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[at + 2])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[at + 1])} << 8) | uint32_t{static_cast<uint8_t>(b[at])};
}

bool IsHevcBrand(std::string_view brand) {
  static constexpr std::array<std::string_view, 6> kBrands = {"heic", "heix", "hevc",
                                                              "hevx", "heim", "heis"};
  for (std::string_view b : kBrands) {
    if (brand == b) return true;
  }
  return false;
}

// HEIC is an ISO base media file whose first box is "ftyp" naming an HEVC image brand, either
// as the major brand or, after the generic mif1/msf1, among the compatible ones (AVIF, which
// shares the container, names av01 brands and is not accepted).
bool IsHeic(std::string_view b) {
  if (b.size() < 16 || b.substr(4, 4) != "ftyp") return false;
  const std::string_view major = b.substr(8, 4);
  if (IsHevcBrand(major)) return true;
  if (major != "mif1" && major != "msf1") return false;
  const size_t box_end = std::min<size_t>(BigEndian32(b, 0), b.size());
  for (size_t at = 16; at + 4 <= box_end; at += 4) {
    if (IsHevcBrand(b.substr(at, 4))) return true;
  }
  return false;
}

std::optional<Kind> DetectKind(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return Kind::kJpeg;
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n") return Kind::kPng;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return Kind::kWebp;
  if (IsHeic(b)) return Kind::kHeic;
  return std::nullopt;
}

// A WebP's first image chunk says whether it was encoded losslessly ("VP8L") or not ("VP8 ").
bool IsLosslessWebp(std::string_view b) {
  for (size_t at = 12; at + 8 <= b.size();) {
    const std::string_view fourcc = b.substr(at, 4);
    if (fourcc == "VP8L") return true;
    if (fourcc == "VP8 " || fourcc == "ANMF") return false;
    const uint64_t size = LittleEndian32(b, at + 4);
    at += 8 + size + (size & 1);
  }
  return false;
}

// The loader libvips' own sniffing picks must be the one our detection implies.
bool LoaderAgrees(std::string_view upload, Kind kind) {
  const char* name = vips_foreign_find_load_buffer(upload.data(), upload.size());
  if (name == nullptr) {
    TakeVipsError();
    return false;
  }
  const char* nickname = vips_nickname_find(g_type_from_name(name));
  return nickname != nullptr && nickname == Info(kind).loader;
}

// Opens the image lazily: only its header is read until pixels are asked for, and then with
// fail-on-error, so truncation or corruption is an error rather than grey pixels.
absl::StatusOr<Image> Open(std::string_view upload, Kind kind) {
  void* data = const_cast<char*>(upload.data());
  const size_t size = upload.size();
  return Apply("load", [&](VipsImage** out) {
    return Info(kind).load(data, size, out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                           VIPS_FAIL_ON_ERROR, nullptr);
  });
}

std::string StringField(VipsImage* image, const char* name) {
  const char* value = nullptr;
  if (vips_image_get_typeof(image, name) == 0 || vips_image_get_string(image, name, &value) != 0) {
    return "";
  }
  return value == nullptr ? "" : value;
}

std::string SizeText(int64_t bytes) {
  if (bytes % (1024 * 1024) == 0) return absl::StrCat(bytes / (1024 * 1024), " MB");
  if (bytes % 1024 == 0) return absl::StrCat(bytes / 1024, " KB");
  return absl::StrCat(bytes, " bytes");
}

std::string Megapixels(int64_t pixels) {
  if (pixels % 1'000'000 == 0) return absl::StrCat(pixels / 1'000'000, " megapixels");
  return absl::StrCat(pixels, " pixels");
}

// ---------------------------------------------------------------------------------------------
// Cleaning and encoding

// sRGB for every browser: an embedded ICC profile is applied (it is dropped with the rest of
// the metadata), other colour spaces (CMYK) are converted.
absl::StatusOr<Image> ToDisplayColours(Image image) {
  if (vips_image_get_typeof(image.get(), VIPS_META_ICC_NAME) != 0) {
    absl::StatusOr<Image> converted = Apply("icc_transform", [&](VipsImage** out) {
      return vips_icc_transform(image.get(), out, "srgb", "embedded", TRUE, "intent",
                                VIPS_INTENT_RELATIVE, nullptr);
    });
    if (converted.ok()) return converted;
    // A broken profile is no reason to refuse the photo: its colours are kept as they are.
    log::Warn("ignoring unusable colour profile",
              {{"detail", std::string(converted.status().message())}});
  }
  switch (vips_image_guess_interpretation(image.get())) {
    case VIPS_INTERPRETATION_sRGB:
    case VIPS_INTERPRETATION_B_W:
    case VIPS_INTERPRETATION_RGB16:
    case VIPS_INTERPRETATION_GREY16:
      return image;
    default:
      return Apply("colourspace", [&](VipsImage** out) {
        return vips_colourspace(image.get(), out, VIPS_INTERPRETATION_sRGB, nullptr);
      });
  }
}

// A copy carrying pixels and geometry only: EXIF, XMP, IPTC, ICC, comments and the orientation
// are removed here, and the savers are told to strip as well.
absl::StatusOr<Image> WithoutMetadata(VipsImage* image) {
  SKK_ASSIGN_OR_RETURN(Image copy, Apply("copy", [&](VipsImage** out) {
                         return vips_copy(image, out, nullptr);
                       }));
  static constexpr std::array<std::string_view, 11> kGeometry = {
      "width", "height", "bands", "format", "coding", "interpretation",
      "xoffset", "yoffset", "xres", "yres", "filename"};
  gchar** fields = vips_image_get_fields(copy.get());
  for (gchar** f = fields; *f != nullptr; ++f) {
    if (std::find(kGeometry.begin(), kGeometry.end(), std::string_view(*f)) == kGeometry.end()) {
      vips_image_remove(copy.get(), *f);
    }
  }
  g_strfreev(fields);
  return copy;
}

// JPEG has no transparency: transparent parts become white, not black.
absl::StatusOr<Image> Opaque(Image image) {
  if (!vips_image_hasalpha(image.get())) return image;
  const double white = image->BandFmt == VIPS_FORMAT_USHORT ? 65535.0 : 255.0;
  VipsArrayDouble* background = vips_array_double_newv(1, white);
  absl::StatusOr<Image> flat = Apply("flatten", [&](VipsImage** out) {
    return vips_flatten(image.get(), out, "background", background, nullptr);
  });
  vips_area_unref(VIPS_AREA(background));
  return flat;
}

absl::StatusOr<std::string> EncodeJpeg(VipsImage* image, int quality) {
  SKK_ASSIGN_OR_RETURN(Image copy, Apply("copy", [&](VipsImage** out) {
                         return vips_copy(image, out, nullptr);
                       }));
  SKK_ASSIGN_OR_RETURN(Image opaque, Opaque(std::move(copy)));
  void* data = nullptr;
  size_t size = 0;
  if (vips_jpegsave_buffer(opaque.get(), &data, &size, "Q", quality, "strip", TRUE,
                           "optimize_coding", TRUE, nullptr) != 0) {
    return VipsFailure("jpegsave");
  }
  return TakeBuffer(data, size);
}

// libvips 8.14's webpsave writes an EXIF chunk even when told to strip (fixed in later
// versions); whatever the version, the container's metadata chunks are dropped here and the
// VP8X flags that announce them cleared. Empty for a container that does not parse.
std::string WithoutWebpMetadata(std::string_view webp) {
  if (webp.size() < 12 || webp.substr(0, 4) != "RIFF" || webp.substr(8, 4) != "WEBP") return "";
  std::string out(webp.substr(0, 12));
  for (size_t at = 12; at < webp.size();) {
    if (at + 8 > webp.size()) return "";
    const std::string_view fourcc = webp.substr(at, 4);
    const size_t size = LittleEndian32(webp, at + 4);
    const size_t padded = size + (size & 1);
    if (padded > webp.size() - at - 8) return "";
    if (fourcc != "EXIF" && fourcc != "XMP " && fourcc != "ICCP") {
      const size_t flags = out.size() + 8;
      out.append(webp.substr(at, 8 + padded));
      if (fourcc == "VP8X" && size >= 1) {
        constexpr uint8_t kIcc = 0x20, kExif = 0x08, kXmp = 0x04;
        out[flags] = static_cast<char>(static_cast<uint8_t>(out[flags]) & ~(kIcc | kExif | kXmp));
      }
    }
    at += 8 + padded;
  }
  const uint32_t riff_size = static_cast<uint32_t>(out.size() - 8);
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((riff_size >> (8 * i)) & 0xFF);
  return out;
}

absl::StatusOr<std::string> Encode(VipsImage* image, Kind stored, bool lossless) {
  void* data = nullptr;
  size_t size = 0;
  switch (stored) {
    case Kind::kPng:
      if (vips_pngsave_buffer(image, &data, &size, "strip", TRUE, "compression", 6, nullptr)) {
        return VipsFailure("pngsave");
      }
      return TakeBuffer(data, size);
    case Kind::kWebp:
      if (vips_webpsave_buffer(image, &data, &size, "Q", kJpegQuality, "lossless", lossless,
                               "strip", TRUE, nullptr)) {
        return VipsFailure("webpsave");
      }
      if (std::string clean = WithoutWebpMetadata(TakeBuffer(data, size)); !clean.empty()) {
        return clean;
      }
      return absl::InternalError("webpsave wrote a container that does not parse");
    default:
      return EncodeJpeg(image, kJpegQuality);
  }
}

// What is stored must read back with none of the metadata it came with: checked on every
// photo, because a libvips upgrade that changes what "strip" means must not leak a home's GPS.
absl::Status CheckClean(const std::string& bytes, Kind stored, int width, int height) {
  SKK_ASSIGN_OR_RETURN(Image image, Open(bytes, stored));
  if (image->Xsize != width || image->Ysize != height) {
    return absl::InternalError("stored photo has other dimensions than the processed one");
  }
  gchar** fields = vips_image_get_fields(image.get());
  std::string leaked;
  for (gchar** f = fields; *f != nullptr; ++f) {
    const absl::string_view name = *f;
    for (absl::string_view prefix : {"exif-", "xmp-", "iptc-", "icc-", "png-comment", "orientation",
                                    "gif-comment"}) {
      if (absl::StartsWith(name, prefix)) absl::StrAppend(&leaked, " ", name);
    }
  }
  g_strfreev(fields);
  if (!leaked.empty()) return absl::InternalError(absl::StrCat("stored photo kept:", leaked));
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ProcessPhoto

absl::StatusOr<ProcessedPhoto> ProcessPhoto(std::string_view upload, const MediaLimits& limits) {
  InitVips();
  if (upload.empty()) return Refuse("is empty");
  if (static_cast<int64_t>(upload.size()) > limits.max_photo_bytes) {
    return Refuse(TooLargeReason(limits.max_photo_bytes));
  }
  const std::optional<Kind> kind = DetectKind(upload);
  if (!kind.has_value()) return Refuse(kNotAPhoto);
  if (!LoaderAgrees(upload, *kind)) {
    return Refuse(kNotAPhoto, absl::StrCat("libvips disagrees with ", Info(*kind).mime));
  }

  // The header alone: dimensions are checked before a single pixel is decoded.
  absl::StatusOr<Image> opened = Open(upload, *kind);
  if (!opened.ok()) return Refuse(kCorrupt, opened.status().message());
  Image image = *std::move(opened);
  if (*kind == Kind::kHeic && StringField(image.get(), "heif-compression") != "hevc") {
    return Refuse(kNotAPhoto, absl::StrCat("HEIF compressed with ",
                                           StringField(image.get(), "heif-compression")));
  }
  const int64_t pixels = int64_t{image->Xsize} * int64_t{image->Ysize};
  if (pixels > limits.max_pixels) {
    return Refuse(absl::StrCat("is too large: ", image->Xsize, " x ", image->Ysize,
                               " pixels, at most ", Megapixels(limits.max_pixels),
                               " are accepted"));
  }

  // Deep colour and transparency make the same pixels take more memory: what is decoded is
  // held to what max_pixels of 8-bit RGBA take.
  const int64_t decoded_bytes = static_cast<int64_t>(VIPS_IMAGE_SIZEOF_IMAGE(image.get()));
  if (decoded_bytes > limits.max_pixels * 4) {
    return Refuse(absl::StrCat("is too large: ", image->Xsize, " x ", image->Ysize,
                               " pixels take ", decoded_bytes / (1024 * 1024),
                               " MB decoded, at most ", limits.max_pixels * 4 / (1024 * 1024),
                               " MB are accepted"));
  }

  // Decoding every pixel proves it is an image; any error on the way refuses it.
  Image decoded(vips_image_copy_memory(image.get()));
  if (decoded == nullptr) return Refuse(kCorrupt, TakeVipsError());
  image.reset();

  SKK_ASSIGN_OR_RETURN(Image upright, Apply("autorot", [&](VipsImage** out) {
                         return vips_autorot(decoded.get(), out, nullptr);
                       }));
  SKK_ASSIGN_OR_RETURN(Image displayable, ToDisplayColours(std::move(upright)));
  SKK_ASSIGN_OR_RETURN(Image clean, WithoutMetadata(displayable.get()));

  const Kind stored = (*kind == Kind::kPng || *kind == Kind::kWebp) ? *kind : Kind::kJpeg;
  ProcessedPhoto photo;
  photo.detected_type = Info(*kind).mime;
  photo.content_type = Info(stored).mime;
  photo.width = clean->Xsize;
  photo.height = clean->Ysize;
  SKK_ASSIGN_OR_RETURN(photo.bytes,
                       Encode(clean.get(), stored, *kind == Kind::kWebp && IsLosslessWebp(upload)));
  SKK_RETURN_IF_ERROR(CheckClean(photo.bytes, stored, photo.width, photo.height));

  SKK_ASSIGN_OR_RETURN(Image thumbnail, Apply("thumbnail", [&](VipsImage** out) {
                         return vips_thumbnail_image(clean.get(), out, limits.thumbnail_side,
                                                     "height", limits.thumbnail_side, "size",
                                                     VIPS_SIZE_DOWN, "no_rotate", TRUE, nullptr);
                       }));
  SKK_ASSIGN_OR_RETURN(photo.thumbnail_jpeg, EncodeJpeg(thumbnail.get(), kThumbnailQuality));
  return photo;
}

std::string TooLargeReason(int64_t max_photo_bytes) {
  return absl::StrCat("is larger than ", SizeText(max_photo_bytes));
}

}  // namespace skk::intake

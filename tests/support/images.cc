#include "tests/support/images.h"

#include <vips/vips.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

// x265 (HEIC encoding, tests only) keeps a few allocations for the life of the process.
extern "C" const char* __lsan_default_suppressions() { return "leak:libx265.so\n"; }

namespace skk::testing::images {
namespace {

struct ImageUnref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, ImageUnref>;

void InitVips() {
  static std::once_flag once;
  std::call_once(once, [] { REQUIRE(VIPS_INIT("skk-test") == 0); });
}

std::string VipsError() {
  std::string error = vips_error_buffer();
  vips_error_clear();
  return error;
}

// Runs a libvips operation `op(VipsImage** out)`; a failure fails the test.
template <class Op>
Image Make(const char* what, Op op) {
  VipsImage* out = nullptr;
  const int rc = op(&out);
  INFO(what << ": " << VipsError());
  REQUIRE(rc == 0);
  return Image(out);
}

std::string TakeBuffer(void* data, size_t size) {
  std::string bytes(static_cast<const char*>(data), size);
  g_free(data);
  return bytes;
}

template <class Saver>
std::string Save(const char* what, Saver save) {
  void* data = nullptr;
  size_t size = 0;
  const int rc = save(&data, &size);
  INFO(what << ": " << VipsError());
  REQUIRE(rc == 0);
  return TakeBuffer(data, size);
}

void PutBigEndian32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void PutLittleEndian(std::string& out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// An sRGB gradient (red grows to the right, green downwards) with a pure red square in the
// top-left corner: after a rotation, where the square went says which way it turned.
Image Gradient(int width, int height) {
  InitVips();
  Image xyz = Make("xyz", [&](VipsImage** out) { return vips_xyz(out, width, height, nullptr); });
  Image x = Make("x", [&](VipsImage** out) { return vips_extract_band(xyz.get(), out, 0, nullptr); });
  Image y = Make("y", [&](VipsImage** out) { return vips_extract_band(xyz.get(), out, 1, nullptr); });
  Image red = Make("red", [&](VipsImage** out) {
    return vips_linear1(x.get(), out, 255.0 / width, 0.0, nullptr);
  });
  Image green = Make("green", [&](VipsImage** out) {
    return vips_linear1(y.get(), out, 255.0 / height, 0.0, nullptr);
  });
  Image blue = Make("blue", [&](VipsImage** out) {
    return vips_linear1(x.get(), out, 0.0, 128.0, nullptr);
  });
  VipsImage* bands[] = {red.get(), green.get(), blue.get()};
  Image joined = Make("bandjoin", [&](VipsImage** out) { return vips_bandjoin(bands, out, 3, nullptr); });
  // Sensor noise, so that photos compress to the sizes real ones have (a 2 MP JPEG ~ 1 MB).
  Image noise = Make("gaussnoise", [&](VipsImage** out) {
    return vips_gaussnoise(out, width, height, "sigma", 24.0, "mean", 0.0, "seed", 42, nullptr);
  });
  Image noisy = Make("add", [&](VipsImage** out) {
    return vips_add(joined.get(), noise.get(), out, nullptr);
  });
  Image rgb = Make("cast", [&](VipsImage** out) {
    return vips_cast(noisy.get(), out, VIPS_FORMAT_UCHAR, nullptr);
  });
  Image srgb = Make("copy", [&](VipsImage** out) {
    return vips_copy(rgb.get(), out, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr);
  });
  Image memory(vips_image_copy_memory(srgb.get()));
  REQUIRE(memory != nullptr);
  const int side = std::max(1, std::min(width, height) / 4);
  double pure_red[] = {255, 0, 0};
  REQUIRE(vips_draw_rect(memory.get(), pure_red, 3, 0, 0, side, side, "fill", TRUE, nullptr) == 0);
  return memory;
}

Image WithAlpha(VipsImage* image) {
  const int width = image->Xsize;
  const int height = image->Ysize;
  Image xyz = Make("xyz", [&](VipsImage** out) { return vips_xyz(out, width, height, nullptr); });
  Image x = Make("x", [&](VipsImage** out) { return vips_extract_band(xyz.get(), out, 0, nullptr); });
  // Transparent left half, opaque right half.
  Image opaque = Make("more", [&](VipsImage** out) {
    return vips_more_const1(x.get(), out, width / 2.0, nullptr);
  });
  Image alpha = Make("cast", [&](VipsImage** out) {
    return vips_cast(opaque.get(), out, VIPS_FORMAT_UCHAR, nullptr);
  });
  return Make("bandjoin", [&](VipsImage** out) {
    return vips_bandjoin2(image, alpha.get(), out, nullptr);
  });
}

std::string XmpWithGps() {
  return std::string(
             "<?xpacket begin='\xEF\xBB\xBF' id='W5M0MpCehiHzreSzNTczkc9d'?>"
             "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
             "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
             "<rdf:Description xmlns:exif='http://ns.adobe.com/exif/1.0/' "
             "exif:GPSLatitude='7,56.5037S' exif:GPSLongitude='112,37.0853E' "
             "exif:BodySerialNumber='") +
         kDeviceSerial + "'/></rdf:RDF></x:xmpmeta><?xpacket end='w'?>";
}

// An APP13 Photoshop block with IPTC by-line and city records.
std::string IptcBlock() {
  std::string records;
  const auto record = [&records](uint8_t dataset, const std::string& value) {
    records += '\x1C';
    records += '\x02';
    records += static_cast<char>(dataset);
    records += static_cast<char>((value.size() >> 8) & 0xFF);
    records += static_cast<char>(value.size() & 0xFF);
    records += value;
  };
  record(80, "Budi Santoso");  // by-line
  record(90, "Malang");        // city
  if (records.size() % 2 != 0) records += '\0';
  std::string block("Photoshop 3.0\0", 14);
  block += "8BIM";
  block += '\x04';
  block += '\x04';
  block += std::string(2, '\0');  // empty Pascal name, padded
  PutBigEndian32(block, static_cast<uint32_t>(records.size()));
  block += records;
  return block;
}

// Sets what a phone's camera records: orientation, GPS, make, model and serial.
void SetCameraMetadata(VipsImage* image, const PhotoOptions& options) {
  vips_image_set_int(image, VIPS_META_ORIENTATION, options.orientation);
  if (!options.gps_and_device) return;
  vips_image_set_string(image, "exif-ifd0-Make", "samsung");
  vips_image_set_string(image, "exif-ifd0-Model", "SM-A525F");
  vips_image_set_string(image, "exif-ifd2-BodySerialNumber", kDeviceSerial);
  vips_image_set_string(image, "exif-ifd3-GPSLatitudeRef", "S");
  vips_image_set_string(image, "exif-ifd3-GPSLatitude", kGpsLatitude);
  vips_image_set_string(image, "exif-ifd3-GPSLongitudeRef", "E");
  vips_image_set_string(image, "exif-ifd3-GPSLongitude", kGpsLongitude);
  const std::string xmp = XmpWithGps();
  vips_image_set_blob_copy(image, VIPS_META_XMP_NAME, xmp.data(), xmp.size());
}

Image PhotoImage(int width, int height, const PhotoOptions& options) {
  Image image = Gradient(width, height);
  if (options.p3_profile) {
    Image p3 = Make("icc_transform", [&](VipsImage** out) {
      return vips_icc_transform(image.get(), out, "p3", "input_profile", "srgb", "embedded",
                                FALSE, nullptr);
    });
    image = Make("copy", [&](VipsImage** out) { return vips_copy(p3.get(), out, nullptr); });
    VipsBlob* profile = nullptr;
    REQUIRE(vips_profile_load("p3", &profile, nullptr) == 0);
    REQUIRE(profile != nullptr);
    vips_image_set_blob_copy(image.get(), VIPS_META_ICC_NAME, VIPS_AREA(profile)->data,
                             VIPS_AREA(profile)->length);
    vips_area_unref(VIPS_AREA(profile));
  }
  if (options.alpha) image = WithAlpha(image.get());
  Image tagged = Make("copy", [&](VipsImage** out) { return vips_copy(image.get(), out, nullptr); });
  SetCameraMetadata(tagged.get(), options);
  if (options.iptc) {
    const std::string iptc = IptcBlock();
    vips_image_set_blob_copy(tagged.get(), VIPS_META_IPTC_NAME, iptc.data(), iptc.size());
  }
  return tagged;
}

std::optional<std::string> HeifWith(int width, int height, VipsForeignHeifCompression compression) {
  PhotoOptions options;
  Image image = PhotoImage(width, height, options);
  void* data = nullptr;
  size_t size = 0;
  if (vips_heifsave_buffer(image.get(), &data, &size, "compression", compression, "Q", 80,
                           nullptr) != 0) {
    WARN("libheif cannot encode here: " << VipsError());
    return std::nullopt;
  }
  return TakeBuffer(data, size);
}

void AppendChunk(std::string& png, const char type[5], const std::string& data) {
  PutBigEndian32(png, static_cast<uint32_t>(data.size()));
  const std::string typed = std::string(type, 4) + data;
  png += typed;
  PutBigEndian32(png, static_cast<uint32_t>(
                          crc32(0, reinterpret_cast<const Bytef*>(typed.data()), typed.size())));
}

std::string BuildPngBomb(int width, int height) {
  std::string ihdr;
  PutBigEndian32(ihdr, static_cast<uint32_t>(width));
  PutBigEndian32(ihdr, static_cast<uint32_t>(height));
  ihdr += std::string("\x01\x00\x00\x00\x00", 5);  // 1 bit, greyscale, deflate, no filter, no interlace

  // Every row: filter byte 0 and width/8 bytes of zeros, deflated as a stream.
  const std::string row(1 + (static_cast<size_t>(width) + 7) / 8, '\0');
  z_stream z{};
  REQUIRE(deflateInit(&z, 9) == Z_OK);
  std::string idat;
  std::string out(1 << 16, '\0');
  bool deflated = true;
  for (int r = 0; r <= height && deflated; ++r) {
    const bool last = r == height;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(row.data()));
    z.avail_in = last ? 0 : static_cast<uInt>(row.size());
    int rc = Z_OK;
    do {
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      deflated = deflated && rc != Z_STREAM_ERROR;
      idat.append(out.data(), out.size() - z.avail_out);
    } while (deflated && (z.avail_out == 0 || (last && rc != Z_STREAM_END)));
  }
  deflateEnd(&z);
  REQUIRE(deflated);

  std::string png("\x89PNG\r\n\x1A\n", 8);
  AppendChunk(png, "IHDR", ihdr);
  AppendChunk(png, "IDAT", idat);
  AppendChunk(png, "IEND", "");
  return png;
}

// The TIFF-structured EXIF of a phone's photo (GPS, serial, orientation 6), without the
// "Exif\0\0" marker of a JPEG's APP1 segment.
std::string ExifOfPhoneJpeg() {
  PhotoOptions options;
  options.orientation = 6;
  const std::string jpeg = Jpeg(16, 16, options);
  Image image(vips_image_new_from_buffer(jpeg.data(), jpeg.size(), "", nullptr));
  REQUIRE(image != nullptr);
  const void* data = nullptr;
  size_t size = 0;
  REQUIRE(vips_image_get_blob(image.get(), VIPS_META_EXIF_NAME, &data, &size) == 0);
  const std::string exif(static_cast<const char*>(data), size);
  REQUIRE(exif.substr(0, 6) == std::string("Exif\0\0", 6));
  return exif.substr(6);
}

}  // namespace

std::string Jpeg(int width, int height, const PhotoOptions& options) {
  Image image = PhotoImage(width, height, options);
  return Save("jpegsave", [&](void** data, size_t* size) {
    return vips_jpegsave_buffer(image.get(), data, size, "Q", options.quality, nullptr);
  });
}

std::string CmykJpeg(int width, int height) {
  Image image = Gradient(width, height);
  Image cmyk = Make("colourspace", [&](VipsImage** out) {
    return vips_colourspace(image.get(), out, VIPS_INTERPRETATION_CMYK, nullptr);
  });
  Image bare = Make("copy", [&](VipsImage** out) { return vips_copy(cmyk.get(), out, nullptr); });
  vips_image_remove(bare.get(), VIPS_META_ICC_NAME);
  return Save("jpegsave", [&](void** data, size_t* size) {
    return vips_jpegsave_buffer(bare.get(), data, size, "Q", 90, nullptr);
  });
}

std::string Png(int width, int height, bool alpha, bool deep) {
  Image image = Gradient(width, height);
  if (alpha) image = WithAlpha(image.get());
  if (deep) {
    Image wide = Make("linear", [&](VipsImage** out) {
      return vips_linear1(image.get(), out, 257.0, 0.0, nullptr);
    });
    Image cast = Make("cast", [&](VipsImage** out) {
      return vips_cast(wide.get(), out, VIPS_FORMAT_USHORT, nullptr);
    });
    image = Make("copy", [&](VipsImage** out) {
      return vips_copy(cast.get(), out, "interpretation", VIPS_INTERPRETATION_RGB16, nullptr);
    });
  }
  const std::string plain = Save("pngsave", [&](void** data, size_t* size) {
    return vips_pngsave_buffer(image.get(), data, size, nullptr);
  });
  // libvips writes neither text nor EXIF into PNG: both chunks are added after IHDR by hand,
  // the EXIF being the one a phone's JPEG carries (with GPS, serial and orientation).
  const std::string comment = std::string("Comment") + '\0' + "taken at GPS " + kGpsLatitude +
                              " S, " + kGpsLongitude + " E by " + kDeviceSerial;
  std::string chunks;
  AppendChunk(chunks, "tEXt", comment);
  AppendChunk(chunks, "eXIf", ExifOfPhoneJpeg());
  constexpr size_t kAfterIhdr = 8 + 8 + 13 + 4;
  REQUIRE(plain.substr(12, 4) == "IHDR");
  return plain.substr(0, kAfterIhdr) + chunks + plain.substr(kAfterIhdr);
}

std::string Webp(int width, int height, bool lossless, const PhotoOptions& options) {
  Image image = PhotoImage(width, height, options);
  return Save("webpsave", [&](void** data, size_t* size) {
    return vips_webpsave_buffer(image.get(), data, size, "lossless", lossless, "Q", 90, nullptr);
  });
}

std::optional<std::string> Heic(int width, int height) {
  return HeifWith(width, height, VIPS_FOREIGN_HEIF_COMPRESSION_HEVC);
}

std::optional<std::string> Avif(int width, int height) {
  return HeifWith(width, height, VIPS_FOREIGN_HEIF_COMPRESSION_AV1);
}

std::string Gif(int width, int height) {
  Image image = Gradient(width, height);
  return Save("gifsave", [&](void** data, size_t* size) {
    return vips_gifsave_buffer(image.get(), data, size, nullptr);
  });
}

std::string Tiff(int width, int height) {
  Image image = Gradient(width, height);
  return Save("tiffsave", [&](void** data, size_t* size) {
    return vips_tiffsave_buffer(image.get(), data, size, nullptr);
  });
}

std::string Bmp(int width, int height) {
  const uint32_t row_bytes = (static_cast<uint32_t>(width) * 3 + 3) & ~3u;
  const uint32_t pixel_bytes = row_bytes * static_cast<uint32_t>(height);
  std::string bmp = "BM";
  PutLittleEndian(bmp, 14 + 40 + pixel_bytes, 4);  // file size
  PutLittleEndian(bmp, 0, 4);                      // reserved
  PutLittleEndian(bmp, 14 + 40, 4);                // pixel data offset
  PutLittleEndian(bmp, 40, 4);                     // BITMAPINFOHEADER
  PutLittleEndian(bmp, static_cast<uint32_t>(width), 4);
  PutLittleEndian(bmp, static_cast<uint32_t>(height), 4);
  PutLittleEndian(bmp, 1, 2);   // planes
  PutLittleEndian(bmp, 24, 2);  // bits per pixel
  PutLittleEndian(bmp, 0, 4);   // no compression
  PutLittleEndian(bmp, pixel_bytes, 4);
  PutLittleEndian(bmp, 2835, 4);  // 72 dpi
  PutLittleEndian(bmp, 2835, 4);
  PutLittleEndian(bmp, 0, 4);
  PutLittleEndian(bmp, 0, 4);
  for (int y = 0; y < height; ++y) {
    std::string row(row_bytes, '\0');
    for (int x = 0; x < width; ++x) row[3 * x + 2] = static_cast<char>(x * 255 / width);
    bmp += row;
  }
  return bmp;
}

const std::string& PngBomb(int width, int height) {
  static std::mutex mu;
  static std::map<std::pair<int, int>, std::string> built;
  std::lock_guard lock(mu);
  auto [it, inserted] = built.try_emplace({width, height});
  if (inserted) it->second = BuildPngBomb(width, height);
  return it->second;
}

std::string Truncated(const std::string& bytes, double keep_fraction) {
  return bytes.substr(0, static_cast<size_t>(static_cast<double>(bytes.size()) * keep_fraction));
}

std::string ZipArchive() {
  const std::string name = "payload.html";
  const std::string content = kHtmlPayload;
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(content.data()), content.size()));
  std::string zip = kZipMarker;  // local file header
  PutLittleEndian(zip, 10, 2);   // version needed
  PutLittleEndian(zip, 0, 2);    // flags
  PutLittleEndian(zip, 0, 2);    // stored
  PutLittleEndian(zip, 0, 4);    // time, date
  PutLittleEndian(zip, crc, 4);
  PutLittleEndian(zip, static_cast<uint32_t>(content.size()), 4);
  PutLittleEndian(zip, static_cast<uint32_t>(content.size()), 4);
  PutLittleEndian(zip, static_cast<uint32_t>(name.size()), 2);
  PutLittleEndian(zip, 0, 2);
  zip += name + content;
  const uint32_t central_at = static_cast<uint32_t>(zip.size());
  zip += "PK\x01\x02";
  PutLittleEndian(zip, 20, 2);  // made by
  PutLittleEndian(zip, 10, 2);  // needed
  PutLittleEndian(zip, 0, 2);
  PutLittleEndian(zip, 0, 2);
  PutLittleEndian(zip, 0, 4);
  PutLittleEndian(zip, crc, 4);
  PutLittleEndian(zip, static_cast<uint32_t>(content.size()), 4);
  PutLittleEndian(zip, static_cast<uint32_t>(content.size()), 4);
  PutLittleEndian(zip, static_cast<uint32_t>(name.size()), 2);
  PutLittleEndian(zip, 0, 2);  // extra
  PutLittleEndian(zip, 0, 2);  // comment
  PutLittleEndian(zip, 0, 2);  // disk
  PutLittleEndian(zip, 0, 2);  // internal attributes
  PutLittleEndian(zip, 0, 4);  // external attributes
  PutLittleEndian(zip, 0, 4);  // local header offset
  zip += name;
  const uint32_t central_size = static_cast<uint32_t>(zip.size()) - central_at;
  zip += "PK\x05\x06";
  PutLittleEndian(zip, 0, 2);
  PutLittleEndian(zip, 0, 2);
  PutLittleEndian(zip, 1, 2);
  PutLittleEndian(zip, 1, 2);
  PutLittleEndian(zip, central_size, 4);
  PutLittleEndian(zip, central_at, 4);
  PutLittleEndian(zip, 0, 2);
  return zip;
}

Inspection Inspect(const std::string& bytes) {
  InitVips();
  Inspection result;
  Image image(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  if (image == nullptr) {
    vips_error_clear();
    return result;
  }
  result.loadable = true;
  result.width = image->Xsize;
  result.height = image->Ysize;
  result.bands = image->Bands;
  if (vips_image_get_typeof(image.get(), VIPS_META_ORIENTATION) != 0) {
    vips_image_get_int(image.get(), VIPS_META_ORIENTATION, &result.orientation);
  }
  const char* loader = nullptr;
  if (vips_image_get_string(image.get(), VIPS_META_LOADER, &loader) == 0 && loader != nullptr) {
    result.loader = loader;
  }
  gchar** fields = vips_image_get_fields(image.get());
  for (gchar** f = fields; *f != nullptr; ++f) {
    const std::string name = *f;
    result.fields.push_back(name);
    bool revealing = false;
    for (const char* prefix : {"exif-", "xmp-", "iptc-", "icc-", "png-comment", "gif-comment",
                               "orientation"}) {
      if (name.rfind(prefix, 0) == 0) revealing = true;
    }
    char* text = nullptr;
    if (vips_image_get_as_string(image.get(), *f, &text) == 0 && text != nullptr) {
      const std::string value = text;
      if (value.find(kDeviceSerial) != std::string::npos || value.find("GPS") != std::string::npos) {
        revealing = true;
      }
      g_free(text);
    }
    if (revealing) result.revealing.push_back(name);
  }
  g_strfreev(fields);
  return result;
}

std::array<double, 3> MeanColour(const std::string& bytes, int x, int y, int size) {
  InitVips();
  Image image(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  INFO(VipsError());
  REQUIRE(image != nullptr);
  Image area = Make("extract_area", [&](VipsImage** out) {
    return vips_extract_area(image.get(), out, x, y, size, size, nullptr);
  });
  std::array<double, 3> mean{};
  for (int band = 0; band < 3; ++band) {
    Image one = Make("extract_band", [&](VipsImage** out) {
      return vips_extract_band(area.get(), out, std::min(band, area->Bands - 1), nullptr);
    });
    REQUIRE(vips_avg(one.get(), &mean[band], nullptr) == 0);
  }
  return mean;
}

}  // namespace skk::testing::images

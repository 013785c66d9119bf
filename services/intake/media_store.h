#pragma once

// Stored photos, content-addressed: the media id is the SHA-256 of the stored bytes (what
// ProcessPhoto made of the upload, never the upload itself), so the same photo is stored once.
// A thumbnail is kept beside it for the officers' queue.

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/photo_processing.h"
#include "services/platform/pg.h"

namespace skk::intake {

// Lets at most `limit` holders of a Slot exist at once; Enter waits, without a time limit, for
// one to be destroyed. Thread-safe. MediaStore holds its photo decodes to
// MediaLimits::max_concurrent_decodes with it.
class DecodeGate {
 public:
  // A place in the gate, freed when the Slot is destroyed; must not outlive its gate.
  class [[nodiscard]] Slot {
   public:
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { gate_.Leave(); }

   private:
    friend class DecodeGate;
    explicit Slot(DecodeGate& gate) : gate_(gate) {}
    DecodeGate& gate_;
  };

  // `limit` must be at least 1 (crashes otherwise: a gate nobody passes is a hung server).
  explicit DecodeGate(int limit);
  DecodeGate(const DecodeGate&) = delete;
  DecodeGate& operator=(const DecodeGate&) = delete;

  Slot Enter();

 private:
  void Leave();

  std::mutex mu_;
  std::condition_variable freed_;
  int free_;  // guarded by mu_
};

// Stored photos: files under a directory (a volume), metadata in intake's schema (table media).
class MediaStore {
 public:
  MediaStore(PgPool& pool, std::string dir, MediaLimits limits);

  const MediaLimits& limits() const { return limits_; }

  // Processes and stores an uploaded photo. The same upload again stores nothing and returns
  // the same media id (already_stored = true) without decoding it. At most
  // limits().max_concurrent_decodes photos are processed at once; other calls wait their turn
  // (holding no database connection). Files are written durably (temporary file, fsync, rename)
  // before the row is inserted: a row always has its files. INVALID_ARGUMENT from ProcessPhoto
  // is passed on as it is (a reason without a field name).
  absl::StatusOr<sambat::v1::UploadMediaResponse> Store(std::string_view upload);

  // Inside the caller's transaction: checks that every id names a stored photo that belongs to
  // no other complaint, and attaches them to `complaint_id`. INVALID_ARGUMENT names the
  // offending element as `<field>[i]` (e.g. "media_ids[1]: no such photo").
  absl::Status Attach(PgConnection& tx, const std::string& complaint_id,
                      const std::vector<std::string>& media_ids, const std::string& field);

  // The stored bytes and the thumbnail of a photo (for officers' views and tests). NOT_FOUND
  // for an id that is malformed or names no stored photo.
  absl::StatusOr<std::string> ReadPhoto(const std::string& media_id) const;
  absl::StatusOr<std::string> ReadThumbnail(const std::string& media_id) const;

 private:
  // ProcessPhoto, once the gate lets this call decode.
  absl::StatusOr<ProcessedPhoto> Process(std::string_view upload);
  // <dir>/<first two hex digits>/<media_id>, and the same with ".thumb.jpg".
  std::string PhotoPath(const std::string& media_id) const;
  std::string ThumbnailPath(const std::string& media_id) const;
  absl::StatusOr<std::string> ReadStored(const std::string& media_id,
                                         const std::string& path) const;

  PgPool& pool_;
  std::string dir_;
  MediaLimits limits_;
  DecodeGate decodes_;
};

}  // namespace skk::intake

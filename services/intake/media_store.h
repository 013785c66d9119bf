#pragma once

// Stored photos, content-addressed: the media id is the SHA-256 of the stored bytes (what
// ProcessPhoto made of the upload, never the upload itself), so the same photo is stored once.
// A thumbnail is kept beside it for the officers' queue.

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/photo_processing.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"

namespace skk::intake {

// Lets at most `limit` holders of a Slot exist at once; Enter waits, up to a time limit, for
// one to be destroyed. Thread-safe. MediaStore holds its photo decodes to
// MediaLimits::max_concurrent_decodes with it.
class DecodeGate {
 public:
  // A place in the gate, freed when the Slot is destroyed; must not outlive its gate.
  class [[nodiscard]] Slot {
   public:
    Slot(Slot&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (gate_ != nullptr) gate_->Leave();
    }

   private:
    friend class DecodeGate;
    explicit Slot(DecodeGate& gate) : gate_(&gate) {}
    DecodeGate* gate_;
  };

  // `limit` must be at least 1 (crashes otherwise: a gate nobody passes is a hung server).
  explicit DecodeGate(int limit);
  DecodeGate(const DecodeGate&) = delete;
  DecodeGate& operator=(const DecodeGate&) = delete;

  // A slot, or RESOURCE_EXHAUSTED (with a RetryInfo) when none freed within `wait`: a request
  // thread is never tied up behind a queue of decodes.
  absl::StatusOr<Slot> Enter(absl::Duration wait);

 private:
  void Leave();

  std::mutex mu_;
  std::condition_variable freed_;
  int free_;  // guarded by mu_
};

// What the store keeps of photos no complaint has referenced yet, so uploads alone cannot fill
// the volume.
struct UnattachedLimits {
  // How long the decoder is waited for before RESOURCE_EXHAUSTED.
  absl::Duration decode_wait = absl::Seconds(5);
  // Bytes of unattached photos one address, and everyone together, may keep (0: no cap).
  int64_t max_bytes_per_uploader = 200 * 1024 * 1024;
  int64_t max_bytes = 20LL * 1024 * 1024 * 1024;
  // Unattached photos, and leftover temporary and orphaned files, older than this go.
  absl::Duration max_age = absl::Hours(24);
};

// What one CollectGarbage pass removed.
struct Collected {
  int photos = 0;
  int files = 0;  // temporary files and files without a row
};

// Stored photos: files under a directory (a volume), metadata in intake's schema (table media).
class MediaStore {
 public:
  MediaStore(PgPool& pool, std::string dir, MediaLimits limits, Clock& clock,
             UnattachedLimits unattached = {});

  const MediaLimits& limits() const { return limits_; }

  // Processes and stores an uploaded photo. The same upload again stores nothing and returns
  // the same media id (already_stored = true) without decoding it. At most
  // limits().max_concurrent_decodes photos are processed at once; other calls wait their turn
  // (holding no database connection), each at most unattached.decode_wait. Files are written
  // durably (temporary file, fsync, rename) before the row is inserted: a row always has its
  // files. INVALID_ARGUMENT from ProcessPhoto is passed on as it is (a reason without a field
  // name). RESOURCE_EXHAUSTED (with a RetryInfo) when no decoder freed in time, or when
  // `uploader` (the caller's address) or everyone together keeps the most unattached bytes
  // allowed.
  absl::StatusOr<sambat::v1::UploadMediaResponse> Store(std::string_view upload,
                                                        const std::string& uploader = "");

  // Removes photos no complaint referenced within unattached.max_age of their upload (rows,
  // then files, each under a lock on its id that Store also takes, so a photo uploaded again
  // meanwhile keeps its files), and temporary or orphaned files seen twice at least max_age
  // apart (by the clock, which a test moves). Attached photos are never touched.
  absl::StatusOr<Collected> CollectGarbage();

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
  // RESOURCE_EXHAUSTED when `uploader` or everyone keeps the most unattached bytes allowed.
  absl::Status CheckUnattachedRoom(const std::string& uploader);
  // Writes the files and the row of a processed photo under the lock on its id.
  absl::StatusOr<bool> Insert(const ProcessedPhoto& photo, const std::string& media_id,
                              const std::string& upload_sha256, const std::string& uploader);
  absl::StatusOr<int> CollectPhotos();
  absl::StatusOr<int> CollectFiles();
  // <dir>/<first two hex digits>/<media_id>, and the same with ".thumb.jpg".
  std::string PhotoPath(const std::string& media_id) const;
  std::string ThumbnailPath(const std::string& media_id) const;
  absl::StatusOr<std::string> ReadStored(const std::string& media_id,
                                         const std::string& path) const;

  PgPool& pool_;
  std::string dir_;
  MediaLimits limits_;
  Clock& clock_;
  UnattachedLimits unattached_;
  DecodeGate decodes_;
  // Temporary and orphaned files by when (clock time) CollectFiles first saw them.
  std::mutex sightings_mu_;
  std::map<std::string, absl::Time> sightings_;
};

}  // namespace skk::intake

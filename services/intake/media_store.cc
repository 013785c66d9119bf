#include "services/intake/media_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/platform/errors.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/secrets.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

// ---------------------------------------------------------------------------------------------
// Files

// 64 lowercase hex digits: anything else never reaches a path or a query.
bool IsMediaId(std::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open directory", dir);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return ErrnoError("fsync directory", dir);
  return absl::OkStatus();
}

absl::Status EnsureDirectory(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::create_directories(dir, error)) {
    // The new directory entries must be durable before files in them are relied on.
    const std::filesystem::path path(dir);
    SKK_RETURN_IF_ERROR(SyncDirectory(path.parent_path().string()));
    SKK_RETURN_IF_ERROR(SyncDirectory(path.parent_path().parent_path().string()));
  } else if (error) {
    return absl::InternalError(absl::StrCat("create directory ", dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

// Writes `bytes` as `path` so that a crash leaves either no file or the whole file under that
// name: a temporary file in the same directory, fsync'd, renamed over, the directory fsync'd.
absl::Status WriteFileDurably(const std::string& path, std::string_view bytes) {
  const std::filesystem::path final_path(path);
  const std::string dir = final_path.parent_path().string();
  SKK_RETURN_IF_ERROR(EnsureDirectory(dir));
  const std::string temp = absl::StrCat(dir, "/.tmp-", final_path.filename().string(), "-",
                                        NewUuid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoError("create", temp);
  absl::Status status;
  for (size_t written = 0; written < bytes.size() && status.ok();) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) status = ErrnoError("write", temp);
    if (n > 0) written += static_cast<size_t>(n);
  }
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError("fsync", temp);
  if (::close(fd) != 0 && status.ok()) status = ErrnoError("close", temp);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) status = ErrnoError("rename", temp);
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  return SyncDirectory(dir);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open", path);
  std::string bytes;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status error = ErrnoError("read", path);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// SQL

constexpr SqlStatement kFindUpload{"intake_media_find_upload", R"sql(
  SELECT media_id, content_type, size_bytes, width, height FROM media
  WHERE upload_sha256 = $1)sql"};

constexpr SqlStatement kFindMedia{"intake_media_find", R"sql(
  SELECT media_id, content_type, size_bytes, width, height FROM media WHERE media_id = $1)sql"};

// Conflicts on either key (a concurrent identical upload, or another upload that stripped to
// the same bytes) insert nothing: the row that exists describes the same files.
constexpr SqlStatement kInsertMedia{"intake_media_insert", R"sql(
  INSERT INTO media (media_id, upload_sha256, content_type, size_bytes, width, height,
                     uploaded_at, uploader)
  VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''))
  ON CONFLICT DO NOTHING)sql"};

// An upload of a photo that is still unattached starts its age again, so it is not collected
// from under the citizen who was just told it is stored.
constexpr SqlStatement kTouchUpload{"intake_media_touch_upload", R"sql(
  UPDATE media SET uploaded_at = $2 WHERE upload_sha256 = $1 AND complaint_id IS NULL)sql"};

constexpr SqlStatement kTouchMedia{"intake_media_touch", R"sql(
  UPDATE media SET uploaded_at = $2 WHERE media_id = $1 AND complaint_id IS NULL)sql"};

// Files and row of one media id change only under this lock (Insert and the collector).
constexpr SqlStatement kLockMediaId{"intake_media_lock_id", R"sql(
  SELECT pg_advisory_xact_lock(hashtextextended('intake.media:' || $1, 0)))sql"};

constexpr SqlStatement kUnattachedBytes{"intake_media_unattached_bytes", R"sql(
  SELECT coalesce(sum(size_bytes) FILTER (WHERE uploader = $1), 0)::bigint AS of_uploader,
         coalesce(sum(size_bytes), 0)::bigint AS of_all
  FROM media WHERE complaint_id IS NULL)sql"};

constexpr SqlStatement kExpiredUnattached{"intake_media_expired", R"sql(
  SELECT media_id FROM media
  WHERE complaint_id IS NULL AND coalesce(uploaded_at, stored_at) < $1
  ORDER BY media_id LIMIT 500)sql"};

constexpr SqlStatement kDeleteExpired{"intake_media_delete_expired", R"sql(
  DELETE FROM media
  WHERE media_id = $1 AND complaint_id IS NULL AND coalesce(uploaded_at, stored_at) < $2
  RETURNING media_id)sql"};

constexpr SqlStatement kMediaExists{"intake_media_exists", R"sql(
  SELECT 1 FROM media WHERE media_id = $1)sql"};

// Locks the photos in id order (so two attachments of overlapping lists cannot deadlock) and
// says which belong to a complaint other than $2.
constexpr SqlStatement kLockMedia{"intake_media_lock", R"sql(
  SELECT media_id, complaint_id IS NOT NULL AND complaint_id <> $2::uuid AS elsewhere FROM media
  WHERE media_id = ANY($1::text[]) ORDER BY media_id FOR UPDATE)sql"};

// The uploader's address was kept only to cap what it leaves unattached.
constexpr SqlStatement kAttachMedia{"intake_media_attach", R"sql(
  UPDATE media SET complaint_id = $2::uuid, uploader = NULL
  WHERE media_id = ANY($1::text[]) AND complaint_id IS NULL)sql"};

sambat::v1::UploadMediaResponse ResponseFromRow(const PgRow& row, bool already_stored) {
  sambat::v1::UploadMediaResponse response;
  response.set_media_id(row.String("media_id"));
  response.set_content_type(row.String("content_type"));
  response.set_size_bytes(row.Int("size_bytes"));
  response.set_width(static_cast<int32_t>(row.Int("width")));
  response.set_height(static_cast<int32_t>(row.Int("height")));
  response.set_already_stored(already_stored);
  return response;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DecodeGate

DecodeGate::DecodeGate(int limit) : free_(limit) {
  SKK_CHECK(limit >= 1, "a decode gate must let at least one decode through");
}

absl::StatusOr<DecodeGate::Slot> DecodeGate::Enter(absl::Duration wait) {
  std::unique_lock lock(mu_);
  if (!freed_.wait_for(lock, absl::ToChronoNanoseconds(wait), [this] { return free_ > 0; })) {
    return RetryLater("photo processing is busy; nothing was stored, retry shortly",
                      std::max(wait, absl::Seconds(1)));
  }
  --free_;
  return Slot(*this);
}

void DecodeGate::Leave() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  freed_.notify_one();
}

// ---------------------------------------------------------------------------------------------
// MediaStore

MediaStore::MediaStore(PgPool& pool, std::string dir, MediaLimits limits, Clock& clock,
                       UnattachedLimits unattached)
    : pool_(pool),
      dir_(std::move(dir)),
      limits_(limits),
      clock_(clock),
      unattached_(unattached),
      decodes_(limits.max_concurrent_decodes) {
  InitVips();
}

absl::StatusOr<ProcessedPhoto> MediaStore::Process(std::string_view upload) {
  SKK_ASSIGN_OR_RETURN(const DecodeGate::Slot slot, decodes_.Enter(unattached_.decode_wait));
  return ProcessPhoto(upload, limits_);
}

absl::Status MediaStore::CheckUnattachedRoom(const std::string& uploader) {
  if (unattached_.max_bytes <= 0 && unattached_.max_bytes_per_uploader <= 0) {
    return absl::OkStatus();
  }
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult kept, conn->Execute(kUnattachedBytes, {SqlParam::Text(uploader)}));
  const absl::Duration retry = std::min(unattached_.max_age, absl::Hours(1));
  if (unattached_.max_bytes_per_uploader > 0 && !uploader.empty() &&
      kept.Row(0).Int("of_uploader") >= unattached_.max_bytes_per_uploader) {
    return RetryLater(
        "too many photos from this address are not yet part of a complaint; send the "
        "complaint first",
        retry);
  }
  const int64_t unattached_bytes = kept.Row(0).Int("of_all");
  if (unattached_.max_bytes > 0 && unattached_bytes >= unattached_.max_bytes) {
    log::Warn("photo refused, unattached photos at their cap",
              {{"unattached_bytes", static_cast<long long>(unattached_bytes)}});
    return RetryLater("the photo store is full for now; retry later", retry);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> MediaStore::Insert(const ProcessedPhoto& photo, const std::string& media_id,
                                        const std::string& upload_sha256,
                                        const std::string& uploader) {
  bool inserted = false;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_RETURN_IF_ERROR(tx.Execute(kLockMediaId, {SqlParam::Text(media_id)}).status());
    // Files first, row second: a row never names a file that is not there.
    SKK_RETURN_IF_ERROR(WriteFileDurably(PhotoPath(media_id), photo.bytes));
    SKK_RETURN_IF_ERROR(WriteFileDurably(ThumbnailPath(media_id), photo.thumbnail_jpeg));
    const absl::Time now = clock_.Now();
    SKK_ASSIGN_OR_RETURN(
        PgResult row,
        tx.Execute(kInsertMedia,
                   {SqlParam::Text(media_id), SqlParam::Text(upload_sha256),
                    SqlParam::Text(photo.content_type),
                    SqlParam::Int(static_cast<int64_t>(photo.bytes.size())),
                    SqlParam::Int(photo.width), SqlParam::Int(photo.height), SqlParam::Time(now),
                    SqlParam::Text(uploader)}));
    inserted = row.affected() == 1;
    if (!inserted) {
      SKK_RETURN_IF_ERROR(
          tx.Execute(kTouchMedia, {SqlParam::Text(media_id), SqlParam::Time(now)}).status());
    }
    return absl::OkStatus();
  }));
  return inserted;
}

std::string MediaStore::PhotoPath(const std::string& media_id) const {
  return absl::StrCat(dir_, "/", media_id.substr(0, 2), "/", media_id);
}

std::string MediaStore::ThumbnailPath(const std::string& media_id) const {
  return absl::StrCat(PhotoPath(media_id), ".thumb.jpg");
}

absl::StatusOr<sambat::v1::UploadMediaResponse> MediaStore::Store(std::string_view upload,
                                                                  const std::string& uploader) {
  const std::string upload_sha256 = Sha256Hex(upload);
  {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_RETURN_IF_ERROR(
        conn->Execute(kTouchUpload, {SqlParam::Text(upload_sha256), SqlParam::Time(clock_.Now())})
            .status());
    SKK_ASSIGN_OR_RETURN(PgResult known,
                         conn->Execute(kFindUpload, {SqlParam::Text(upload_sha256)}));
    if (known.rows() == 1) {
      sambat::v1::UploadMediaResponse response = ResponseFromRow(known.Row(0), true);
      log::Info("photo uploaded again", {{"media_id", response.media_id()}});
      return response;
    }
  }  // no connection is held while decoding
  SKK_RETURN_IF_ERROR(CheckUnattachedRoom(uploader));

  SKK_ASSIGN_OR_RETURN(ProcessedPhoto photo, Process(upload));
  const std::string media_id = Sha256Hex(photo.bytes);
  SKK_ASSIGN_OR_RETURN(const bool inserted, Insert(photo, media_id, upload_sha256, uploader));
  if (!inserted) {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_ASSIGN_OR_RETURN(PgResult existing, conn->Execute(kFindMedia, {SqlParam::Text(media_id)}));
    if (existing.rows() == 0) {
      SKK_ASSIGN_OR_RETURN(existing, conn->Execute(kFindUpload, {SqlParam::Text(upload_sha256)}));
    }
    if (existing.rows() != 1) return absl::AbortedError("media row vanished; retry the upload");
    return ResponseFromRow(existing.Row(0), true);
  }
  log::Info("photo stored", {{"media_id", media_id},
                             {"detected_type", photo.detected_type},
                             {"content_type", photo.content_type},
                             {"upload_bytes", static_cast<long long>(upload.size())},
                             {"size_bytes", static_cast<long long>(photo.bytes.size())}});
  sambat::v1::UploadMediaResponse response;
  response.set_media_id(media_id);
  response.set_content_type(photo.content_type);
  response.set_width(photo.width);
  response.set_height(photo.height);
  response.set_size_bytes(static_cast<int64_t>(photo.bytes.size()));
  response.set_already_stored(false);
  return response;
}

absl::StatusOr<Collected> MediaStore::CollectGarbage() {
  Collected collected;
  SKK_ASSIGN_OR_RETURN(collected.photos, CollectPhotos());
  SKK_ASSIGN_OR_RETURN(collected.files, CollectFiles());
  return collected;
}

absl::StatusOr<int> MediaStore::CollectPhotos() {
  const absl::Time cutoff = clock_.Now() - unattached_.max_age;
  std::vector<std::string> expired;
  {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_ASSIGN_OR_RETURN(PgResult rows,
                         conn->Execute(kExpiredUnattached, {SqlParam::Time(cutoff)}));
    for (PgRow photo : rows) expired.push_back(photo.String("media_id"));
  }
  int removed = 0;
  for (const std::string& media_id : expired) {
    // Row and files go together under the id's lock; a photo attached or uploaded again
    // meanwhile no longer matches the DELETE and keeps both.
    SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
      SKK_RETURN_IF_ERROR(tx.Execute(kLockMediaId, {SqlParam::Text(media_id)}).status());
      SKK_ASSIGN_OR_RETURN(PgResult gone, tx.Execute(kDeleteExpired, {SqlParam::Text(media_id),
                                                                      SqlParam::Time(cutoff)}));
      if (gone.rows() == 0) return absl::OkStatus();
      ::unlink(PhotoPath(media_id).c_str());
      ::unlink(ThumbnailPath(media_id).c_str());
      ++removed;
      log::Info("unattached photo removed", {{"media_id", media_id}});
      return absl::OkStatus();
    }));
  }
  return removed;
}

absl::StatusOr<int> MediaStore::CollectFiles() {
  const absl::Time now = clock_.Now();
  // Files that are not a stored photo now: temporary files, and photo files whose row is gone
  // (an upload interrupted between its files and its row).
  std::vector<std::string> candidates;
  std::error_code error;
  if (!std::filesystem::exists(dir_, error)) return 0;
  // The non-throwing forms throughout: files come and go while Store runs beside this.
  std::filesystem::recursive_directory_iterator it(dir_, error);
  for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    const std::filesystem::directory_entry& entry = *it;
    std::error_code stat_error;
    if (!entry.is_regular_file(stat_error)) continue;
    const std::string name = entry.path().filename().string();
    std::string media_id = name.substr(0, name.find('.'));
    if (absl::StartsWith(name, ".tmp-")) {
      candidates.push_back(entry.path().string());
      continue;
    }
    if (!IsMediaId(media_id)) continue;  // not ours: never removed
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_ASSIGN_OR_RETURN(PgResult row, conn->Execute(kMediaExists, {SqlParam::Text(media_id)}));
    if (row.rows() == 0) candidates.push_back(entry.path().string());
  }
  std::vector<std::string> due;
  {
    // A file is due once it was seen max_age ago and is still here: the clock a test moves
    // decides, not the file's mtime.
    std::lock_guard lock(sightings_mu_);
    std::map<std::string, absl::Time> seen;
    for (const std::string& path : candidates) {
      auto it = sightings_.find(path);
      const absl::Time first = it == sightings_.end() ? now : it->second;
      if (now - first >= unattached_.max_age) {
        due.push_back(path);
      } else {
        seen[path] = first;
      }
    }
    sightings_ = std::move(seen);
  }
  int removed = 0;
  for (const std::string& path : due) {
    const std::string name = std::filesystem::path(path).filename().string();
    const std::string media_id = name.substr(0, name.find('.'));
    if (IsMediaId(media_id)) {
      // An orphaned photo file: removed only if its row still does not exist under the lock.
      SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
        SKK_RETURN_IF_ERROR(tx.Execute(kLockMediaId, {SqlParam::Text(media_id)}).status());
        SKK_ASSIGN_OR_RETURN(PgResult row, tx.Execute(kMediaExists, {SqlParam::Text(media_id)}));
        if (row.rows() == 0 && ::unlink(path.c_str()) == 0) ++removed;
        return absl::OkStatus();
      }));
    } else if (::unlink(path.c_str()) == 0) {
      ++removed;
    }
  }
  if (removed > 0) log::Info("leftover media files removed", {{"files", removed}});
  return removed;
}

absl::Status MediaStore::Attach(PgConnection& tx, const std::string& complaint_id,
                                const std::vector<std::string>& media_ids,
                                const std::string& field) {
  if (media_ids.empty()) return absl::OkStatus();
  const auto element = [&field](size_t i) { return absl::StrCat(field, "[", i, "]"); };
  std::vector<std::string> reasons(media_ids.size());  // empty: nothing wrong
  std::vector<std::string> unique;
  for (size_t i = 0; i < media_ids.size(); ++i) {
    const auto first = std::find(media_ids.begin(), media_ids.begin() + i, media_ids[i]);
    if (!IsMediaId(media_ids[i])) {
      reasons[i] = "is not a media id (64 lowercase hex digits)";
    } else if (first != media_ids.begin() + i) {
      reasons[i] = absl::StrCat("repeats ", element(first - media_ids.begin()));
    } else {
      unique.push_back(media_ids[i]);
    }
  }
  std::vector<std::string> found;
  std::vector<std::string> foreign;
  if (!unique.empty()) {
    SKK_ASSIGN_OR_RETURN(PgResult locked, tx.Execute(kLockMedia, {SqlParam::Array(unique),
                                                                  SqlParam::Text(complaint_id)}));
    for (PgRow photo : locked) {
      found.push_back(photo.String("media_id"));
      if (photo.Bool("elsewhere")) foreign.push_back(photo.String("media_id"));
    }
  }
  const auto contains = [](const std::vector<std::string>& v, const std::string& id) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  std::vector<FieldViolation> violations;
  for (size_t i = 0; i < media_ids.size(); ++i) {
    if (reasons[i].empty() && !contains(found, media_ids[i])) reasons[i] = "no such photo";
    if (reasons[i].empty() && contains(foreign, media_ids[i])) {
      reasons[i] = "belongs to another complaint";
    }
    if (!reasons[i].empty()) violations.push_back({element(i), reasons[i]});
  }
  if (!violations.empty()) return InvalidFields(violations);
  return tx.Execute(kAttachMedia, {SqlParam::Array(unique), SqlParam::Text(complaint_id)})
      .status();
}

absl::StatusOr<std::string> MediaStore::ReadStored(const std::string& media_id,
                                                   const std::string& path) const {
  if (!IsMediaId(media_id)) return absl::NotFoundError("media_id: no such photo");
  {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_ASSIGN_OR_RETURN(PgResult row, conn->Execute(kFindMedia, {SqlParam::Text(media_id)}));
    // A file without a row is what an interrupted upload leaves: not a stored photo.
    if (row.rows() == 0) return absl::NotFoundError("media_id: no such photo");
  }
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) {
    log::Error("stored photo unreadable", {{"media_id", media_id},
                                           {"error", std::string(bytes.status().message())}});
    return absl::DataLossError(absl::StrCat("photo ", media_id, ": ", bytes.status().message()));
  }
  return bytes;
}

absl::StatusOr<std::string> MediaStore::ReadPhoto(const std::string& media_id) const {
  if (!IsMediaId(media_id)) return absl::NotFoundError("media_id: no such photo");
  return ReadStored(media_id, PhotoPath(media_id));
}

absl::StatusOr<std::string> MediaStore::ReadThumbnail(const std::string& media_id) const {
  if (!IsMediaId(media_id)) return absl::NotFoundError("media_id: no such photo");
  return ReadStored(media_id, ThumbnailPath(media_id));
}

}  // namespace skk::intake

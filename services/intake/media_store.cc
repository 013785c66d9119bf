#include "services/intake/media_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

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
  INSERT INTO media (media_id, upload_sha256, content_type, size_bytes, width, height)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT DO NOTHING)sql"};

// Locks the photos in id order (so two attachments of overlapping lists cannot deadlock) and
// says which belong to a complaint other than $2.
constexpr SqlStatement kLockMedia{"intake_media_lock", R"sql(
  SELECT media_id, complaint_id IS NOT NULL AND complaint_id <> $2::uuid FROM media
  WHERE media_id = ANY($1::text[]) ORDER BY media_id FOR UPDATE)sql"};

constexpr SqlStatement kAttachMedia{"intake_media_attach", R"sql(
  UPDATE media SET complaint_id = $2::uuid
  WHERE media_id = ANY($1::text[]) AND complaint_id IS NULL)sql"};

sambat::v1::UploadMediaResponse ResponseFromRow(const PgResult& row, bool already_stored) {
  sambat::v1::UploadMediaResponse response;
  response.set_media_id(row.GetString(0, 0));
  response.set_content_type(row.GetString(0, 1));
  response.set_size_bytes(row.GetInt(0, 2));
  response.set_width(static_cast<int32_t>(row.GetInt(0, 3)));
  response.set_height(static_cast<int32_t>(row.GetInt(0, 4)));
  response.set_already_stored(already_stored);
  return response;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DecodeGate

DecodeGate::DecodeGate(int limit) : free_(limit) {
  SKK_CHECK(limit >= 1, "a decode gate must let at least one decode through");
}

DecodeGate::Slot DecodeGate::Enter() {
  std::unique_lock lock(mu_);
  freed_.wait(lock, [this] { return free_ > 0; });
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

MediaStore::MediaStore(PgPool& pool, std::string dir, MediaLimits limits)
    : pool_(pool),
      dir_(std::move(dir)),
      limits_(limits),
      decodes_(limits.max_concurrent_decodes) {
  InitVips();
}

absl::StatusOr<ProcessedPhoto> MediaStore::Process(std::string_view upload) {
  const DecodeGate::Slot slot = decodes_.Enter();
  return ProcessPhoto(upload, limits_);
}

std::string MediaStore::PhotoPath(const std::string& media_id) const {
  return absl::StrCat(dir_, "/", media_id.substr(0, 2), "/", media_id);
}

std::string MediaStore::ThumbnailPath(const std::string& media_id) const {
  return absl::StrCat(PhotoPath(media_id), ".thumb.jpg");
}

absl::StatusOr<sambat::v1::UploadMediaResponse> MediaStore::Store(std::string_view upload) {
  const std::string upload_sha256 = Sha256Hex(upload);
  {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_ASSIGN_OR_RETURN(PgResult known,
                         conn->Execute(kFindUpload, {SqlParam::Text(upload_sha256)}));
    if (known.rows() == 1) {
      sambat::v1::UploadMediaResponse response = ResponseFromRow(known, true);
      log::Info("photo uploaded again", {{"media_id", response.media_id()}});
      return response;
    }
  }  // no connection is held while decoding

  SKK_ASSIGN_OR_RETURN(ProcessedPhoto photo, Process(upload));
  const std::string media_id = Sha256Hex(photo.bytes);
  // Files first, row second: a row never names a file that is not there.
  SKK_RETURN_IF_ERROR(WriteFileDurably(PhotoPath(media_id), photo.bytes));
  SKK_RETURN_IF_ERROR(WriteFileDurably(ThumbnailPath(media_id), photo.thumbnail_jpeg));

  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(
      PgResult inserted,
      conn->Execute(kInsertMedia,
                    {SqlParam::Text(media_id), SqlParam::Text(upload_sha256),
                     SqlParam::Text(photo.content_type),
                     SqlParam::Int(static_cast<int64_t>(photo.bytes.size())),
                     SqlParam::Int(photo.width), SqlParam::Int(photo.height)}));
  if (inserted.affected() == 0) {
    SKK_ASSIGN_OR_RETURN(PgResult existing, conn->Execute(kFindMedia, {SqlParam::Text(media_id)}));
    if (existing.rows() == 0) {
      SKK_ASSIGN_OR_RETURN(existing, conn->Execute(kFindUpload, {SqlParam::Text(upload_sha256)}));
    }
    if (existing.rows() != 1) return absl::AbortedError("media row vanished; retry the upload");
    return ResponseFromRow(existing, true);
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
  // Only validated hex ids go into the array literal.
  const std::string array = absl::StrCat("{", absl::StrJoin(unique, ","), "}");
  std::vector<std::string> found;
  std::vector<std::string> foreign;
  if (!unique.empty()) {
    SKK_ASSIGN_OR_RETURN(PgResult locked, tx.Execute(kLockMedia, {SqlParam::Text(array),
                                                                  SqlParam::Text(complaint_id)}));
    for (int r = 0; r < locked.rows(); ++r) {
      found.push_back(locked.GetString(r, 0));
      if (locked.GetBool(r, 1)) foreign.push_back(locked.GetString(r, 0));
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
  return tx.Execute(kAttachMedia, {SqlParam::Text(array), SqlParam::Text(complaint_id)}).status();
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

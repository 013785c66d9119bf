#pragma once

// The UploadMedia client stream: a photo arrives in chunks and is handed to MediaStore whole.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/media_store.h"
#include "services/intake/rate_limits.h"
#include "services/platform/grpc_edge.h"

namespace skk::intake {

// One upload's bytes as they arrive, checked against the header and the size limit. Memory
// follows the bytes received, never the size a client declares: a header announcing 10 MB
// and then nothing costs nothing. Plain C++, no I/O.
class UploadAssembler {
 public:
  explicit UploadAssembler(int64_t max_photo_bytes) : limit_(max_photo_bytes) {}
  // The next message of the stream. INVALID_ARGUMENT prefixed "header:", "chunk:" or "photo:".
  absl::Status Accept(const sambat::v1::UploadMediaRequest& request);
  // Once the client half-closed: INVALID_ARGUMENT if the header was missing or the bytes
  // differ in number from the header's size_bytes (when given).
  absl::Status Complete() const;
  std::string TakePhoto() { return std::move(photo_); }
  const std::string& photo() const { return photo_; }

 private:
  int64_t limit_;
  bool header_seen_ = false;
  int64_t declared_size_ = 0;
  std::string photo_;
};

// Caps uploads in progress: at most `per_process` at once, at most `per_peer` from one address.
// Thread-safe.
class UploadSlots {
 public:
  // A place taken; given back when the last copy of the shared_ptr goes.
  using Slot = std::shared_ptr<void>;

  UploadSlots(int per_process, int per_peer) : per_process_(per_process), per_peer_(per_peer) {}
  // A slot for an upload from `peer`, or RESOURCE_EXHAUSTED (with a RetryInfo) when full.
  absl::StatusOr<Slot> Take(const std::string& peer);
  int in_progress() const;

 private:
  void Give(const std::string& peer);

  const int per_process_;
  const int per_peer_;
  mutable std::mutex mu_;
  int total_ = 0;                      // guarded by mu_
  std::map<std::string, int> by_peer_;  // guarded by mu_; no entry at zero
};

// Serves the UploadMedia client stream: takes an UploadSlots place for the caller's address,
// reads the header and chunks (refusing the stream as soon as it passes the size limit,
// whatever the header said), then stores the photo on the request executor once the client
// half-closes. A stream that ends early or is cancelled stores nothing; one whose bytes differ
// in number from the header's size_bytes (when given) is refused. Errors: INVALID_ARGUMENT
// prefixed "header:", "chunk:" or "photo:"; RESOURCE_EXHAUSTED (with a RetryInfo) when the
// slots, the executor or the decoder are full, or the address has too many unattached photos.
class MediaUploads {
 public:
  MediaUploads(MediaStore& store, RequestExecutor& executor, UploadSlots& slots,
               const CitizenAddresses& addresses)
      : store_(store), executor_(executor), slots_(slots), addresses_(addresses) {}
  grpc::ServerReadReactor<grpc::ByteBuffer>* Start(grpc::CallbackServerContext* context,
                                                   grpc::ByteBuffer* response);

 private:
  MediaStore& store_;
  RequestExecutor& executor_;
  UploadSlots& slots_;
  const CitizenAddresses& addresses_;
};

}  // namespace skk::intake

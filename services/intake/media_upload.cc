#include "services/intake/media_upload.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/photo_processing.h"
#include "services/intake/rate_limits.h"
#include "services/platform/errors.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

constexpr size_t kMaxChunkBytes = 1024 * 1024;

// Who finishes the call: exactly one of the reader, the storing task and a cancellation.
// Shared with the storing task, which may outlive the reactor (a call cancelled while its
// photo is being stored is finished, and the reactor deleted, before the task ends).
class FinishOnce {
 public:
  // True for the first caller only; it alone may then call Finish and touch the reactor.
  bool Claim() {
    std::lock_guard lock(mu_);
    if (claimed_) return false;
    claimed_ = true;
    return true;
  }
  bool claimed() {
    std::lock_guard lock(mu_);
    return claimed_;
  }

 private:
  std::mutex mu_;
  bool claimed_ = false;
};

absl::Status PhotoTooLarge(int64_t limit) {
  return InvalidFields({{"photo", TooLargeReason(limit)}});
}

class UploadReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  UploadReactor(grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
                MediaStore& store, RequestExecutor& executor, UploadSlots& slots,
                const CitizenAddresses& addresses)
      : context_(context),
        response_(response),
        store_(store),
        executor_(executor),
        finish_(std::make_shared<FinishOnce>()),
        peer_(addresses.Of(*context)),
        photo_(store.limits().max_photo_bytes) {
    absl::StatusOr<UploadSlots::Slot> slot = slots.Take(peer_);
    if (!slot.ok()) {
      log::Info("photo upload refused", {{"reason", std::string(slot.status().message())}});
      FinishWith(ToGrpcStatus(slot.status()));
      return;
    }
    slot_ = *std::move(slot);
    StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      EndOfStream();
      return;
    }
    if (absl::Status accepted = Accept(); !accepted.ok()) {
      log::Info("photo upload refused", {{"reason", std::string(accepted.message())}});
      FinishWith(ToGrpcStatus(accepted));
      return;
    }
    StartRead(&message_);
  }

  void OnCancel() override {
    FinishWith(grpc::Status(grpc::StatusCode::CANCELLED, "upload cancelled; nothing was stored"));
  }

  void OnDone() override { delete this; }

 private:
  void FinishWith(const grpc::Status& status) {
    if (finish_->Claim()) Finish(status);
  }

  absl::Status Accept() {
    sambat::v1::UploadMediaRequest request;
    SKK_RETURN_IF_ERROR(ParseRequest(message_, &request));
    message_.Clear();
    return photo_.Accept(request);
  }

  // The client half-closed, or the call broke (then OnCancel finishes it).
  void EndOfStream() {
    if (context_->IsCancelled()) return;
    if (absl::Status complete = photo_.Complete(); !complete.ok()) {
      FinishWith(ToGrpcStatus(complete));
      return;
    }
    // The slot stays taken until the photo is stored: a cancelled call whose storing task
    // still runs still counts.
    auto work = [this, &store = store_, finish = finish_, slot = slot_, peer = peer_,
                 photo = photo_.TakePhoto()] {
      if (finish->claimed()) return;  // cancelled while waiting for a thread: store nothing
      absl::StatusOr<sambat::v1::UploadMediaResponse> stored = store.Store(photo, peer);
      if (!finish->Claim()) return;  // cancelled meanwhile: the reactor may be gone
      if (!stored.ok()) {
        const absl::Status& error = stored.status();
        if (error.code() == absl::StatusCode::kInvalidArgument) {
          Finish(ToGrpcStatus(InvalidFields({{"photo", std::string(error.message())}})));
        } else {
          Finish(ToGrpcStatus(error));
        }
        return;
      }
      SerializeResponse(*stored, response_);
      Finish(grpc::Status::OK);
    };
    if (!executor_.Submit(std::move(work))) {
      FinishWith(ToGrpcStatus(
          RetryLater("server busy; nothing was stored, retry shortly", absl::Seconds(1))));
    }
  }

  grpc::CallbackServerContext* context_;
  grpc::ByteBuffer* response_;
  MediaStore& store_;
  RequestExecutor& executor_;
  std::shared_ptr<FinishOnce> finish_;
  std::string peer_;
  UploadSlots::Slot slot_;
  grpc::ByteBuffer message_;
  UploadAssembler photo_;
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* MediaUploads::Start(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return new UploadReactor(context, response, store_, executor_, slots_, addresses_);
}

absl::Status UploadAssembler::Accept(const sambat::v1::UploadMediaRequest& request) {
  if (!header_seen_) {
    if (!request.has_header()) return InvalidFields({{"header", "must come first"}});
    declared_size_ = request.header().size_bytes();
    if (declared_size_ < 0) return InvalidFields({{"header.size_bytes", "must not be negative"}});
    // Refused before a byte of it is sent. Nothing is reserved for it: memory is spent on
    // bytes that arrived, not on a stranger's promise of them.
    if (declared_size_ > limit_) return PhotoTooLarge(limit_);
    header_seen_ = true;
    return absl::OkStatus();
  }
  if (request.has_header()) return InvalidFields({{"header", "must be sent only once"}});
  const std::string& chunk = request.chunk();
  if (chunk.size() > kMaxChunkBytes) return InvalidFields({{"chunk", "must be at most 1 MiB"}});
  if (static_cast<int64_t>(photo_.size() + chunk.size()) > limit_) return PhotoTooLarge(limit_);
  photo_.append(chunk);
  return absl::OkStatus();
}

absl::Status UploadAssembler::Complete() const {
  if (!header_seen_) return InvalidFields({{"header", "must come first"}});
  if (declared_size_ > 0 && static_cast<int64_t>(photo_.size()) != declared_size_) {
    return InvalidFields(
        {{"photo", absl::StrCat("ended after ", photo_.size(), " of the ", declared_size_,
                                " bytes the header announced")}});
  }
  return absl::OkStatus();
}

absl::StatusOr<UploadSlots::Slot> UploadSlots::Take(const std::string& peer) {
  std::lock_guard lock(mu_);
  if (total_ >= per_process_) {
    return RetryLater("too many photo uploads in progress; retry shortly", absl::Seconds(2));
  }
  int& mine = by_peer_[peer];
  if (mine >= per_peer_) {
    return RetryLater("too many photo uploads in progress from this address; finish one first",
                      absl::Seconds(2));
  }
  ++mine;
  ++total_;
  // The deleter gives the place back; the pointer itself points at nothing anyone reads.
  return Slot(this, [peer](UploadSlots* slots) { slots->Give(peer); });
}

void UploadSlots::Give(const std::string& peer) {
  std::lock_guard lock(mu_);
  --total_;
  auto it = by_peer_.find(peer);
  if (it != by_peer_.end() && --it->second <= 0) by_peer_.erase(it);
}

int UploadSlots::in_progress() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace skk::intake

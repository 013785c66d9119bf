#include "services/intake/media_upload.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/photo_processing.h"
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
                MediaStore& store, RequestExecutor& executor)
      : context_(context),
        response_(response),
        store_(store),
        executor_(executor),
        finish_(std::make_shared<FinishOnce>()) {
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
    const int64_t limit = store_.limits().max_photo_bytes;
    if (!header_seen_) {
      if (!request.has_header()) return InvalidFields({{"header", "must come first"}});
      declared_size_ = request.header().size_bytes();
      if (declared_size_ < 0) {
        return InvalidFields({{"header.size_bytes", "must not be negative"}});
      }
      // Refused before a byte of it is sent.
      if (declared_size_ > limit) return PhotoTooLarge(limit);
      header_seen_ = true;
      photo_.reserve(static_cast<size_t>(declared_size_));
      return absl::OkStatus();
    }
    if (request.has_header()) return InvalidFields({{"header", "must be sent only once"}});
    const std::string& chunk = request.chunk();
    if (chunk.size() > kMaxChunkBytes) return InvalidFields({{"chunk", "must be at most 1 MiB"}});
    if (static_cast<int64_t>(photo_.size() + chunk.size()) > limit) return PhotoTooLarge(limit);
    photo_.append(chunk);
    return absl::OkStatus();
  }

  // The client half-closed, or the call broke (then OnCancel finishes it).
  void EndOfStream() {
    if (context_->IsCancelled()) return;
    absl::Status incomplete;
    if (!header_seen_) {
      incomplete = InvalidFields({{"header", "must come first"}});
    } else if (declared_size_ > 0 && static_cast<int64_t>(photo_.size()) != declared_size_) {
      incomplete = InvalidFields(
          {{"photo", absl::StrCat("ended after ", photo_.size(), " of the ", declared_size_,
                                  " bytes the header announced")}});
    }
    if (!incomplete.ok()) {
      FinishWith(ToGrpcStatus(incomplete));
      return;
    }
    auto work = [this, &store = store_, finish = finish_, photo = std::move(photo_)] {
      if (finish->claimed()) return;  // cancelled while waiting for a thread: store nothing
      absl::StatusOr<sambat::v1::UploadMediaResponse> stored = store.Store(photo);
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
      FinishWith(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              "server busy; nothing was stored, retry shortly"));
    }
  }

  grpc::CallbackServerContext* context_;
  grpc::ByteBuffer* response_;
  MediaStore& store_;
  RequestExecutor& executor_;
  std::shared_ptr<FinishOnce> finish_;
  grpc::ByteBuffer message_;
  bool header_seen_ = false;
  int64_t declared_size_ = 0;
  std::string photo_;  // at most the store's max_photo_bytes
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* MediaUploads::Start(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return new UploadReactor(context, response, store_, executor_);
}

}  // namespace skk::intake

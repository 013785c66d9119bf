#include "services/platform/grpc_edge.h"

#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "google/rpc/status.pb.h"
#include "services/platform/errors.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"
#include "services/platform/text.h"

namespace skk {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

// Walks the wire format against the message's descriptor to find the string field whose bytes
// are not UTF-8 (protobuf refuses such a message as a whole, without saying where).
std::optional<FieldViolation> FindInvalidUtf8(const Descriptor* descriptor,
                                              const std::string& bytes,
                                              const std::string& prefix, int depth) {
  if (depth > 16) return std::nullopt;
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  while (uint32_t tag = in.ReadTag()) {
    const FieldDescriptor* field = descriptor->FindFieldByNumber(
        static_cast<int>(WireFormatLite::GetTagFieldNumber(tag)));
    if (WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED &&
        field != nullptr) {
      std::string value;
      uint32_t length = 0;
      if (!in.ReadVarint32(&length) || !in.ReadString(&value, static_cast<int>(length))) {
        return std::nullopt;
      }
      const std::string path = prefix + field->name();
      if (field->type() == FieldDescriptor::TYPE_STRING && !IsValidUtf8(value)) {
        return FieldViolation{path, "must be valid UTF-8"};
      }
      if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
        auto nested = FindInvalidUtf8(field->message_type(), value, path + ".", depth + 1);
        if (nested.has_value()) return nested;
      }
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  switch (status.code()) {
    // What went wrong inside (SQL text, hosts) is for the operator's log, not for a stranger.
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      log::Error("internal error", {{"error", status.ToString()}});
      return grpc::Status(grpc::StatusCode::INTERNAL, "internal error; nothing was changed");
    case absl::StatusCode::kUnavailable:
      log::Warn("dependency unavailable", {{"error", status.ToString()}});
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "temporarily unavailable; nothing was changed, please retry");
    default:
      break;
  }
  // absl and gRPC share the canonical code numbers. Payloads (BadRequest, RetryInfo) travel as
  // a google.rpc.Status in the details trailer.
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = details.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      details.details_size() > 0 ? details.SerializeAsString() : "");
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

RequestExecutor::RequestExecutor(int threads, int max_queued)
    : max_queued_(static_cast<size_t>(max_queued)) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

RequestExecutor::~RequestExecutor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool RequestExecutor::Submit(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(work));
  }
  ready_.notify_one();
  return true;
}

void RequestExecutor::Work() {
  while (true) {
    std::function<void()> work;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

absl::Status CallStillWanted(const grpc::ServerContextBase& context) {
  if (context.IsCancelled()) {
    return absl::CancelledError("the client cancelled the call; nothing was done");
  }
  if (absl::FromChrono(context.deadline()) <= absl::Now()) {
    return absl::DeadlineExceededError("the client's deadline passed; nothing was done");
  }
  return absl::OkStatus();
}

absl::Status ParseRequest(const grpc::ByteBuffer& wire, google::protobuf::Message* request) {
  grpc::Slice slice;
  if (!wire.DumpToSingleSlice(&slice).ok()) {
    return absl::InvalidArgumentError("request: unreadable message");
  }
  const std::string bytes(reinterpret_cast<const char*>(slice.begin()), slice.size());
  if (request->ParseFromString(bytes)) return absl::OkStatus();
  if (auto violation = FindInvalidUtf8(request->GetDescriptor(), bytes, "", 0)) {
    return InvalidFields({*violation});
  }
  return absl::InvalidArgumentError(
      absl::StrCat("request: not a valid ", request->GetDescriptor()->full_name(), " message"));
}

void SerializeResponse(const google::protobuf::Message& response, grpc::ByteBuffer* wire) {
  const std::string bytes = response.SerializeAsString();
  grpc::Slice slice(bytes);
  *wire = grpc::ByteBuffer(&slice, 1);
}

int RawMethodIndex(absl::string_view service, absl::string_view method,
                   const google::protobuf::Descriptor* request,
                   const google::protobuf::Descriptor* response) {
  const google::protobuf::ServiceDescriptor* s =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(service));
  SKK_CHECK(s != nullptr, "a GrpcEdge serves a service its .proto declares");
  const google::protobuf::MethodDescriptor* m = s->FindMethodByName(std::string(method));
  if (m == nullptr) {
    log::Error("GrpcEdge names a method the service lacks",
               {{"service", std::string(service)}, {"method", std::string(method)}});
  }
  SKK_CHECK(m != nullptr, "a GrpcEdge serves only methods its .proto declares");
  SKK_CHECK(request == nullptr || m->input_type() == request,
            "a GrpcEdge handler takes the method's request type");
  SKK_CHECK(response == nullptr || m->output_type() == response,
            "a GrpcEdge handler returns the method's response type");
  return m->index();
}

}  // namespace skk

#include "services/platform/health_client.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/impl/codegen/client_unary_call.h"

namespace skk {

absl::Status CheckHealth(grpc::Channel& channel, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  const grpc::Status status =
      grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
          &channel,
          grpc::internal::RpcMethod("/grpc.health.v1.Health/Check",
                                    grpc::internal::RpcMethod::NORMAL_RPC),
          &context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("health check failed: ", status.error_message()));
  }
  grpc::Slice answer;
  if (!response.DumpToSingleSlice(&answer).ok()) {
    return absl::UnavailableError("unreadable health answer");
  }
  // HealthCheckResponse{status: SERVING} is field 1, varint 1.
  const std::string bytes(reinterpret_cast<const char*>(answer.begin()), answer.size());
  if (bytes == std::string("\x08\x01", 2)) return absl::OkStatus();
  return absl::UnavailableError("not serving");
}

}  // namespace skk

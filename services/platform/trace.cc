#include "services/platform/trace.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/client_interceptor.h"

namespace skk::trace {
namespace {

thread_local const TraceContext* current = nullptr;

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

std::string RandomHex(int bytes) {
  thread_local absl::BitGen bits;
  std::string out;
  for (int i = 0; i < bytes; i += 8) {
    out += absl::StrFormat("%016x", absl::Uniform<uint64_t>(bits));
  }
  out.resize(bytes * 2);
  // An all-zero id is invalid; the chance is nil, the check is cheap.
  if (AllZero(out)) out.back() = '1';
  return out;
}

class ClientTraceInterceptor final : public grpc::experimental::Interceptor {
 public:
  // Made on the calling thread, whose trace the call carries.
  ClientTraceInterceptor() : traceparent_(Traceparent()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!traceparent_.empty() &&
        methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"traceparent", traceparent_});
    }
    methods->Proceed();
  }

 private:
  std::string traceparent_;
};

class ClientTraceFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new ClientTraceInterceptor();
  }
};

}  // namespace

std::optional<TraceContext> Parse(std::string_view traceparent) {
  // version "00": exactly 55 characters, lowercase hex, dashes in their places.
  if (traceparent.size() != 55 || traceparent.substr(0, 3) != "00-" || traceparent[35] != '-' ||
      traceparent[52] != '-') {
    return std::nullopt;
  }
  TraceContext context{std::string(traceparent.substr(3, 32)),
                       std::string(traceparent.substr(36, 16)),
                       std::string(traceparent.substr(53, 2))};
  if (!IsLowerHex(context.trace_id) || !IsLowerHex(context.span_id) ||
      !IsLowerHex(context.flags) || AllZero(context.trace_id) || AllZero(context.span_id)) {
    return std::nullopt;
  }
  return context;
}

std::string Format(const TraceContext& context) {
  return absl::StrCat("00-", context.trace_id, "-", context.span_id, "-", context.flags);
}

TraceContext NewTrace() { return TraceContext{RandomHex(16), RandomHex(8), "01"}; }

TraceContext ChildOf(const TraceContext& parent) {
  return TraceContext{parent.trace_id, RandomHex(8), parent.flags};
}

TraceContext Continue(std::string_view traceparent) {
  std::optional<TraceContext> parent = Parse(traceparent);
  return parent.has_value() ? ChildOf(*parent) : NewTrace();
}

const TraceContext* Current() { return current; }

std::string Traceparent() { return current == nullptr ? std::string() : Format(*current); }

Scope::Scope(TraceContext context) : previous_(current), context_(std::move(context)) {
  current = &context_;
}

Scope::~Scope() { current = previous_; }

TraceContext ForIncomingCall(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto found = metadata.find("traceparent");
  if (found == metadata.end()) return NewTrace();
  return Continue(std::string_view(found->second.data(), found->second.size()));
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> MakeClientTraceFactory() {
  return std::make_unique<ClientTraceFactory>();
}

}  // namespace skk::trace

#pragma once

// One complaint followable across the services (docs/tracing.md): W3C Trace Context
// (https://www.w3.org/TR/trace-context/). A trace is carried as the `traceparent` header of an
// HTTP request, the `traceparent` metadata of a gRPC call and the `traceparent` field of an
// event, and its trace id is in every log line written while the work it names is done. The
// format is the standard one, so an OpenTelemetry collector can take the traces later; no
// span is exported today.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace grpc {
class ServerContextBase;
namespace experimental {
class ClientInterceptorFactoryInterface;
}  // namespace experimental
}  // namespace grpc

namespace skk::trace {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex digits, not all zero
  std::string span_id;   // 16 lowercase hex digits, not all zero: the caller's span
  std::string flags = "01";  // sampled
};

// "00-<trace id>-<span id>-<flags>". nullopt for anything else (a stranger sends it).
std::optional<TraceContext> Parse(std::string_view traceparent);
std::string Format(const TraceContext& context);

// A new trace, for work that continues none (a request without traceparent, a timer).
TraceContext NewTrace();
// The same trace with a new span id: what this process does on the caller's behalf.
TraceContext ChildOf(const TraceContext& parent);
// ChildOf the parsed `traceparent`, or a new trace when it is missing or malformed.
TraceContext Continue(std::string_view traceparent);

// The trace of the work this thread is doing, or null.
const TraceContext* Current();
// The current trace as the traceparent of what this work calls or publishes (the callee or
// consumer makes its own span under it); empty when the thread has none.
std::string Traceparent();

// Makes `context` the thread's current trace until destroyed (then the previous one again).
class Scope {
 public:
  explicit Scope(TraceContext context);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  const TraceContext* previous_;
  TraceContext context_;
};

// The trace a gRPC call continues: its caller's traceparent metadata, or a new one.
TraceContext ForIncomingCall(const grpc::ServerContextBase& context);

// A client interceptor that sends the calling thread's trace as traceparent metadata on every
// call of a channel (grpc::experimental::CreateCustomChannelWithInterceptors).
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> MakeClientTraceFactory();

}  // namespace skk::trace

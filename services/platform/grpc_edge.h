#pragma once

// The gRPC edge of a service: requests are parsed by us (so a malformed request, or text that
// is not UTF-8, gets INVALID_ARGUMENT naming the field instead of gRPC's opaque INTERNAL) and
// handled on a bounded pool of threads (handlers block on PostgreSQL; gRPC's own callback
// threads must never block). A full pool answers RESOURCE_EXHAUSTED at once rather than
// queueing without bound. A staff method is served with ServeStaffUnary, which hands the
// handler the caller its token names. A service's gRPC class derives from GrpcEdge (below): a
// table of its methods and their handlers, served with these on one executor.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/platform/auth.h"
#include "services/platform/pg.h"
#include "services/platform/trace.h"

namespace skk {

// Maps an absl::Status to the gRPC status a client sees, in one place: what went wrong inside
// (INTERNAL, UNKNOWN, DATA_LOSS) is logged and answered without detail, UNAVAILABLE is logged
// and answered "please retry", any other code travels with its message and payloads
// (BadRequest, RetryInfo) in the google.rpc.Status details trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for a client of another service (the gateway): the code, the message and the
// payloads (BadRequest, RetryInfo) of the details trailer, as ToGrpcStatus wrote them.
absl::Status FromGrpcStatus(const grpc::Status& status);

class RequestExecutor {
 public:
  // `threads` workers; at most `max_queued` requests wait for one.
  RequestExecutor(int threads, int max_queued);
  // Finishes the queued work, then joins the workers.
  ~RequestExecutor();
  RequestExecutor(const RequestExecutor&) = delete;
  RequestExecutor& operator=(const RequestExecutor&) = delete;

  // False when the queue is full (the caller answers RESOURCE_EXHAUSTED).
  bool Submit(std::function<void()> work);

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// OK while the client still waits for the call; CANCELLED once it cancelled or went away,
// DEADLINE_EXCEEDED once its deadline passed.
absl::Status CallStillWanted(const grpc::ServerContextBase& context);

// Parses a request from its wire bytes. A parse failure is INVALID_ARGUMENT naming the first
// string field (dotted path) that is not valid UTF-8, or saying the bytes are no such message.
absl::Status ParseRequest(const grpc::ByteBuffer& wire, google::protobuf::Message* request);

// Serializes a response into its wire bytes.
void SerializeResponse(const google::protobuf::Message& response, grpc::ByteBuffer* wire);

// Serves one unary call: parses the request, runs `handler` on the executor, serializes the
// response and finishes the call with the handler's status mapped by ToGrpcStatus.
template <class Request, class Response>
grpc::ServerUnaryReactor* ServeUnary(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* wire_request,
    grpc::ByteBuffer* wire_response, RequestExecutor& executor,
    std::function<absl::StatusOr<Response>(const Request&)> handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto work = [context, reactor, wire_request, wire_response, handler = std::move(handler)] {
    // A client that gave up while the request waited for a worker gets nothing done for it:
    // a burst of retries from clients on a bad network must not each cost a transaction.
    if (absl::Status gone = CallStillWanted(*context); !gone.ok()) {
      reactor->Finish(ToGrpcStatus(gone));
      return;
    }
    const RequestDeadlineScope deadline(context->deadline());
    const trace::Scope traced(trace::ForIncomingCall(*context));
    Request request;
    if (absl::Status parsed = ParseRequest(*wire_request, &request); !parsed.ok()) {
      reactor->Finish(ToGrpcStatus(parsed));
      return;
    }
    absl::StatusOr<Response> response = handler(request);
    if (!response.ok()) {
      reactor->Finish(ToGrpcStatus(response.status()));
      return;
    }
    SerializeResponse(*response, wire_response);
    reactor->Finish(grpc::Status::OK);
  };
  if (!executor.Submit(std::move(work))) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "server busy; nothing was changed, retry shortly"));
  }
  return reactor;
}

// Who is calling a staff method: CallerOf (auth.h) in a service, which returns what the auth
// interceptor decided from the token and the method's access policy (UNAUTHENTICATED,
// PERMISSION_DENIED, or the caller); a test may pass its own.
using CallerLookup = std::function<absl::StatusOr<Caller>(const grpc::ServerContextBase&)>;

// ServeUnary for a staff method, the one way every service serves one: the handler gets the
// caller `callers` names; a call refused by the method's access policy is answered with the
// refusal and the handler never runs. The handler still checks what the policy cannot (whose
// agency, which case).
template <class Request, class Response>
grpc::ServerUnaryReactor* ServeStaffUnary(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* wire_request,
    grpc::ByteBuffer* wire_response, RequestExecutor& executor, CallerLookup callers,
    std::function<absl::StatusOr<Response>(const Caller&, const Request&)> handler) {
  return ServeUnary<Request, Response>(
      context, wire_request, wire_response, executor,
      [context, callers = std::move(callers), handler = std::move(handler)](
          const Request& r) -> absl::StatusOr<Response> {
        absl::StatusOr<Caller> caller = callers(*context);
        if (!caller.ok()) return caller.status();
        return handler(*caller, r);
      });
}

// ServeStaffUnary by a member of `logic` that takes the caller and the request, the usual shape
// of a service's logic: ServeStaffUnary(context, request, response, executor_, callers_,
// work_, &OfficerWork::Claim).
template <class Logic, class Request, class Response>
grpc::ServerUnaryReactor* ServeStaffUnary(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* wire_request,
    grpc::ByteBuffer* wire_response, RequestExecutor& executor, CallerLookup callers,
    Logic& logic, absl::StatusOr<Response> (Logic::*method)(const Caller&, const Request&)) {
  return ServeStaffUnary<Request, Response>(
      context, wire_request, wire_response, executor, std::move(callers),
      [&logic, method](const Caller& caller, const Request& r) {
        return (logic.*method)(caller, r);
      });
}

// The index of `method` in the gRPC service named `service` ("sambat.v1.OfficerService"), by
// its descriptor. Crashes if the .proto declares no such method, or when `request` or
// `response` (unless null) is not the method's type: the table of a GrpcEdge is code, and a
// wrong row is a bug to find at start-up.
int RawMethodIndex(absl::string_view service, absl::string_view method,
                   const google::protobuf::Descriptor* request,
                   const google::protobuf::Descriptor* response);

// Short names for the types of a raw callback: a call's context and its wire bytes.
using UnaryReactor = grpc::ServerUnaryReactor;
using CallContext = grpc::CallbackServerContext;
using WireBytes = grpc::ByteBuffer;

// The gRPC class of a service, as a table: its constructor names each method of the generated
// `GrpcService` (e.g. sambat::v1::OfficerService) with the handler that answers it,
//   ServeStaff("Claim", work, &OfficerWork::Claim);
// and GrpcEdge serves them with ServeUnary / ServeStaffUnary on one executor and one caller
// lookup, exactly as a generated WithRawCallbackMethod_X class would register them. A name the
// .proto does not declare, or request and response types other than the method's, crash at
// start-up; a method left out answers UNIMPLEMENTED.
template <class GrpcService>
class GrpcEdge : public GrpcService::Service {
 protected:
  // `callers` is CallerOf (auth.h) in a service; a test may pass its own.
  explicit GrpcEdge(RequestExecutor& executor, CallerLookup callers = CallerOf)
      : executor_(executor), callers_(std::move(callers)) {}

  // A method anyone may call, answered by `handler` from the call's context (its peer) and the
  // request (ServeUnary).
  template <class Request, class Response>
  void Serve(
      const char* method,
      std::function<absl::StatusOr<Response>(const CallContext&, const Request&)> handler) {
    Register(method, Request::descriptor(), Response::descriptor(),
             [this, handler = std::move(handler)](CallContext* context, const WireBytes* request,
                                                  WireBytes* response) {
               return ServeUnary<Request, Response>(
                   context, request, response, executor_,
                   [context, handler](const Request& r) { return handler(*context, r); });
             });
  }

  // A staff method answered by a member of `logic` that takes the caller and the request.
  template <class Logic, class Request, class Response>
  void ServeStaff(const char* method, Logic& logic,
                  absl::StatusOr<Response> (Logic::*answer)(const Caller&, const Request&)) {
    ServeStaff<Request, Response>(method, [&logic, answer](const Caller& c, const Request& r) {
      return (logic.*answer)(c, r);
    });
  }

  // A staff method answered by `handler` (ServeStaffUnary).
  template <class Request, class Response>
  void ServeStaff(const char* method,
                  std::function<absl::StatusOr<Response>(const Caller&, const Request&)> handler) {
    Register(method, Request::descriptor(), Response::descriptor(),
             [this, handler = std::move(handler)](CallContext* context, const WireBytes* request,
                                                  WireBytes* response) {
               return ServeStaffUnary<Request, Response>(context, request, response, executor_,
                                                         callers_, handler);
             });
  }

  // A client-streaming method, whose reactor reads the request messages itself.
  void ServeStream(
      const char* method,
      std::function<grpc::ServerReadReactor<WireBytes>*(CallContext*, WireBytes*)> start) {
    this->MarkMethodRawCallback(
        MethodIndex(method, nullptr, nullptr),
        new grpc::internal::CallbackClientStreamingHandler<WireBytes, WireBytes>(
            std::move(start)));
  }

 private:
  void Register(const char* method, const google::protobuf::Descriptor* request,
                const google::protobuf::Descriptor* response,
                std::function<UnaryReactor*(CallContext*, const WireBytes*, WireBytes*)> serve) {
    this->MarkMethodRawCallback(
        MethodIndex(method, request, response),
        new grpc::internal::CallbackUnaryHandler<WireBytes, WireBytes>(std::move(serve)));
  }

  // The method's index in the service, the order in which the generated code added it.
  static int MethodIndex(const char* method, const google::protobuf::Descriptor* request,
                         const google::protobuf::Descriptor* response) {
    return RawMethodIndex(GrpcService::service_full_name(), method, request, response);
  }

  RequestExecutor& executor_;
  CallerLookup callers_;
};

}  // namespace skk

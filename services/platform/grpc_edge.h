#pragma once

// The gRPC edge of a service: requests are parsed by us (so a malformed request, or text that
// is not UTF-8, gets INVALID_ARGUMENT naming the field instead of gRPC's opaque INTERNAL) and
// handled on a bounded pool of threads (handlers block on PostgreSQL; gRPC's own callback
// threads must never block). A full pool answers RESOURCE_EXHAUSTED at once rather than
// queueing without bound. A staff method is served with ServeStaffUnary, which hands the
// handler the caller its token names.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/platform/auth.h"
#include "services/platform/pg.h"

namespace skk {

// Maps an absl::Status to the gRPC status a client sees, in one place: what went wrong inside
// (INTERNAL, UNKNOWN, DATA_LOSS) is logged and answered without detail, UNAVAILABLE is logged
// and answered "please retry", any other code travels with its message and payloads
// (BadRequest, RetryInfo) in the google.rpc.Status details trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

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

}  // namespace skk

#pragma once

// The gateway's narrow view of HTTP: a request as the routes read it, the response they build,
// and the app the server hands requests to. Nothing here names the library that speaks the
// protocol (http_server.h); the routes, the tests of the routes and the server's replacement
// see only these types.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace skk::gateway {

// A request body read piece by piece (a photo upload), so a 10 MB photo is never whole in
// memory. Read blocks until bytes arrive, the body ends or the client is too slow.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Appends up to `max` bytes to `out`; 0 at the end of the body. DEADLINE_EXCEEDED when the
  // client sends too slowly, OUT_OF_RANGE beyond the route's body limit, ABORTED when the
  // client went away or the body is malformed.
  virtual absl::StatusOr<size_t> Read(std::string& out, size_t max) = 0;
};

struct HttpHeader {
  std::string name;  // lowercase
  std::string value;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query, still percent-encoded
  std::vector<HttpHeader> headers;
  // The whole body for routes that take it whole; empty for streamed routes (body_stream).
  std::string body;
  BodyReader* body_stream = nullptr;
  // The TCP peer, e.g. "203.0.113.7" (no port); a proxy's address behind one.
  std::string peer_address;

  // The first header of that (case-insensitive) name, or empty.
  absl::string_view Header(absl::string_view name) const;
  bool HasHeader(absl::string_view name) const;
  // The target's path, without the query, still percent-encoded.
  absl::string_view RawPath() const;
  absl::string_view RawQuery() const;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;

  void SetHeader(absl::string_view name, std::string value);
  absl::string_view Header(absl::string_view name) const;
};

// What the server must know about a route once the request's head has arrived, before a byte
// of the body is read.
struct BodyPolicy {
  size_t max_bytes = 0;        // larger bodies get 413 without being read
  bool streamed = false;       // the handler reads request.body_stream itself
};

// The gateway's side of the server: told the policy of a request's body once its head has
// arrived (on an I/O thread: must not block), then handed the request (on a worker thread,
// where it may block on gRPC calls). Thread-safe.
class HttpApp {
 public:
  virtual ~HttpApp() = default;
  virtual BodyPolicy BodyPolicyFor(const HttpRequest& head) const = 0;
  virtual HttpResponse Handle(HttpRequest& request) = 0;
  // The answer to a request the server refused before the app saw it (status 400, 408, 413,
  // 431, 503), in the app's error format.
  virtual HttpResponse Refusal(int status, absl::string_view detail) const = 0;
};

}  // namespace skk::gateway

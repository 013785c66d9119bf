#pragma once

// The HTTP/1.1 server under the gateway, on Boost.Beast (docs/architecture.md says why Beast
// and not cpp-httplib: a request's head and body are read asynchronously under one deadline,
// so a client sending a byte a second holds a timer, never a thread).
//
// Reading and writing happen on a few I/O threads; each complete request (or, for a streamed
// route, its head) is handed to one of `worker_threads`, where HttpApp::Handle may block on
// gRPC calls. Refusals the server makes itself, in the app's format: 400 malformed request,
// 408 too slow, 413 body over the route's limit, 431 head over max_head_bytes, 503 over
// max_connections.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/http.h"

namespace skk::gateway {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 8080;  // 0 picks a free one
  int io_threads = 2;
  int worker_threads = 32;
  int max_connections = 4096;
  size_t max_head_bytes = 16 * 1024;  // request line and every header together
  // The whole head must arrive within this after the first byte (or after the previous
  // response on a kept-alive connection, which is also the idle limit).
  absl::Duration head_timeout = absl::Seconds(10);
  // A body taken whole must arrive within this.
  absl::Duration body_timeout = absl::Seconds(20);
  // A streamed body: no read may wait longer than this for a byte...
  absl::Duration stream_idle_timeout = absl::Seconds(15);
  // ...and after the first 30 s it must have averaged at least this many bytes a second
  // (a citizen's 2G upload does; a slow-drip attacker does not).
  size_t min_stream_bytes_per_second = 2048;
  absl::Duration write_timeout = absl::Seconds(30);
  // On Stop, requests in hand get this long to finish.
  absl::Duration shutdown_grace = absl::Seconds(10);
};

class HttpServer {
 public:
  // Binds and starts serving `app` (which must outlive the server). UNAVAILABLE when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(HttpServerOptions options,
                                                           HttpApp& app);
  virtual ~HttpServer() = default;
  // The port bound (useful with port 0).
  virtual int port() const = 0;
  // Stops accepting, lets requests in hand finish (up to shutdown_grace), then closes every
  // connection. Idempotent; the destructor calls it.
  virtual void Stop() = 0;
};

}  // namespace skk::gateway

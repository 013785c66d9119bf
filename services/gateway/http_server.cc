#include "services/gateway/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/platform/log.h"

namespace skk::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The largest body any route may take; a route's own, smaller limit is checked once its head
// is known. A declared length over this is refused while the head is read.
constexpr uint64_t kMaxAnyBody = 64ULL * 1024 * 1024;
// Requests queued for a worker beyond this many per worker are refused with 503: a gateway
// that cannot keep up says so at once rather than letting every client time out.
constexpr int kQueuedPerWorker = 8;

std::chrono::steady_clock::duration Chrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

class ServerImpl;

// One TCP connection: reads a request, hands it to a worker, writes the answer, and, when both
// sides keep the connection alive, reads the next. Every step runs on the connection's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, ServerImpl& server);
  ~Connection();
  void Start() { ReadHead(); }

 private:
  // The handler's view of a streamed body: each Read is an asynchronous read on the strand,
  // waited for on the worker thread.
  class StreamedBody : public BodyReader {
   public:
    explicit StreamedBody(Connection& c) : c_(c) {}
    absl::StatusOr<size_t> Read(std::string& out, size_t max) override;

   private:
    Connection& c_;
    absl::Time started_ = absl::InfinitePast();
    size_t total_ = 0;
  };

  void ReadHead();
  void OnHead(beast::error_code ec);
  void AfterContinue();
  void ReadBodyPart();
  void OnBodyPart(beast::error_code ec);
  void Dispatch();
  void Write(HttpResponse response);
  void Refuse(int status, std::string detail);
  void Close();
  // A read's deadline. beast's own (tcp_stream::expires_after) closes the socket, which would
  // leave no way to answer 408: this timer only cancels the read, and OnHead or OnBodyPart
  // then answer.
  void StartReadDeadline(absl::Duration limit);
  // Cancels the socket's read, again every 50 ms until the read's handler stops the deadline.
  void CancelReadUntilStopped();
  // True if the deadline had passed (the read was cancelled by it).
  bool StopReadDeadline();
  int StatusForReadError(const beast::error_code& ec) const;
  void CopyHead();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::array<char, 16 * 1024> chunk_{};
  HttpRequest request_;
  BodyPolicy policy_;
  StreamedBody streamed_{*this};
  bool must_close_ = false;
  asio::steady_timer read_deadline_;
  bool read_timed_out_ = false;
  ServerImpl& server_;
};

class ServerImpl : public HttpServer {
 public:
  ServerImpl(HttpServerOptions options, HttpApp& app)
      : options_(std::move(options)),
        app_(app),
        ioc_(std::max(1, options_.io_threads)),
        acceptor_(asio::make_strand(ioc_)),
        workers_(static_cast<size_t>(std::max(1, options_.worker_threads))) {}
  ~ServerImpl() override { Stop(); }

  absl::Status Listen() {
    beast::error_code ec;
    const asio::ip::address address = asio::ip::make_address(options_.address, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("bad address ", options_.address));
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options_.address, ":", options_.port, ": ",
                       ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
      io_threads_.emplace_back([this] { ioc_.run(); });
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void Stop() override {
    if (stopping_.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    const absl::Time give_up = absl::Now() + options_.shutdown_grace;
    while (in_flight_.load() > 0 && absl::Now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Answers of finished requests are being written: give them a moment, then close all.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    work_guard_.reset();
    io_stopped_ = true;
    ioc_.stop();
    for (std::thread& t : io_threads_) t.join();
    io_threads_.clear();
    workers_.join();
  }

  const HttpServerOptions& options() const { return options_; }
  HttpApp& app() { return app_; }
  bool stopping() const { return stopping_.load(); }
  // True once the I/O threads are stopping: nothing posted to a connection will run.
  bool io_stopped() const { return io_stopped_.load(); }
  std::atomic<int>& connections() { return connections_; }

  // Runs `handle` on a worker; false when too many requests already wait for one.
  bool RunOnWorker(std::function<void()> handle) {
    if (in_flight_.fetch_add(1) >= options_.worker_threads * kQueuedPerWorker) {
      in_flight_.fetch_sub(1);
      return false;
    }
    asio::post(workers_, [this, handle = std::move(handle)] {
      handle();
      in_flight_.fetch_sub(1);
    });
    return true;
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec) {
        if (!stopping_.load() && ec != asio::error::operation_aborted) Accept();
        return;
      }
      if (stopping_.load() || connections_.load() >= options_.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Connection>(std::move(socket), *this)->Start();
      }
      Accept();
    });
  }

  // Declared first so they outlive the io_context, whose destruction frees connections.
  std::atomic<int> connections_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> io_stopped_{false};
  HttpServerOptions options_;
  HttpApp& app_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard_{
      ioc_.get_executor()};
  tcp::acceptor acceptor_;
  asio::thread_pool workers_;
  std::vector<std::thread> io_threads_;
  int port_ = 0;
};

Connection::Connection(tcp::socket socket, ServerImpl& server)
    : stream_(std::move(socket)), read_deadline_(stream_.get_executor()), server_(server) {
  server_.connections().fetch_add(1);
}

Connection::~Connection() { server_.connections().fetch_sub(1); }

void Connection::ReadHead() {
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(server_.options().max_head_bytes));
  parser_->body_limit(kMaxAnyBody);
  request_ = HttpRequest{};
  must_close_ = false;
  StartReadDeadline(server_.options().head_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->OnHead(ec);
                          });
}

void Connection::StartReadDeadline(absl::Duration limit) {
  stream_.expires_never();
  read_timed_out_ = false;
  read_deadline_.expires_after(Chrono(limit));
  read_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;  // cancelled: the read finished in time
    self->read_timed_out_ = true;
    self->CancelReadUntilStopped();
  });
}

void Connection::CancelReadUntilStopped() {
  beast::error_code ignored;
  stream_.socket().cancel(ignored);
  // A byte that arrived at the deadline's very moment completes its read instead of being
  // cancelled, and the composed read of the head goes on with a new one: a client dripping a
  // byte a second could then hold the connection forever. Cancel again until OnHead or
  // OnBodyPart stops the deadline.
  read_deadline_.expires_after(std::chrono::milliseconds(50));
  read_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->CancelReadUntilStopped();
  });
}

bool Connection::StopReadDeadline() {
  read_deadline_.cancel();
  return read_timed_out_;
}

int Connection::StatusForReadError(const beast::error_code& ec) const {
  if (read_timed_out_ || ec == beast::error::timeout) return 408;
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  return 400;
}

void Connection::OnHead(beast::error_code ec) {
  const bool timed_out = StopReadDeadline();
  if (ec) {
    // A client that closed, or one that was idle between requests, is simply let go.
    const bool said_nothing = !parser_->got_some() && buffer_.size() == 0;
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || (said_nothing && timed_out)) {
      Close();
      return;
    }
    Refuse(StatusForReadError(ec), ec.message());
    return;
  }
  CopyHead();
  policy_ = server_.app().BodyPolicyFor(request_);
  const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
  if (has_body && parser_->content_length().value_or(0) > policy_.max_bytes) {
    Refuse(413, absl::StrCat("the body may be at most ", policy_.max_bytes, " bytes"));
    return;
  }
  if (has_body && policy_.max_bytes == 0) {
    Refuse(413, "this request takes no body");
    return;
  }
  if (has_body && absl::EqualsIgnoreCase(request_.Header("expect"), "100-continue")) {
    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(Chrono(server_.options().write_timeout));
    asio::async_write(stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) {
                          self->Close();
                        } else {
                          self->AfterContinue();
                        }
                      });
    return;
  }
  AfterContinue();
}

void Connection::CopyHead() {
  const auto& message = parser_->get();
  request_.method = std::string(message.method_string());
  request_.target = std::string(message.target());
  for (const auto& field : message) {
    request_.headers.push_back({absl::AsciiStrToLower(std::string(field.name_string())),
                                std::string(field.value())});
  }
  beast::error_code ec;
  const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    asio::ip::address address = peer.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    request_.peer_address = address.to_string();
  }
}

void Connection::AfterContinue() {
  if (policy_.streamed) {
    request_.body_stream = &streamed_;
    Dispatch();
    return;
  }
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  StartReadDeadline(server_.options().body_timeout);
  ReadBodyPart();
}

void Connection::ReadBodyPart() {
  auto& body = parser_->get().body();
  body.data = chunk_.data();
  body.size = chunk_.size();
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     self->OnBodyPart(ec);
                   });
}

void Connection::OnBodyPart(beast::error_code ec) {
  if (ec == http::error::need_buffer) ec = {};
  if (ec || parser_->is_done()) StopReadDeadline();
  if (ec) {
    Refuse(StatusForReadError(ec), ec.message());
    return;
  }
  const size_t got = chunk_.size() - parser_->get().body().size;
  request_.body.append(chunk_.data(), got);
  if (request_.body.size() > policy_.max_bytes) {
    Refuse(413, absl::StrCat("the body may be at most ", policy_.max_bytes, " bytes"));
    return;
  }
  if (parser_->is_done()) {
    Dispatch();
  } else {
    ReadBodyPart();
  }
}

void Connection::Dispatch() {
  if (server_.stopping()) {
    Refuse(503, "the gateway is shutting down");
    return;
  }
  // No deadline while the app works: its own calls carry deadlines, and a streamed body's
  // reads set theirs.
  read_deadline_.cancel();
  stream_.expires_never();
  std::shared_ptr<Connection> self = shared_from_this();
  const bool taken = server_.RunOnWorker([self] {
    HttpResponse response = self->server_.app().Handle(self->request_);
    asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
      self->Write(std::move(response));
    });
  });
  if (!taken) Refuse(503, "the gateway is busy; try again shortly");
}

void Connection::Write(HttpResponse response) {
  read_deadline_.cancel();  // its firing would cancel the write too
  const unsigned version = parser_.has_value() ? parser_->get().version() : 11;
  auto message = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(response.status), version);
  for (const HttpHeader& h : response.headers) message->insert(h.name, h.value);
  message->body() = std::move(response.body);
  // A body the app did not read to its end cannot be skipped safely: close after answering.
  const bool body_unread = parser_.has_value() && !parser_->is_done();
  const bool keep_alive = !must_close_ && !body_unread && !server_.stopping() &&
                          parser_.has_value() && parser_->get().keep_alive();
  message->keep_alive(keep_alive);
  message->prepare_payload();
  stream_.expires_after(Chrono(server_.options().write_timeout));
  http::async_write(stream_, *message,
                    [self = shared_from_this(), message, keep_alive](beast::error_code ec,
                                                                      size_t) {
                      if (ec || !keep_alive) {
                        self->Close();
                      } else {
                        self->ReadHead();
                      }
                    });
}

void Connection::Refuse(int status, std::string detail) {
  must_close_ = true;
  Write(server_.app().Refusal(status, detail));
}

void Connection::Close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
}

absl::StatusOr<size_t> Connection::StreamedBody::Read(std::string& out, size_t max) {
  if (started_ == absl::InfinitePast()) started_ = absl::Now();
  const HttpServerOptions& options = c_.server_.options();
  // Shared with the read on the strand: if the server stops before that read runs, this
  // worker gives up waiting while the read (never run) still owns what it would write to.
  struct Pending {
    std::promise<beast::error_code> done;
    size_t got = 0;
    bool finished = false;
  };
  while (true) {
    auto pending = std::make_shared<Pending>();
    std::future<beast::error_code> result = pending->done.get_future();
    std::shared_ptr<Connection> connection = c_.shared_from_this();
    asio::post(c_.stream_.get_executor(), [connection, pending, max, &options] {
      Connection& c = *connection;
      if (c.parser_->is_done()) {
        pending->finished = true;
        pending->done.set_value({});
        return;
      }
      auto& body = c.parser_->get().body();
      const size_t want = std::min(max, c.chunk_.size());
      body.data = c.chunk_.data();
      body.size = want;
      c.StartReadDeadline(options.stream_idle_timeout);
      http::async_read_some(c.stream_, c.buffer_, *c.parser_,
                            [connection, pending, want](beast::error_code ec, size_t) {
                              Connection& c = *connection;
                              pending->got = want - c.parser_->get().body().size;
                              if (c.StopReadDeadline()) ec = beast::error::timeout;
                              pending->done.set_value(ec);
                            });
    });
    while (result.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
      if (c_.server_.io_stopped()) return absl::AbortedError("the gateway is shutting down");
    }
    beast::error_code ec = result.get();
    if (ec == http::error::need_buffer) ec = {};
    if (ec == beast::error::timeout) return absl::DeadlineExceededError("the body stopped arriving");
    if (ec == http::error::body_limit) return absl::OutOfRangeError("the body is too large");
    if (ec) return absl::AbortedError(absl::StrCat("the body was cut off: ", ec.message()));
    if (pending->finished) return 0;
    // Only this worker reads the chunk now: the read that filled it has completed.
    out.append(c_.chunk_.data(), pending->got);
    total_ += pending->got;
    if (total_ > c_.policy_.max_bytes) {
      return absl::OutOfRangeError(
          absl::StrCat("the body may be at most ", c_.policy_.max_bytes, " bytes"));
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - started_);
    if (seconds > 30 && total_ < seconds * options.min_stream_bytes_per_second) {
      return absl::DeadlineExceededError("the body arrives too slowly");
    }
    if (pending->got > 0 || pending->finished) return pending->got;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                              HttpApp& app) {
  auto server = std::make_unique<ServerImpl>(std::move(options), app);
  if (absl::Status listening = server->Listen(); !listening.ok()) return listening;
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace skk::gateway

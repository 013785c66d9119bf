#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <catch2/catch.hpp>

#include "absl/strings/numbers.h"
#include "google/protobuf/util/json_util.h"
#include "absl/time/clock.h"

namespace skk::testing {

std::string HttpAnswer::Header(const std::string& name) const {
  auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? "" : it->second;
}

HttpClient::HttpClient(int port) : client_(std::make_unique<httplib::Client>("127.0.0.1", port)) {
  client_->set_connection_timeout(5);
  client_->set_read_timeout(30);
  client_->set_write_timeout(30);
  client_->set_keep_alive(true);
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpAnswer HttpClient::Send(const std::string& method, const std::string& path,
                            const std::string& body, const std::string& content_type,
                            const HttpHeaders& headers) {
  httplib::Request request;
  request.method = method;
  request.path = path;
  for (const auto& [name, value] : headers) request.headers.emplace(name, value);
  if (!body.empty() || method == "POST") {
    request.body = body;
    if (!content_type.empty()) request.headers.emplace("Content-Type", content_type);
  }
  httplib::Result result = client_->send(request);
  HttpAnswer answer;
  if (!result) return answer;
  answer.status = result->status;
  answer.body = result->body;
  for (const auto& [name, value] : result->headers) {
    answer.headers.emplace(absl::AsciiStrToLower(name), value);
  }
  return answer;
}

HttpAnswer HttpClient::Get(const std::string& path, const HttpHeaders& headers) {
  return Send("GET", path, "", "", headers);
}

HttpAnswer HttpClient::Post(const std::string& path, const std::string& body,
                            const std::string& content_type, const HttpHeaders& headers) {
  return Send("POST", path, body, content_type, headers);
}

std::string ProtoJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  REQUIRE(google::protobuf::util::MessageToJsonString(message, &out, options).ok());
  return out;
}

void ParseProtoJson(const std::string& json, google::protobuf::Message& into) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  INFO(json);
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &into, options).ok());
}

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool ReadyToRead(int fd) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, 0) > 0;
}

std::string ReadAll(int fd, int timeout_ms) {
  std::string data;
  if (fd < 0) return data;
  timeval timeout{.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buf[4096];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

std::string RawExchange(int port, const std::string& bytes, int timeout_ms) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  // A server may answer (413) and close before all is sent: send what it takes.
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  return ReadAll(fd, timeout_ms);
}

int RawStatus(const std::string& response) {
  int status = 0;
  if (response.size() < 12 || !absl::SimpleAtoi(response.substr(9, 3), &status)) return 0;
  return status;
}

}  // namespace skk::testing

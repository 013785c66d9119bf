#pragma once

// A citizen's or partner's HTTP client for tests of the gateway: one request, its status,
// headers and body. Not thread-safe: one per thread.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "google/protobuf/message.h"

namespace httplib {
class Client;
}

namespace skk::testing {

struct HttpAnswer {
  int status = 0;  // 0: no answer (connection refused, reset, timed out)
  std::string body;
  std::multimap<std::string, std::string> headers;  // lowercase names
  std::string Header(const std::string& name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpAnswer Get(const std::string& path, const HttpHeaders& headers = {});
  HttpAnswer Post(const std::string& path, const std::string& body,
                  const std::string& content_type, const HttpHeaders& headers = {});
  HttpAnswer Send(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& content_type, const HttpHeaders& headers = {});

 private:
  std::unique_ptr<httplib::Client> client_;
};

// A message as the gateway's JSON (proto3 mapping, field names as declared), and back
// (unknown fields refused); a test fails on a body that does not parse.
std::string ProtoJson(const google::protobuf::Message& message);
void ParseProtoJson(const std::string& json, google::protobuf::Message& into);
template <class Message>
Message FromJson(const std::string& json) {
  Message message;
  ParseProtoJson(json, message);
  return message;
}

// Sends `bytes` as they are on a new connection and returns what comes back until the server
// closes or `timeout_ms` passes: for requests no well-behaved client would make.
std::string RawExchange(int port, const std::string& bytes, int timeout_ms = 10000);
// The pieces of RawExchange, for a test that sends at its own pace: a connected socket, whether
// something arrived to read (without waiting), and everything until the server closes (or
// `timeout_ms` of silence). The caller closes nothing: ReadAll closes the socket.
int ConnectLoopback(int port);
bool ReadyToRead(int fd);
std::string ReadAll(int fd, int timeout_ms = 10000);
// The status code of a raw response ("HTTP/1.1 413 ..."), 0 if none.
int RawStatus(const std::string& response);

}  // namespace skk::testing

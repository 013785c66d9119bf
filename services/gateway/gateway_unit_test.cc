// The gateway's pieces without the services: routing of paths, decoding, problem details,
// JSON bodies, the edge, and the HTTP server against a stub app over loopback (hostile
// clients included: huge heads and bodies, a client dripping a byte at a time, a cut upload).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "sambat/v1/gateway.pb.h"
#include "sambat/v1/intake.pb.h"
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "services/gateway/citizen_api.h"
#include "services/gateway/edge.h"
#include "services/gateway/probes.h"
#include "services/gateway/public_api.h"
#include "services/gateway/staff_api.h"
#include "services/platform/testing/keys.h"
#include "services/gateway/gateway_app.h"
#include "services/gateway/http_server.h"
#include "services/gateway/json_body.h"
#include "services/gateway/media_api.h"
#include "services/gateway/open311.h"
#include "services/gateway/openapi.h"
#include "services/gateway/problem.h"
#include "services/gateway/router.h"
#include "services/platform/errors.h"

namespace skk::gateway {
namespace {

sambat::v1::Problem ProblemOf(const HttpResponse& response) {
  sambat::v1::Problem problem;
  REQUIRE(google::protobuf::util::JsonStringToMessage(response.body, &problem).ok());
  return problem;
}

Route Answer(std::string method, std::string pattern, std::string text) {
  return {std::move(method), std::move(pattern), {},
          [text](RouteRequest& r) -> absl::StatusOr<HttpResponse> {
            HttpResponse response;
            response.body = text;
            for (const auto& [k, v] : r.params) response.body += absl::StrCat(" ", k, "=", v);
            return response;
          }};
}

TEST_CASE("routes match by method and path, with named segments decoded", "[router]") {
  Router router;
  router.Add(Answer("GET", "/api/v1/complaints/{ticket}", "track"));
  router.Add(Answer("POST", "/api/v1/complaints/{ticket}/info", "info"));
  router.Add(Answer("GET", "/{path...}", "file"));

  Router::Match m = router.Find("GET", "/api/v1/complaints/SKK-2026-000123");
  REQUIRE(m.route != nullptr);
  CHECK(m.route->pattern == "/api/v1/complaints/{ticket}");
  CHECK(m.params.at("ticket") == "SKK-2026-000123");

  // The path is known, the method is not: 405 with the methods it takes, not a static file.
  m = router.Find("DELETE", "/api/v1/complaints/SKK-1");
  CHECK(m.route == nullptr);
  CHECK(m.allowed == std::vector<std::string>{"GET"});

  m = router.Find("GET", "/api/v1/complaints/a%20b");
  REQUIRE(m.route != nullptr);
  CHECK(m.params.at("ticket") == "a b");

  m = router.Find("GET", "/app/assets/main.js");
  REQUIRE(m.route != nullptr);
  CHECK(m.params.at("path") == "app/assets/main.js");
  // A write to an unknown address is 404, not "use GET".
  m = router.Find("POST", "/nowhere");
  CHECK(m.route == nullptr);
  CHECK(m.allowed.empty());
}

TEST_CASE("no path escapes: dot-dot, hidden files, encoded slashes and bad escapes are refused",
          "[router]") {
  Router router;
  router.Add(Answer("GET", "/api/v1/complaints/{ticket}", "track"));
  router.Add(Answer("GET", "/{path...}", "file"));
  for (const char* path : {"/../etc/passwd", "/a/../../etc/passwd", "/%2e%2e/etc/passwd",
                           "/.env", "/a/%2F..%2Fb", "/a%5c..%5cb", "/%zz", "/a%00b",
                           "/api/v1/complaints/%ff", "/api/v1/complaints/a%2Fb"}) {
    INFO(path);
    const Router::Match m = router.Find("GET", path);
    CHECK(m.route == nullptr);
    CHECK(m.bad_path);
  }
}

TEST_CASE("percent-decoding and query strings", "[router]") {
  CHECK(PercentDecode("a%20b+c", true) == "a b c");
  CHECK(PercentDecode("a+b", false) == "a+b");
  CHECK(PercentDecode("%E2%82%AC", false) == "\xE2\x82\xAC");
  CHECK_FALSE(PercentDecode("%", false).has_value());
  CHECK_FALSE(PercentDecode("%4", false).has_value());
  CHECK_FALSE(PercentDecode("%C3%28", false).has_value());  // invalid UTF-8
  auto query = ParseQuery("service_code=jalan-rusak&status=open&x=&&y");
  REQUIRE(query.ok());
  CHECK(query->size() == 4);
  CHECK((*query)[0] == std::pair<std::string, std::string>{"service_code", "jalan-rusak"});
  CHECK((*query)[3] == std::pair<std::string, std::string>{"y", ""});
  CHECK_FALSE(ParseQuery("a=%ff").ok());
}

TEST_CASE("errors become problem details with the status a client expects", "[problem]") {
  HttpResponse bad = ProblemFor(InvalidFields({{"location.latitude", "is outside the city"},
                                               {"category", "is not a category of the city"}}));
  CHECK(bad.status == 400);
  CHECK(bad.Header("content-type") == "application/problem+json");
  sambat::v1::Problem problem = ProblemOf(bad);
  CHECK(problem.status() == 400);
  REQUIRE(problem.errors_size() == 2);
  CHECK(problem.errors(0).field() == "location.latitude");
  CHECK(problem.errors(0).reason() == "is outside the city");

  HttpResponse busy = ProblemFor(RetryLater("slow down", absl::Seconds(42)));
  CHECK(busy.status == 429);
  CHECK(busy.Header("retry-after") == "42");
  CHECK(ProblemOf(busy).retry_after_seconds() == 42);

  CHECK(ProblemFor(absl::NotFoundError("no such ticket")).status == 404);
  CHECK(ProblemFor(absl::FailedPreconditionError("already resolved")).status == 409);
  CHECK(ProblemFor(absl::UnauthenticatedError("sign in")).status == 401);
  HttpResponse away = ProblemFor(absl::UnavailableError("intake is away"));
  CHECK(away.status == 503);
  CHECK_FALSE(away.Header("retry-after").empty());
  // What broke inside stays inside.
  HttpResponse internal = ProblemFor(absl::InternalError("SELECT failed on host db-3"));
  CHECK(internal.status == 500);
  CHECK_FALSE(absl::StrContains(internal.body, "db-3"));
  CHECK(ProblemFor(WithHttpStatus(absl::InvalidArgumentError("json only"), 415)).status == 415);
}

HttpRequest JsonRequest(std::string body, std::string type = "application/json") {
  HttpRequest request;
  request.method = "POST";
  request.headers.push_back({"content-type", std::move(type)});
  request.body = std::move(body);
  return request;
}

TEST_CASE("a JSON body is read only when it is JSON, UTF-8, shallow and of known fields",
          "[json]") {
  sambat::v1::RateRequest rate;
  CHECK(ReadJsonBody(JsonRequest(R"({"stars": 4, "comment": "cepat"})"), rate).ok());
  CHECK(rate.stars() == 4);
  CHECK(ReadJsonBody(JsonRequest(R"({"stars": 4})", "application/json; charset=utf-8"), rate)
            .ok());

  const absl::Status form = ReadJsonBody(JsonRequest("stars=4", "text/plain"), rate);
  CHECK(ProblemFor(form).status == 415);
  CHECK(ProblemFor(ReadJsonBody(JsonRequest("{\"comment\": \"\xff\"}"), rate)).status == 400);
  CHECK(ProblemFor(ReadJsonBody(JsonRequest(R"({"starz": 4})"), rate)).status == 400);
  CHECK(ProblemFor(ReadJsonBody(JsonRequest(R"({"stars": )"), rate)).status == 400);
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const absl::Status nested = ReadJsonBody(JsonRequest(deep), rate);
  CHECK(ProblemFor(nested).status == 400);
  CHECK(absl::StrContains(nested.message(), "nests deeper"));
}

TEST_CASE("the client's address is believed from X-Forwarded-For only through trusted proxies",
          "[edge]") {
  const AddressRanges proxies = *AddressRanges::Parse("10.0.0.0/8");
  HttpRequest request;
  request.peer_address = "10.1.1.1";
  request.headers.push_back({"x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.2.2.2"});
  // The rightmost hop not ours; the left part is whatever the client wrote.
  CHECK(ClientAddress(request, proxies) == "203.0.113.9");
  request.peer_address = "198.51.100.1";
  CHECK(ClientAddress(request, proxies) == "198.51.100.1");
  request.peer_address = "10.1.1.1";
  request.headers[0].value = "garbage";
  CHECK(ClientAddress(request, proxies) == "10.1.1.1");
}

TEST_CASE("responses carry the security headers, CORS only for allowed origins, gzip for text",
          "[edge]") {
  EdgeOptions options{.cors_origins = {"https://sambat.malangkota.go.id"}, .behind_tls = true};
  HttpRequest request;
  request.headers.push_back({"origin", "https://evil.example"});
  request.headers.push_back({"accept-encoding", "gzip, br"});
  HttpResponse response;
  response.body = std::string(5000, 'a');
  response.SetHeader("content-type", "application/json");
  AddCors(request, response, options);
  AddSecurityHeaders(response, options);
  GzipIfWanted(request, response, 1024);
  CHECK(response.Header("access-control-allow-origin").empty());
  CHECK(response.Header("x-content-type-options") == "nosniff");
  CHECK(absl::StrContains(response.Header("content-security-policy"), "frame-ancestors 'none'"));
  CHECK_FALSE(response.Header("strict-transport-security").empty());
  CHECK(response.Header("content-encoding") == "gzip");
  CHECK(response.body.size() < 200);

  request.headers[0].value = "https://sambat.malangkota.go.id";
  request.headers.push_back({"access-control-request-method", "POST"});
  CHECK(Preflight(request, options).status == 204);
  request.headers[0].value = "https://evil.example";
  CHECK(Preflight(request, options).status == 403);
}

TEST_CASE("the map's tile server is the one outside origin pages may load images from") {
  CHECK(*OriginOf("https://tiles.malangkota.go.id/{z}/{x}/{y}.png") ==
        "https://tiles.malangkota.go.id");
  CHECK(*OriginOf("http://127.0.0.1:8081/{z}/{x}/{y}.png") == "http://127.0.0.1:8081");
  CHECK_FALSE(OriginOf("javascript:alert(1)").ok());
  CHECK_FALSE(OriginOf("https://").ok());
  CHECK_FALSE(OriginOf("https://a.example; script-src *").ok());

  EdgeOptions options;
  options.image_origins = {"https://tiles.malangkota.go.id"};
  HttpResponse response;
  AddSecurityHeaders(response, options);
  const std::string csp(response.Header("content-security-policy"));
  CHECK(absl::StrContains(csp, "img-src 'self' data: blob: https://tiles.malangkota.go.id;"));
  CHECK(absl::StrContains(csp, "script-src 'self';"));
}

// ---------------------------------------------------------------------------------------------
// The server, against a stub app.

class StubApp : public HttpApp {
 public:
  BodyPolicy BodyPolicyFor(const HttpRequest& head) const override {
    if (head.RawPath() == "/upload") return {.max_bytes = 1 << 20, .streamed = true};
    if (head.RawPath() == "/small") return {.max_bytes = 1024};
    return {};
  }
  HttpResponse Handle(HttpRequest& request) override {
    HttpResponse response;
    if (request.body_stream != nullptr) {
      streaming = true;
      std::string all;
      while (true) {
        absl::StatusOr<size_t> got = request.body_stream->Read(all, 4096);
        if (!got.ok()) {
          last_stream_error.store(static_cast<int>(got.status().code()));
          response.status = 400;
          return response;
        }
        if (*got == 0) break;
      }
      response.body = absl::StrCat("got ", all.size());
      return response;
    }
    response.body = absl::StrCat(request.method, " ", request.target, " ", request.body.size());
    return response;
  }
  HttpResponse Refusal(int status, absl::string_view detail) const override {
    return Problem(status, detail);
  }
  std::atomic<int> last_stream_error{0};  // an absl::StatusCode
  std::atomic<bool> streaming{false};     // a handler is reading a streamed body
};

class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    timeval timeout{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Client() { ::close(fd_); }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // One response: head and a Content-Length body (the server always sends one).
  std::string Receive() {
    std::string data;
    char buf[4096];
    while (true) {
      const size_t head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const size_t at = data.find("Content-Length: ");
        const size_t length =
            at == std::string::npos ? 0 : std::stoul(data.substr(at + 16));
        if (data.size() >= head_end + 4 + length) return data;
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return data;
      data.append(buf, static_cast<size_t>(n));
    }
  }
  std::string Exchange(const std::string& request) {
    Send(request);
    return Receive();
  }

 private:
  int fd_ = -1;
};

int StatusOf(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

struct Served {
  StubApp app;
  std::unique_ptr<HttpServer> server;
  explicit Served(HttpServerOptions options = {}) {
    options.port = 0;
    options.worker_threads = 4;
    auto started = HttpServer::Start(options, app);
    REQUIRE(started.ok());
    server = *std::move(started);
  }
  int port() const { return server->port(); }
};

TEST_CASE("the server answers requests, and more than one on a kept-alive connection",
          "[http_server]") {
  Served served;
  Client client(served.port());
  std::string response = client.Exchange("GET /hello?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(StatusOf(response) == 200);
  CHECK(absl::StrContains(response, "GET /hello?x=1 0"));
  response = client.Exchange(
      "POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(StatusOf(response) == 200);
  CHECK(absl::StrContains(response, "POST /small 5"));
}

TEST_CASE("a head over the limit is 431, a body over the route's limit 413 unread",
          "[http_server]") {
  Served served;
  {
    Client client(served.port());
    std::string request = "GET / HTTP/1.1\r\nHost: t\r\n";
    for (int i = 0; i < 64; ++i) request += absl::StrCat("X-Filler-", i, ": ", std::string(1000, 'a'), "\r\n");
    request += "\r\n";
    const std::string response = client.Exchange(request);
    CHECK(StatusOf(response) == 431);
    CHECK(absl::StrContains(response, "application/problem+json"));
  }
  {
    // 100 MB announced: refused at once, before a byte of it is sent.
    Client client(served.port());
    const std::string response = client.Exchange(
        "POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 104857600\r\n\r\n");
    CHECK(StatusOf(response) == 413);
  }
  {
    // Chunked, so the size shows only as it arrives.
    Client client(served.port());
    std::string request = "POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) request += "400\r\n" + std::string(1024, 'b') + "\r\n";
    request += "0\r\n\r\n";
    CHECK(StatusOf(client.Exchange(request)) == 413);
  }
  {
    Client client(served.port());
    CHECK(StatusOf(client.Exchange("GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")) == 413);
  }
  {
    Client client(served.port());
    CHECK(StatusOf(client.Exchange("BLAH\r\n\r\n")) == 400);
  }
}

TEST_CASE("a client dripping its head a byte at a time is cut off, and others are served "
          "meanwhile",
          "[http_server]") {
  Served served({.head_timeout = absl::Milliseconds(800)});
  Client slow(served.port());
  const absl::Time start = absl::Now();
  std::atomic<bool> cut{false};
  std::thread drip([&] {
    const std::string request = "GET /slow HTTP/1.1\r\nHost: t\r\nX-Long: aaaaaaaaaaaaaaaaaa\r\n";
    for (char c : request) {
      if (!slow.Send(std::string(1, c))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (cut.load()) break;
    }
  });
  // Others get their answers at once while the drip goes on.
  for (int i = 0; i < 5; ++i) {
    Client other(served.port());
    const absl::Time asked = absl::Now();
    CHECK(StatusOf(other.Exchange("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")) == 200);
    CHECK(absl::Now() - asked < absl::Milliseconds(500));
  }
  const std::string response = slow.Receive();
  cut = true;
  drip.join();
  CHECK(StatusOf(response) == 408);
  CHECK(absl::Now() - start < absl::Seconds(3));
}

TEST_CASE("a streamed body arrives in pieces, and one cut mid-way reaches the handler as an error",
          "[http_server]") {
  Served served;
  {
    Client client(served.port());
    const std::string body(200 * 1024, 'p');
    const std::string response = client.Exchange(absl::StrCat(
        "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: ", body.size(), "\r\n\r\n", body));
    CHECK(StatusOf(response) == 200);
    CHECK(absl::StrContains(response, absl::StrCat("got ", body.size())));
  }
  {
    auto client = std::make_unique<Client>(served.port());
    client->Send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" +
                 std::string(30000, 'p'));
    client.reset();  // the phone lost its signal
    for (int i = 0; i < 200 && served.app.last_stream_error.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(served.app.last_stream_error.load() == static_cast<int>(absl::StatusCode::kAborted));
  }
}

TEST_CASE("stopping lets requests in hand finish and gives up on an upload that never ends",
          "[http_server]") {
  Served served({.shutdown_grace = absl::Milliseconds(300)});
  Client stalled(served.port());
  // Half a body, then nothing: the handler waits on it.
  REQUIRE(stalled.Send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" +
                       std::string(1000, 'p')));
  // Stop only once a worker is waiting on the rest of that body.
  for (int i = 0; i < 400 && !served.app.streaming.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(served.app.streaming.load());
  const absl::Time asked = absl::Now();
  served.server->Stop();
  CHECK(absl::Now() - asked < absl::Seconds(3));
  CHECK(served.app.last_stream_error.load() == static_cast<int>(absl::StatusCode::kAborted));
}

}  // namespace
}  // namespace skk::gateway

namespace skk::gateway {
namespace {

TEST_CASE("the OpenAPI document lists every route the gateway serves, and only those",
          "[openapi]") {
  Router router;
  // Nothing below connects: the routes only need to exist.
  auto nowhere = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  PgPool pool({.uri = "postgresql://nobody@127.0.0.1:1/none"});
  RealClock clock;
  const skk::testing::KeyPair key = skk::testing::NewEcKeyPair();
  auto issuer = TokenIssuer::Create({.kid = "test", .pem = key.private_pem},
                                    {.issuer = "test", .audience = "test"});
  REQUIRE(issuer.ok());
  CitizenApi citizens({nowhere, nowhere}, *issuer, clock, sambat::v1::CityConfig(), {});
  citizens.AddRoutes(router);
  Probes probes({});
  probes.AddRoutes(router);
  StaffAccounts accounts(pool, clock);
  ApiKeys keys(pool, clock);
  StaffApi staff(accounts, keys, *issuer, clock, {nowhere, nowhere, nowhere}, nullptr, {});
  staff.AddRoutes(router);
  sambat::v1::CityConfig city;
  city.set_open311_jurisdiction_id("malangkota.go.id");
  Open311 open311(nowhere, city, keys, {});
  open311.AddRoutes(router);
  MediaApi media(nowhere, staff);
  media.AddRoutes(router);
  PublicApi public_figures(nowhere, nowhere);
  public_figures.AddRoutes(router);
  const nlohmann::json document = nlohmann::json::parse(OpenApiDocument());
  REQUIRE(document.at("openapi").get<std::string>().rfind("3.", 0) == 0);
  std::set<std::pair<std::string, std::string>> served, documented;
  for (const Route& route : router.routes()) {
    // Open311's routes are the standard's, documented by it and by docs/open311.md.
    if (Open311::Serves(route.pattern)) continue;
    served.insert({absl::AsciiStrToLower(route.method), route.pattern});
  }
  for (const auto& [path, operations] : document.at("paths").items()) {
    for (const auto& [method, operation] : operations.items()) {
      documented.insert({method, path});
      INFO(method << " " << path);
      CHECK(operation.contains("responses"));
    }
  }
  for (const auto& [method, path] : served) {
    INFO("served but not documented: " << method << " " << path);
    CHECK(documented.contains({method, path}));
  }
  for (const auto& [method, path] : documented) {
    INFO("documented but not served: " << method << " " << path);
    CHECK(served.contains({method, path}));
  }
  // The contract's messages are written out from their descriptors: fields by their declared
  // names, enums by their values' names, and GET routes' query parameters from the request.
  const nlohmann::json& schemas = document.at("components").at("schemas");
  REQUIRE(schemas.contains("sambat.v1.RespondRequest"));
  CHECK(schemas.at("sambat.v1.RespondRequest").at("properties").contains("message"));
  REQUIRE(schemas.contains("sambat.v1.Case"));
  CHECK(schemas.at("sambat.v1.Case").at("additionalProperties") == false);
  bool states_listed = false;
  for (const auto& parameter : document.at("paths").at("/api/v1/staff/queue").at("get").at(
           "parameters")) {
    if (parameter.at("name") != "states") continue;
    states_listed = true;
    CHECK(parameter.at("schema").at("type") == "array");
    const auto& names = parameter.at("schema").at("items").at("enum");
    CHECK(std::find(names.begin(), names.end(), "CASE_STATE_ROUTED") != names.end());
  }
  CHECK(states_listed);
  CHECK(OpenApiDocument().find("x-sambat-query") == std::string_view::npos);
  // A hand-written schema named like a message of ours names only that message's fields.
  for (const auto& [name, schema] : schemas.items()) {
    const auto* type = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
        absl::StartsWith(name, "sambat.v1.") ? name : "sambat.v1." + name);
    if (type == nullptr || !schema.contains("properties")) continue;
    for (const auto& [field, unused] : schema.at("properties").items()) {
      INFO(name << "." << field << " is not a field of " << type->full_name());
      CHECK(type->FindFieldByName(field) != nullptr);
    }
  }
  CHECK_FALSE(CompleteOpenApi(R"({"paths": {"/x": {"get": {"responses": {"200": {"$ref":
              "#/components/schemas/sambat.v1.NoSuchMessage"}}}}}})").ok());
  CHECK_FALSE(CompleteOpenApi(R"({"paths": {"/x": {"get": {"x-sambat-query":
              "sambat.v1.SubmitComplaintRequest"}}}})").ok());

  // Every reference resolves.
  const std::string text(OpenApiDocument());
  for (size_t at = text.find("\"$ref\": \"#/"); at != std::string::npos;
       at = text.find("\"$ref\": \"#/", at + 1)) {
    const size_t start = at + 10;
    const std::string pointer = text.substr(start, text.find('"', start) - start);
    INFO(pointer);
    CHECK(document.contains(nlohmann::json::json_pointer(pointer)));
  }
}

}  // namespace
}  // namespace skk::gateway

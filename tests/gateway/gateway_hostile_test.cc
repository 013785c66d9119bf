// What a stranger can throw at the public door: bodies and heads too large, a client dripping a
// byte a second, paths out of the served directory, an upload cut mid-way, a flood from one
// address, a forged X-Forwarded-For. Each gets a clean 4xx, nothing is stored, and the gateway
// keeps answering everyone else.

#include <sys/socket.h>

#include <csignal>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sambat/v1/intake.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/images.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

namespace v1 = sambat::v1;

v1::SubmitComplaintRequest Anonymous() {
  v1::SubmitComplaintRequest complaint = SampleComplaint();
  complaint.clear_reporter();
  complaint.mutable_reporter()->set_anonymous(true);
  return complaint;
}

// A well-behaved citizen's request still answered, and quickly, while the stranger misbehaves.
void OthersStillServed(HttpClient& http) {
  const absl::Time asked = absl::Now();
  CHECK(http.Get("/api/v1/city").status == 200);
  CHECK(absl::Now() - asked < absl::Seconds(1));
}

TEST_CASE("oversized bodies and heads are refused before they are read, and nothing is stored",
          "[gateway][security]") {
  System system("gateway_hostile_size");
  system.Start("gateway");
  const int port = system.HttpPort();
  HttpClient http(port);

  // A 100 MB body announced: 413 at once.
  const std::string huge = RawExchange(
      port, "POST /api/v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Idempotency-Key: k\r\nContent-Length: 104857600\r\n\r\n{");
  CHECK(RawStatus(huge) == 413);
  CHECK(absl::StrContains(huge, "application/problem+json"));
  // 64 KB of headers.
  std::string heads = "GET /api/v1/city HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 64; ++i) heads += absl::StrCat("X-Pad-", i, ": ", std::string(1024, 'h'), "\r\n");
  CHECK(RawStatus(RawExchange(port, heads + "\r\n")) == 431);
  // A photo larger than any photo, sent chunked so its size shows only as it comes.
  std::string chunked =
      "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::string piece(256 * 1024, 'j');
  for (int i = 0; i < 48; ++i) chunked += absl::StrCat("40000\r\n", piece, "\r\n");
  const int status = RawStatus(RawExchange(port, chunked + "0\r\n\r\n"));
  CHECK((status == 413 || status == 400));
  OthersStillServed(http);
  CHECK(system.Count("SELECT count(*) FROM intake.media") == 0);
  CHECK(system.Count("SELECT count(*) FROM intake.complaints") == 0);
}

TEST_CASE("a client sending a byte a second is cut off with 408 while others are served",
          "[gateway][security]") {
  System system("gateway_hostile_slow");
  system.Start("gateway", {"--http_head_timeout=2s"});
  const int port = system.HttpPort();
  std::string response;
  std::thread slow([&] {
    // RawExchange sends everything at once; drip by hand on its own connection.
    const std::string request = "GET /api/v1/city HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n";
    std::string got;
    const int fd = ConnectLoopback(port);
    for (char c : request) {
      if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      if (ReadyToRead(fd)) break;  // the gateway has answered
    }
    response = ReadAll(fd);
  });
  HttpClient http(port);
  for (int i = 0; i < 3; ++i) OthersStillServed(http);
  slow.join();
  CHECK(RawStatus(response) == 408);
}

TEST_CASE("an upload cut mid-way stores nothing, and the next one goes through",
          "[gateway][security]") {
  System system("gateway_hostile_cut");
  system.Start("gateway");
  const int port = system.HttpPort();
  const std::string photo = images::Jpeg(1200, 900);
  // Half of the announced bytes, then the connection drops.
  const std::string cut = RawExchange(
      port,
      absl::StrCat("POST /api/v1/media HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                   "Content-Length: ", photo.size(), "\r\nConnection: close\r\n\r\n",
                   photo.substr(0, photo.size() / 2)),
      /*timeout_ms=*/300);
  CHECK(RawStatus(cut) == 0);  // nothing came back before the drop
  HttpClient http(port);
  const HttpAnswer whole = http.Post("/api/v1/media", photo, "image/jpeg");
  CHECK(whole.status == 201);
  CHECK(System::WaitUntil(
      [&] { return system.Count("SELECT count(*) FROM intake.media") == 1; },
      absl::Seconds(10)));
}

TEST_CASE("nothing outside the web directory is served, however the path is spelled",
          "[gateway][security]") {
  TempDir web;
  {
    std::ofstream(web.File("index.html")) << "<!doctype html><title>Sambat</title>";
    std::filesystem::create_directories(web.File("assets"));
    std::ofstream(web.File("assets/app.js")) << "console.log('sambat')";
    std::ofstream(web.File(".env")) << "SECRET=1";
    std::filesystem::create_symlink("/etc/passwd", web.File("passwd"));
  }
  System system("gateway_hostile_paths");
  system.Start("gateway", {absl::StrCat("--web_dir=", web.path())});
  const int port = system.HttpPort();
  HttpClient http(port);
  const HttpAnswer index = http.Get("/");
  CHECK(index.status == 200);
  CHECK(absl::StartsWith(index.Header("content-type"), "text/html"));
  const HttpAnswer script = http.Get("/assets/app.js");
  CHECK(script.status == 200);
  CHECK(absl::StrContains(script.Header("cache-control"), "immutable"));
  for (const char* path : {"/../../../../etc/passwd", "/assets/../../etc/passwd",
                           "/%2e%2e/%2e%2e/etc/passwd", "/assets%2f..%2f..%2fetc%2fpasswd",
                           "/.env", "/passwd", "/assets/..%5c..%5cetc%5cpasswd"}) {
    INFO(path);
    const std::string answer =
        RawExchange(port, absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const int status = RawStatus(answer);
    CHECK((status == 400 || status == 404));
    CHECK_FALSE(absl::StrContains(answer, "root:"));
    CHECK_FALSE(absl::StrContains(answer, "SECRET"));
  }
}

TEST_CASE("a flood from one address meets 429 with Retry-After, from Redis, across replicas",
          "[gateway][security]") {
  System system("gateway_hostile_flood");
  system.Start("gateway", {"--address_write_limit=3"});
  system.Start("gateway#2", {"--address_write_limit=3"});
  HttpClient first(system.HttpPort("gateway"));
  HttpClient second(system.HttpPort("gateway#2"));
  int refused = 0;
  std::string retry_after;
  for (int i = 0; i < 6; ++i) {
    HttpClient& http = i % 2 == 0 ? first : second;
    const HttpAnswer answer = http.Post("/api/v1/complaints", ProtoJson(SampleComplaint()),
                                        "application/json",
                                        {{"Idempotency-Key", absl::StrCat("flood-key-", i)}});
    if (answer.status == 429) {
      ++refused;
      retry_after = answer.Header("retry-after");
    }
  }
  // Three per minute in all, whichever replica counted them (a minute boundary may split them).
  CHECK(refused >= 2);
  CHECK_FALSE(retry_after.empty());
  // Reads have their own budget: tracking and the form still work.
  CHECK(first.Get("/api/v1/city").status == 200);
}

TEST_CASE("intake counts a citizen by the address the gateway vouches for, never one a client "
          "claims",
          "[gateway][security]") {
  System system("gateway_hostile_address", kAllServices);
  system.Stop("intake", SIGTERM);
  system.Start("intake", {"--anonymous_peer_limit=1"});
  // Only the proxy in front (this machine) is believed about the client's address.
  system.Start("gateway", {"--trusted_proxies=127.0.0.1"});
  HttpClient http(system.HttpPort());
  auto submit = [&](const std::string& forwarded_for, const std::string& key) {
    return http.Post("/api/v1/complaints", ProtoJson(Anonymous()), "application/json",
                     {{"Idempotency-Key", key}, {"X-Forwarded-For", forwarded_for}})
        .status;
  };
  CHECK(submit("203.0.113.1", "anonymous-a-1") == 201);
  CHECK(submit("203.0.113.1", "anonymous-a-2") == 429);  // the same citizen's second anonymous complaint
  CHECK(submit("203.0.113.2", "anonymous-b-1") == 201);  // another citizen behind the same proxy
  // Through a gateway that trusts no proxy, a forged header changes nothing: all count as the
  // proxy's own address.
  system.Start("gateway#2");
  HttpClient direct(system.HttpPort("gateway#2"));
  CHECK(direct.Post("/api/v1/complaints", ProtoJson(Anonymous()), "application/json",
                    {{"Idempotency-Key", "anonymous-c-1"}, {"X-Forwarded-For", "198.51.100.1"}})
            .status == 201);
  CHECK(direct.Post("/api/v1/complaints", ProtoJson(Anonymous()), "application/json",
                    {{"Idempotency-Key", "anonymous-c-2"}, {"X-Forwarded-For", "198.51.100.2"}})
            .status == 429);
}

}  // namespace
}  // namespace skk::testing

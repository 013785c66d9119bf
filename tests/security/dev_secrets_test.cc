// Secrets fail closed: a service binary started without --dev refuses the repository's public
// development key and secrets (and a missing secret), saying which and how to make one; with
// the secrets deploy/make-secrets.sh makes, read from files, it starts and serves.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/platform/testing/local.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

std::string Bin(const std::string& name) { return absl::StrCat(SKK_BIN_DIR, "/", name); }

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The test stack's environment (stack.env) sets SKK_AMQP_URI, which a service reads as its flag:
// each case here says exactly what the service is given.
constexpr char kCleanEnvironment[] = "env -u SKK_AMQP_URI -u SKK_PG_URI ";

// Runs `command` to its end (services that refuse to start exit within a second); returns its
// exit status and its output (standard output and error together).
int Run(const std::string& command, std::string* out) {
  return testing::RunCommand(absl::StrCat(kCleanEnvironment, command, " 2>&1"), out);
}

// Flags that get a service past everything but the secret under test. The URIs point at a
// closed port: a service that got as far as connecting would not exit at once.
const std::string kReachable =
    " --pg_uri=postgresql://x:y@127.0.0.1:1/none --amqp_uri=amqp://x:y@127.0.0.1:1"
    " --listen=127.0.0.1:0 --grpc_plaintext --servers_plaintext";

std::string ShippedConfig() { return testing::SourcePath("deploy/config/kota-malang.textproto"); }

TEST_CASE("without --dev, intake refuses to start without a tracking secret, and names it") {
  std::string out;
  CHECK(Run(absl::StrCat(Bin("skk-intake"), kReachable, " --city_config=", ShippedConfig()),
            &out) == 2);
  CHECK_THAT(out, Catch::Contains("tracking_secret"));
  CHECK_THAT(out, Catch::Contains("deploy/make-secrets.sh"));
}

TEST_CASE("without --dev, the public development tracking secret is refused even from a file") {
  testing::TempDir dir;
  std::ofstream(dir.File("tracking")) << "local-development-only-tracking-secret\n";
  std::string out;
  CHECK(Run(absl::StrCat(Bin("skk-intake"), kReachable, " --city_config=", ShippedConfig(),
                         " --tracking_secret_file=", dir.File("tracking")),
            &out) == 2);
  CHECK_THAT(out, Catch::Contains("public development value"));
}

TEST_CASE("without --dev, intake refuses the public development token of SP4N-LAPOR") {
  testing::TempDir dir;
  std::ofstream(dir.File("tracking")) << std::string(48, 't') << "\n";
  std::ofstream(dir.File("limits")) << std::string(48, 'l') << "\n";
  std::string out;
  CHECK(Run(absl::StrCat(Bin("skk-intake"), kReachable, " --city_config=", ShippedConfig(),
                         " --tracking_secret_file=", dir.File("tracking"),
                         " --rate_limit_secret_file=", dir.File("limits")),
            &out) == 2);
  CHECK_THAT(out, Catch::Contains("lapor token_file"));
  CHECK_THAT(out, Catch::Contains("docs/lapor.md"));
}

TEST_CASE("without --dev, a service needs its database URI: no silent local default") {
  std::string out;
  CHECK(Run(absl::StrCat(Bin("skk-sla"), " --grpc_plaintext --servers_plaintext --city_config=",
                         ShippedConfig()),
            &out) == 2);
  CHECK_THAT(out, Catch::Contains("pg_uri"));
}

TEST_CASE("without --dev, a service refuses plaintext gRPC unless told the network encrypts") {
  std::string out;
  CHECK(Run(absl::StrCat(Bin("skk-sla"), " --pg_uri=postgresql://x:y@127.0.0.1:1/none",
                         " --amqp_uri=amqp://x:y@127.0.0.1:1 --city_config=", ShippedConfig()),
            &out) == 2);
  CHECK_THAT(out, Catch::Contains("--grpc_tls_cert_file"));
  CHECK_THAT(out, Catch::Contains("--grpc_plaintext"));
}

TEST_CASE("without --dev, routing refuses the development staff-token key") {
  testing::TempDir dir;
  std::ofstream(dir.File("cursor")) << std::string(48, 'c') << "\n";
  std::string out;
  CHECK(Run(absl::StrCat(Bin("skk-routing"), kReachable, " --city_config=", ShippedConfig(),
                         " --queue_cursor_secret_file=", dir.File("cursor")),
            &out) == 2);
  CHECK_THAT(out, Catch::Contains("dev-jwt-public.pem"));
  for (const char* service : {"skk-sla", "skk-notification"}) {
    CHECK(Run(absl::StrCat(Bin(service), kReachable, " --city_config=", ShippedConfig()), &out) ==
          2);
    CHECK_THAT(out, Catch::Contains("dev-jwt-public.pem"));
  }
}

TEST_CASE("with the secrets deploy/make-secrets.sh makes, read from files, routing starts without --dev") {
  testing::IsolatedWorld world("secrets");
  testing::TempDir dir;
  std::string out;
  REQUIRE(Run(absl::StrCat("bash ", testing::SourcePath("deploy/make-secrets.sh"), " ",
                           dir.File("secrets"), " --kid city-1"),
              &out) == 0);
  CHECK_THAT(out, Catch::Contains("staff-token-public-city-1.pem"));
  CHECK(out.find("BEGIN") == std::string::npos);  // nothing secret on the terminal

  // The shipped configuration with its auth block pointing at the new key.
  std::string config = Slurp(ShippedConfig());
  const size_t auth = config.find("\nauth {");
  REQUIRE(auth != std::string::npos);
  config = absl::StrCat(config.substr(0, auth), "\nauth {\n  issuer: \"sambat-kene-ker/test\"\n",
                        "  audience: \"sambat-kene-ker/test/staff\"\n  public_keys { kid: ",
                        "\"city-1\" file: \"secrets/staff-token-public-city-1.pem\" }\n}\n");
  // The partners' secrets agreed with them (the shipped file names the public development one).
  config = absl::StrReplaceAll(config, {{"\"dev-partner.secret\"", "\"partner.secret\""}});
  std::ofstream(dir.File("partner.secret")) << std::string(40, 'p') << "\n";
  std::ofstream(dir.File("city.textproto")) << config;
  std::ifstream holidays(testing::SourcePath("deploy/config/holidays-indonesia.textproto"));
  std::ofstream(dir.File("holidays-indonesia.textproto")) << holidays.rdbuf();
  std::ofstream(dir.File("pg-uri")) << world.PgUri("routing") << "\n";
  std::ofstream(dir.File("amqp-uri")) << world.AmqpUri() << "\n";

  const std::string ready = dir.File("ready");
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::unsetenv("SKK_AMQP_URI");
    ::unsetenv("SKK_PG_URI");
    const std::string redis = absl::StrCat("--redis_addr=", testing::Stack().redis_addr);
    const std::string prefix = absl::StrCat("--redis_prefix=", world.redis_prefix());
    const std::string city = absl::StrCat("--city_config=", dir.File("city.textproto"));
    const std::string pg = absl::StrCat("--pg_uri_file=", dir.File("pg-uri"));
    const std::string amqp = absl::StrCat("--amqp_uri_file=", dir.File("amqp-uri"));
    const std::string cursor =
        absl::StrCat("--queue_cursor_secret_file=", dir.File("secrets/queue-cursor-secret"));
    const std::string ready_flag = absl::StrCat("--ready_file=", ready);
    const std::string binary = Bin("skk-routing");
    // Plaintext on loopback: this test is about secrets; grpc_tls_test is about TLS.
    execl(binary.c_str(), binary.c_str(), "--listen=127.0.0.1:0", "--grpc_plaintext",
          "--servers_plaintext",
          redis.c_str(), prefix.c_str(),
          city.c_str(), pg.c_str(), amqp.c_str(), cursor.c_str(), ready_flag.c_str(), nullptr);
    _exit(127);
  }
  bool serving = false;
  // Up to 2 minutes: a sanitizer build on a busy CI machine migrates and declares slowly.
  for (int i = 0; i < 2400 && !serving; ++i) {
    serving = !Slurp(ready).empty();
    int status = 0;
    if (!serving && waitpid(pid, &status, WNOHANG) == pid) break;  // it exited: refused
    if (!serving) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(serving);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace skk

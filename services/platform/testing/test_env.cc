#include "services/platform/testing/test_env.h"

#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include <filesystem>

#include "services/platform/city_config.h"
#include "services/platform/status_macros.h"

namespace skk::testing {
namespace {

std::string Require(const char* var) {
  const char* v = std::getenv(var);
  if (v == nullptr || *v == '\0') {
    std::fprintf(stderr,
                 "%s is not set: integration tests run against the real servers. Start them with "
                 "`deploy/stack.sh start --profile test` and `source .run/test/stack.env`, or run "
                 "the whole suite with `deploy/test.sh`.\n",
                 var);
    std::abort();
  }
  return v;
}

void RunOrDie(const std::string& command) {
  std::string quiet = absl::StrCat(command, " >/dev/null");
  if (std::system(quiet.c_str()) != 0) {
    std::fprintf(stderr, "test setup failed: %s\n", command.c_str());
    std::abort();
  }
}

std::unique_ptr<PgConnection> ConnectOrDie(const std::string& uri) {
  auto conn = PgConnection::Connect(uri, "");
  if (!conn.ok()) {
    std::fprintf(stderr, "test setup: %s\n", conn.status().ToString().c_str());
    std::abort();
  }
  return std::move(conn).value();
}

constexpr const char* kServices[] = {"intake", "routing", "sla", "notification", "gateway"};

}  // namespace

const TestStack& Stack() {
  static const TestStack stack = [] {
    TestStack s;
    s.pg_admin_uri = Require("SKK_PG_ADMIN_URI");
    s.pg_host = Require("SKK_PG_HOST");
    SKK_CHECK(absl::SimpleAtoi(Require("SKK_PG_PORT"), &s.pg_port), "SKK_PG_PORT");
    s.amqp_uri = Require("SKK_AMQP_URI");
    s.redis_addr = Require("SKK_REDIS_ADDR");
    s.rabbitmqctl = Require("SKK_RABBITMQCTL");
    SKK_CHECK(absl::SimpleAtoi(Require("SKK_AMQPS_PORT"), &s.amqps_port), "SKK_AMQPS_PORT");
    s.tls_ca_file = Require("SKK_TLS_CA_FILE");
    return s;
  }();
  return stack;
}

IsolatedWorld::IsolatedWorld(const std::string& name) {
  absl::BitGen gen;
  const std::string suffix = absl::StrFormat("%08x", absl::Uniform<uint32_t>(gen));
  const std::string label = absl::AsciiStrToLower(name);
  database_ = absl::StrCat("skk_t_", label, "_", suffix);
  vhost_ = absl::StrCat("skk-t-", label, "-", suffix);
  redis_prefix_ = absl::StrCat("skk-t:", label, ":", suffix, ":");

  auto admin = ConnectOrDie(Stack().pg_admin_uri);
  SKK_CHECK(admin->ExecuteScript(absl::StrCat("CREATE DATABASE ", database_)).ok(),
            "create test database");
  auto db = ConnectOrDie(AdminUri());
  for (const char* service : kServices) {
    SKK_CHECK(db->ExecuteScript(absl::StrCat("CREATE SCHEMA ", service, " AUTHORIZATION ",
                                             service))
                  .ok(),
              "create test schema");
  }
  RunOrDie(absl::StrCat(Stack().rabbitmqctl, " add_vhost ", vhost_));
  RunOrDie(absl::StrCat(Stack().rabbitmqctl, " set_permissions -p ", vhost_,
                        " skk '.*' '.*' '.*'"));
}

IsolatedWorld::~IsolatedWorld() {
  // SKK_KEEP_TEST_DATA=1 leaves the database and vhost behind to look at after a failure.
  if (const char* keep = std::getenv("SKK_KEEP_TEST_DATA"); keep != nullptr && *keep == '1') {
    std::fprintf(stderr, "kept test database %s and vhost %s\n", database_.c_str(),
                 vhost_.c_str());
    return;
  }
  auto admin = PgConnection::Connect(Stack().pg_admin_uri, "");
  if (admin.ok()) {
    (void)(*admin)->ExecuteScript(
        absl::StrCat("DROP DATABASE IF EXISTS ", database_, " WITH (FORCE)"));
  }
  std::string cmd = absl::StrCat(Stack().rabbitmqctl, " delete_vhost ", vhost_, " >/dev/null");
  (void)std::system(cmd.c_str());
}

std::string IsolatedWorld::PgUri(const std::string& service) const {
  return absl::StrCat("postgresql://", service, ":", service, "-local@", Stack().pg_host, ":",
                      Stack().pg_port, "/", database_);
}

std::string IsolatedWorld::AdminUri() const {
  return absl::StrCat("postgresql://postgres:postgres-local@", Stack().pg_host, ":",
                      Stack().pg_port, "/", database_);
}

std::string IsolatedWorld::AmqpUri() const {
  // Replace the stack's vhost (the part after the authority) with this world's.
  std::string base = Stack().amqp_uri;
  const size_t authority = base.find("://");
  const size_t path = base.find('/', authority == std::string::npos ? 0 : authority + 3);
  if (path != std::string::npos) base.resize(path);
  return absl::StrCat(base, "/", vhost_);
}

std::unique_ptr<PgConnection> IsolatedWorld::Admin() const { return ConnectOrDie(AdminUri()); }

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(SKK_SOURCE_DIR, "/", relative);
}

const sambat::v1::CityConfig& ShippedCityConfig() {
  static const sambat::v1::CityConfig config = [] {
    auto loaded = LoadCityConfig(SourcePath("deploy/config/kota-malang.textproto"));
    SKK_CHECK(loaded.ok(), loaded.status().ToString().c_str());
    return *loaded;
  }();
  return config;
}

TempDir::TempDir() {
  char pattern[] = "/tmp/skk-test-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  SKK_CHECK(made != nullptr, "mkdtemp");
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

long long QueryInt(PgConnection& conn, const std::string& sql) {
  static std::atomic<int> counter{0};
  std::string name = absl::StrCat("test_query_", ++counter);
  auto result = conn.Execute(SqlStatement{name, sql});
  SKK_CHECK(result.ok(), result.status().ToString().c_str());
  return result->OnlyInt();
}

}  // namespace skk::testing

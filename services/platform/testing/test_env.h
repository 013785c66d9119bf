#pragma once

// Where integration and end-to-end tests find the real servers: the SKK_* variables of
// .run/test/stack.env, exported by deploy/test.sh. A test that needs a server and does not find
// one fails; it never skips and never fakes the server.

#include <memory>
#include <string>

#include "sambat/v1/config.pb.h"
#include "services/platform/pg.h"

namespace skk::testing {

struct TestStack {
  std::string pg_admin_uri;  // superuser on the maintenance database
  std::string pg_host;
  int pg_port = 0;
  std::string amqp_uri;      // the default vhost
  std::string redis_addr;
  std::string rabbitmqctl;   // wrapper script for the test node
  int amqps_port = 0;        // the broker's TLS listener
  std::string tls_ca_file;   // the stack's CA, which signed every server's certificate
};

// Reads the stack description from the environment; aborts the test run if it is missing.
const TestStack& Stack();

// A private world for one test: its own database (with a schema per service owned by the
// service's role), its own RabbitMQ vhost and its own Redis key prefix, removed on destruction.
// Lets integration tests run in parallel without seeing each other's data.
class IsolatedWorld {
 public:
  // `name` is a short label used in the database and vhost names.
  explicit IsolatedWorld(const std::string& name);
  ~IsolatedWorld();

  const std::string& database() const { return database_; }
  const std::string& vhost() const { return vhost_; }
  const std::string& redis_prefix() const { return redis_prefix_; }

  // Connection URI of a service's role on this world's database.
  std::string PgUri(const std::string& service) const;
  // Superuser URI on this world's database, for assertions across schemas.
  std::string AdminUri() const;
  std::string AmqpUri() const;

  // A superuser connection to this world's database (search_path unset).
  std::unique_ptr<PgConnection> Admin() const;

 private:
  std::string database_;
  std::string vhost_;
  std::string redis_prefix_;
};

// A file of this repository, e.g. SourcePath("deploy/config/kota-malang.textproto").
std::string SourcePath(const std::string& relative);

// The shipped Kota Malang configuration, loaded and validated once.
const sambat::v1::CityConfig& ShippedCityConfig();

// The opening of a small test city's configuration, in protobuf text format: Kota Uji, its
// time zone, ticket prefix and verifier agency (diskominfo), its bounds and its leadership. A
// test appends the agencies (diskominfo among them), categories, areas and rules it needs.
inline constexpr char kTestCityHead[] = R"pb(city_name: "Kota Uji"
time_zone: "Asia/Jakarta"
ticket_prefix: "UJI"
verifier_agency: "diskominfo"
bounds { min_latitude: -8.06 max_latitude: -7.88 min_longitude: 112.56 max_longitude: 112.72 }
leadership { name: "Sekda" email: "sekda@uji.go.id" }
)pb";

// A fresh directory under /tmp, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs a SQL query returning one integer (e.g. a count) as superuser on `uri`.
long long QueryInt(PgConnection& conn, const std::string& sql);

}  // namespace skk::testing

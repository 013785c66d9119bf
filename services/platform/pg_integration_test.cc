// PostgreSQL access and migrations against the real server.

#include <atomic>
#include <optional>
#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/migrations.h"
#include "sambat/v1/notification.pb.h"
#include "services/platform/pg.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

using testing::IsolatedWorld;
using testing::QueryInt;

const std::vector<Migration> kV1 = {
    {1, "letters", "CREATE TABLE letters (id bigserial PRIMARY KEY, body text NOT NULL UNIQUE)"},
};
const std::vector<Migration> kV2 = {
    kV1[0],
    {2, "stamps", "ALTER TABLE letters ADD COLUMN stamped_at timestamptz"},
};

std::unique_ptr<PgConnection> Connect(const IsolatedWorld& world) {
  auto conn = PgConnection::Connect(world.PgUri("intake"), "intake");
  REQUIRE(conn.ok());
  return std::move(conn).value();
}

}  // namespace

TEST_CASE("migrations apply once, in order, and an old binary refuses a newer schema", "[pg]") {
  IsolatedWorld world("migrations");
  auto conn = Connect(world);
  REQUIRE(ApplyMigrations(*conn, "post", kV1).ok());
  REQUIRE(ApplyMigrations(*conn, "post", kV1).ok());  // again: nothing to do
  REQUIRE(ApplyMigrations(*conn, "post", kV2).ok());
  CHECK(QueryInt(*conn, "SELECT count(*) FROM schema_migrations WHERE component = 'post'") == 2);
  CHECK(QueryInt(*conn, "SELECT count(*) FROM information_schema.columns "
                        "WHERE table_schema = 'intake' AND column_name = 'stamped_at'") == 1);

  const absl::Status old = ApplyMigrations(*conn, "post", kV1);
  CHECK(absl::IsFailedPrecondition(old));
  CHECK(absl::StrContains(old.message(), "version 2"));
}

TEST_CASE("replicas starting together apply each migration exactly once", "[pg]") {
  IsolatedWorld world("migrace");
  std::atomic<int> ok{0};
  std::vector<std::thread> replicas;
  for (int i = 0; i < 6; ++i) {
    replicas.emplace_back([&] {
      auto conn = PgConnection::Connect(world.PgUri("intake"), "intake");
      if (conn.ok() && ApplyMigrations(**conn, "post", kV2).ok()) ++ok;
    });
  }
  for (auto& t : replicas) t.join();
  CHECK(ok == 6);
  auto conn = Connect(world);
  CHECK(QueryInt(*conn, "SELECT count(*) FROM schema_migrations WHERE component = 'post'") == 2);
}

TEST_CASE("a failing migration leaves the schema as it was", "[pg]") {
  IsolatedWorld world("migfail");
  auto conn = Connect(world);
  const std::vector<Migration> broken = {
      kV1[0], {2, "broken", "ALTER TABLE no_such_table ADD COLUMN x int"}};
  const absl::Status st = ApplyMigrations(*conn, "post", broken);
  CHECK_FALSE(st.ok());
  CHECK(absl::StrContains(st.message(), "2_broken"));
  CHECK(QueryInt(*conn, "SELECT count(*) FROM information_schema.tables "
                        "WHERE table_schema = 'intake' AND table_name = 'letters'") == 0);
}

TEST_CASE("a transaction that fails changes nothing, and a duplicate is ALREADY_EXISTS", "[pg]") {
  IsolatedWorld world("tx");
  auto conn = Connect(world);
  REQUIRE(ApplyMigrations(*conn, "post", kV1).ok());
  const SqlStatement insert{"insert_letter", "INSERT INTO letters (body) VALUES ($1)"};

  absl::Status st = InTransaction(*conn, [&](PgConnection& tx) -> absl::Status {
    if (auto r = tx.Execute(insert, {SqlParam::Text("first")}); !r.ok()) return r.status();
    return absl::InternalError("the handler failed after writing");
  });
  CHECK(absl::IsInternal(st));
  CHECK(QueryInt(*conn, "SELECT count(*) FROM letters") == 0);

  REQUIRE(InTransaction(*conn, [&](PgConnection& tx) {
            return tx.Execute(insert, {SqlParam::Text("first")}).status();
          }).ok());
  st = InTransaction(*conn, [&](PgConnection& tx) {
    return tx.Execute(insert, {SqlParam::Text("first")}).status();
  });
  CHECK(absl::IsAlreadyExists(st));
  CHECK(QueryInt(*conn, "SELECT count(*) FROM letters") == 1);
  // The connection is still good after the failures.
  CHECK(conn->healthy());
}

TEST_CASE("what waits for a commit happens after it, and never after a rollback", "[pg]") {
  IsolatedWorld world("after_commit");
  auto conn = Connect(world);
  REQUIRE(ApplyMigrations(*conn, "post", kV1).ok());
  const SqlStatement insert{"insert_letter", "INSERT INTO letters (body) VALUES ($1)"};
  std::vector<std::string> told;

  absl::Status st = InTransaction(*conn, [&](PgConnection& tx) -> absl::Status {
    if (auto r = tx.Execute(insert, {SqlParam::Text("lost")}); !r.ok()) return r.status();
    tx.AfterCommit([&] { told.push_back("lost"); });
    return absl::InternalError("the handler failed after writing");
  });
  CHECK(absl::IsInternal(st));
  CHECK(told.empty());

  REQUIRE(InTransaction(*conn, [&](PgConnection& tx) -> absl::Status {
            tx.AfterCommit([&] {
              // Runs once the row is there for everyone to read.
              told.push_back(absl::StrCat("kept ", QueryInt(*conn, "SELECT count(*) FROM letters")));
            });
            return tx.Execute(insert, {SqlParam::Text("kept")}).status();
          }).ok());
  CHECK(told == std::vector<std::string>{"kept 1"});
}

TEST_CASE("a failed statement's status names the constraint and the SQLSTATE but never the "
          "row's values",
          "[pg][erasure]") {
  IsolatedWorld world("pgrowdata");
  auto conn = Connect(world);
  const std::vector<Migration> reporters = {
      {1, "reporters",
       "CREATE TABLE reporters (name text NOT NULL, phone text NOT NULL,"
       " address text,"
       " CONSTRAINT reporters_phone_key UNIQUE (phone),"
       " CONSTRAINT reporters_phone_digits CHECK (phone ~ '^[0-9]+$'))"}};
  REQUIRE(ApplyMigrations(*conn, "post", reporters).ok());
  const SqlStatement insert{"insert_reporter",
                            "INSERT INTO reporters (name, phone, address) VALUES ($1, $2, $3)"};
  auto insert_status = [&](std::optional<std::string> name, std::string phone) {
    return conn->Execute(insert, {name ? SqlParam::Text(*name) : SqlParam::Null(),
                                  SqlParam::Text(phone), SqlParam::Text("Gang Kenari 5 RT 03")})
        .status();
  };
  auto expect_clean = [](const absl::Status& st, const std::vector<std::string>& present) {
    INFO(st.ToString());
    REQUIRE_FALSE(st.ok());
    for (const char* value : {"Siti Aminah", "081234567890", "Gang Kenari", "+62 812",
                              "Failing row", "DETAIL", "Key ("}) {
      CHECK_FALSE(absl::StrContains(st.ToString(), value));
    }
    for (const std::string& words : present) CHECK(absl::StrContains(st.message(), words));
  };

  // NOT NULL: PostgreSQL's DETAIL would show the whole failing row.
  const absl::Status not_null = insert_status(std::nullopt, "081234567890");
  CHECK(absl::IsInvalidArgument(not_null));
  expect_clean(not_null, {"insert_reporter", "\"name\"", "not-null", "[23502]"});

  // CHECK: likewise.
  const absl::Status check = insert_status("Siti Aminah", "+62 812-3456-7890");
  CHECK(absl::IsInvalidArgument(check));
  expect_clean(check, {"reporters_phone_digits", "[23514]"});

  // UNIQUE: the DETAIL would say "Key (phone)=(081234567890) already exists".
  REQUIRE(insert_status("Siti Aminah", "081234567890").ok());
  const absl::Status unique = insert_status("Siti Aminah", "081234567890");
  CHECK(absl::IsAlreadyExists(unique));
  expect_clean(unique, {"reporters_phone_key", "[23505]"});

  // A value a column type refuses is quoted in the primary message itself.
  auto cast = conn->Execute({"cast_uuid", "SELECT $1::uuid"}, {SqlParam::Text("081234567890")});
  CHECK(absl::IsInvalidArgument(cast.status()));
  expect_clean(cast.status(), {"invalid input syntax for type uuid", "[22P02]"});

  // The connection is still good after the failures.
  CHECK(conn->healthy());
}

TEST_CASE("bytes, text, numbers and times round-trip exactly", "[pg]") {
  IsolatedWorld world("types");
  auto conn = Connect(world);
  const std::string bytes("\x00\x01\xff\x00zero", 8);
  const absl::Time t = absl::FromUnixMicros(1772416800123456);  // microsecond precision
  auto r = conn->Execute(
      {"roundtrip", "SELECT $1::bytea AS b, $2::text AS t, $3::float8 AS d, $4::timestamptz AS at,"
                    " $5::bigint AS n, ARRAY['a', 'b c', 'd\"e', '']::text[] AS words,"
                    " 'infinity'::timestamptz AS never"},
      {SqlParam::Bytes(bytes), SqlParam::Text("Jalan Ijen — Klojen 🚧"), SqlParam::Double(-7.9826),
       SqlParam::Time(t), SqlParam::Int(-42)});
  REQUIRE(r.ok());
  const PgRow row = r->Row(0);
  CHECK(row.Bytes("b") == bytes);
  CHECK(row.String("t") == "Jalan Ijen — Klojen 🚧");
  CHECK(row.Double("d") == -7.9826);
  CHECK(row.Time("at") == t);
  CHECK(row.Int("n") == -42);
  CHECK(row.TextArray("words") == std::vector<std::string>{"a", "b c", "d\"e", ""});
  CHECK(row.Time("never") == absl::InfiniteFuture());

  auto endless = conn->Execute({"roundtrip_infinity", "SELECT $1::timestamptz AS future,"
                                                      " $2::timestamptz AS past"},
                               {SqlParam::Time(absl::InfiniteFuture()),
                                SqlParam::Time(absl::InfinitePast())});
  REQUIRE(endless.ok());
  CHECK(endless->Row(0).Time("future") == absl::InfiniteFuture());
  CHECK(endless->Row(0).Time("past") == absl::InfinitePast());
}

TEST_CASE("a row's columns copy into the message fields of the same names", "[pg]") {
  IsolatedWorld world("copy_into");
  auto conn = Connect(world);
  auto r = conn->Execute({"copy_into", "SELECT 'Pelapor' AS recipient_name, 'sent' AS state,"
                                       " 3 AS attempts, NULL::text AS last_error"},
                         {});
  REQUIRE(r.ok());
  sambat::v1::Notification n;
  n.set_last_error("left from before");
  r->Row(0).CopyInto(n, {"recipient_name", "state", "attempts", "last_error"});
  CHECK(n.recipient_name() == "Pelapor");
  CHECK(n.state() == "sent");
  CHECK(n.attempts() == 3);
  CHECK(n.last_error().empty());  // NULL reads as ""
}

TEST_CASE("an unreachable database is UNAVAILABLE, and a busy pool says so", "[pg]") {
  auto conn = PgConnection::Connect("postgresql://x:y@127.0.0.1:1/none?connect_timeout=2", "");
  CHECK(absl::IsUnavailable(conn.status()));

  IsolatedWorld world("pool");
  PgPool pool({.uri = world.PgUri("intake"), .schema = "intake", .size = 2,
               .acquire_timeout = absl::Milliseconds(200)});
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(absl::IsResourceExhausted(pool.Acquire().status()));
}

}  // namespace skk

// Applying a batch of events in one transaction, and pruning the record of applied events once
// its purpose (absorbing redeliveries) is over.

#include <catch2/catch.hpp>

#include "services/platform/consumer.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/platform/ids.h"
#include "services/platform/status_macros.h"
#include "services/platform/migrations.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

TEST_CASE("applied events older than the retention are pruned, newer ones kept", "[consumer]") {
  testing::IsolatedWorld world("applied_prune");
  auto conn = PgConnection::Connect(world.PgUri("routing"), "routing");
  REQUIRE(conn.ok());
  REQUIRE(ApplyMigrations(**conn, "platform", platform_migrations()).ok());
  // 12,000 old rows (more than one batch) and 3 recent ones.
  REQUIRE((*conn)->ExecuteScript(R"sql(
    INSERT INTO applied_events (event_id, event_type, applied_at)
    SELECT gen_random_uuid(), 'case.routed', now() - interval '100 days'
    FROM generate_series(1, 12000);
    INSERT INTO applied_events (event_id, event_type, applied_at)
    SELECT gen_random_uuid(), 'case.routed', now() - interval '1 day'
    FROM generate_series(1, 3))sql").ok());
  PgPool pool({.uri = world.PgUri("routing"), .schema = "routing", .size = 2});

  absl::StatusOr<int64_t> pruned = PruneAppliedEvents(pool, absl::Now() - absl::Hours(24 * 90));
  REQUIRE(pruned.ok());
  CHECK(*pruned == 12000);
  CHECK(testing::QueryInt(**conn, "SELECT count(*) FROM applied_events") == 3);
  // Nothing more to do: a second pass prunes nothing.
  CHECK(PruneAppliedEvents(pool, absl::Now() - absl::Hours(24 * 90)).value_or(-1) == 0);
}

TEST_CASE("a batch of events commits together, and an event that fails rolls back alone, its "
          "redelivery absorbed like any other",
          "[consumer]") {
  testing::IsolatedWorld world("applied_batch");
  auto conn = PgConnection::Connect(world.PgUri("routing"), "routing");
  REQUIRE(conn.ok());
  REQUIRE(ApplyMigrations(**conn, "platform", platform_migrations()).ok());
  REQUIRE((*conn)->ExecuteScript("CREATE TABLE cases_seen (complaint_id text PRIMARY KEY)").ok());
  PgPool pool({.uri = world.PgUri("routing"), .schema = "routing", .size = 2});
  PgIdempotentApplier applier(pool);

  int after_commit = 0;
  // Writes its complaint's row; the third event's statement fails half-way (a duplicate key
  // after a first insert that must not survive), the fourth names a case not there yet.
  const EventHandler handler = [&](PgConnection& tx, const sambat::v1::Event& e) -> absl::Status {
    static constexpr SqlStatement kSeen{"batch_test_seen",
                                        "INSERT INTO cases_seen VALUES ($1)"};
    SKK_RETURN_IF_ERROR(tx.Execute(kSeen, {SqlParam::Text(e.complaint_id())}).status());
    tx.AfterCommit([&] { ++after_commit; });
    if (e.type() == "test.twice") {
      return tx.Execute(kSeen, {SqlParam::Text(e.complaint_id())}).status();
    }
    if (e.type() == "test.early") return EarlierEventPending("the case is not routed yet");
    return absl::OkStatus();
  };
  std::vector<sambat::v1::Event> events(5);
  const char* types[] = {"test.ok", "test.ok", "test.twice", "test.early", "test.ok"};
  for (int i = 0; i < 5; ++i) {
    events[i].set_event_id(NewUuid());
    events[i].set_type(types[i]);
    events[i].set_complaint_id(absl::StrCat("c", i));
  }
  std::vector<BatchedEvent> batch;
  for (const auto& e : events) batch.push_back({&e, &handler});

  auto outcomes = applier.ApplyBatch(batch);
  REQUIRE(outcomes.ok());
  REQUIRE(outcomes->size() == 5);
  CHECK(*(*outcomes)[0]);
  CHECK(*(*outcomes)[1]);
  CHECK_FALSE((*outcomes)[2].ok());
  CHECK(IsEarlierEventPending((*outcomes)[3].status()));
  CHECK(*(*outcomes)[4]);
  // What failed left nothing: neither its rows nor its record as applied nor its after-commit.
  CHECK(testing::QueryInt(**conn, "SELECT count(*) FROM cases_seen") == 3);
  CHECK(testing::QueryInt(**conn, "SELECT count(*) FROM cases_seen WHERE complaint_id IN "
                                  "('c2', 'c3')") == 0);
  CHECK(testing::QueryInt(**conn, "SELECT count(*) FROM applied_events") == 3);
  CHECK(after_commit == 3);

  // The whole batch again, as after a crash before the acks: the applied ones are absorbed.
  auto again = applier.ApplyBatch(batch);
  REQUIRE(again.ok());
  CHECK_FALSE(*(*again)[0]);
  CHECK_FALSE(*(*again)[4]);
  CHECK(testing::QueryInt(**conn, "SELECT count(*) FROM cases_seen") == 3);
  CHECK(after_commit == 3);
}

TEST_CASE("a batch holding one event twice, or spelled in capitals, applies it once", "[consumer]") {
  testing::IsolatedWorld world("applied_batch_copies");
  auto conn = PgConnection::Connect(world.PgUri("routing"), "routing");
  REQUIRE(conn.ok());
  REQUIRE(ApplyMigrations(**conn, "platform", platform_migrations()).ok());
  PgPool pool({.uri = world.PgUri("routing"), .schema = "routing", .size = 2});
  PgIdempotentApplier applier(pool);
  int handled = 0;
  const EventHandler handler = [&](PgConnection&, const sambat::v1::Event&) -> absl::Status {
    ++handled;
    return absl::OkStatus();
  };
  sambat::v1::Event first, copy, shouted, other;
  first.set_event_id(NewUuid());
  first.set_type("test.ok");
  copy = first;
  shouted = first;
  shouted.set_event_id(absl::AsciiStrToUpper(first.event_id()));
  other.set_event_id(NewUuid());
  other.set_type("test.ok");
  auto outcomes = applier.ApplyBatch(
      {{&first, &handler}, {&copy, &handler}, {&other, &handler}, {&shouted, &handler}});
  REQUIRE(outcomes.ok());
  REQUIRE(outcomes->size() == 4);
  CHECK(*(*outcomes)[0]);
  CHECK_FALSE(*(*outcomes)[1]);
  CHECK(*(*outcomes)[2]);
  CHECK_FALSE(*(*outcomes)[3]);
  CHECK(handled == 2);
  CHECK(testing::QueryInt(**conn, "SELECT count(*) FROM applied_events") == 2);
}

}  // namespace
}  // namespace skk

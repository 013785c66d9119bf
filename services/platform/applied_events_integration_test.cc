// Pruning the record of applied events once its purpose (absorbing redeliveries) is over.

#include <catch2/catch.hpp>

#include "services/platform/consumer.h"
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

}  // namespace
}  // namespace skk

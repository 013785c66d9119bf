#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/platform/pg.h"

namespace skk {

// One versioned schema change. Versions of a component start at 1 and only grow; an applied
// migration is never edited (add a new one instead).
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Applies, in order and all in one transaction, the migrations of `component` not yet
// recorded in the schema's `schema_migrations` table (so a failure leaves the schema as it was). Safe to call from several replicas at
// once: an advisory lock serializes them. Fails if the database has a version this binary
// does not know (a newer binary ran there), so an old replica never runs on a newer schema.
absl::Status ApplyMigrations(PgConnection& conn, std::string_view component,
                             const std::vector<Migration>& migrations);

// The tables every service needs (outbox, applied_events), applied as component "platform".
const std::vector<Migration>& platform_migrations();

}  // namespace skk

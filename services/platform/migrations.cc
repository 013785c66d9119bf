#include "services/platform/migrations.h"

#include "absl/strings/str_cat.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"

namespace skk {
namespace {

constexpr SqlStatement kCreateMigrationsTable{"skk_migrations_create", R"sql(
  CREATE TABLE IF NOT EXISTS schema_migrations (
    component  text NOT NULL,
    version    integer NOT NULL,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version)
  ))sql"};

// One lock per schema: replicas starting together apply each migration once, in order.
constexpr SqlStatement kLockSchema{"skk_migrations_lock",
                                   "SELECT pg_advisory_xact_lock(hashtext(current_schema()))"};

constexpr SqlStatement kAppliedVersions{
    "skk_migrations_applied",
    "SELECT version FROM schema_migrations WHERE component = $1 ORDER BY version"};

constexpr SqlStatement kRecordVersion{
    "skk_migrations_record",
    "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)"};

}  // namespace

absl::Status ApplyMigrations(PgConnection& conn, std::string_view component,
                             const std::vector<Migration>& migrations) {
  const std::string comp(component);
  return InTransaction(conn, [&](PgConnection& tx) -> absl::Status {
    SKK_RETURN_IF_ERROR(tx.Execute(kLockSchema).status());
    SKK_RETURN_IF_ERROR(tx.Execute(kCreateMigrationsTable).status());
    SKK_ASSIGN_OR_RETURN(PgResult applied, tx.Execute(kAppliedVersions, {SqlParam::Text(comp)}));
    int highest = 0;
    for (PgRow row : applied) highest = static_cast<int>(row.Int("version"));
    int known = migrations.empty() ? 0 : migrations.back().version;
    if (highest > known) {
      return absl::FailedPreconditionError(absl::StrCat(
          "schema of ", comp, " is at version ", highest, " but this binary knows only up to ",
          known, "; refusing to run an older binary on a newer schema"));
    }
    int previous = 0;
    for (const Migration& m : migrations) {
      SKK_CHECK(m.version > previous, "migration versions must increase");
      previous = m.version;
      if (m.version <= highest) continue;
      // All pending migrations run in this one transaction: a failure leaves the schema as it
      // was, never half-migrated.
      absl::Status st = tx.ExecuteScript(m.sql);
      if (!st.ok()) {
        return absl::Status(st.code(), absl::StrCat("migration ", comp, " ", m.version, "_",
                                                    std::string(m.name), ": ", st.message()));
      }
      SKK_RETURN_IF_ERROR(tx.Execute(kRecordVersion, {SqlParam::Text(comp),
                                                      SqlParam::Int(m.version),
                                                      SqlParam::Text(std::string(m.name))})
                              .status());
      log::Info("migration applied", {{"component", comp}, {"version", m.version},
                                      {"name", std::string(m.name)}});
    }
    return absl::OkStatus();
  });
}

}  // namespace skk

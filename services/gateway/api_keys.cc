#include "services/gateway/api_keys.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/passwords.h"
#include "services/gateway/staff_accounts.h"
#include "services/platform/errors.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/secrets.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace {

namespace v1 = sambat::v1;

constexpr SqlStatement kInsertKey{"gw_insert_api_key", R"sql(
  INSERT INTO api_keys (key_id, name, purpose, role, agency_code, key_hash, created_at,
                        created_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
)sql"};

constexpr SqlStatement kListKeys{"gw_list_api_keys", R"sql(
  SELECT key_id, name, purpose, role, agency_code, created_at, created_by, revoked_at,
         last_used_at
  FROM api_keys ORDER BY created_at DESC, key_id
)sql"};

constexpr SqlStatement kRevokeKey{"gw_revoke_api_key", R"sql(
  UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE key_id = $1
)sql"};

// Marks the key used at most once a minute: a busy partner does not write on every request.
constexpr SqlStatement kUseKey{"gw_use_api_key", R"sql(
  WITH live AS (
    SELECT key_id, name, purpose, role, agency_code, last_used_at FROM api_keys
    WHERE key_hash = $1 AND revoked_at IS NULL
  ), touched AS (
    UPDATE api_keys k SET last_used_at = $2::timestamptz FROM live
    WHERE k.key_id = live.key_id
      AND (live.last_used_at IS NULL OR live.last_used_at < $2::timestamptz - interval '1 minute')
  )
  SELECT key_id, name, purpose, role, agency_code FROM live
)sql"};

std::string HashOf(absl::string_view key) {
  return Sha256Hex(std::string_view(key.data(), key.size()));
}

std::vector<FieldViolation> Problems(const v1::NewApiKey& key) {
  std::vector<FieldViolation> bad;
  if (key.name().empty() || key.name().size() > 200)
    bad.push_back({"name", "must be 1 to 200 bytes"});
  if (key.purpose() == kOpen311Purpose) {
    if (!key.role().empty()) bad.push_back({"role", "only a staff key acts in a role"});
    if (!key.agency_code().empty())
      bad.push_back({"agency_code", "only a staff key has an agency"});
  } else if (key.purpose() == kStaffPurpose) {
    if (key.role() != "officer" && key.role() != "agency_head") {
      bad.push_back({"role", "must be officer or agency_head"});
    }
    if (key.agency_code().empty()) bad.push_back({"agency_code", "is required for a staff key"});
  } else {
    bad.push_back({"purpose", "must be open311 or staff"});
  }
  return bad;
}

v1::ApiKey KeyFromRow(const PgRow& row) {
  v1::ApiKey key;
  row.CopyInto(key, {"key_id", "name", "purpose", "role", "agency_code", "created_by"});
  *key.mutable_created_at() = ToProtoTime(row.Time("created_at"));
  if (auto revoked = row.OptionalTime("revoked_at"))
    *key.mutable_revoked_at() = ToProtoTime(*revoked);
  if (auto used = row.OptionalTime("last_used_at"))
    *key.mutable_last_used_at() = ToProtoTime(*used);
  return key;
}

}  // namespace

absl::StatusOr<v1::ApiKeyIssued> ApiKeys::Issue(const Caller& admin, const v1::NewApiKey& key) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "API keys"));
  SKK_RETURN_IF_ERROR(InvalidFields(Problems(key)));
  v1::ApiKeyIssued issued;
  v1::ApiKey* listed = issued.mutable_api_key();
  *listed->mutable_name() = key.name();
  *listed->mutable_purpose() = key.purpose();
  *listed->mutable_role() = key.role();
  *listed->mutable_agency_code() = key.agency_code();
  listed->set_key_id(absl::StrCat("k-", RandomHex(6)));
  listed->set_created_by(admin.subject);
  const absl::Time now = clock_.Now();
  *listed->mutable_created_at() = ToProtoTime(now);
  issued.set_key(absl::StrCat("skk_", RandomHex(32)));
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_RETURN_IF_ERROR(
      db->Execute(kInsertKey,
                  {SqlParam::Text(listed->key_id()), SqlParam::Text(key.name()),
                   SqlParam::Text(key.purpose()), SqlParam::Text(key.role()),
                   SqlParam::Text(key.agency_code()), SqlParam::Bytes(HashOf(issued.key())),
                   SqlParam::Time(now), SqlParam::Text(admin.subject)})
          .status());
  log::Info("api key issued",
            {{"key_id", listed->key_id()}, {"purpose", key.purpose()}, {"by", admin.subject}});
  return issued;
}

absl::StatusOr<v1::ApiKeyList> ApiKeys::List(const Caller& admin) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "API keys"));
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult rows, db->Execute(kListKeys, {}));
  v1::ApiKeyList list;
  for (PgRow row : rows) *list.add_api_keys() = KeyFromRow(row);
  return list;
}

absl::Status ApiKeys::Revoke(const Caller& admin, const std::string& key_id) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "API keys"));
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult revoked, db->Execute(kRevokeKey, {SqlParam::Text(key_id),
                                                                  SqlParam::Time(clock_.Now())}));
  if (revoked.affected() == 0) return absl::NotFoundError("no such API key");
  log::Info("api key revoked", {{"key_id", key_id}, {"by", admin.subject}});
  return absl::OkStatus();
}

absl::StatusOr<ApiKeyHolder> ApiKeys::Check(absl::string_view key, absl::string_view purpose) {
  const absl::Status refused = absl::PermissionDeniedError("the API key is missing or not valid");
  if (key.empty() || key.size() > 200) return refused;
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult found, db->Execute(kUseKey, {SqlParam::Bytes(HashOf(key)),
                                                             SqlParam::Time(clock_.Now())}));
  if (found.rows() == 0 || found.Row(0).String("purpose") != purpose) return refused;
  const PgRow row = found.Row(0);
  ApiKeyHolder holder{.key_id = row.String("key_id"), .name = row.String("name")};
  holder.caller = Caller{.subject = absl::StrCat("apikey:", holder.key_id),
                         .name = holder.name,
                         .agency_code = row.String("agency_code")};
  if (absl::StatusOr<StaffRole> role = ParseRole(row.String("role")); role.ok()) {
    holder.caller.role = *role;
  }
  return holder;
}

}  // namespace skk::gateway

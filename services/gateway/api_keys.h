#pragma once

// Keys for machine clients, in the gateway's schema (migrations/002_api_keys.sql): a partner's
// 311 app submits through Open311 with one ("open311"); an agency's own system calls the staff
// API with one as an officer or head of its agency ("staff", header Authorization: Bearer).
// An administrator issues, lists and revokes them. A key is shown once when issued; only its
// SHA-256 is stored, so a copy of the table opens nothing.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sambat/v1/gateway.pb.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"

namespace skk::gateway {

inline constexpr char kOpen311Purpose[] = "open311";
inline constexpr char kStaffPurpose[] = "staff";

// Who holds a live key. For a staff key, `caller` is who the services see: subject
// "apikey:<key_id>", the key's name, role and agency.
struct ApiKeyHolder {
  std::string key_id;
  std::string name;
  Caller caller;
};

class ApiKeys {
 public:
  ApiKeys(PgPool& pool, Clock& clock) : pool_(pool), clock_(clock) {}

  // Administrators' calls. INVALID_ARGUMENT names a bad field; PERMISSION_DENIED for others.
  absl::StatusOr<sambat::v1::ApiKeyIssued> Issue(const Caller& admin,
                                                 const sambat::v1::NewApiKey& key);
  absl::StatusOr<sambat::v1::ApiKeyList> List(const Caller& admin);
  // Takes effect at the key's next use. NOT_FOUND for an unknown id; revoking twice is fine.
  absl::Status Revoke(const Caller& admin, const std::string& key_id);

  // The holder of `key` if it is live and issued for `purpose`; PERMISSION_DENIED with the
  // same words otherwise (unknown, revoked or another purpose), so a stranger learns nothing.
  absl::StatusOr<ApiKeyHolder> Check(absl::string_view key, absl::string_view purpose);

 private:
  PgPool& pool_;
  Clock& clock_;
};

}  // namespace skk::gateway

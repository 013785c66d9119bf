#pragma once

// Who is calling: officers, agency heads, leadership and administrators carry a signed token
// (JWT, HS256, key from configuration) in the gRPC metadata "authorization: Bearer <token>".
// Every service that serves staff checks it once per call with the interceptor below and reads
// the caller with CallerOf(). Citizens never carry tokens: intake's API is open by design and
// protected by tracking tokens and rate limits instead. docs/staff-auth.md tells the whole
// story (roles, claims, minting a development token, key rotation).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

namespace skk {

enum class StaffRole {
  kOfficer,     // a humas officer: works their own agency's cases
  kAgencyHead,  // the head of an agency: reads their own agency, hears level 1
  kLeadership,  // mayor, vice mayor, Sekda: reads across agencies, changes no case
  kAdmin,       // keeps agencies, categories, rules, policies
};

// "officer", "agency_head", "leadership", "admin".
absl::string_view RoleName(StaffRole role);
// INVALID_ARGUMENT for any other name.
absl::StatusOr<StaffRole> ParseRole(absl::string_view name);
// Officers and agency heads act for one agency; leadership and admins for none.
bool RoleHasAgency(StaffRole role);

// (Every member has an initializer, so designated initializers may leave any out.)
struct Caller {
  std::string subject{};      // stable id, e.g. "budi.dpuprpkp"
  std::string name{};         // for audit trails and messages, e.g. "Budi Santoso"
  StaffRole role = StaffRole::kOfficer;
  std::string agency_code{};  // officers and heads: their agency; empty for leadership, admins
};

// Signs and checks tokens. Claims: iss, sub, name, role, agency, iat, exp (NumericDate
// seconds). Header alg is HS256, nothing else. Cheap to copy; thread-safe (const methods only).
class TokenAuthority {
 public:
  // Shortest accepted key: HS256 is only as strong as its secret.
  static constexpr size_t kMinKeyBytes = 32;
  // How far a token's iat may lie in the future of the checker's clock (two machines' clocks
  // never agree exactly). Expiry has no such grace: exp is a hard edge.
  static constexpr absl::Duration kAllowedSkew = absl::Seconds(60);

  // `key` is the HS256 secret (at least kMinKeyBytes bytes); `issuer` (non-empty) is required
  // in every token. INVALID_ARGUMENT otherwise.
  static absl::StatusOr<TokenAuthority> Create(std::string key, std::string issuer);
  // Reads the key from a file (trailing newlines stripped): NOT_FOUND if unreadable, else as
  // Create.
  static absl::StatusOr<TokenAuthority> FromKeyFile(const std::string& path, std::string issuer);

  // A token for `caller`, issued at `now`, expiring at now + valid_for. INVALID_ARGUMENT for a
  // caller no Verify would accept (no subject, an officer or head without agency, leadership
  // or an admin with one) or a non-positive validity.
  absl::StatusOr<std::string> Mint(const Caller& caller, absl::Time now,
                                   absl::Duration valid_for) const;

  // The caller a good token names. UNAUTHENTICATED, with the reason in the message, for
  // anything else: malformed, an algorithm other than HS256 (including "none"), bad signature
  // (tampered or another key), wrong issuer, expired (now >= exp), not yet valid (iat beyond
  // now + kAllowedSkew), unknown role, officer or agency head without agency (or leadership
  // or admin with one).
  absl::StatusOr<Caller> Verify(absl::string_view token, absl::Time now) const;

  const std::string& issuer() const { return issuer_; }

 private:
  TokenAuthority(std::string key, std::string issuer)
      : key_(std::move(key)), issuer_(std::move(issuer)) {}
  std::string key_;
  std::string issuer_;
};

// The authority the city's configuration describes (CityConfig.auth). A relative
// jwt_key_file is resolved against the directory of `config_file` (the file `city` was read
// from), as every file named in the city configuration is. FAILED_PRECONDITION if auth has no
// jwt_key_file or no issuer: there is no built-in key, so a forgotten setting can never mean
// "accept tokens signed with a key everyone knows".
absl::StatusOr<TokenAuthority> TokenAuthorityFromConfig(const sambat::v1::CityConfig& city,
                                                        absl::string_view config_file);

// A server interceptor factory that checks the bearer token once for every call to a method
// whose full name starts with one of `protected_prefixes` (e.g. "/sambat.v1.OfficerService/");
// other methods (health checks, reflection, citizens' intake) get no interceptor at all.
// gRPC 1.51 interceptors cannot refuse a call before its handler runs, so for a call without a
// good token:
//   - the handler still runs, and CallerOf() tells it UNAUTHENTICATED with the reason; a
//     handler returns that status (SKK_ASSIGN_OR_RETURN(Caller c, CallerOf(*context))) before
//     reading or changing anything;
//   - whatever the handler answers anyway, the client receives UNAUTHENTICATED with the reason,
//     no response message (it is replaced by an empty one) and no trailing metadata.
// `authority` must outlive the server; `now` is the service's clock.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuthInterceptorFactory(
    const TokenAuthority* authority, std::function<absl::Time()> now,
    std::vector<std::string> protected_prefixes);

// The caller of a call the interceptor let through; UNAUTHENTICATED with the reason for a bad
// token, and UNAUTHENTICATED if there is none (a handler on an unprotected method, or a
// missing interceptor: never silently anonymous). Valid from the handler's start until the
// call is finished, on any thread.
absl::StatusOr<Caller> CallerOf(const grpc::ServerContextBase& context);

// "authorization: Bearer <token>" on a client call.
void AttachBearerToken(grpc::ClientContext& context, absl::string_view token);

}  // namespace skk

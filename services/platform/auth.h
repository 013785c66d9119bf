#pragma once

// Who is calling: officers, agency heads, leadership and administrators carry a signed token
// (JWT, ES256: signed with the issuer's private key, checked with public keys from the
// configuration) in the gRPC metadata "authorization: Bearer <token>". Who may call which RPC
// is declared beside the RPC in proto/ (sambat/v1/access.proto); every service checks token
// and policy once per call with the interceptor below, and handlers read the caller with
// CallerOf(). Citizens never carry tokens: intake's API is open by design and
// protected by tracking tokens and rate limits instead. The one exception is the citizen pass:
// after intake has checked a citizen's ticket and tracking token, the gateway mints a pass
// for that one complaint, good for a minute, so that another service (notification) can serve
// the citizen what concerns that complaint without holding intake's tracking secret.
// docs/staff-auth.md tells the whole story (roles, claims, minting a development token, key
// rotation, the citizen pass).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sambat/v1/access.pb.h"
#include "sambat/v1/config.pb.h"
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

namespace skk {

enum class StaffRole {
  kOfficer,     // a humas officer: works their own agency's cases
  kAgencyHead,  // the head of an agency: reads their own agency, hears level 1
  kLeadership,  // mayor, vice mayor, Sekda: reads across agencies, changes no case
  kAdmin,       // keeps agencies, categories, rules, policies
  // Not staff: a citizen holding a citizen pass for one complaint (the caller's subject is
  // that complaint's id). No staff account can have this role, and only RPCs whose policy
  // names STAFF_ROLE_CITIZEN admit it.
  kCitizen,
  // Not staff: the sender of one SMS or WhatsApp message, holding a phone pass the gateway
  // mints after it checked the text gateway's signature (the subject is the number, +62...).
  // Only RPCs whose policy names STAFF_ROLE_PHONE admit it.
  kPhone,
  // Not staff: an external partner reporting on the cases handed to it, holding a partner pass
  // the gateway mints after it checked the partner's signature (the subject is
  // "partner:<code>", the agency the partner's code). Only RPCs whose policy names
  // STAFF_ROLE_PARTNER admit it.
  kPartner,
};

// How long a citizen pass lives: minted for one request, it need not outlive it.
inline constexpr absl::Duration kCitizenPassLifetime = absl::Minutes(1);

// "officer", "agency_head", "leadership", "admin", "citizen", "phone", "partner".
absl::string_view RoleName(StaffRole role);
// A staff role by name; INVALID_ARGUMENT for any other name, "citizen" and "phone" included:
// a staff account, an API key or a minted staff token never carries those roles (nor "partner").
absl::StatusOr<StaffRole> ParseRole(absl::string_view name);
// Officers, agency heads and partners act for one agency; leadership and admins for none.
bool RoleHasAgency(StaffRole role);

// (Every member has an initializer, so designated initializers may leave any out.)
struct Caller {
  std::string subject{};      // stable id, e.g. "budi.dpuprpkp"
  std::string name{};         // for audit trails and messages, e.g. "Budi Santoso"
  StaffRole role = StaffRole::kOfficer;
  std::string agency_code{};  // officers and heads: their agency; empty for leadership, admins
};

// What every token must satisfy besides its signature.
struct TokenRules {
  std::string issuer;    // the iss claim, exactly
  std::string audience;  // the aud claim (a string), exactly
  // exp - iat may not exceed this, whatever the issuer wrote: a stolen token dies young.
  absl::Duration max_lifetime = absl::Hours(12);
};

// A key as read from its PEM file, with the id tokens name it by.
struct TokenKey {
  std::string kid;
  std::string pem;
};

// Checks staff tokens: ES256 (ECDSA P-256 with SHA-256) signatures against public keys only,
// so a service that is broken into holds nothing that can mint a token. Claims: iss, aud, sub,
// name, role, agency, iat, exp (NumericDate seconds); header: alg ES256 and the kid of one of
// the trusted keys. Cheap to copy; thread-safe (const methods only).
class TokenVerifier {
 public:
  // How far a token's iat may lie in the future of the checker's clock (two machines' clocks
  // never agree exactly). Expiry has no such grace: exp is a hard edge.
  static constexpr absl::Duration kAllowedSkew = absl::Seconds(60);

  // INVALID_ARGUMENT for no key, a key that is not an EC P-256 public key in PEM, an empty or
  // repeated kid, an empty issuer or audience, a non-positive max_lifetime.
  static absl::StatusOr<TokenVerifier> Create(std::vector<TokenKey> public_keys, TokenRules rules);

  // The caller a good token names. UNAUTHENTICATED, with the reason in the message, for
  // anything else: malformed, an algorithm other than ES256 (including "none" and HS256 signed
  // with a public key as the secret), a kid not trusted (e.g. rotated out), bad signature,
  // wrong issuer or audience, a lifetime longer than the rules allow, expired (now >= exp),
  // not yet valid (iat beyond now + kAllowedSkew), unknown role, officer or agency head
  // without agency (or leadership or admin with one), a citizen pass whose subject is not a
  // complaint id, that names an agency or that lives longer than kCitizenPassLifetime; a
  // phone pass likewise for a subject that is not a +62 mobile number.
  absl::StatusOr<Caller> Verify(absl::string_view token, absl::Time now) const;

  const TokenRules& rules() const { return rules_; }
  // Lowercase hex SHA-256 of each trusted key's DER encoding, so a service can refuse the
  // repository's development key outside development mode (dev_mode.h).
  std::vector<std::string> KeyFingerprints() const;

 private:
  TokenVerifier(std::vector<TokenKey> keys, TokenRules rules)
      : keys_(std::move(keys)), rules_(std::move(rules)) {}
  const TokenKey* KeyFor(absl::string_view kid) const;
  std::vector<TokenKey> keys_;
  TokenRules rules_;
};

// Mints staff tokens with the issuer's private key. Only an issuer holds one (the gateway that
// signs staff in, sambatctl for local runs); services never construct it.
class TokenIssuer {
 public:
  // INVALID_ARGUMENT for a key that is not an EC P-256 private key in PEM, an empty kid, or
  // rules Create of TokenVerifier would refuse.
  static absl::StatusOr<TokenIssuer> Create(TokenKey private_key, TokenRules rules);

  // A token for `caller`, issued at `now`, expiring at now + valid_for. INVALID_ARGUMENT for a
  // caller no Verify would accept (no subject, an officer or head without agency, leadership
  // or an admin with one), a non-positive validity or one beyond the rules' max_lifetime.
  absl::StatusOr<std::string> Mint(const Caller& caller, absl::Time now,
                                   absl::Duration valid_for) const;
  // A citizen pass for complaint `complaint_id` (a UUID), valid kCitizenPassLifetime from
  // `now`. Mint it only after intake has accepted the citizen's tracking token for that
  // complaint. INVALID_ARGUMENT for anything but a UUID.
  absl::StatusOr<std::string> MintCitizenPass(absl::string_view complaint_id,
                                              absl::Time now) const;
  // A phone pass for the sender of one text message, `phone` in +62 form (NormalizePhone),
  // valid kCitizenPassLifetime from `now`. Mint it only after the text gateway's signature on
  // the message was checked. INVALID_ARGUMENT for anything but a normalised number.
  absl::StatusOr<std::string> MintPhonePass(absl::string_view phone, absl::Time now) const;
  // A partner pass for external partner `agency_code`, valid kCitizenPassLifetime from `now`.
  // Mint it only after the partner's signature on the request was checked.
  absl::StatusOr<std::string> MintPartnerPass(absl::string_view agency_code,
                                              absl::Time now) const;

  const TokenRules& rules() const { return rules_; }

 private:
  TokenIssuer(TokenKey key, TokenRules rules) : key_(std::move(key)), rules_(std::move(rules)) {}
  TokenKey key_;
  TokenRules rules_;
};

// The verifier the city's configuration describes (CityConfig.auth: issuer, audience,
// public_keys, max_token_lifetime_minutes). Key files are resolved against the directory of
// `config_file` when relative, as every file named in the city configuration is.
// FAILED_PRECONDITION if auth has no public key, issuer or audience: there is no built-in key,
// so a forgotten setting can never mean "accept tokens signed with a key everyone knows";
// NOT_FOUND for an unreadable key file; INVALID_ARGUMENT (naming the file) for a bad key.
absl::StatusOr<TokenVerifier> TokenVerifierFromConfig(const sambat::v1::CityConfig& city,
                                                      absl::string_view config_file);

// The issuer of CityConfig.auth.signing_key, with the same rules; errors as above.
absl::StatusOr<TokenIssuer> TokenIssuerFromConfig(const sambat::v1::CityConfig& city,
                                                  absl::string_view config_file);

// The access policy proto/ declares for a gRPC method ("/sambat.v1.OfficerService/Claim").
// gRPC's own services (health, reflection) are public. NOT_FOUND for any other method without
// a declared policy, and INVALID_ARGUMENT for one that is not exactly either public or a
// non-empty role set: such a method is refused to everyone (fail closed).
absl::StatusOr<sambat::v1::AccessPolicy> AccessPolicyOf(absl::string_view full_method);

// The roles of a policy's role set (an unspecified role is INVALID_ARGUMENT).
absl::StatusOr<std::vector<StaffRole>> PolicyRoles(const sambat::v1::AccessPolicy& policy);

// A server interceptor factory that applies every method's declared access policy
// (AccessPolicyOf) before its handler runs. Public methods get no interceptor at all. For a
// staff method, the bearer token is verified once and the caller's role compared with the
// policy's roles. gRPC 1.51 interceptors cannot refuse a call before its handler runs, so for a
// call without a good token, of a role the policy does not name, or to a method with no policy:
//   - the handler still runs, and CallerOf() tells it UNAUTHENTICATED or PERMISSION_DENIED with
//     the reason; a handler returns that status (SKK_ASSIGN_OR_RETURN(Caller c,
//     CallerOf(*context))) before reading or changing anything;
//   - whatever the handler answers anyway, the client receives that status with the reason, no
//     response message (it is replaced by an empty one) and no trailing metadata.
// `verifier` must outlive the server; `now` is the service's clock.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuthInterceptorFactory(
    const TokenVerifier* verifier, std::function<absl::Time()> now);

// The caller of a call the interceptor let through; UNAUTHENTICATED with the reason for a bad
// token, PERMISSION_DENIED for a role the method's policy does not name, and UNAUTHENTICATED
// if there is none (a handler on an unprotected method, or a
// missing interceptor: never silently anonymous). Valid from the handler's start until the
// call is finished, on any thread.
absl::StatusOr<Caller> CallerOf(const grpc::ServerContextBase& context);

// "authorization: Bearer <token>" on a client call.
void AttachBearerToken(grpc::ClientContext& context, absl::string_view token);

}  // namespace skk

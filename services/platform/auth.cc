#include "services/platform/auth.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/platform/city_config.h"
#include "services/platform/ids.h"
#include "services/platform/secrets.h"
#include "services/platform/status_macros.h"
#include "services/platform/text.h"

namespace skk {
namespace {

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("staff token rejected: ", why));
}

// libjwt objects and strings are C resources: free them on every path.
struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;
struct CharDeleter {
  void operator()(char* s) const { std::free(s); }
};

// A claim that must be a JSON string; absent is "". False for any other type.
bool StringClaim(jwt_t* jwt, const char* name, std::string* out) {
  if (const char* value = jwt_get_grant(jwt, name); value != nullptr) {
    *out = value;
    return true;
  }
  out->clear();
  std::unique_ptr<char, CharDeleter> json(jwt_get_grants_json(jwt, name));
  return json == nullptr;  // present but not a string: malformed
}

// A claim that must be a whole number of seconds since the epoch (a JSON integer: no
// fraction, no exponent, no quotes).
bool TimeClaim(jwt_t* jwt, const char* name, absl::Time* out) {
  std::unique_ptr<char, CharDeleter> json(jwt_get_grants_json(jwt, name));
  if (json == nullptr) return false;
  absl::string_view text(json.get());
  absl::string_view digits = absl::StripPrefix(text, "-");
  int64_t seconds = 0;
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(text, &seconds)) {
    return false;
  }
  *out = absl::FromUnixSeconds(seconds);
  return true;
}

// The unverified header of `token`: what key and algorithm it claims. Read before any
// verification, because libjwt verifies with whatever algorithm the header names: handed our
// public key and a header saying HS256, it would accept an HMAC keyed with the public key,
// which anybody can compute. So the algorithm is fixed by us, never by the token.
struct ClaimedHeader {
  std::string alg;
  std::string kid;
};
absl::StatusOr<ClaimedHeader> ReadHeader(const std::string& token) {
  if (std::count(token.begin(), token.end(), '.') != 2) {
    return Unauthenticated("malformed (not three dot-separated parts)");
  }
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token.c_str(), nullptr, 0) != 0 || raw == nullptr) {
    return Unauthenticated("malformed (header or claims are not JSON objects of a JWT)");
  }
  JwtPtr unverified(raw);
  ClaimedHeader header;
  if (const char* alg = jwt_get_header(unverified.get(), "alg"); alg != nullptr) header.alg = alg;
  if (const char* kid = jwt_get_header(unverified.get(), "kid"); kid != nullptr) header.kid = kid;
  return header;
}

// A PEM key parsed by OpenSSL: an EC key on P-256, public or private as asked. Also gives
// the SHA-256 of the public key's DER, which identifies the key whatever its PEM layout.
absl::StatusOr<std::string> CheckEcKey(const std::string& pem, bool want_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (bio == nullptr) return absl::InternalError("BIO_new_mem_buf failed");
  EVP_PKEY* raw = want_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                               : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, &EVP_PKEY_free);
  if (key == nullptr) {
    return absl::InvalidArgumentError(want_private ? "not a PEM private key"
                                                   : "not a PEM public key");
  }
  char curve[64] = {0};
  size_t curve_length = 0;
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC ||
      EVP_PKEY_get_utf8_string_param(key.get(), "group", curve, sizeof(curve),
                                     &curve_length) != 1 ||
      std::string_view(curve) != "prime256v1") {
    return absl::InvalidArgumentError("not an EC P-256 key (ES256 needs prime256v1)");
  }
  unsigned char* der = nullptr;
  const int der_length = i2d_PUBKEY(key.get(), &der);
  if (der_length <= 0) return absl::InternalError("cannot encode the public key");
  std::string fingerprint = Sha256Hex(std::string_view(reinterpret_cast<char*>(der),
                                                       static_cast<size_t>(der_length)));
  OPENSSL_free(der);
  return fingerprint;
}

absl::Status CheckRules(const TokenRules& rules) {
  if (rules.issuer.empty()) return absl::InvalidArgumentError("staff token issuer is empty");
  if (rules.audience.empty()) return absl::InvalidArgumentError("staff token audience is empty");
  if (rules.max_lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("staff token max lifetime must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& file, absl::string_view config_file) {
  return ReadFileBesideConfig(file, std::string(config_file), "the staff token key");
}

TokenRules RulesFromConfig(const sambat::v1::AuthConfig& auth) {
  return {.issuer = auth.issuer(), .audience = auth.audience(),
          .max_lifetime = auth.max_token_lifetime_minutes() > 0
                              ? absl::Minutes(auth.max_token_lifetime_minutes())
                              : absl::Hours(12)};
}

std::string ShowTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// The agency rule shared by Mint and Verify; empty when the pair is acceptable.
std::string AgencyProblem(StaffRole role, const std::string& agency) {
  if (role == StaffRole::kCitizen || role == StaffRole::kPhone) {
    return agency.empty() ? "" : "a citizen's or phone pass names no agency";
  }
  if (RoleHasAgency(role) && agency.empty()) {
    return absl::StrCat("role ", RoleName(role), " requires an agency");
  }
  if (!RoleHasAgency(role) && !agency.empty()) {
    return absl::StrCat("role ", RoleName(role), " acts for no single agency, but the token "
                        "names agency '", agency, "'");
  }
  return "";
}

}  // namespace

absl::string_view RoleName(StaffRole role) {
  switch (role) {
    case StaffRole::kOfficer: return "officer";
    case StaffRole::kAgencyHead: return "agency_head";
    case StaffRole::kLeadership: return "leadership";
    case StaffRole::kAdmin: return "admin";
    case StaffRole::kCitizen: return "citizen";
    case StaffRole::kPhone: return "phone";
    case StaffRole::kPartner: return "partner";
  }
  return "unknown";
}

absl::StatusOr<StaffRole> ParseRole(absl::string_view name) {
  for (StaffRole role : {StaffRole::kOfficer, StaffRole::kAgencyHead, StaffRole::kLeadership,
                         StaffRole::kAdmin}) {
    if (RoleName(role) == name) return role;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown role '", name, "' (officer, agency_head, leadership or admin)"));
}

bool RoleHasAgency(StaffRole role) {
  return role == StaffRole::kOfficer || role == StaffRole::kAgencyHead ||
         role == StaffRole::kPartner;
}

absl::StatusOr<TokenVerifier> TokenVerifier::Create(std::vector<TokenKey> public_keys,
                                                    TokenRules rules) {
  SKK_RETURN_IF_ERROR(CheckRules(rules));
  if (public_keys.empty()) return absl::InvalidArgumentError("no staff token public key");
  std::set<std::string> kids;
  for (const TokenKey& key : public_keys) {
    if (key.kid.empty()) return absl::InvalidArgumentError("a staff token key has no kid");
    if (!kids.insert(key.kid).second) {
      return absl::InvalidArgumentError(absl::StrCat("kid '", key.kid, "' is named twice"));
    }
    if (auto checked = CheckEcKey(key.pem, /*want_private=*/false); !checked.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("key '", key.kid, "': ", checked.status().message()));
    }
  }
  return TokenVerifier(std::move(public_keys), std::move(rules));
}

const TokenKey* TokenVerifier::KeyFor(absl::string_view kid) const {
  for (const TokenKey& key : keys_) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

std::vector<std::string> TokenVerifier::KeyFingerprints() const {
  std::vector<std::string> out;
  for (const TokenKey& key : keys_) out.push_back(*CheckEcKey(key.pem, false));
  return out;
}

absl::StatusOr<TokenIssuer> TokenIssuer::Create(TokenKey private_key, TokenRules rules) {
  SKK_RETURN_IF_ERROR(CheckRules(rules));
  if (private_key.kid.empty()) return absl::InvalidArgumentError("the signing key has no kid");
  if (auto checked = CheckEcKey(private_key.pem, /*want_private=*/true); !checked.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key '", private_key.kid, "': ", checked.status().message()));
  }
  return TokenIssuer(std::move(private_key), std::move(rules));
}

absl::StatusOr<std::string> TokenIssuer::Mint(const Caller& caller, absl::Time now,
                                              absl::Duration valid_for) const {
  if (caller.subject.empty()) return absl::InvalidArgumentError("a staff token needs a subject");
  if (caller.role == StaffRole::kCitizen && !IsUuid(caller.subject)) {
    return absl::InvalidArgumentError("a citizen pass is for one complaint id (UUID)");
  }
  if (caller.role == StaffRole::kPhone && NormalizePhone(caller.subject) != caller.subject) {
    return absl::InvalidArgumentError("a phone pass is for one +62 mobile number");
  }
  if (caller.role == StaffRole::kPartner &&
      caller.subject != absl::StrCat("partner:", caller.agency_code)) {
    return absl::InvalidArgumentError("a partner pass is for partner:<its agency code>");
  }
  if ((caller.role == StaffRole::kCitizen || caller.role == StaffRole::kPhone ||
       caller.role == StaffRole::kPartner) &&
      valid_for > kCitizenPassLifetime) {
    return absl::InvalidArgumentError("a citizen's, phone or partner pass lives at most a minute");
  }
  if (std::string problem = AgencyProblem(caller.role, caller.agency_code); !problem.empty()) {
    return absl::InvalidArgumentError(problem);
  }
  if (valid_for <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("a staff token must be valid for a positive duration");
  }
  if (valid_for > rules_.max_lifetime) {
    return absl::InvalidArgumentError(
        absl::StrCat("a staff token may live at most ", absl::FormatDuration(rules_.max_lifetime),
                     ", not ", absl::FormatDuration(valid_for)));
  }
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  const std::string role(RoleName(caller.role));
  int rc = jwt_set_alg(jwt.get(), JWT_ALG_ES256,
                       reinterpret_cast<const unsigned char*>(key_.pem.data()),
                       static_cast<int>(key_.pem.size()));
  if (rc == 0) rc = jwt_add_header(jwt.get(), "kid", key_.kid.c_str());
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "iss", rules_.issuer.c_str());
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "aud", rules_.audience.c_str());
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "sub", caller.subject.c_str());
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "name", caller.name.c_str());
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "role", role.c_str());
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "agency", caller.agency_code.c_str());
  if (rc == 0) rc = jwt_add_grant_int(jwt.get(), "iat", absl::ToUnixSeconds(now));
  if (rc == 0) rc = jwt_add_grant_int(jwt.get(), "exp", absl::ToUnixSeconds(now + valid_for));
  if (rc != 0) return absl::InternalError(absl::StrCat("cannot build staff token: errno ", rc));
  std::unique_ptr<char, CharDeleter> token(jwt_encode_str(jwt.get()));
  if (token == nullptr) return absl::InternalError("cannot encode staff token");
  return std::string(token.get());
}

absl::StatusOr<std::string> TokenIssuer::MintCitizenPass(absl::string_view complaint_id,
                                                         absl::Time now) const {
  return Mint({.subject = std::string(complaint_id), .role = StaffRole::kCitizen}, now,
              kCitizenPassLifetime);
}

absl::StatusOr<std::string> TokenIssuer::MintPhonePass(absl::string_view phone,
                                                       absl::Time now) const {
  return Mint({.subject = std::string(phone), .role = StaffRole::kPhone}, now,
              kCitizenPassLifetime);
}

absl::StatusOr<std::string> TokenIssuer::MintPartnerPass(absl::string_view agency_code,
                                                         absl::Time now) const {
  return Mint({.subject = absl::StrCat("partner:", agency_code),
               .name = std::string(agency_code),
               .role = StaffRole::kPartner,
               .agency_code = std::string(agency_code)},
              now, kCitizenPassLifetime);
}

absl::StatusOr<Caller> TokenVerifier::Verify(absl::string_view token, absl::Time now) const {
  // libjwt stops at a NUL: whatever follows one would go unchecked.
  if (token.find('\0') != absl::string_view::npos) return Unauthenticated("malformed (NUL)");
  const std::string text(token);
  SKK_ASSIGN_OR_RETURN(const ClaimedHeader header, ReadHeader(text));
  if (header.alg != "ES256") {
    return Unauthenticated(
        absl::StrCat("algorithm '", header.alg, "' is not accepted (ES256 only)"));
  }
  const TokenKey* key = KeyFor(header.kid);
  if (key == nullptr) {
    return Unauthenticated(absl::StrCat("key id '", header.kid,
                                        "' is not trusted (unknown, or rotated out)"));
  }
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, text.c_str(),
                            reinterpret_cast<const unsigned char*>(key->pem.data()),
                            static_cast<int>(key->pem.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || jwt == nullptr) {
    return Unauthenticated("bad signature (altered, or signed with another key)");
  }
  if (const jwt_alg_t alg = jwt_get_alg(jwt.get()); alg != JWT_ALG_ES256) {
    return Unauthenticated(absl::StrCat("algorithm '", jwt_alg_str(alg),
                                        "' is not accepted (ES256 only)"));
  }

  std::string issuer;
  std::string audience;
  Caller caller;
  std::string role;
  absl::Time issued_at;
  absl::Time expires_at;
  jwt_t* signed_token = jwt.get();
  if (!StringClaim(signed_token, "iss", &issuer) ||
      !StringClaim(signed_token, "aud", &audience) ||
      !StringClaim(signed_token, "sub", &caller.subject) ||
      !StringClaim(signed_token, "name", &caller.name) ||
      !StringClaim(signed_token, "role", &role) ||
      !StringClaim(signed_token, "agency", &caller.agency_code)) {
    return Unauthenticated(
        "malformed claims (iss, aud, sub, name, role and agency must be strings)");
  }
  if (!TimeClaim(signed_token, "iat", &issued_at) ||
      !TimeClaim(signed_token, "exp", &expires_at)) {
    return Unauthenticated("malformed claims (iat and exp must be whole seconds)");
  }
  if (issuer != rules_.issuer) {
    return Unauthenticated(
        absl::StrCat("issued by '", issuer, "', expected '", rules_.issuer, "'"));
  }
  if (audience != rules_.audience) {
    return Unauthenticated(
        absl::StrCat("meant for '", audience, "', expected '", rules_.audience, "'"));
  }
  if (expires_at - issued_at > rules_.max_lifetime) {
    return Unauthenticated(absl::StrCat("lives ", absl::FormatDuration(expires_at - issued_at),
                                        ", longer than the allowed ",
                                        absl::FormatDuration(rules_.max_lifetime)));
  }
  if (now >= expires_at) return Unauthenticated(absl::StrCat("expired at ", ShowTime(expires_at)));
  if (issued_at > now + kAllowedSkew) {
    return Unauthenticated(absl::StrCat("not valid yet (issued at ", ShowTime(issued_at),
                                        ", now is ", ShowTime(now), ")"));
  }
  if (caller.subject.empty()) return Unauthenticated("no subject");
  if (role == RoleName(StaffRole::kCitizen)) {
    if (!IsUuid(caller.subject)) return Unauthenticated("a citizen pass names no complaint id");
    if (expires_at - issued_at > kCitizenPassLifetime) {
      return Unauthenticated("a citizen pass lives longer than a minute");
    }
    caller.role = StaffRole::kCitizen;
  } else if (role == RoleName(StaffRole::kPhone)) {
    if (NormalizePhone(caller.subject) != caller.subject) {
      return Unauthenticated("a phone pass names no +62 mobile number");
    }
    if (expires_at - issued_at > kCitizenPassLifetime) {
      return Unauthenticated("a phone pass lives longer than a minute");
    }
    caller.role = StaffRole::kPhone;
  } else if (role == RoleName(StaffRole::kPartner)) {
    if (caller.subject != absl::StrCat("partner:", caller.agency_code)) {
      return Unauthenticated("a partner pass names no partner:<agency>");
    }
    if (expires_at - issued_at > kCitizenPassLifetime) {
      return Unauthenticated("a partner pass lives longer than a minute");
    }
    caller.role = StaffRole::kPartner;
  } else {
    auto parsed_role = ParseRole(role);
    if (!parsed_role.ok()) return Unauthenticated(parsed_role.status().message());
    caller.role = *parsed_role;
  }
  if (std::string problem = AgencyProblem(caller.role, caller.agency_code); !problem.empty()) {
    return Unauthenticated(problem);
  }
  return caller;
}

absl::StatusOr<TokenVerifier> TokenVerifierFromConfig(const sambat::v1::CityConfig& city,
                                                      absl::string_view config_file) {
  const auto& auth = city.auth();
  if (auth.public_keys().empty() || auth.issuer().empty() || auth.audience().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        config_file, ": auth { issuer: \"...\" audience: \"...\" public_keys { kid: \"...\" "
        "file: \"...\" } } is required to serve staff (there is no built-in key; see "
        "docs/staff-auth.md)"));
  }
  std::vector<TokenKey> keys;
  for (const auto& key : auth.public_keys()) {
    SKK_ASSIGN_OR_RETURN(std::string pem, ReadKeyFile(key.file(), config_file));
    keys.push_back({key.kid(), std::move(pem)});
  }
  auto verifier = TokenVerifier::Create(std::move(keys), RulesFromConfig(auth));
  if (!verifier.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(config_file, ": auth: ", verifier.status().message()));
  }
  return verifier;
}

absl::StatusOr<TokenIssuer> TokenIssuerFromConfig(const sambat::v1::CityConfig& city,
                                                  absl::string_view config_file) {
  const auto& auth = city.auth();
  if (auth.signing_key().file().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        config_file, ": auth { signing_key { kid: \"...\" file: \"...\" } } is needed to mint "
        "staff tokens"));
  }
  SKK_ASSIGN_OR_RETURN(std::string pem, ReadKeyFile(auth.signing_key().file(), config_file));
  auto issuer = TokenIssuer::Create({auth.signing_key().kid(), std::move(pem)},
                                    RulesFromConfig(auth));
  if (!issuer.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(config_file, ": auth: ", issuer.status().message()));
  }
  return issuer;
}

}  // namespace skk

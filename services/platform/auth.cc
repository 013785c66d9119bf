#include "services/platform/auth.h"

#include <jwt.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

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

// Why libjwt refused `token`: it answers EINVAL for a malformed token, a foreign algorithm and
// a bad signature alike, and each deserves its own reason. Only refused tokens pay for this
// second, unverified reading.
absl::Status WhyRefused(const std::string& token) {
  if (std::count(token.begin(), token.end(), '.') != 2) {
    return Unauthenticated("malformed (not three dot-separated parts)");
  }
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token.c_str(), nullptr, 0) != 0 || raw == nullptr) {
    return Unauthenticated("malformed (header or claims are not JSON objects of a JWT)");
  }
  JwtPtr unverified(raw);
  const char* alg = jwt_get_header(unverified.get(), "alg");
  if (alg == nullptr || std::string_view(alg) != "HS256") {
    return Unauthenticated(absl::StrCat("algorithm '", alg == nullptr ? "" : alg,
                                        "' is not accepted (HS256 only)"));
  }
  return Unauthenticated("bad signature (altered, or signed with another key)");
}

std::string ShowTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// The agency rule shared by Mint and Verify; empty when the pair is acceptable.
std::string AgencyProblem(StaffRole role, const std::string& agency) {
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
  return role == StaffRole::kOfficer || role == StaffRole::kAgencyHead;
}

absl::StatusOr<TokenAuthority> TokenAuthority::Create(std::string key, std::string issuer) {
  if (key.size() < kMinKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("staff token key has ", key.size(),
                                                   " bytes; HS256 needs at least ",
                                                   kMinKeyBytes));
  }
  if (issuer.empty()) return absl::InvalidArgumentError("staff token issuer is empty");
  return TokenAuthority(std::move(key), std::move(issuer));
}

absl::StatusOr<TokenAuthority> TokenAuthority::FromKeyFile(const std::string& path,
                                                           std::string issuer) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the staff token key"));
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::string key = bytes.str();
  // Editors add a final newline; it is not part of the secret.
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  auto authority = Create(std::move(key), std::move(issuer));
  if (!authority.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", authority.status().message()));
  }
  return authority;
}

absl::StatusOr<std::string> TokenAuthority::Mint(const Caller& caller, absl::Time now,
                                                 absl::Duration valid_for) const {
  if (caller.subject.empty()) return absl::InvalidArgumentError("a staff token needs a subject");
  if (std::string problem = AgencyProblem(caller.role, caller.agency_code); !problem.empty()) {
    return absl::InvalidArgumentError(problem);
  }
  if (valid_for <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("a staff token must be valid for a positive duration");
  }
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  const std::string role(RoleName(caller.role));
  int rc = jwt_set_alg(jwt.get(), JWT_ALG_HS256,
                       reinterpret_cast<const unsigned char*>(key_.data()),
                       static_cast<int>(key_.size()));
  if (rc == 0) rc = jwt_add_grant(jwt.get(), "iss", issuer_.c_str());
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

absl::StatusOr<Caller> TokenAuthority::Verify(absl::string_view token, absl::Time now) const {
  // libjwt stops at a NUL: whatever follows one would go unchecked.
  if (token.find('\0') != absl::string_view::npos) return Unauthenticated("malformed (NUL)");
  const std::string text(token);
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, text.c_str(),
                            reinterpret_cast<const unsigned char*>(key_.data()),
                            static_cast<int>(key_.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || jwt == nullptr) return WhyRefused(text);
  // libjwt verifies with whichever HMAC the header names (HS384 and HS512 pass with our key):
  // only HS256 is ours.
  if (const jwt_alg_t alg = jwt_get_alg(jwt.get()); alg != JWT_ALG_HS256) {
    return Unauthenticated(absl::StrCat("algorithm '", jwt_alg_str(alg),
                                        "' is not accepted (HS256 only)"));
  }

  std::string issuer;
  Caller caller;
  std::string role;
  absl::Time issued_at;
  absl::Time expires_at;
  jwt_t* signed_token = jwt.get();
  if (!StringClaim(signed_token, "iss", &issuer) ||
      !StringClaim(signed_token, "sub", &caller.subject) ||
      !StringClaim(signed_token, "name", &caller.name) ||
      !StringClaim(signed_token, "role", &role) ||
      !StringClaim(signed_token, "agency", &caller.agency_code)) {
    return Unauthenticated("malformed claims (iss, sub, name, role and agency must be strings)");
  }
  if (!TimeClaim(signed_token, "iat", &issued_at) ||
      !TimeClaim(signed_token, "exp", &expires_at)) {
    return Unauthenticated("malformed claims (iat and exp must be whole seconds)");
  }
  if (issuer != issuer_) {
    return Unauthenticated(absl::StrCat("issued by '", issuer, "', expected '", issuer_, "'"));
  }
  if (now >= expires_at) return Unauthenticated(absl::StrCat("expired at ", ShowTime(expires_at)));
  if (issued_at > now + kAllowedSkew) {
    return Unauthenticated(absl::StrCat("not valid yet (issued at ", ShowTime(issued_at),
                                        ", now is ", ShowTime(now), ")"));
  }
  if (caller.subject.empty()) return Unauthenticated("no subject");
  auto parsed_role = ParseRole(role);
  if (!parsed_role.ok()) return Unauthenticated(parsed_role.status().message());
  caller.role = *parsed_role;
  if (std::string problem = AgencyProblem(caller.role, caller.agency_code); !problem.empty()) {
    return Unauthenticated(problem);
  }
  return caller;
}

absl::StatusOr<TokenAuthority> TokenAuthorityFromConfig(const sambat::v1::CityConfig& city,
                                                        absl::string_view config_file) {
  const auto& auth = city.auth();
  if (auth.jwt_key_file().empty() || auth.issuer().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        config_file, ": auth { jwt_key_file: \"...\" issuer: \"...\" } is required to serve "
        "staff (there is no built-in key; see docs/staff-auth.md)"));
  }
  std::filesystem::path key_file(auth.jwt_key_file());
  if (key_file.is_relative()) {
    key_file = std::filesystem::path(std::string(config_file)).parent_path() / key_file;
  }
  return TokenAuthority::FromKeyFile(key_file.string(), auth.issuer());
}

}  // namespace skk

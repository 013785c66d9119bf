#include "services/platform/auth.h"

#include <jwt.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

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

// One base64url segment holding a JSON object.
bool ParseSegment(absl::string_view segment, google::protobuf::Struct* out) {
  std::string json;
  if (segment.empty() || !absl::WebSafeBase64Unescape(segment, &json)) return false;
  google::protobuf::util::JsonParseOptions options;
  return google::protobuf::util::JsonStringToMessage(json, out, options).ok();
}

// A claim that must be a JSON string; absent is "".
bool StringClaim(const google::protobuf::Struct& claims, const std::string& name,
                 std::string* out) {
  auto it = claims.fields().find(name);
  if (it == claims.fields().end()) {
    out->clear();
    return true;
  }
  if (it->second.kind_case() != google::protobuf::Value::kStringValue) return false;
  *out = it->second.string_value();
  return true;
}

// A claim that must be a whole number of seconds since the epoch.
bool TimeClaim(const google::protobuf::Struct& claims, const std::string& name, absl::Time* out) {
  auto it = claims.fields().find(name);
  if (it == claims.fields().end() ||
      it->second.kind_case() != google::protobuf::Value::kNumberValue) {
    return false;
  }
  const double seconds = it->second.number_value();
  // 2^53: beyond it a double no longer holds every whole second.
  if (!std::isfinite(seconds) || std::trunc(seconds) != seconds || std::fabs(seconds) > 9e15) {
    return false;
  }
  *out = absl::FromUnixSeconds(static_cast<int64_t>(seconds));
  return true;
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
  // The structure is read here first, so a malformed token, a foreign algorithm and a bad
  // signature each get their own reason (libjwt answers EINVAL for all of them). The claims
  // are read from the same signed bytes libjwt checks below.
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Unauthenticated("malformed (not three dot-separated parts)");
  google::protobuf::Struct header;
  google::protobuf::Struct claims;
  if (!ParseSegment(parts[0], &header)) return Unauthenticated("malformed header");
  if (!ParseSegment(parts[1], &claims)) return Unauthenticated("malformed claims");
  auto alg = header.fields().find("alg");
  if (alg == header.fields().end() ||
      alg->second.kind_case() != google::protobuf::Value::kStringValue) {
    return Unauthenticated("malformed header (no alg)");
  }
  if (alg->second.string_value() != "HS256") {
    return Unauthenticated(absl::StrCat("algorithm '", alg->second.string_value(),
                                        "' is not accepted (HS256 only)"));
  }

  const std::string text(token);
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key_.data()),
                            static_cast<int>(key_.size()));
  JwtPtr jwt(raw);
  // libjwt verifies with whatever HMAC the header names: HS256 is checked again on its reading.
  if (rc != 0 || jwt == nullptr || jwt_get_alg(jwt.get()) != JWT_ALG_HS256) {
    return Unauthenticated("bad signature (altered, or signed with another key)");
  }

  std::string issuer;
  Caller caller;
  std::string role;
  absl::Time issued_at;
  absl::Time expires_at;
  if (!StringClaim(claims, "iss", &issuer) || !StringClaim(claims, "sub", &caller.subject) ||
      !StringClaim(claims, "name", &caller.name) || !StringClaim(claims, "role", &role) ||
      !StringClaim(claims, "agency", &caller.agency_code)) {
    return Unauthenticated("malformed claims (iss, sub, name, role and agency must be strings)");
  }
  if (!TimeClaim(claims, "iat", &issued_at) || !TimeClaim(claims, "exp", &expires_at)) {
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

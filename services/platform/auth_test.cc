// Staff tokens: a good token names its caller, and every other token is refused with a reason
// an operator can act on.

#include "services/platform/auth.h"

#include <jwt.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";  // exactly 32 bytes
const std::string kIssuer = "sambat-kene-ker/test";
const absl::Time kNow = absl::FromUnixSeconds(1772416800);  // 2026-03-02 09:00 WIB

TokenAuthority Authority(const std::string& key = kKey, const std::string& issuer = kIssuer) {
  auto authority = TokenAuthority::Create(key, issuer);
  REQUIRE(authority.ok());
  return *authority;
}

Caller Officer() {
  return Caller{.subject = "budi.dpuprpkp", .name = "Budi Santoso", .role = StaffRole::kOfficer,
                .agency_code = "dpuprpkp"};
}

std::string Mint(const Caller& caller, absl::Duration valid_for = absl::Hours(8)) {
  auto token = Authority().Mint(caller, kNow, valid_for);
  REQUIRE(token.ok());
  return *token;
}

// Signs arbitrary claims (JSON) with `alg` and the test key, as a forger with the key or a
// buggy issuer would: lets each claim check be reached past the signature.
std::string SignClaims(const std::string& claims_json, jwt_alg_t alg = JWT_ALG_HS256) {
  jwt_t* jwt = nullptr;
  REQUIRE(jwt_new(&jwt) == 0);
  REQUIRE(jwt_add_grants_json(jwt, claims_json.c_str()) == 0);
  REQUIRE(jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(kKey.data()),
                      static_cast<int>(kKey.size())) == 0);
  char* token = jwt_encode_str(jwt);
  std::string out = token;
  free(token);
  jwt_free(jwt);
  return out;
}

std::string Claims(const std::string& role, const std::string& agency,
                   const std::string& issuer = kIssuer) {
  return absl::StrCat(R"({"iss":")", issuer, R"(","sub":"x","name":"X","role":")", role,
                      R"(","agency":")", agency, R"(","iat":)", absl::ToUnixSeconds(kNow),
                      R"(,"exp":)", absl::ToUnixSeconds(kNow + absl::Hours(1)), "}");
}

// The reason Verify gives for `token` at `now`; fails the test if the token is accepted.
std::string Refusal(const std::string& token, absl::Time now = kNow) {
  auto caller = Authority().Verify(token, now);
  REQUIRE_FALSE(caller.ok());
  CHECK(caller.status().code() == absl::StatusCode::kUnauthenticated);
  return std::string(caller.status().message());
}

std::string Segment(const std::string& json) { return absl::WebSafeBase64Escape(json); }

TEST_CASE("a good token names its caller, for every role") {
  const std::vector<Caller> callers = {
      Officer(),
      {.subject = "sri.dlh", .name = "Sri", .role = StaffRole::kAgencyHead, .agency_code = "dlh"},
      {.subject = "sekda", .name = "Sekretaris Daerah", .role = StaffRole::kLeadership},
      {.subject = "admin.kominfo", .name = "Admin", .role = StaffRole::kAdmin},
  };
  for (const Caller& want : callers) {
    auto got = Authority().Verify(Mint(want), kNow + absl::Hours(1));
    REQUIRE(got.ok());
    CHECK(got->subject == want.subject);
    CHECK(got->name == want.name);
    CHECK(got->role == want.role);
    CHECK(got->agency_code == want.agency_code);
  }
}

TEST_CASE("role names round trip and unknown names are refused") {
  for (StaffRole role : {StaffRole::kOfficer, StaffRole::kAgencyHead, StaffRole::kLeadership,
                         StaffRole::kAdmin}) {
    auto parsed = ParseRole(RoleName(role));
    REQUIRE(parsed.ok());
    CHECK(*parsed == role);
  }
  CHECK(ParseRole("mayor").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(ParseRole("").ok());
}

TEST_CASE("malformed tokens are refused as malformed") {
  CHECK_THAT(Refusal(""), Catch::Contains("malformed"));
  CHECK_THAT(Refusal("abc"), Catch::Contains("malformed"));
  CHECK_THAT(Refusal("a.b.c"), Catch::Contains("malformed"));
  CHECK_THAT(Refusal("a.b.c.d"), Catch::Contains("malformed"));
  const std::vector<std::string> parts = absl::StrSplit(Mint(Officer()), '.');
  CHECK_THAT(Refusal(absl::StrCat(parts[0], ".!!!.", parts[2])), Catch::Contains("malformed"));
  CHECK_THAT(Refusal(absl::StrCat(Segment("[1,2]"), ".", parts[1], ".", parts[2])),
             Catch::Contains("malformed"));
  // Bytes after a NUL would never reach libjwt's checks.
  CHECK_THAT(Refusal(absl::StrCat(Mint(Officer()), std::string(1, '\0'), "admin")),
             Catch::Contains("malformed"));
}

TEST_CASE("a token with alg none is refused, signed or not") {
  const std::vector<std::string> parts = absl::StrSplit(Mint(Officer()), '.');
  const std::string none_header = Segment(R"({"alg":"none","typ":"JWT"})");
  for (const std::string& signature : {std::string(""), parts[2]}) {
    const std::string reason = Refusal(absl::StrCat(none_header, ".", parts[1], ".", signature));
    CHECK_THAT(reason, Catch::Contains("algorithm 'none'"));
  }
  CHECK_THAT(Refusal(absl::StrCat(Segment(R"({"typ":"JWT"})"), ".", parts[1], ".", parts[2])),
             Catch::Contains("malformed"));
}

TEST_CASE("a token signed with another HMAC than HS256 is refused even with the right key") {
  const std::string reason = Refusal(SignClaims(Claims("officer", "dlh"), JWT_ALG_HS512));
  CHECK_THAT(reason, Catch::Contains("algorithm 'HS512'"));
}

TEST_CASE("a tampered payload breaks the signature") {
  const std::vector<std::string> parts = absl::StrSplit(Mint(Officer()), '.');
  std::string claims;
  REQUIRE(absl::WebSafeBase64Unescape(parts[1], &claims));
  REQUIRE(absl::StrContains(claims, R"("role":"officer")"));
  absl::StrReplaceAll({{R"("role":"officer")", R"("role":"admin")"}}, &claims);
  absl::StrReplaceAll({{R"("agency":"dpuprpkp")", R"("agency":"")"}}, &claims);
  const std::string tampered = absl::StrCat(parts[0], ".", Segment(claims), ".", parts[2]);
  CHECK_THAT(Refusal(tampered), Catch::Contains("bad signature"));
}

TEST_CASE("a token signed with another key is refused") {
  auto other = TokenAuthority::Create("another key of thirty-two bytes!", kIssuer);
  REQUIRE(other.ok());
  auto token = other->Mint(Officer(), kNow, absl::Hours(1));
  REQUIRE(token.ok());
  CHECK_THAT(Refusal(*token), Catch::Contains("bad signature"));
}

TEST_CASE("a token of another issuer is refused") {
  auto token = Authority(kKey, "someone-else").Mint(Officer(), kNow, absl::Hours(1));
  REQUIRE(token.ok());
  const std::string reason = Refusal(*token);
  CHECK_THAT(reason, Catch::Contains("issued by 'someone-else'"));
  CHECK_THAT(reason, Catch::Contains(kIssuer));
}

TEST_CASE("a token expires at exp to the second") {
  const std::string token = Mint(Officer(), absl::Hours(1));
  CHECK(Authority().Verify(token, kNow + absl::Hours(1) - absl::Seconds(1)).ok());
  CHECK_THAT(Refusal(token, kNow + absl::Hours(1)), Catch::Contains("expired"));
  CHECK_THAT(Refusal(token, kNow + absl::Hours(1) + absl::Seconds(1)),
             Catch::Contains("expired at 2026-03-02T03:00:00Z"));
}

TEST_CASE("a token issued in the future is not valid yet, beyond a small clock skew") {
  const std::string token = Mint(Officer());
  CHECK(Authority().Verify(token, kNow - TokenAuthority::kAllowedSkew).ok());
  CHECK_THAT(Refusal(token, kNow - TokenAuthority::kAllowedSkew - absl::Seconds(1)),
             Catch::Contains("not valid yet"));
  CHECK_THAT(Refusal(token, kNow - absl::Hours(24)), Catch::Contains("not valid yet"));
}

TEST_CASE("a token with an unknown role is refused") {
  CHECK_THAT(Refusal(SignClaims(Claims("mayor", ""))), Catch::Contains("unknown role 'mayor'"));
  CHECK_THAT(Refusal(SignClaims(Claims("", ""))), Catch::Contains("unknown role"));
}

TEST_CASE("officers and agency heads need an agency, leadership and admins have none") {
  CHECK_THAT(Refusal(SignClaims(Claims("officer", ""))),
             Catch::Contains("officer requires an agency"));
  CHECK_THAT(Refusal(SignClaims(Claims("agency_head", ""))),
             Catch::Contains("agency_head requires an agency"));
  CHECK_THAT(Refusal(SignClaims(Claims("leadership", "dlh"))),
             Catch::Contains("acts for no single agency"));
  CHECK_THAT(Refusal(SignClaims(Claims("admin", "dlh"))),
             Catch::Contains("acts for no single agency"));
  CHECK(Authority().Verify(SignClaims(Claims("officer", "dlh")), kNow).ok());
}

TEST_CASE("claims of the wrong type or missing times are malformed") {
  const std::string iat = absl::StrCat(absl::ToUnixSeconds(kNow));
  const std::string exp = absl::StrCat(absl::ToUnixSeconds(kNow + absl::Hours(1)));
  const std::string base = absl::StrCat(R"({"iss":")", kIssuer, R"(","sub":"x","role":"admin")");
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(base, R"(,"iat":")", iat, R"(","exp":)", exp, "}"))),
             Catch::Contains("iat and exp"));
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(base, R"(,"iat":)", iat, "}"))),
             Catch::Contains("iat and exp"));
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(base, R"(,"iat":)", iat, ".5,\"exp\":", exp, "}"))),
             Catch::Contains("iat and exp"));
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(base, R"(,"iat":)", iat, R"(,"exp":1e12})"))),
             Catch::Contains("iat and exp"));
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(base, R"(,"iat":)", iat, R"(,"exp":null})"))),
             Catch::Contains("iat and exp"));
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(R"({"iss":")", kIssuer,
                                             R"(","sub":7,"role":"admin","iat":)", iat,
                                             R"(,"exp":)", exp, "}"))),
             Catch::Contains("must be strings"));
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(R"({"iss":")", kIssuer, R"(","role":"admin","iat":)",
                                             iat, R"(,"exp":)", exp, "}"))),
             Catch::Contains("no subject"));
}

TEST_CASE("a key shorter than 32 bytes or an empty issuer is refused") {
  CHECK(TokenAuthority::Create(kKey.substr(0, 31), kIssuer).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(TokenAuthority::Create("short", kIssuer).status().message()),
             Catch::Contains("at least 32"));
  CHECK(TokenAuthority::Create(kKey, "").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(TokenAuthority::Create(kKey, kIssuer).ok());
}

TEST_CASE("Mint refuses callers no one would accept") {
  TokenAuthority authority = Authority();
  Caller nobody = Officer();
  nobody.subject.clear();
  CHECK(authority.Mint(nobody, kNow, absl::Hours(1)).status().code() ==
        absl::StatusCode::kInvalidArgument);
  Caller officer_without_agency = Officer();
  officer_without_agency.agency_code.clear();
  CHECK_FALSE(authority.Mint(officer_without_agency, kNow, absl::Hours(1)).ok());
  Caller leadership_with_agency{.subject = "s", .role = StaffRole::kLeadership,
                                .agency_code = "dlh"};
  CHECK_FALSE(authority.Mint(leadership_with_agency, kNow, absl::Hours(1)).ok());
  CHECK_FALSE(authority.Mint(Officer(), kNow, absl::ZeroDuration()).ok());
}

TEST_CASE("the key file is read without its final newline, relative to the city configuration") {
  testing::TempDir dir;
  {
    std::ofstream(dir.File("staff.key")) << kKey << "\n";
  }
  sambat::v1::CityConfig city;
  city.mutable_auth()->set_jwt_key_file("staff.key");
  city.mutable_auth()->set_issuer(kIssuer);
  auto authority = TokenAuthorityFromConfig(city, dir.File("city.textproto"));
  REQUIRE(authority.ok());
  CHECK(authority->issuer() == kIssuer);
  // Same key as the in-memory authority: their tokens are interchangeable.
  CHECK(authority->Verify(Mint(Officer()), kNow).ok());

  city.mutable_auth()->set_jwt_key_file(dir.File("staff.key"));  // absolute stays as is
  CHECK(TokenAuthorityFromConfig(city, "/elsewhere/city.textproto").ok());

  city.mutable_auth()->set_jwt_key_file("missing.key");
  CHECK(TokenAuthorityFromConfig(city, dir.File("city.textproto")).status().code() ==
        absl::StatusCode::kNotFound);

  {
    std::ofstream(dir.File("short.key")) << "too short\n";
  }
  city.mutable_auth()->set_jwt_key_file("short.key");
  auto short_key = TokenAuthorityFromConfig(city, dir.File("city.textproto"));
  REQUIRE_FALSE(short_key.ok());
  CHECK_THAT(std::string(short_key.status().message()), Catch::Contains("short.key"));
}

TEST_CASE("a city configuration without an auth key is a startup error, not an open door") {
  sambat::v1::CityConfig city;
  city.mutable_auth()->set_issuer(kIssuer);
  auto authority = TokenAuthorityFromConfig(city, "deploy/config/city.textproto");
  REQUIRE_FALSE(authority.ok());
  CHECK(authority.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(authority.status().message()), Catch::Contains("jwt_key_file"));
}

TEST_CASE("the shipped configuration names a usable development key") {
  auto authority = TokenAuthorityFromConfig(
      testing::ShippedCityConfig(), testing::SourcePath("deploy/config/kota-malang.textproto"));
  REQUIRE(authority.ok());
  CHECK(authority->issuer() == "sambat-kene-ker/kota-malang");
}

}  // namespace
}  // namespace skk

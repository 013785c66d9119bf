// Staff tokens: a good token names its caller, and every other token is refused with a reason
// an operator can act on. Tokens are ES256: services hold public keys only.

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
#include "services/platform/dev_mode.h"
#include "services/platform/testing/keys.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

const std::string kIssuer = "sambat-kene-ker/test";
const std::string kAudience = "sambat-kene-ker/test/staff";
const absl::Time kNow = absl::FromUnixSeconds(1772416800);  // 2026-03-02 09:00 WIB

const TokenRules kRules{.issuer = kIssuer, .audience = kAudience,
                        .max_lifetime = absl::Hours(12)};

// One key pair for the whole file: generating one costs a millisecond, reading it none.
const testing::KeyPair& Keys() {
  static const testing::KeyPair* keys = new testing::KeyPair(testing::NewEcKeyPair());
  return *keys;
}

TokenVerifier Verifier(const TokenRules& rules = kRules) {
  auto verifier = TokenVerifier::Create({{"k1", Keys().public_pem}}, rules);
  REQUIRE(verifier.ok());
  return *verifier;
}

TokenIssuer Issuer(const TokenRules& rules = kRules, const std::string& kid = "k1",
                   const std::string& private_pem = Keys().private_pem) {
  auto issuer = TokenIssuer::Create({kid, private_pem}, rules);
  REQUIRE(issuer.ok());
  return *issuer;
}

Caller Officer() {
  return Caller{.subject = "budi.dpuprpkp", .name = "Budi Santoso", .role = StaffRole::kOfficer,
                .agency_code = "dpuprpkp"};
}

std::string Mint(const Caller& caller, absl::Duration valid_for = absl::Hours(8)) {
  auto token = Issuer().Mint(caller, kNow, valid_for);
  REQUIRE(token.ok());
  return *token;
}

// Signs arbitrary claims (JSON) with `alg` and `key`, under kid k1, as a forger with the key or
// a buggy issuer would: lets each claim check be reached past the signature.
std::string SignClaims(const std::string& claims_json, jwt_alg_t alg = JWT_ALG_ES256,
                       const std::string& key = Keys().private_pem) {
  jwt_t* jwt = nullptr;
  REQUIRE(jwt_new(&jwt) == 0);
  REQUIRE(jwt_add_grants_json(jwt, claims_json.c_str()) == 0);
  REQUIRE(jwt_add_header(jwt, "kid", "k1") == 0);
  REQUIRE(jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()),
                      static_cast<int>(key.size())) == 0);
  char* token = jwt_encode_str(jwt);
  REQUIRE(token != nullptr);
  std::string out = token;
  free(token);
  jwt_free(jwt);
  return out;
}

std::string Claims(const std::string& role, const std::string& agency,
                   const std::string& issuer = kIssuer, const std::string& audience = kAudience,
                   absl::Duration lifetime = absl::Hours(1)) {
  return absl::StrCat(R"({"iss":")", issuer, R"(","aud":")", audience,
                      R"(","sub":"x","name":"X","role":")", role, R"(","agency":")", agency,
                      R"(","iat":)", absl::ToUnixSeconds(kNow), R"(,"exp":)",
                      absl::ToUnixSeconds(kNow + lifetime), "}");
}

// The reason Verify gives for `token` at `now`; fails the test if the token is accepted.
std::string Refusal(const std::string& token, absl::Time now = kNow,
                    const TokenVerifier& verifier = Verifier()) {
  auto caller = verifier.Verify(token, now);
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
    auto got = Verifier().Verify(Mint(want), kNow + absl::Hours(1));
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
  // No staff account, API key or staff token may be a citizen's.
  CHECK(RoleName(StaffRole::kCitizen) == "citizen");
  CHECK_FALSE(ParseRole("citizen").ok());
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
  const std::string none_header = Segment(R"({"alg":"none","typ":"JWT","kid":"k1"})");
  for (const std::string& signature : {std::string(""), parts[2]}) {
    const std::string reason = Refusal(absl::StrCat(none_header, ".", parts[1], ".", signature));
    CHECK_THAT(reason, Catch::Contains("algorithm 'none'"));
  }
}

TEST_CASE("HS256 signed with the public key as its secret is refused (the downgrade attack)") {
  // Everyone has the public key; a verifier that let the header pick the algorithm would check
  // this HMAC with it and accept an admin token forged by anybody.
  const std::string forged =
      SignClaims(Claims("admin", ""), JWT_ALG_HS256, Keys().public_pem);
  CHECK_THAT(Refusal(forged), Catch::Contains("algorithm 'HS256' is not accepted (ES256 only)"));
  CHECK_THAT(Refusal(SignClaims(Claims("admin", ""), JWT_ALG_HS512, Keys().public_pem)),
             Catch::Contains("algorithm 'HS512'"));
}

TEST_CASE("a token signed with RS256 or ES384 is refused whatever the key") {
  const testing::KeyPair rsa = testing::NewRsaKeyPair();
  CHECK_THAT(Refusal(SignClaims(Claims("admin", ""), JWT_ALG_RS256, rsa.private_pem)),
             Catch::Contains("algorithm 'RS256'"));
  const testing::KeyPair p384 = testing::NewEcKeyPair("secp384r1");
  CHECK_THAT(Refusal(SignClaims(Claims("admin", ""), JWT_ALG_ES384, p384.private_pem)),
             Catch::Contains("algorithm 'ES384'"));
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

TEST_CASE("a token signed with another key under a trusted kid is refused") {
  auto token = Issuer(kRules, "k1", testing::NewEcKeyPair().private_pem)
                   .Mint(Officer(), kNow, absl::Hours(1));
  REQUIRE(token.ok());
  CHECK_THAT(Refusal(*token), Catch::Contains("bad signature"));
}

TEST_CASE("a token whose kid is not trusted is refused, and rotation trusts two keys at once") {
  const testing::KeyPair next = testing::NewEcKeyPair();
  const std::string old_token = Mint(Officer());
  auto new_token = Issuer(kRules, "k2", next.private_pem).Mint(Officer(), kNow, absl::Hours(1));
  REQUIRE(new_token.ok());
  // Before the rotation: the new key is unknown.
  CHECK_THAT(Refusal(*new_token), Catch::Contains("key id 'k2' is not trusted"));
  // During: both.
  auto both = TokenVerifier::Create({{"k1", Keys().public_pem}, {"k2", next.public_pem}}, kRules);
  REQUIRE(both.ok());
  CHECK(both->Verify(old_token, kNow).ok());
  CHECK(both->Verify(*new_token, kNow).ok());
  // After: the old key is rotated out, and its tokens with it.
  auto after = TokenVerifier::Create({{"k2", next.public_pem}}, kRules);
  REQUIRE(after.ok());
  CHECK(after->Verify(*new_token, kNow).ok());
  CHECK_THAT(Refusal(old_token, kNow, *after), Catch::Contains("rotated out"));
}

TEST_CASE("a token of another issuer or for another audience is refused") {
  TokenRules other_issuer = kRules;
  other_issuer.issuer = "someone-else";
  auto token = Issuer(other_issuer).Mint(Officer(), kNow, absl::Hours(1));
  REQUIRE(token.ok());
  CHECK_THAT(Refusal(*token), Catch::Contains("issued by 'someone-else'"));

  TokenRules other_audience = kRules;
  other_audience.audience = "sambat-kene-ker/test/partners";
  token = Issuer(other_audience).Mint(Officer(), kNow, absl::Hours(1));
  REQUIRE(token.ok());
  CHECK_THAT(Refusal(*token), Catch::Contains("meant for 'sambat-kene-ker/test/partners'"));
  // No aud claim at all reads as an empty audience: refused.
  const std::string no_aud = absl::StrCat(R"({"iss":")", kIssuer,
                                          R"(","sub":"x","role":"admin","iat":)",
                                          absl::ToUnixSeconds(kNow), R"(,"exp":)",
                                          absl::ToUnixSeconds(kNow + absl::Hours(1)), "}");
  CHECK_THAT(Refusal(SignClaims(no_aud)), Catch::Contains("meant for ''"));
}

TEST_CASE("a token living longer than the verifier allows is refused, whatever the issuer wrote") {
  const std::string long_lived =
      SignClaims(Claims("admin", "", kIssuer, kAudience, absl::Hours(12) + absl::Seconds(1)));
  CHECK_THAT(Refusal(long_lived), Catch::Contains("longer than the allowed 12h"));
  CHECK(Verifier().Verify(SignClaims(Claims("admin", "", kIssuer, kAudience, absl::Hours(12))),
                          kNow)
            .ok());
  // The issuer refuses to mint one in the first place.
  CHECK(Issuer().Mint(Officer(), kNow, absl::Hours(13)).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a token expires at exp to the second") {
  const std::string token = Mint(Officer(), absl::Hours(1));
  CHECK(Verifier().Verify(token, kNow + absl::Hours(1) - absl::Seconds(1)).ok());
  CHECK_THAT(Refusal(token, kNow + absl::Hours(1)), Catch::Contains("expired"));
  CHECK_THAT(Refusal(token, kNow + absl::Hours(1) + absl::Seconds(1)),
             Catch::Contains("expired at 2026-03-02T03:00:00Z"));
}

TEST_CASE("a token issued in the future is not valid yet, beyond a small clock skew") {
  const std::string token = Mint(Officer());
  CHECK(Verifier().Verify(token, kNow - TokenVerifier::kAllowedSkew).ok());
  CHECK_THAT(Refusal(token, kNow - TokenVerifier::kAllowedSkew - absl::Seconds(1)),
             Catch::Contains("not valid yet"));
  CHECK_THAT(Refusal(token, kNow - absl::Hours(6)), Catch::Contains("not valid yet"));
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
  CHECK(Verifier().Verify(SignClaims(Claims("officer", "dlh")), kNow).ok());
}

TEST_CASE("a phone pass names one +62 number, no agency, and lives a minute at most") {
  auto pass = Issuer().MintPhonePass("+6281234567001", kNow);
  REQUIRE(pass.ok());
  auto phone = Verifier().Verify(*pass, kNow + absl::Seconds(30));
  REQUIRE(phone.ok());
  CHECK(phone->role == StaffRole::kPhone);
  CHECK(phone->subject == "+6281234567001");
  CHECK(RoleName(StaffRole::kPhone) == "phone");
  CHECK_THAT(Refusal(*pass, kNow + kCitizenPassLifetime), Catch::Contains("expired"));
  // Only the normalised form: the gateway normalises before it vouches.
  CHECK(Issuer().MintPhonePass("081234567001", kNow).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(Issuer().Mint({.subject = "+6281234567001", .role = StaffRole::kPhone}, kNow,
                            absl::Hours(1)).ok());
  // No staff account or API key can hold the role.
  CHECK_FALSE(ParseRole("phone").ok());
  auto claims = [&](const std::string& sub, const std::string& agency, absl::Duration life) {
    return absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience, R"(","sub":")", sub,
                        R"(","name":"","role":"phone","agency":")", agency, R"(","iat":)",
                        absl::ToUnixSeconds(kNow), R"(,"exp":)",
                        absl::ToUnixSeconds(kNow + life), "}");
  };
  CHECK(Verifier().Verify(SignClaims(claims("+6281234567001", "", absl::Minutes(1))), kNow).ok());
  CHECK_THAT(Refusal(SignClaims(claims("budi.dpuprpkp", "", absl::Minutes(1)))),
             Catch::Contains("no +62 mobile number"));
  CHECK_THAT(Refusal(SignClaims(claims("+6281234567001", "dlh", absl::Minutes(1)))),
             Catch::Contains("names no agency"));
  CHECK_THAT(Refusal(SignClaims(claims("+6281234567001", "", absl::Minutes(5)))),
             Catch::Contains("longer than a minute"));
}

TEST_CASE("a partner pass names one partner as its agency, and lives a minute at most") {
  auto pass = Issuer().MintPartnerPass("kejari", kNow);
  REQUIRE(pass.ok());
  auto partner = Verifier().Verify(*pass, kNow + absl::Seconds(30));
  REQUIRE(partner.ok());
  CHECK(partner->role == StaffRole::kPartner);
  CHECK(partner->subject == "partner:kejari");
  CHECK(partner->agency_code == "kejari");
  CHECK(RoleName(StaffRole::kPartner) == "partner");
  CHECK_THAT(Refusal(*pass, kNow + kCitizenPassLifetime), Catch::Contains("expired"));
  // No staff account or API key can hold the role, nor may a pass live long or name another.
  CHECK_FALSE(ParseRole("partner").ok());
  CHECK_FALSE(Issuer().Mint({.subject = "partner:kejari", .role = StaffRole::kPartner,
                             .agency_code = "kejari"}, kNow, absl::Hours(1)).ok());
  CHECK_FALSE(Issuer().Mint({.subject = "partner:kodim-0833", .role = StaffRole::kPartner,
                             .agency_code = "kejari"}, kNow, absl::Minutes(1)).ok());
  auto claims = [&](const std::string& sub, const std::string& agency, absl::Duration life) {
    return absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience, R"(","sub":")", sub,
                        R"(","name":"","role":"partner","agency":")", agency, R"(","iat":)",
                        absl::ToUnixSeconds(kNow), R"(,"exp":)",
                        absl::ToUnixSeconds(kNow + life), "}");
  };
  CHECK(Verifier().Verify(SignClaims(claims("partner:kejari", "kejari", absl::Minutes(1))), kNow)
            .ok());
  CHECK_THAT(Refusal(SignClaims(claims("budi.dpuprpkp", "kejari", absl::Minutes(1)))),
             Catch::Contains("names no partner"));
  CHECK_THAT(Refusal(SignClaims(claims("partner:kejari", "kejari", absl::Minutes(5)))),
             Catch::Contains("longer than a minute"));
}

TEST_CASE("a citizen pass names one complaint, no agency, and lives a minute at most") {
  const std::string complaint = "0b6b4c1e-2f1a-4f5e-9a57-0c3f8e1d2a4b";
  auto pass = Issuer().MintCitizenPass(complaint, kNow);
  REQUIRE(pass.ok());
  auto citizen = Verifier().Verify(*pass, kNow + absl::Seconds(30));
  REQUIRE(citizen.ok());
  CHECK(citizen->role == StaffRole::kCitizen);
  CHECK(citizen->subject == complaint);
  CHECK(citizen->agency_code.empty());
  CHECK_THAT(Refusal(*pass, kNow + kCitizenPassLifetime), Catch::Contains("expired"));

  CHECK(Issuer().MintCitizenPass("SKK-2026-000001", kNow).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(Issuer().Mint({.subject = complaint, .role = StaffRole::kCitizen}, kNow,
                            absl::Hours(1)).ok());
  // Claims a forger (or a buggy issuer) might write: each refused for its own reason.
  auto claims = [&](const std::string& sub, const std::string& agency, absl::Duration life) {
    return absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience, R"(","sub":")", sub,
                        R"(","name":"","role":"citizen","agency":")", agency, R"(","iat":)",
                        absl::ToUnixSeconds(kNow), R"(,"exp":)",
                        absl::ToUnixSeconds(kNow + life), "}");
  };
  CHECK(Verifier().Verify(SignClaims(claims(complaint, "", absl::Minutes(1))), kNow).ok());
  CHECK_THAT(Refusal(SignClaims(claims("budi.dpuprpkp", "", absl::Minutes(1)))),
             Catch::Contains("no complaint id"));
  CHECK_THAT(Refusal(SignClaims(claims(complaint, "dlh", absl::Minutes(1)))),
             Catch::Contains("names no agency"));
  CHECK_THAT(Refusal(SignClaims(claims(complaint, "", absl::Hours(1)))),
             Catch::Contains("longer than a minute"));
}

TEST_CASE("claims of the wrong type or missing times are malformed") {
  const std::string iat = absl::StrCat(absl::ToUnixSeconds(kNow));
  const std::string exp = absl::StrCat(absl::ToUnixSeconds(kNow + absl::Hours(1)));
  const std::string base = absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
                                        R"(","sub":"x","role":"admin")");
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
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":["a","b"],)",
                                             R"("sub":"x","role":"admin","iat":)", iat,
                                             R"(,"exp":)", exp, "}"))),
             Catch::Contains("must be strings"));
  CHECK_THAT(Refusal(SignClaims(absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
                                             R"(","role":"admin","iat":)", iat, R"(,"exp":)",
                                             exp, "}"))),
             Catch::Contains("no subject"));
}

TEST_CASE("keys and rules that would make a weak verifier are refused at creation") {
  auto refused = [](std::vector<TokenKey> keys, TokenRules rules = kRules) {
    auto verifier = TokenVerifier::Create(std::move(keys), rules);
    REQUIRE_FALSE(verifier.ok());
    CHECK(verifier.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(verifier.status().message());
  };
  CHECK_THAT(refused({}), Catch::Contains("no staff token public key"));
  CHECK_THAT(refused({{"k1", "not a key"}}), Catch::Contains("not a PEM public key"));
  CHECK_THAT(refused({{"k1", testing::NewRsaKeyPair().public_pem}}),
             Catch::Contains("not an EC P-256 key"));
  CHECK_THAT(refused({{"k1", testing::NewEcKeyPair("secp384r1").public_pem}}),
             Catch::Contains("not an EC P-256 key"));
  CHECK_THAT(refused({{"", Keys().public_pem}}), Catch::Contains("no kid"));
  CHECK_THAT(refused({{"k1", Keys().public_pem}, {"k1", Keys().public_pem}}),
             Catch::Contains("named twice"));
  TokenRules no_audience = kRules;
  no_audience.audience.clear();
  CHECK_THAT(refused({{"k1", Keys().public_pem}}, no_audience), Catch::Contains("audience"));
  TokenRules no_issuer = kRules;
  no_issuer.issuer.clear();
  CHECK_THAT(refused({{"k1", Keys().public_pem}}, no_issuer), Catch::Contains("issuer"));
  // An issuer needs the private half.
  CHECK_FALSE(TokenIssuer::Create({"k1", Keys().public_pem}, kRules).ok());
}

TEST_CASE("Mint refuses callers no one would accept") {
  TokenIssuer issuer = Issuer();
  Caller nobody = Officer();
  nobody.subject.clear();
  CHECK(issuer.Mint(nobody, kNow, absl::Hours(1)).status().code() ==
        absl::StatusCode::kInvalidArgument);
  Caller officer_without_agency = Officer();
  officer_without_agency.agency_code.clear();
  CHECK_FALSE(issuer.Mint(officer_without_agency, kNow, absl::Hours(1)).ok());
  Caller leadership_with_agency{.subject = "s", .role = StaffRole::kLeadership,
                                .agency_code = "dlh"};
  CHECK_FALSE(issuer.Mint(leadership_with_agency, kNow, absl::Hours(1)).ok());
  CHECK_FALSE(issuer.Mint(Officer(), kNow, absl::ZeroDuration()).ok());
}

TEST_CASE("key files are read relative to the city configuration") {
  testing::TempDir dir;
  {
    std::ofstream(dir.File("staff-public.pem")) << Keys().public_pem;
    std::ofstream(dir.File("staff-private.pem")) << Keys().private_pem;
  }
  sambat::v1::CityConfig city;
  auto* auth = city.mutable_auth();
  auth->set_issuer(kIssuer);
  auth->set_audience(kAudience);
  auto* key = auth->add_public_keys();
  key->set_kid("k1");
  key->set_file("staff-public.pem");
  auth->mutable_signing_key()->set_kid("k1");
  auth->mutable_signing_key()->set_file("staff-private.pem");
  auto verifier = TokenVerifierFromConfig(city, dir.File("city.textproto"));
  REQUIRE(verifier.ok());
  CHECK(verifier->rules().max_lifetime == absl::Hours(12));  // the default
  auto issuer = TokenIssuerFromConfig(city, dir.File("city.textproto"));
  REQUIRE(issuer.ok());
  auto token = issuer->Mint(Officer(), kNow, absl::Hours(1));
  REQUIRE(token.ok());
  CHECK(verifier->Verify(*token, kNow).ok());
  CHECK(Verifier().Verify(*token, kNow).ok());  // the same key as the in-memory pair

  key->set_file(dir.File("staff-public.pem"));  // absolute stays as is
  CHECK(TokenVerifierFromConfig(city, "/elsewhere/city.textproto").ok());

  key->set_file("missing.pem");
  CHECK(TokenVerifierFromConfig(city, dir.File("city.textproto")).status().code() ==
        absl::StatusCode::kNotFound);

  key->set_file("staff-private.pem");  // the private key where a public one belongs
  auto wrong = TokenVerifierFromConfig(city, dir.File("city.textproto"));
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(std::string(wrong.status().message()), Catch::Contains("not a PEM public key"));
}

TEST_CASE("a city configuration without public keys is a startup error, not an open door") {
  sambat::v1::CityConfig city;
  city.mutable_auth()->set_issuer(kIssuer);
  city.mutable_auth()->set_audience(kAudience);
  auto verifier = TokenVerifierFromConfig(city, "deploy/config/city.textproto");
  REQUIRE_FALSE(verifier.ok());
  CHECK(verifier.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(verifier.status().message()), Catch::Contains("public_keys"));
}

TEST_CASE("the shipped development key pair works, and only in development mode") {
  const std::string config = testing::SourcePath("deploy/config/kota-malang.textproto");
  auto verifier = TokenVerifierFromConfig(testing::ShippedCityConfig(), config);
  REQUIRE(verifier.ok());
  CHECK(verifier->rules().issuer == "sambat-kene-ker/kota-malang");
  auto issuer = TokenIssuerFromConfig(testing::ShippedCityConfig(), config);
  REQUIRE(issuer.ok());
  auto token = issuer->Mint(Officer(), kNow, absl::Hours(1));
  REQUIRE(token.ok());
  CHECK(verifier->Verify(*token, kNow).ok());

  CHECK(RefuseDevelopmentKeys(*verifier, /*dev=*/true).ok());
  absl::Status refused = RefuseDevelopmentKeys(*verifier, /*dev=*/false);
  CHECK(refused.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(refused.message()), Catch::Contains("dev-jwt-public.pem"));
  CHECK_THAT(std::string(refused.message()), Catch::Contains("deploy/make-secrets.sh"));

  // A deployment's own key passes; a lifetime beyond a day does not, outside development.
  CHECK(RefuseDevelopmentKeys(Verifier(), /*dev=*/false).ok());
  TokenRules long_lived = kRules;
  long_lived.max_lifetime = absl::Hours(25);
  CHECK(RefuseDevelopmentKeys(Verifier(long_lived), /*dev=*/false).code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("secrets come from a file or a value, and development values only in development") {
  testing::TempDir dir;
  const std::string strong(40, 's');
  {
    std::ofstream(dir.File("tracking")) << strong << "\n";
    std::ofstream(dir.File("dev")) << kDevTrackingSecret << "\n";
  }
  SecretSource source{.name = "tracking_secret", .dev_default = kDevTrackingSecret};
  // Nothing given: the development value in development mode, a clear refusal otherwise.
  CHECK(*LoadSecret(source, /*dev=*/true) == kDevTrackingSecret);
  absl::StatusOr<std::string> missing = LoadSecret(source, /*dev=*/false);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("--tracking_secret_file"));
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("deploy/make-secrets.sh"));

  source.file = dir.File("tracking");
  CHECK(*LoadSecret(source, /*dev=*/false) == strong);  // without its newline

  source.file = dir.File("dev");  // the public value, copied into a file, is still refused
  CHECK(LoadSecret(source, /*dev=*/false).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(LoadSecret(source, /*dev=*/true).ok());

  source.file = dir.File("missing");
  CHECK(LoadSecret(source, false).status().code() == absl::StatusCode::kNotFound);

  source.file.clear();
  source.value = "short";
  CHECK(LoadSecret(source, false).status().code() == absl::StatusCode::kInvalidArgument);
  source.value = strong;
  CHECK(*LoadSecret(source, false) == strong);
  source.file = dir.File("tracking");
  CHECK(LoadSecret(source, false).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace skk

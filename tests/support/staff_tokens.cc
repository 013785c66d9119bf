#include "tests/support/staff_tokens.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "services/platform/testing/test_env.h"

namespace skk::testing {

const TokenIssuer& TestTokenIssuer() {
  static const TokenIssuer* issuer = [] {
    const std::string config = SourcePath("deploy/config/kota-malang.textproto");
    auto loaded = TokenIssuerFromConfig(ShippedCityConfig(), config);
    if (!loaded.ok()) FAIL("staff token issuer: " << loaded.status().ToString());
    return new TokenIssuer(*std::move(loaded));
  }();
  return *issuer;
}

const TokenVerifier& TestTokenVerifier() {
  static const TokenVerifier* verifier = [] {
    const std::string config = SourcePath("deploy/config/kota-malang.textproto");
    auto loaded = TokenVerifierFromConfig(ShippedCityConfig(), config);
    if (!loaded.ok()) FAIL("staff token verifier: " << loaded.status().ToString());
    return new TokenVerifier(*std::move(loaded));
  }();
  return *verifier;
}

std::string StaffToken(StaffRole role, const std::string& agency, absl::Time issued_at,
                       const StaffTokenOptions& options) {
  Caller caller{.subject = options.subject, .name = options.name, .role = role,
                .agency_code = agency};
  if (caller.subject.empty()) {
    caller.subject = absl::StrCat("test.", RoleName(role), agency.empty() ? "" : ".", agency);
  }
  if (caller.name.empty()) caller.name = caller.subject;
  auto token = TestTokenIssuer().Mint(caller, issued_at, options.valid_for);
  INFO("minting a staff token: " << token.status().ToString());
  REQUIRE(token.ok());
  return *token;
}

void AuthorizeAs(grpc::ClientContext& context, const std::string& token) {
  AttachBearerToken(context, token);
}

void AuthorizeAs(grpc::ClientContext& context, StaffRole role, const std::string& agency,
                 absl::Time issued_at) {
  AuthorizeAs(context, StaffToken(role, agency, issued_at));
}

}  // namespace skk::testing

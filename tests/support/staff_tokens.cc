#include "tests/support/staff_tokens.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "services/platform/testing/test_env.h"

namespace skk::testing {

const TokenAuthority& TestTokenAuthority() {
  static const TokenAuthority* authority = [] {
    const std::string config = SourcePath("deploy/config/kota-malang.textproto");
    auto loaded = TokenAuthorityFromConfig(ShippedCityConfig(), config);
    if (!loaded.ok()) FAIL("staff token authority: " << loaded.status().ToString());
    return new TokenAuthority(*std::move(loaded));
  }();
  return *authority;
}

std::string StaffToken(StaffRole role, const std::string& agency, absl::Time issued_at,
                       const StaffTokenOptions& options) {
  Caller caller{.subject = options.subject, .name = options.name, .role = role,
                .agency_code = agency};
  if (caller.subject.empty()) {
    caller.subject = absl::StrCat("test.", RoleName(role), agency.empty() ? "" : ".", agency);
  }
  if (caller.name.empty()) caller.name = caller.subject;
  auto token = TestTokenAuthority().Mint(caller, issued_at, options.valid_for);
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

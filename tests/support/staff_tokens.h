#pragma once

// Staff tokens for tests: mint a token the services started by a test accept, and put it on a
// client call. The key and issuer are those of the shipped configuration
// (deploy/config/kota-malang.textproto, auth block), which System starts every service with.
//
//   grpc::ClientContext context;
//   AuthorizeAs(context, StaffToken(StaffRole::kOfficer, "dpuprpkp", system.Now()));
//   stub->SomeStaffCall(&context, request, &response);
//
// Services check a token against their business clock, so a token is minted at the test's
// clock (system.Now(), or the ManualClock of an in-process server), never at absl::Now(): the
// test clock may stand months away from the real time. A test that advances the clock beyond
// a token's validity (StaffTokenOptions::valid_for, 30 days by default) mints a new one.

#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "services/platform/auth.h"

namespace skk::testing {

struct StaffTokenOptions {
  // Default: "test.<role>[.<agency>]".
  std::string subject{};
  // Default: the subject.
  std::string name{};
  // Long, so a test may let a few weeks of business time pass on one token.
  absl::Duration valid_for = absl::Hours(24 * 30);
};

// The issuer (development signing key) and the verifier (development public key) of the
// shipped configuration; abort the test if they cannot be loaded.
const TokenIssuer& TestTokenIssuer();
const TokenVerifier& TestTokenVerifier();

// A token for `role` (and `agency` for officers and agency heads: a city agency code such as
// "dpuprpkp"; leave it empty for leadership and admin) issued at `issued_at`. Fails the test
// (Catch2 REQUIRE) for a combination Mint refuses, e.g. an officer without agency: a test
// that wants a bad token builds one by hand (TestTokenIssuer().Mint, or text edits).
std::string StaffToken(StaffRole role, const std::string& agency, absl::Time issued_at,
                       const StaffTokenOptions& options = {});

// Adds "authorization: Bearer <token>" to a client call.
void AuthorizeAs(grpc::ClientContext& context, const std::string& token);

// Both at once: a call made as `role` of `agency` at `issued_at`.
void AuthorizeAs(grpc::ClientContext& context, StaffRole role, const std::string& agency,
                 absl::Time issued_at);

}  // namespace skk::testing

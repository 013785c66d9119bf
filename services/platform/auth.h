#pragma once

// Who is calling: officers, agency heads, leadership and administrators carry a signed token
// (JWT, HS256, key from configuration) in the gRPC metadata "authorization: Bearer <token>".
// Every service that serves staff checks it once per call with the interceptor below and reads
// the caller with CallerOf(). Citizens never carry tokens: intake's API is open by design and
// protected by tracking tokens and rate limits instead.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
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
absl::StatusOr<StaffRole> ParseRole(absl::string_view name);

struct Caller {
  std::string subject;      // stable id, e.g. "budi.dpuprpkp"
  std::string name;         // for audit trails and messages, e.g. "Budi Santoso"
  StaffRole role = StaffRole::kOfficer;
  std::string agency_code;  // officers and heads: their agency; empty for leadership and admins
};

// Signs and checks tokens. Claims: iss, sub, name, role, agency, iat, exp.
class TokenAuthority {
 public:
  // `key` is the HS256 secret (at least 32 bytes); `issuer` is required in every token.
  static absl::StatusOr<TokenAuthority> Create(std::string key, std::string issuer);
  // Reads the key from a file (trailing newline stripped).
  static absl::StatusOr<TokenAuthority> FromKeyFile(const std::string& path, std::string issuer);

  absl::StatusOr<std::string> Mint(const Caller& caller, absl::Time now,
                                   absl::Duration valid_for) const;

  // UNAUTHENTICATED with the reason (malformed, bad signature, wrong issuer, expired, not yet
  // valid, unknown role, officer without agency) for anything but a good token.
  absl::StatusOr<Caller> Verify(absl::string_view token, absl::Time now) const;

 private:
  TokenAuthority(std::string key, std::string issuer)
      : key_(std::move(key)), issuer_(std::move(issuer)) {}
  std::string key_;
  std::string issuer_;
};

// A server interceptor factory that checks the bearer token once for every call to a method
// whose full name starts with one of `protected_prefixes` (e.g. "/sambat.v1.OfficerService/"),
// leaving health checks and reflection open. A call without a good token is answered
// UNAUTHENTICATED before any handler runs. `now` is the service's clock.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuthInterceptorFactory(
    const TokenAuthority* authority, std::function<absl::Time()> now,
    std::vector<std::string> protected_prefixes);

// The caller of a call the interceptor let through; UNAUTHENTICATED if there is none (a
// handler on an unprotected method, or a missing interceptor: never silently anonymous).
absl::StatusOr<Caller> CallerOf(const grpc::ServerContextBase& context);

}  // namespace skk

#pragma once

// Staff accounts and their sessions, in the gateway's own schema (docs/staff-auth.md). An
// administrator creates, disables and resets accounts; a sign-in checks the Argon2id hash,
// counts failures and locks the account after too many; a session lives in a cookie whose
// SHA-256 is stored, ends when idle too long, at its absolute limit, at sign-out, or at once
// when the account is disabled or reset. Every time is the service's clock.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/gateway.pb.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"

namespace skk::gateway {

struct SignInPolicy {
  int max_failures = 5;                        // consecutive, then locked
  absl::Duration lockout = absl::Minutes(15);  // from the last failure
  absl::Duration idle = absl::Minutes(30);     // a session unused this long ends
  absl::Duration lifetime = absl::Hours(12);   // and every session ends this long after sign-in
};

// A session in use: who, and the CSRF token its state-changing requests must carry.
struct ActiveSession {
  Caller caller;
  std::string csrf_token;
  bool must_change_password = false;
  absl::Time expires_at;
  bool totp_enabled = false;
};

struct OpenedSession {
  std::string cookie;  // the cookie's value: 32 random bytes, hex
  ActiveSession session;
};

// PERMISSION_DENIED unless `caller` is an administrator: "only an administrator manages <what>".
absl::Status MustBeAdmin(const Caller& caller, absl::string_view what);

class StaffAccounts {
 public:
  StaffAccounts(PgPool& pool, Clock& clock, SignInPolicy policy = {})
      : pool_(pool), clock_(clock), policy_(policy) {}

  // A new session for a right username and password, and for an account with a second factor
  // the current code of its authenticator (`totp_code`). UNAUTHENTICATED with the same words
  // for an unknown username, a wrong password and a disabled account (a stranger learns
  // nothing); RESOURCE_EXHAUSTED with RetryInfo for a locked account; INVALID_ARGUMENT naming
  // totp_code after a right password when the code is missing (not counted as a failure) or
  // wrong or already used (counted).
  absl::StatusOr<OpenedSession> SignIn(const std::string& username, const std::string& password,
                                       const std::string& totp_code = "");
  // The session of a cookie, refreshed; UNAUTHENTICATED for none, expired, or of a disabled
  // account.
  absl::StatusOr<ActiveSession> Session(const std::string& cookie);
  absl::Status SignOut(const std::string& cookie);
  // INVALID_ARGUMENT for a new password the policy refuses; UNAUTHENTICATED for a wrong
  // current one. Ends every other session of the account.
  absl::Status ChangePassword(const std::string& cookie, const std::string& username,
                              const sambat::v1::ChangePassword& change);

  // The second factor: a new secret for the account's authenticator app (FAILED_PRECONDITION
  // when one is on already), turned on once a code from the app confirms it (INVALID_ARGUMENT
  // naming code when it does not).
  absl::StatusOr<sambat::v1::TotpEnrollment> BeginTotp(const std::string& username);
  absl::Status ConfirmTotp(const std::string& username, const std::string& code);

  // Administrators' calls (the caller must be an admin). Each returns the temporary password
  // the account must change at its next sign-in; a reset also turns the second factor off.
  absl::StatusOr<sambat::v1::StaffAccountIssued> Create(const Caller& admin,
                                                        const sambat::v1::NewStaffAccount& a);
  absl::StatusOr<sambat::v1::StaffAccountIssued> ResetPassword(const Caller& admin,
                                                               const std::string& username);
  // Ends the account's sessions at once; its next sign-in is refused.
  absl::Status Disable(const Caller& admin, const std::string& username);
  // Every account, by username, without its secrets.
  absl::StatusOr<sambat::v1::StaffAccountList> List(const Caller& admin);
  // Lets a disabled or locked account sign in again (its password is unchanged).
  absl::Status Enable(const Caller& admin, const std::string& username);
  // A new role and agency; the account's sessions end, so the next sign-in carries them.
  absl::Status ChangeRole(const Caller& admin, const std::string& username,
                          const sambat::v1::StaffRoleChange& change);

  // Makes sure an administrator account `username` exists (first start of a city): created
  // with `password`, which it must change at its first sign-in. Does nothing if it exists.
  absl::Status EnsureAdmin(const std::string& username, const std::string& password);

 private:
  // One more failed sign-in of `username`, which locks the account at the policy's limit.
  absl::Status CountFailure(PgConnection& db, const std::string& username, absl::Time now);
  // The refusal of a sign-in whose password was right, for a missing or wrong code of the
  // account's second factor (a wrong one counts as a failure); OK without a second factor or
  // with the current code, whose step is then used up.
  absl::StatusOr<absl::Status> SecondFactor(PgConnection& db, const PgRow& account,
                                            const std::string& code, absl::Time now);
  absl::StatusOr<OpenedSession> OpenSession(PgConnection& db, const Caller& caller,
                                            bool must_change_password);

  PgPool& pool_;
  Clock& clock_;
  SignInPolicy policy_;
};

}  // namespace skk::gateway

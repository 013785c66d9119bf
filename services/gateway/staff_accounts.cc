#include "services/gateway/staff_accounts.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/passwords.h"
#include "services/gateway/totp.h"
#include "services/platform/errors.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/secrets.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace {

namespace v1 = sambat::v1;

constexpr SqlStatement kFindAccount{"gw_find_account", R"sql(
  SELECT * FROM staff_accounts WHERE username = $1 FOR UPDATE
)sql"};

constexpr SqlStatement kFailedSignIn{"gw_failed_sign_in", R"sql(
  UPDATE staff_accounts
     SET failed_sign_ins = failed_sign_ins + 1,
         locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3::timestamptz END
   WHERE username = $1
)sql"};

constexpr SqlStatement kGoodSignIn{"gw_good_sign_in", R"sql(
  UPDATE staff_accounts SET failed_sign_ins = 0, locked_until = NULL WHERE username = $1
)sql"};

constexpr SqlStatement kOpenSession{"gw_open_session", R"sql(
  INSERT INTO staff_sessions (session_hash, username, csrf_token, created_at, last_seen_at,
                              expires_at)
  VALUES ($1, $2, $3, $4, $4, $5)
)sql"};

// A live session of an enabled account, touched.
constexpr SqlStatement kTouchSession{"gw_touch_session", R"sql(
  UPDATE staff_sessions s SET last_seen_at = $2
    FROM staff_accounts a
   WHERE s.session_hash = $1 AND a.username = s.username AND a.disabled_at IS NULL
     AND s.expires_at > $2 AND s.last_seen_at > $2 - $3::interval
  RETURNING a.username, a.name, a.role, a.agency_code, a.must_change_password, s.csrf_token,
            s.expires_at, a.totp_enabled_at IS NOT NULL AS totp_enabled
)sql"};

constexpr SqlStatement kCloseSession{"gw_close_session", R"sql(
  DELETE FROM staff_sessions WHERE session_hash = $1
)sql"};

constexpr SqlStatement kCloseOtherSessions{"gw_close_other_sessions", R"sql(
  DELETE FROM staff_sessions WHERE username = $1 AND session_hash <> $2
)sql"};

constexpr SqlStatement kCloseAllSessions{"gw_close_all_sessions", R"sql(
  DELETE FROM staff_sessions WHERE username = $1
)sql"};

constexpr SqlStatement kSetPassword{"gw_set_password", R"sql(
  UPDATE staff_accounts
     SET password_hash = $2, must_change_password = $3, failed_sign_ins = 0, locked_until = NULL
   WHERE username = $1
)sql"};

// An administrator's reset: the account may have lost the phone its second factor is on.
constexpr SqlStatement kTotpOff{"gw_totp_off", R"sql(
  UPDATE staff_accounts
     SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL,
         totp_last_step = 0
   WHERE username = $1
)sql"};

constexpr SqlStatement kTotpUsed{"gw_totp_used", R"sql(
  UPDATE staff_accounts SET totp_last_step = $2 WHERE username = $1
)sql"};

constexpr SqlStatement kTotpPending{"gw_totp_pending", R"sql(
  UPDATE staff_accounts SET totp_pending_secret = $2
   WHERE username = $1 AND totp_enabled_at IS NULL
)sql"};

constexpr SqlStatement kTotpOn{"gw_totp_on", R"sql(
  UPDATE staff_accounts
     SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_enabled_at = $2,
         totp_last_step = $3
   WHERE username = $1 AND totp_pending_secret IS NOT NULL
)sql"};

constexpr SqlStatement kCreateAccount{"gw_create_account", R"sql(
  INSERT INTO staff_accounts (username, name, role, agency_code, password_hash,
                              must_change_password, created_at, created_by)
  VALUES ($1, $2, $3, $4, $5, true, $6, $7)
)sql"};

constexpr SqlStatement kDisable{"gw_disable_account", R"sql(
  UPDATE staff_accounts SET disabled_at = $2 WHERE username = $1 AND disabled_at IS NULL
)sql"};

constexpr SqlStatement kEnable{"gw_enable_account", R"sql(
  UPDATE staff_accounts SET disabled_at = NULL, failed_sign_ins = 0, locked_until = NULL
  WHERE username = $1
)sql"};

constexpr SqlStatement kChangeRole{"gw_change_role", R"sql(
  UPDATE staff_accounts SET role = $2, agency_code = $3 WHERE username = $1
)sql"};

constexpr SqlStatement kListAccounts{"gw_list_accounts", R"sql(
  SELECT username, name, role, agency_code, disabled_at IS NOT NULL AS disabled,
         must_change_password, totp_enabled_at IS NOT NULL AS totp_enabled, created_at,
         created_by, locked_until
  FROM staff_accounts ORDER BY username
)sql"};

constexpr SqlStatement kAccountExists{"gw_account_exists", R"sql(
  SELECT count(*) AS n FROM staff_accounts WHERE username = $1
)sql"};

const absl::Status& WrongCredentials() {
  static const absl::Status kWrong =
      absl::UnauthenticatedError("nama pengguna atau kata sandi salah");
  return kWrong;
}

std::string HashOf(const std::string& cookie) { return Sha256Hex(cookie); }

// 3 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit (as the table checks).
bool IsUsername(const std::string& name) {
  if (name.size() < 3 || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

Caller CallerOfRow(const PgRow& row) {
  Caller caller{.subject = row.String("username"),
                .name = row.String("name"),
                .agency_code = row.String("agency_code")};
  if (absl::StatusOr<StaffRole> role = ParseRole(row.String("role")); role.ok()) {
    caller.role = *role;
  }
  return caller;
}

// A hash to check a password against when the username is unknown, so that an unknown name
// takes as long as a wrong password.
const std::string& DecoyHash() {
  static const std::string kDecoy = HashPassword("decoy password, never anyone's").value();
  return kDecoy;
}

}  // namespace

absl::Status MustBeAdmin(const Caller& caller, absl::string_view what) {
  if (caller.role == StaffRole::kAdmin) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("only an administrator manages ", what));
}

absl::StatusOr<OpenedSession> StaffAccounts::OpenSession(PgConnection& db, const Caller& caller,
                                                         bool must_change_password) {
  const absl::Time now = clock_.Now();
  OpenedSession opened{.cookie = RandomHex(32),
                       .session = {.caller = caller,
                                   .csrf_token = RandomHex(24),
                                   .must_change_password = must_change_password,
                                   .expires_at = now + policy_.lifetime}};
  SKK_RETURN_IF_ERROR(db.Execute(kOpenSession, {SqlParam::Bytes(HashOf(opened.cookie)),
                                                SqlParam::Text(caller.subject),
                                                SqlParam::Text(opened.session.csrf_token),
                                                SqlParam::Time(now),
                                                SqlParam::Time(opened.session.expires_at)})
                          .status());
  return opened;
}

absl::Status StaffAccounts::CountFailure(PgConnection& db, const std::string& username,
                                         absl::Time now) {
  return db.Execute(kFailedSignIn, {SqlParam::Text(username), SqlParam::Int(policy_.max_failures),
                                    SqlParam::Time(now + policy_.lockout)})
      .status();
}

absl::StatusOr<absl::Status> StaffAccounts::SecondFactor(PgConnection& db, const PgRow& account,
                                                         const std::string& code, absl::Time now) {
  if (account.IsNull("totp_enabled_at")) return absl::OkStatus();
  const std::string username = account.String("username");
  if (code.empty()) {
    return InvalidFields({{"totp_code", "is required: the 6 digits the app shows now"}});
  }
  const std::optional<int64_t> step = TotpStepOf(account.Bytes("totp_secret"), now, code);
  if (!step.has_value() || *step <= account.Int("totp_last_step")) {
    SKK_RETURN_IF_ERROR(CountFailure(db, username, now));
    return InvalidFields({{"totp_code", "is not the code the app shows now"}});
  }
  SKK_RETURN_IF_ERROR(
      db.Execute(kTotpUsed, {SqlParam::Text(username), SqlParam::Int(*step)}).status());
  return absl::OkStatus();
}

absl::StatusOr<OpenedSession> StaffAccounts::SignIn(const std::string& username,
                                                    const std::string& password,
                                                    const std::string& totp_code) {
  const absl::Time now = clock_.Now();
  std::optional<OpenedSession> opened;
  absl::Status refusal;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& db) -> absl::Status {
    opened.reset();
    refusal = absl::OkStatus();
    SKK_ASSIGN_OR_RETURN(PgResult found, db.Execute(kFindAccount, {SqlParam::Text(username)}));
    if (found.rows() == 0) {
      (void)PasswordMatches(DecoyHash(), password);
      refusal = WrongCredentials();
      return absl::OkStatus();
    }
    const PgRow account = found.Row(0);
    if (std::optional<absl::Time> locked = account.OptionalTime("locked_until");
        locked.has_value() && *locked > now) {
      refusal = RetryLater("terlalu banyak percobaan masuk; akun dikunci sementara",
                           *locked - now);
      return absl::OkStatus();
    }
    if (!PasswordMatches(account.String("password_hash"), password) ||
        !account.IsNull("disabled_at")) {
      refusal = WrongCredentials();
      return CountFailure(db, username, now);
    }
    SKK_ASSIGN_OR_RETURN(refusal, SecondFactor(db, account, totp_code, now));
    if (!refusal.ok()) return absl::OkStatus();
    SKK_RETURN_IF_ERROR(db.Execute(kGoodSignIn, {SqlParam::Text(username)}).status());
    SKK_ASSIGN_OR_RETURN(opened, OpenSession(db, CallerOfRow(account),
                                             account.Bool("must_change_password")));
    opened->session.totp_enabled = !account.IsNull("totp_enabled_at");
    return absl::OkStatus();
  }));
  if (!refusal.ok()) {
    log::Info("staff sign-in refused", {{"username", username},
                                        {"reason", std::string(refusal.message())}});
    return refusal;
  }
  log::Info("staff signed in", {{"username", username}});
  return *std::move(opened);
}

absl::StatusOr<ActiveSession> StaffAccounts::Session(const std::string& cookie) {
  if (cookie.empty()) return absl::UnauthenticatedError("sign in first");
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(
      PgResult touched,
      db->Execute(kTouchSession,
                  {SqlParam::Bytes(HashOf(cookie)), SqlParam::Time(clock_.Now()),
                   SqlParam::Text(absl::StrCat(absl::ToInt64Seconds(policy_.idle), " seconds"))}));
  if (touched.rows() == 0) {
    return absl::UnauthenticatedError("the session has ended; sign in again");
  }
  const PgRow row = touched.Row(0);
  return ActiveSession{.caller = CallerOfRow(row),
                       .csrf_token = row.String("csrf_token"),
                       .must_change_password = row.Bool("must_change_password"),
                       .expires_at = row.Time("expires_at"),
                       .totp_enabled = row.Bool("totp_enabled")};
}

absl::Status StaffAccounts::SignOut(const std::string& cookie) {
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  return db->Execute(kCloseSession, {SqlParam::Bytes(HashOf(cookie))}).status();
}

absl::Status StaffAccounts::ChangePassword(const std::string& cookie, const std::string& username,
                                           const v1::ChangePassword& change) {
  SKK_RETURN_IF_ERROR(CheckNewPassword(change.new_password(), username));
  SKK_ASSIGN_OR_RETURN(const std::string hash, HashPassword(change.new_password()));
  return pool_.Transact([&](PgConnection& db) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(PgResult found, db.Execute(kFindAccount, {SqlParam::Text(username)}));
    if (found.rows() == 0 ||
        !PasswordMatches(found.Row(0).String("password_hash"), change.current_password())) {
      return InvalidFields({{"current_password", "is not the current password"}});
    }
    if (PasswordMatches(found.Row(0).String("password_hash"), change.new_password())) {
      return InvalidFields({{"new_password", "must differ from the current password"}});
    }
    SKK_RETURN_IF_ERROR(db.Execute(kSetPassword, {SqlParam::Text(username), SqlParam::Text(hash),
                                                  SqlParam::Bool(false)})
                            .status());
    return db.Execute(kCloseOtherSessions,
                      {SqlParam::Text(username), SqlParam::Bytes(HashOf(cookie))})
        .status();
  });
}

absl::StatusOr<v1::TotpEnrollment> StaffAccounts::BeginTotp(const std::string& username) {
  const std::string secret = NewTotpSecret();
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult set, db->Execute(kTotpPending, {SqlParam::Text(username),
                                                                SqlParam::Bytes(secret)}));
  if (set.affected() == 0) {
    return absl::FailedPreconditionError(
        "the second factor is on already; an administrator's password reset turns it off");
  }
  v1::TotpEnrollment enrollment;
  enrollment.set_secret(TotpSecretText(secret));
  enrollment.set_otpauth_uri(TotpUri("Sambat Kene Ker", username, secret));
  return enrollment;
}

absl::Status StaffAccounts::ConfirmTotp(const std::string& username, const std::string& code) {
  return pool_.Transact([&](PgConnection& db) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(PgResult found, db.Execute(kFindAccount, {SqlParam::Text(username)}));
    if (found.rows() == 0 || found.Row(0).IsNull("totp_pending_secret")) {
      return absl::FailedPreconditionError("start with POST /api/v1/staff/totp");
    }
    const absl::Time now = clock_.Now();
    const std::optional<int64_t> step =
        TotpStepOf(found.Row(0).Bytes("totp_pending_secret"), now, code);
    if (!step.has_value()) return InvalidFields({{"code", "is not the code the app shows now"}});
    SKK_RETURN_IF_ERROR(db.Execute(kTotpOn, {SqlParam::Text(username), SqlParam::Time(now),
                                             SqlParam::Int(*step)})
                            .status());
    log::Info("staff second factor on", {{"username", username}});
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::StaffAccountIssued> StaffAccounts::Create(const Caller& admin,
                                                             const v1::NewStaffAccount& a) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "staff accounts"));
  std::vector<FieldViolation> bad;
  if (!IsUsername(a.username())) {
    bad.push_back({"username", "must be 3 to 64 of a-z, 0-9, '.', '_', '-'"});
  }
  absl::StatusOr<StaffRole> role = ParseRole(a.role());
  if (!role.ok()) bad.push_back({"role", "must be officer, agency_head, leadership or admin"});
  if (role.ok() && RoleHasAgency(*role) == a.agency_code().empty()) {
    bad.push_back({"agency_code", "is required for officers and agency heads, and only for them"});
  }
  if (a.name().empty() || a.name().size() > 200) bad.push_back({"name", "must be 1 to 200 bytes"});
  SKK_RETURN_IF_ERROR(InvalidFields(bad));
  v1::StaffAccountIssued issued;
  issued.set_username(a.username());
  issued.set_temporary_password(TemporaryPassword());
  SKK_ASSIGN_OR_RETURN(const std::string hash, HashPassword(issued.temporary_password()));
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  absl::StatusOr<PgResult> inserted = db->Execute(
      kCreateAccount, {SqlParam::Text(a.username()), SqlParam::Text(a.name()),
                       SqlParam::Text(a.role()), SqlParam::Text(a.agency_code()),
                       SqlParam::Text(hash), SqlParam::Time(clock_.Now()),
                       SqlParam::Text(admin.subject)});
  if (absl::IsAlreadyExists(inserted.status())) {
    return absl::AlreadyExistsError(absl::StrCat("the username ", a.username(), " is taken"));
  }
  SKK_RETURN_IF_ERROR(inserted.status());
  log::Info("staff account created", {{"username", a.username()}, {"role", a.role()},
                                      {"by", admin.subject}});
  return issued;
}

absl::StatusOr<v1::StaffAccountIssued> StaffAccounts::ResetPassword(const Caller& admin,
                                                                    const std::string& username) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "staff accounts"));
  v1::StaffAccountIssued issued;
  issued.set_username(username);
  issued.set_temporary_password(TemporaryPassword());
  SKK_ASSIGN_OR_RETURN(const std::string hash, HashPassword(issued.temporary_password()));
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& db) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(PgResult set, db.Execute(kSetPassword, {SqlParam::Text(username),
                                                                 SqlParam::Text(hash),
                                                                 SqlParam::Bool(true)}));
    if (set.affected() == 0) return absl::NotFoundError("no such account");
    SKK_RETURN_IF_ERROR(db.Execute(kTotpOff, {SqlParam::Text(username)}).status());
    return db.Execute(kCloseAllSessions, {SqlParam::Text(username)}).status();
  }));
  log::Info("staff password reset", {{"username", username}, {"by", admin.subject}});
  return issued;
}

absl::Status StaffAccounts::Disable(const Caller& admin, const std::string& username) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "staff accounts"));
  if (admin.subject == username) {
    return absl::FailedPreconditionError("an administrator cannot disable their own account");
  }
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& db) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(PgResult found, db.Execute(kFindAccount, {SqlParam::Text(username)}));
    if (found.rows() == 0) return absl::NotFoundError("no such account");
    SKK_RETURN_IF_ERROR(
        db.Execute(kDisable, {SqlParam::Text(username), SqlParam::Time(clock_.Now())}).status());
    return db.Execute(kCloseAllSessions, {SqlParam::Text(username)}).status();
  }));
  log::Info("staff account disabled", {{"username", username}, {"by", admin.subject}});
  return absl::OkStatus();
}

absl::StatusOr<v1::StaffAccountList> StaffAccounts::List(const Caller& admin) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "staff accounts"));
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult r, db->Execute(kListAccounts, {}));
  v1::StaffAccountList list;
  const absl::Time now = clock_.Now();
  for (PgRow row : r) {
    v1::StaffAccount& a = *list.add_accounts();
    a.set_username(row.String("username"));
    a.set_name(row.String("name"));
    a.set_role(row.String("role"));
    a.set_agency_code(row.String("agency_code"));
    a.set_disabled(row.Bool("disabled"));
    a.set_must_change_password(row.Bool("must_change_password"));
    a.set_totp_enabled(row.Bool("totp_enabled"));
    *a.mutable_created_at() = ToProtoTime(row.Time("created_at"));
    a.set_created_by(row.String("created_by"));
    if (const auto locked = row.OptionalTime("locked_until"); locked && *locked > now) {
      *a.mutable_locked_until() = ToProtoTime(*locked);
    }
  }
  return list;
}

absl::Status StaffAccounts::Enable(const Caller& admin, const std::string& username) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "staff accounts"));
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult set, db->Execute(kEnable, {SqlParam::Text(username)}));
  if (set.affected() == 0) return absl::NotFoundError("no such account");
  log::Info("staff account enabled", {{"username", username}, {"by", admin.subject}});
  return absl::OkStatus();
}

absl::Status StaffAccounts::ChangeRole(const Caller& admin, const std::string& username,
                                       const v1::StaffRoleChange& change) {
  SKK_RETURN_IF_ERROR(MustBeAdmin(admin, "staff accounts"));
  std::vector<FieldViolation> bad;
  absl::StatusOr<StaffRole> role = ParseRole(change.role());
  if (!role.ok()) bad.push_back({"role", "must be officer, agency_head, leadership or admin"});
  if (role.ok() && RoleHasAgency(*role) == change.agency_code().empty()) {
    bad.push_back({"agency_code", "is required for officers and agency heads, and only for them"});
  }
  SKK_RETURN_IF_ERROR(InvalidFields(bad));
  if (admin.subject == username && *role != StaffRole::kAdmin) {
    return absl::FailedPreconditionError("an administrator cannot take away their own role");
  }
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& db) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(PgResult set, db.Execute(kChangeRole, {SqlParam::Text(username),
                                                                SqlParam::Text(change.role()),
                                                                SqlParam::Text(change.agency_code())}));
    if (set.affected() == 0) return absl::NotFoundError("no such account");
    // A session carries the role it signed in with: the new one applies from the next sign-in.
    return db.Execute(kCloseAllSessions, {SqlParam::Text(username)}).status();
  }));
  log::Info("staff role changed", {{"username", username}, {"role", change.role()},
                                   {"agency", change.agency_code()}, {"by", admin.subject}});
  return absl::OkStatus();
}

absl::Status StaffAccounts::EnsureAdmin(const std::string& username, const std::string& password) {
  SKK_ASSIGN_OR_RETURN(auto db, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult n, db->Execute(kAccountExists, {SqlParam::Text(username)}));
  if (n.OnlyInt() > 0) return absl::OkStatus();
  SKK_ASSIGN_OR_RETURN(const std::string hash, HashPassword(password));
  SKK_RETURN_IF_ERROR(db->Execute(kCreateAccount,
                                  {SqlParam::Text(username), SqlParam::Text("Administrator"),
                                   SqlParam::Text("admin"), SqlParam::Text(""),
                                   SqlParam::Text(hash), SqlParam::Time(clock_.Now()),
                                   SqlParam::Text("first start")})
                          .status());
  log::Info("first administrator account created", {{"username", username}});
  return absl::OkStatus();
}

}  // namespace skk::gateway

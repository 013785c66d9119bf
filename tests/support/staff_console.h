#pragma once

// A browser's view of the staff API for tests of the gateway (docs/staff-auth.md): it keeps the
// session cookie and the CSRF token, as the console does; and the accounts a test needs.

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "sambat/v1/gateway.pb.h"
#include "services/platform/dev_mode.h"
#include "tests/support/http_client.h"
#include "tests/support/system.h"

namespace skk::testing {

// A browser's view of the staff API: it keeps the session cookie and the CSRF token.
class Console {
 public:
  explicit Console(int port) : http_(port) {}

  HttpAnswer SignIn(const std::string& username, const std::string& password,
                    const std::string& totp_code = "") {
    sambat::v1::StaffSignIn body;
    body.set_username(username);
    body.set_password(password);
    body.set_totp_code(totp_code);
    HttpAnswer answer = http_.Post("/api/v1/staff/session", ProtoJson(body), "application/json");
    if (answer.status == 200) {
      const std::string cookie = answer.Header("set-cookie");
      cookie_ = cookie.substr(0, cookie.find(';'));
      session_ = FromJson<sambat::v1::StaffSession>(answer.body);
    }
    return answer;
  }
  HttpAnswer Get(const std::string& path, HttpHeaders extra = {}) {
    extra.push_back({"Cookie", cookie_});
    return http_.Get(path, extra);
  }
  HttpAnswer Post(const std::string& path, const std::string& json, bool with_csrf = true) {
    HttpHeaders headers = {{"Cookie", cookie_}};
    if (with_csrf) headers.push_back({"X-CSRF-Token", session_.csrf_token()});
    return http_.Post(path, json, "application/json", headers);
  }
  HttpAnswer Delete(const std::string& path) {
    return http_.Send("DELETE", path, "", "",
                      {{"Cookie", cookie_}, {"X-CSRF-Token", session_.csrf_token()}});
  }
  // Signs in with a temporary password and chooses `password`.
  void FirstSignIn(const std::string& username, const std::string& temporary,
                   const std::string& password) {
    const HttpAnswer signed_in = SignIn(username, temporary);
    INFO(signed_in.body);
    REQUIRE(signed_in.status == 200);
    REQUIRE(session_.must_change_password());
    sambat::v1::ChangePassword change;
    change.set_current_password(temporary);
    change.set_new_password(password);
    const HttpAnswer changed = Post("/api/v1/staff/password", ProtoJson(change));
    INFO(changed.body);
    REQUIRE(changed.status == 200);
    CHECK_FALSE(FromJson<sambat::v1::StaffSession>(changed.body).must_change_password());
  }
  const sambat::v1::StaffSession& session() const { return session_; }
  const std::string& cookie() const { return cookie_; }

 private:
  HttpClient http_;
  std::string cookie_;
  sambat::v1::StaffSession session_;
};

// The password the tests' administrator chooses at the first sign-in.
inline constexpr char kAdministratorPassword[] = "kantor-diskominfo-2026";

// The city's first administrator, signed in with a password of their own.
inline Console Administrator(const System& system) {
  Console admin(system.HttpPort());
  admin.FirstSignIn("admin", kDevInitialAdminPassword, kAdministratorPassword);
  return admin;
}

// A new account, created by `admin`; returns its temporary password.
inline std::string CreateAccount(Console& admin, const std::string& username,
                                 const std::string& role, const std::string& agency) {
  sambat::v1::NewStaffAccount account;
  account.set_username(username);
  account.set_name(absl::StrCat("Petugas ", username));
  account.set_role(role);
  account.set_agency_code(agency);
  const HttpAnswer created = admin.Post("/api/v1/staff/accounts", ProtoJson(account));
  INFO(created.body);
  REQUIRE(created.status == 201);
  return FromJson<sambat::v1::StaffAccountIssued>(created.body).temporary_password();
}

// An officer account created by `admin` and signed in with its own password.
inline Console Officer(const System& system, Console& admin, const std::string& username,
                       const std::string& agency, const std::string& password) {
  const std::string temporary = CreateAccount(admin, username, "officer", agency);
  Console officer(system.HttpPort());
  officer.FirstSignIn(username, temporary, password);
  return officer;
}

}  // namespace skk::testing

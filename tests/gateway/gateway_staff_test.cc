// Staff sign-in and the staff API through the real gateway (docs/staff-auth.md): accounts an
// administrator creates, first sign-in forcing a new password, sessions in HttpOnly cookies
// with a CSRF token, lockout, idle expiry, sign-out and disabling cutting a session off at
// once, and an officer working a case from the queue over HTTP.

#include <catch2/catch.hpp>
#include <csignal>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sambat/v1/gateway.pb.h"
#include "sambat/v1/intake.pb.h"
#include "sambat/v1/routing.pb.h"
#include "services/platform/dev_mode.h"
#include "tests/support/http_client.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

namespace v1 = sambat::v1;

// A browser's view of the staff API: it keeps the session cookie and the CSRF token.
class Console {
 public:
  explicit Console(int port) : http_(port) {}

  HttpAnswer SignIn(const std::string& username, const std::string& password) {
    v1::StaffSignIn body;
    body.set_username(username);
    body.set_password(password);
    HttpAnswer answer = http_.Post("/api/v1/staff/session", ProtoJson(body), "application/json");
    if (answer.status == 200) {
      const std::string cookie = answer.Header("set-cookie");
      cookie_ = cookie.substr(0, cookie.find(';'));
      session_ = FromJson<v1::StaffSession>(answer.body);
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
    v1::ChangePassword change;
    change.set_current_password(temporary);
    change.set_new_password(password);
    const HttpAnswer changed = Post("/api/v1/staff/password", ProtoJson(change));
    INFO(changed.body);
    REQUIRE(changed.status == 200);
    CHECK_FALSE(FromJson<v1::StaffSession>(changed.body).must_change_password());
  }
  const v1::StaffSession& session() const { return session_; }
  const std::string& cookie() const { return cookie_; }

 private:
  HttpClient http_;
  std::string cookie_;
  v1::StaffSession session_;
};

// The city's first administrator, signed in with a password of their own.
Console Administrator(const System& system) {
  Console admin(system.HttpPort());
  admin.FirstSignIn("admin", kDevInitialAdminPassword, "kantor-diskominfo-2026");
  return admin;
}

// A new account, created by `admin`; returns its temporary password.
std::string CreateAccount(Console& admin, const std::string& username, const std::string& role,
                          const std::string& agency) {
  v1::NewStaffAccount account;
  account.set_username(username);
  account.set_name(absl::StrCat("Petugas ", username));
  account.set_role(role);
  account.set_agency_code(agency);
  const HttpAnswer created = admin.Post("/api/v1/staff/accounts", ProtoJson(account));
  INFO(created.body);
  REQUIRE(created.status == 201);
  return FromJson<v1::StaffAccountIssued>(created.body).temporary_password();
}

// An officer account created by `admin` and signed in with its own password.
Console Officer(const System& system, Console& admin, const std::string& username,
                const std::string& agency, const std::string& password) {
  const std::string temporary = CreateAccount(admin, username, "officer", agency);
  Console officer(system.HttpPort());
  officer.FirstSignIn(username, temporary, password);
  return officer;
}

TEST_CASE("an officer signs in over HTTP and works a case from the queue", "[gateway]") {
  System system("gateway_staff_flow");
  system.Start("gateway");
  Console admin = Administrator(system);
  const std::string temporary = CreateAccount(admin, "budi.dpuprpkp", "officer", "dpuprpkp");

  // A citizen's complaint, over the citizens' API.
  HttpClient phone(system.HttpPort());
  const HttpAnswer submitted =
      phone.Post("/api/v1/complaints", ProtoJson(SampleComplaint()), "application/json",
                 {{"Idempotency-Key", "staff-flow-complaint-1"}});
  REQUIRE(submitted.status == 201);
  const std::string id = FromJson<v1::SubmitComplaintResponse>(submitted.body).complaint_id();

  Console budi(system.HttpPort());
  // The first sign-in may do nothing but choose a password.
  REQUIRE(budi.SignIn("budi.dpuprpkp", temporary).status == 200);
  CHECK(budi.session().role() == "officer");
  CHECK(budi.session().agency_code() == "dpuprpkp");
  CHECK(budi.Get("/api/v1/staff/queue").status == 403);
  budi.FirstSignIn("budi.dpuprpkp", temporary, "jalan-mulus-malang-1");

  v1::ListQueueResponse queue;
  REQUIRE(System::WaitUntil([&] {
    const HttpAnswer answer = budi.Get("/api/v1/staff/queue");
    if (answer.status != 200) return false;
    queue = FromJson<v1::ListQueueResponse>(answer.body);
    return queue.cases_size() == 1;
  }));
  CHECK(queue.cases(0).complaint_id() == id);
  // A console polling every few seconds costs nothing while nothing changes.
  const HttpAnswer first = budi.Get("/api/v1/staff/queue");
  CHECK(budi.Get("/api/v1/staff/queue", {{"If-None-Match", first.Header("etag")}}).status ==
        304);

  const std::string cases = absl::StrCat("/api/v1/staff/cases/", id);
  // Without the CSRF token, nothing changes, whatever the cookie.
  CHECK(budi.Post(cases + "/claim", "{}", /*with_csrf=*/false).status == 403);
  const HttpAnswer claimed = budi.Post(cases + "/claim", "{}");
  INFO(claimed.body);
  REQUIRE(claimed.status == 200);
  CHECK(FromJson<v1::Case>(claimed.body).holder_id() == "budi.dpuprpkp");
  const HttpAnswer responded = budi.Post(
      cases + "/respond", R"({"message": "Tim kami menambal jalan ini besok pagi."})");
  INFO(responded.body);
  CHECK(responded.status == 200);
  // The body may not name another case than the address.
  CHECK(budi.Post(cases + "/respond", R"({"complaint_id": "00000000-0000-0000-0000-000000000000",
                                          "message": "x"})")
            .status == 400);
  const HttpAnswer one = budi.Get(cases);
  CHECK(one.status == 200);
  CHECK(FromJson<v1::Case>(one.body).state() == v1::CASE_STATE_IN_PROGRESS);

  // Another agency's officer does not see it (routing decides, as for any token).
  Console sari = Officer(system, admin, "sari.dlh", "dlh", "taman-bersih-malang-2");
  CHECK(sari.Get(cases).status == 404);
  // Officers do not manage accounts.
  CHECK(sari.Post("/api/v1/staff/accounts", R"({"username": "x.dlh", "name": "X",
                                                "role": "admin"})")
            .status == 403);
}

// A gateway alone (accounts need no other service) and its signed-in administrator.
struct AccountsDoor {
  System system;
  Console admin;
  explicit AccountsDoor(const std::string& name)
      : system(name, {}), admin((system.Start("gateway"), Administrator(system))) {}
};

TEST_CASE("wrong passwords lock the account for a while, and say nothing of who exists",
          "[gateway]") {
  AccountsDoor door("gateway_staff_lockout");
  System& system = door.system;
  Console rina = Officer(system, door.admin, "rina.dishub", "dishub", "lampu-lalu-lintas-3");

  Console stranger(system.HttpPort());
  const HttpAnswer unknown = stranger.SignIn("nobody.here", "whatever-password");
  const HttpAnswer wrong = stranger.SignIn("rina.dishub", "whatever-password");
  CHECK(unknown.status == 401);
  CHECK(wrong.status == 401);
  CHECK(FromJson<v1::Problem>(unknown.body).detail() == FromJson<v1::Problem>(wrong.body).detail());
  for (int i = 0; i < 4; ++i) CHECK(stranger.SignIn("rina.dishub", "still-wrong-pass").status == 401);
  // Five failures: even the right password waits now.
  const HttpAnswer locked = stranger.SignIn("rina.dishub", "lampu-lalu-lintas-3");
  CHECK(locked.status == 429);
  CHECK_FALSE(locked.Header("retry-after").empty());
  // Rina's open session is not the attacker's to end.
  CHECK(rina.Get("/api/v1/staff/session").status == 200);
  system.AdvanceClock(absl::Minutes(16));
  CHECK(stranger.SignIn("rina.dishub", "lampu-lalu-lintas-3").status == 200);
}

TEST_CASE("a session ends when idle, at sign-out, and at once when the account is disabled",
          "[gateway]") {
  AccountsDoor door("gateway_staff_sessions");
  System& system = door.system;
  Console& admin = door.admin;
  Console andi = Officer(system, admin, "andi.dlh", "dlh", "sampah-terangkut-4");

  // Idle for longer than the session allows.
  CHECK(andi.Get("/api/v1/staff/session").status == 200);
  system.AdvanceClock(absl::Minutes(31));
  CHECK(andi.Get("/api/v1/staff/session").status == 401);

  // Sign-out ends the session; its cookie is worthless after.
  REQUIRE(andi.SignIn("andi.dlh", "sampah-terangkut-4").status == 200);
  const std::string old_cookie = andi.cookie();
  CHECK(andi.Delete("/api/v1/staff/session").status == 204);
  CHECK(andi.Get("/api/v1/staff/session").status == 401);

  // Disabled while signed in: the very next request is refused, and no new sign-in works.
  // (The administrator's own session went idle with the clock too.)
  REQUIRE(admin.SignIn("admin", "kantor-diskominfo-2026").status == 200);
  REQUIRE(andi.SignIn("andi.dlh", "sampah-terangkut-4").status == 200);
  CHECK(andi.Get("/api/v1/staff/session").status == 200);
  CHECK(admin.Post("/api/v1/staff/accounts/andi.dlh/disable", "").status == 204);
  CHECK(andi.Get("/api/v1/staff/session").status == 401);
  CHECK(andi.SignIn("andi.dlh", "sampah-terangkut-4").status == 401);

  // A reset of an account that does not exist says so.
  CHECK(admin.Post("/api/v1/staff/accounts/budi.none/reset-password", "").status == 404);
}

}  // namespace
}  // namespace skk::testing

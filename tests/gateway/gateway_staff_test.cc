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
#include "sambat/v1/notification.pb.h"
#include "sambat/v1/routing.pb.h"
#include "services/platform/dev_mode.h"
#include "tests/support/http_client.h"
#include "tests/support/staff_console.h"
#include "services/gateway/totp.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

namespace v1 = sambat::v1;

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

  // Who was told what: the officer sees that the citizen heard, not the citizen's number.
  v1::ListNotificationsResponse log;
  REQUIRE(System::WaitUntil([&] {
    const HttpAnswer answer = budi.Get(cases + "/notifications");
    if (answer.status != 200) return false;
    log = FromJson<v1::ListNotificationsResponse>(answer.body);
    for (const v1::Notification& n : log.notifications()) {
      if (n.recipient_role() == "citizen") return true;
    }
    return false;
  }));
  for (const v1::Notification& n : log.notifications()) {
    if (n.recipient_role() == "citizen") CHECK(n.address() == "+628******7890");
  }
  // The officer's own inbox, and marking a message that is not theirs.
  const HttpAnswer inbox = budi.Get("/api/v1/staff/inbox?unread_only=true");
  INFO(inbox.body);
  CHECK(inbox.status == 200);
  CHECK(budi.Post("/api/v1/staff/inbox/read",
                  R"({"ids": ["00000000-0000-4000-8000-000000000000"]})")
            .status == 404);

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

TEST_CASE("an account with a second factor signs in only with its authenticator's current code",
          "[gateway]") {
  System system("gateway_staff_totp");
  system.Start("gateway");
  Console admin = Administrator(system);
  Console rina = Officer(system, admin, "rina.dlh", "dlh", "sampah-bersih-2026");

  // The officer adds the secret to an app; it is on only once a code from the app confirms it.
  const HttpAnswer begun = rina.Post("/api/v1/staff/totp", "");
  INFO(begun.body);
  REQUIRE(begun.status == 200);
  const auto enrollment = FromJson<v1::TotpEnrollment>(begun.body);
  CHECK(absl::StartsWith(enrollment.otpauth_uri(), "otpauth://totp/Sambat%20Kene%20Ker:rina.dlh?"));
  const std::optional<std::string> secret = gateway::TotpSecretFromText(enrollment.secret());
  REQUIRE(secret.has_value());
  const HttpAnswer wrong = rina.Post("/api/v1/staff/totp/confirm", R"({"code": "000000"})");
  CHECK(wrong.status == 400);
  CHECK(rina.Get("/api/v1/staff/session").body.find("totp_enabled") == std::string::npos);
  v1::TotpConfirmation confirmation;
  confirmation.set_code(gateway::TotpCode(*secret, system.Now()));
  const HttpAnswer confirmed = rina.Post("/api/v1/staff/totp/confirm", ProtoJson(confirmation));
  INFO(confirmed.body);
  REQUIRE(confirmed.status == 200);
  CHECK(FromJson<v1::StaffSession>(confirmed.body).totp_enabled());
  CHECK(rina.Post("/api/v1/staff/totp", "").status == 409);  // on already

  // From now on the password alone opens nothing; the code of the moment does, once.
  system.AdvanceClock(absl::Seconds(60));
  Console phone(system.HttpPort());
  const HttpAnswer password_only = phone.SignIn("rina.dlh", "sampah-bersih-2026");
  CHECK(password_only.status == 400);
  CHECK(absl::StrContains(password_only.body, "totp_code"));
  CHECK(phone.SignIn("rina.dlh", "sampah-bersih-2026", "123456").status == 400);
  const std::string code = gateway::TotpCode(*secret, system.Now());
  const HttpAnswer both = phone.SignIn("rina.dlh", "sampah-bersih-2026", code);
  INFO(both.body);
  REQUIRE(both.status == 200);
  CHECK(phone.session().totp_enabled());
  CHECK(phone.SignIn("rina.dlh", "sampah-bersih-2026", code).status == 400);  // used once
  // A wrong password with a right code says nothing of the code.
  CHECK(phone.SignIn("rina.dlh", "salah-kata-sandi-2026", code).status == 401);

  // A lost phone: the administrator's reset turns the factor off with the password.
  const HttpAnswer reset = admin.Post("/api/v1/staff/accounts/rina.dlh/reset-password", "");
  REQUIRE(reset.status == 200);
  const std::string temporary = FromJson<v1::StaffAccountIssued>(reset.body).temporary_password();
  Console again(system.HttpPort());
  const HttpAnswer after_reset = again.SignIn("rina.dlh", temporary);
  CHECK(after_reset.status == 200);
  CHECK_FALSE(again.session().totp_enabled());
}

}  // namespace
}  // namespace skk::testing

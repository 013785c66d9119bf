// The staff console in a real browser (docs/console.md): Debian's Chromium, driven by
// playwright-core from Node, as an office PC, against the real gateway and services
// (tests/support/browser_run.h). Screenshots are kept in build/<kind>/browser-screens/<script>/.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "sambat/v1/intake.pb.h"
#include "services/platform/amqp.h"
#include "tests/support/browser_run.h"
#include "tests/support/http_client.h"

namespace skk::testing {
namespace {

TEST_CASE("console: an officer claims, asks, resolves with a proof photo, and another agency is "
          "refused",
          "[console]") {
  BrowserCity city("console_officer");
  city.Run("officer.mjs");
}

TEST_CASE("console: the agency head acknowledges a level-1 escalation and only reads cases",
          "[console]") {
  BrowserCity city("console_head");
  System& system = city.system;
  Console admin(system.HttpPort());
  REQUIRE(admin.SignIn("admin", kAdministratorPassword).status == 200);
  const std::string temporary = CreateAccount(admin, "kepala.dpuprpkp", "agency_head", "dpuprpkp");
  Console head(system.HttpPort());
  head.FirstSignIn("kepala.dpuprpkp", temporary, "kepala-dinas-pu-2026");

  HttpClient phone(system.HttpPort());
  const HttpAnswer submitted =
      phone.Post("/api/v1/complaints", ProtoJson(SampleComplaint()), "application/json",
                 {{"Idempotency-Key", "console-head-1"}});
  REQUIRE(submitted.status == 201);
  const std::string ticket = FromJson<sambat::v1::SubmitComplaintResponse>(submitted.body).ticket();
  REQUIRE(System::WaitUntil([&] { return system.Count("SELECT count(*) FROM sla.deadlines") == 1; }));
  // Nobody answers for more than the five working days: level 1 reaches the head. Sessions
  // live in business time: eight days later hers has ended, so she signs in again.
  system.AdvanceClock(absl::Hours(24 * 8));
  REQUIRE(head.SignIn("kepala.dpuprpkp", "kepala-dinas-pu-2026").status == 200);
  REQUIRE(System::WaitUntil([&] {
    return absl::StrContains(head.Get("/api/v1/staff/escalations").body, ticket);
  }));

  city.Run("head.mjs", {{"SKK_HEAD_USER", "kepala.dpuprpkp"},
                        {"SKK_HEAD_PASSWORD", "kepala-dinas-pu-2026"},
                        {"SKK_TICKET", ticket}});
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 1 "
                     "AND acknowledged_by IS NOT NULL") == 1);
}

// An event routing could not apply, in its dead queue as its consumer parks one (retries spent,
// the payload not a protobuf), for the administrator to find and replay.
void ParkInRouting(const System& system, const std::string& event_id) {
  absl::StatusOr<AmqpEndpoint> amqp = ParseAmqpUri(system.world().AmqpUri());
  REQUIRE(amqp.ok());
  AmqpMessage parked;
  parked.routing_key = "routing.events.dead";
  parked.original_routing_key = "complaint.submitted";
  parked.message_id = event_id;
  parked.type = "complaint.submitted";
  parked.body = "bukan protobuf";
  parked.attempt = 5;
  parked.last_error = "INVALID_ARGUMENT: the payload does not decode";
  ConfirmingPublisher publisher(*amqp, "console-test-park");
  const absl::Status published = publisher.PublishBatch({parked});
  INFO(published.ToString());
  REQUIRE(published.ok());
}

// (No semicolon in a test's name: CMake would split it into two.)
TEST_CASE("console: the administrator creates an officer who must choose a password, keeps "
          "recipients and API keys, replays a parked event and reloads routing",
          "[console]") {
  BrowserCity city("console_admin");
  System& system = city.system;
  const std::string poison = "5f0c2a8e-7d1b-4c3e-9a64-2b8d1e0f7c15";
  ParkInRouting(system, poison);
  city.Run("admin.mjs", {{"SKK_PARKED_EVENT", poison}});
  // What the screens did, in the gateway's and notification's own tables.
  CHECK(system.Count("SELECT count(*) FROM gateway.staff_accounts WHERE username = 'rina.dishub' "
                     "AND role = 'officer' AND agency_code = 'dishub' "
                     "AND NOT must_change_password AND disabled_at IS NULL") == 1);
  CHECK(system.Count("SELECT count(*) FROM gateway.staff_accounts WHERE username = 'tono.dlh' "
                     "AND role = 'agency_head' AND agency_code = 'dlh' AND must_change_password "
                     "AND disabled_at IS NULL") == 1);
  CHECK(system.Count("SELECT count(*) FROM gateway.api_keys WHERE name = 'SIM Dishub' "
                     "AND purpose = 'staff' AND revoked_at IS NOT NULL") == 1);
  CHECK(system.Count("SELECT count(*) FROM notification.recipients "
                     "WHERE id = 'officer:rina.dishub' AND agency_code = 'dishub' "
                     "AND name = 'Rina Kartika, S.Kom.' "
                     "AND email = 'rina.kartika@malangkota.go.id' AND staff_subject = 'rina.dishub' "
                     "AND quiet_start = 21 * 60 AND quiet_end = 6 * 60 "
                     "AND channels = ARRAY['inbox', 'email']") == 1);
}

TEST_CASE("console: the administrator replaces the holiday calendar after the decree, checked "
          "first, and the running deadline moves",
          "[console]") {
  BrowserCity city("console_calendar");
  System& system = city.system;
  HttpClient phone(system.HttpPort());
  const HttpAnswer submitted =
      phone.Post("/api/v1/complaints", ProtoJson(SampleComplaint()), "application/json",
                 {{"Idempotency-Key", "console-calendar-1"}});
  REQUIRE(submitted.status == 201);
  const std::string ticket = FromJson<sambat::v1::SubmitComplaintResponse>(submitted.body).ticket();
  REQUIRE(System::WaitUntil([&] { return system.Count("SELECT count(*) FROM sla.deadlines") == 1; }));
  const long long before = system.Count(
      "SELECT extract(epoch FROM due_at)::bigint FROM sla.deadlines WHERE kind = 'FIRST_RESPONSE'");
  city.Run("calendar.mjs", {{"SKK_TICKET", ticket}});
  // One calendar stored, with its decree; the deadline a working day later.
  CHECK(system.Count("SELECT count(*) FROM sla.holiday_calendars "
                     "WHERE decree LIKE '%188.45/2026%' AND calendar LIKE '%2026-03-04%'") == 1);
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT extract(epoch FROM due_at)::bigint FROM sla.deadlines "
                        "WHERE kind = 'FIRST_RESPONSE'") == before + 24 * 3600;
  }));
}

TEST_CASE("console: the public page counts a complaint without anything of its reporter", "[console]") {
  BrowserCity city("console_public");
  city.Run("public.mjs");
}

}  // namespace
}  // namespace skk::testing

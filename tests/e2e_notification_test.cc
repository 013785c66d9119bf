// A complaint's life as its citizen and its agency hear of it, across the real services:
// intake takes the complaint, routing routes it, sla sets its deadline and escalates it, and
// notification tells people through a real SMTP server and a local SMS gateway receiver.
//
// Honest about what is not live yet on this branch: sla.reminder_due (sla branch) and the
// officers' case.resolved (routing's officer API) are not emitted by the services merged here,
// so the test publishes those two events itself, with the payloads events.proto defines.
// Everything else comes from the services.

#include <catch2/catch.hpp>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "tests/support/notification_harness.h"
#include "tests/support/staff_tokens.h"

namespace skk::testing {
namespace {

using Mail = std::pair<std::string, std::string>;  // (recipient, subject)

std::multiset<Mail> MailsAbout(const FakeReceiver& smtp, const std::string& ticket) {
  std::multiset<Mail> out;
  for (const auto& r : smtp.Records()) {
    if (Field(r, "ticket") == ticket) out.insert({Field(r, "rcpt_tos"), Field(r, "subject")});
  }
  return out;
}

std::multiset<std::string> SmsAbout(const FakeReceiver& gateway, const std::string& ticket) {
  std::multiset<std::string> out;
  for (const auto& r : gateway.Records()) {
    if (Field(r, "path") == "/sms" && Field(r, "status") == "200" &&
        absl::StrContains(Field(r, "body"), ticket)) {
      // The configured body template puts the number first: {"to":"...",...}.
      const std::string body = Field(r, "body");
      const size_t at = body.find("\"to\":\"") + 6;
      out.insert(body.substr(at, body.find('"', at) - at));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the citizen and the humas hear of a complaint that is routed, reminded, escalated "
          "and resolved, each message once",
          "[e2e][notification]") {
  FakeReceiver smtp("fake_smtp.py");
  FakeReceiver gateway("fake_gateway.py");
  System system("e2e_ntf", {});
  // notification first: its queue exists before anything is published.
  system.Start("notification", NotificationFlags(smtp, gateway));
  system.Start("intake");
  system.Start("routing");
  system.Start("sla");

  sambat::v1::SubmitComplaintRequest request = SampleComplaint("jalan-rusak");
  request.mutable_reporter()->set_email("siti.aminah@example.com");
  sambat::v1::SubmitComplaintResponse submitted;
  {
    grpc::ClientContext context;
    REQUIRE(system.Intake()->SubmitComplaint(&context, request, &submitted).ok());
  }
  const std::string ticket = submitted.ticket();
  const std::string id = submitted.complaint_id();
  const std::string citizen = "siti.aminah@example.com";
  const std::string humas = "humas.dpuprpkp@malangkota.go.id";
  const std::string head = "kepala.dpuprpkp@malangkota.go.id";
  auto subject = [&](const std::string& text) { return absl::StrCat("[", ticket, "] ", text); };

  // Received and routed: the citizen hears both, DPUPRPKP's humas hear of a new case.
  REQUIRE(System::WaitUntil([&] { return MailsAbout(smtp, ticket).size() >= 3; }));
  CHECK(MailsAbout(smtp, ticket) ==
        std::multiset<Mail>{{citizen, subject("Pengaduan Anda diterima")},
                            {citizen, subject("Pengaduan Anda diteruskan ke DPUPRPKP")},
                            {humas, subject("Pengaduan baru: jalan-rusak")}});

  // A day before the deadline, sla reminds the humas (published here: see the top).
  const absl::Time due = system.Now() + absl::Hours(24 * 5);
  system.AdvanceClock(absl::Hours(24 * 4));
  auto reminder = TestEvent(kReminderDue, id, system.Now());
  reminder.mutable_reminder_due()->set_ticket(ticket);
  reminder.mutable_reminder_due()->set_agency_code("dpuprpkp");
  reminder.mutable_reminder_due()->set_deadline_kind(sambat::v1::DEADLINE_KIND_FIRST_RESPONSE);
  *reminder.mutable_reminder_due()->mutable_due_at() = ToProtoTime(due);
  reminder.mutable_reminder_due()->set_due_in_seconds(24 * 3600);
  Publish(system.world(), {reminder});
  REQUIRE(System::WaitUntil([&] { return MailsAbout(smtp, ticket).size() >= 4; }));

  // Nobody answers: past the deadline sla escalates to the head of DPUPRPKP (live).
  system.AdvanceClock(absl::Hours(24) + absl::Minutes(1));
  REQUIRE(System::WaitUntil([&] { return MailsAbout(smtp, ticket).size() >= 5; }));

  // The agency resolves it (published here: see the top); the citizen gets a link to rate.
  auto resolved = TestEvent(kCaseResolved, id, system.Now());
  resolved.mutable_case_resolved()->set_ticket(ticket);
  resolved.mutable_case_resolved()->set_agency_code("dpuprpkp");
  resolved.mutable_case_resolved()->set_note("Lubang sudah ditambal dengan aspal.");
  Publish(system.world(), {resolved});
  REQUIRE(System::WaitUntil([&] { return MailsAbout(smtp, ticket).size() >= 6; }));

  // Exactly these, once each.
  absl::TimeZone wib;
  REQUIRE(absl::LoadTimeZone("Asia/Jakarta", &wib));
  const std::string due_text = absl::FormatTime("%d-%m-%Y %H:%M %Z", due, wib);
  const std::multiset<Mail> expected = {
      {citizen, subject("Pengaduan Anda diterima")},
      {citizen, subject("Pengaduan Anda diteruskan ke DPUPRPKP")},
      {citizen, subject("Pengaduan Anda telah diselesaikan")},
      {humas, subject("Pengaduan baru: jalan-rusak")},
      {humas, subject(absl::StrCat("Pengingat: batas waktu ", due_text))},
      {head, subject("Eskalasi level 1: belum ditanggapi DPUPRPKP")},
  };
  REQUIRE(System::WaitUntil([&] {
    return SmsAbout(gateway, ticket).size() >= 6;
  }));
  CHECK(MailsAbout(smtp, ticket) == expected);
  CHECK(SmsAbout(gateway, ticket) ==
        std::multiset<std::string>{"+6281234567890", "+6281234567890", "+6281234567890",
                                   "+628123000000", "+628123000000", "+628134000000"});
  for (const auto& r : smtp.Records()) {
    if (Field(r, "ticket") != ticket) continue;
    if (absl::StrContains(Field(r, "subject"), "diselesaikan")) {
      CHECK_THAT(Field(r, "body"), Catch::Contains("Lubang sudah ditambal dengan aspal."));
      CHECK_THAT(Field(r, "body"), Catch::Contains(absl::StrCat("/nilai/", ticket)));
    }
  }

  // The humas' inbox holds the new case and the reminder; the log shows the citizen's address
  // only to an administrator.
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM notification.deliveries WHERE channel = "
                                  "'inbox' AND recipient_id = 'humas:dpuprpkp:1' AND ticket = '",
                                  ticket, "'")) == 2);
  sambat::v1::ListNotificationsRequest list;
  list.set_complaint_id(id);
  sambat::v1::ListNotificationsResponse seen;
  grpc::ClientContext context;
  AuthorizeAs(context, StaffRole::kLeadership, "", system.Now());
  REQUIRE(system.Notification()->ListNotifications(&context, list, &seen).ok());
  for (const auto& n : seen.notifications()) {
    if (n.recipient_role() == "citizen") CHECK_FALSE(absl::StrContains(n.address(), "siti"));
  }
}

}  // namespace skk::testing

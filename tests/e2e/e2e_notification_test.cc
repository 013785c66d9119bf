// A complaint's life as its citizen and its agency hear of it, across the real services:
// intake takes the complaint, routing routes it, sla sets its deadline and escalates it, and
// notification tells people through a real SMTP server and a local SMS gateway receiver.
//
// Everything is live: the reminders and the escalation come from sla's working-day timers as
// the test moves the business clock, and the resolution from a DPUPRPKP officer through
// routing's OfficerService. The test publishes no event itself.

#include <catch2/catch.hpp>
#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "tests/support/notification_harness.h"
#include "tests/support/officer.h"
#include "tests/support/staff_tokens.h"

namespace skk::testing {
namespace {

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
  NotifyingSystem system("e2e_ntf", {"intake", "routing", "sla"});

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
  REQUIRE(System::WaitUntil([&] { return MailsAbout(system.smtp, ticket).size() >= 3; }));
  CHECK(MailsAbout(system.smtp, ticket) ==
        std::multiset<Mail>{{citizen, subject("Pengaduan Anda diterima")},
                            {citizen, subject("Pengaduan Anda diteruskan ke DPUPRPKP")},
                            {humas, subject("Pengaduan baru: jalan-rusak")}});

  // sla sets the first-response deadline; the citizen's tracking view shows it. Expectations
  // follow from that due time, not from a calendar worked out here (working days skip
  // weekends, holidays and cuti bersama).
  sambat::v1::Complaint view;
  REQUIRE(System::WaitUntil([&] {
    view = Track(system, submitted);
    return view.has_first_response_due_at();
  }));
  const absl::Time due = FromProtoTime(view.first_response_due_at());
  REQUIRE(due > system.Now());
  auto mails_to = [&](const std::string& who, const std::string& words) {
    int n = 0;
    for (const auto& [to, about] : MailsAbout(system.smtp, ticket)) {
      if (to == who && absl::StrContains(about, words)) ++n;
    }
    return n;
  };

  // Nobody answers. Business time passes a day at a time up to a minute before the due time:
  // by then the jalan-rusak policy's reminders (24 and 4 working hours before, both naming
  // the same due time) have reached the humas, and nobody has been escalated to yet.
  const absl::Time just_before = due - absl::Minutes(1);
  while (system.Now() < just_before) {
    system.AdvanceClock(std::min(absl::Hours(24), just_before - system.Now()));
    // Let each day's timers fire at that day's time, not all at once at the end.
    REQUIRE(System::WaitUntil([&] {
      return system.Count(absl::StrCat(
                 "SELECT count(*) FROM sla.timers WHERE complaint_id = '", id,
                 "' AND due_at <= '",
                 absl::FormatTime(absl::RFC3339_full, system.Now(), absl::UTCTimeZone()),
                 "' AND fired_at IS NULL AND cancelled_at IS NULL")) == 0;
    }));
  }
  INFO(system.LogTail("sla"));
  REQUIRE(System::WaitUntil([&] { return mails_to(humas, "Pengingat") >= 2; }));
  CHECK(mails_to(head, "Eskalasi") == 0);

  // Past the due time sla escalates to the head of DPUPRPKP.
  system.AdvanceClock(absl::Minutes(2));
  REQUIRE(System::WaitUntil([&] { return mails_to(head, "Eskalasi level 1") >= 1; }));

  // A DPUPRPKP officer takes the case and resolves it (no Respond: its first answer would be
  // one more message to the citizen); the citizen gets a link to rate.
  const OfficerClient officer(system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                              "Budi Santoso");
  {
    const grpc::Status claimed = officer.Claim(id);
    INFO(claimed.error_code() << " " << claimed.error_message());
    REQUIRE(claimed.ok());
  }
  system.AdvanceClock(absl::Minutes(30));
  {
    const grpc::Status resolved = officer.Resolve(id, "Lubang sudah ditambal dengan aspal.");
    INFO(resolved.error_code() << " " << resolved.error_message());
    REQUIRE(resolved.ok());
  }
  REQUIRE(System::WaitUntil([&] { return mails_to(citizen, "diselesaikan") >= 1; }));

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
      {humas, subject(absl::StrCat("Pengingat: batas waktu ", due_text))},
      {head, subject("Eskalasi level 1: belum ditanggapi DPUPRPKP")},
  };
  REQUIRE(System::WaitUntil([&] {
    return SmsAbout(system.gateway, ticket).size() >= 7;
  }));
  CHECK(MailsAbout(system.smtp, ticket) == expected);
  CHECK(SmsAbout(system.gateway, ticket) ==
        std::multiset<std::string>{"+6281234567890", "+6281234567890", "+6281234567890",
                                   "+628123000000", "+628123000000", "+628123000000",
                                   "+628134000000"});
  for (const auto& r : system.smtp.Records()) {
    if (Field(r, "ticket") != ticket) continue;
    if (absl::StrContains(Field(r, "subject"), "diselesaikan")) {
      CHECK_THAT(Field(r, "body"), Catch::Contains("Lubang sudah ditambal dengan aspal."));
      CHECK_THAT(Field(r, "body"), Catch::Contains(absl::StrCat("/nilai/", ticket)));
    }
  }

  // The humas' inbox holds the new case and the two reminders; the log shows the citizen's address
  // only to an administrator.
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM notification.deliveries WHERE channel = "
                                  "'inbox' AND recipient_id = 'humas:dpuprpkp:1' AND ticket = '",
                                  ticket, "'")) == 3);
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

// What notification lets out of a citizen's data, against the real PostgreSQL, RabbitMQ, a real
// SMTP server and the local gateway receiver: a confidential complaint's citizen's words never
// go by SMS or WhatsApp (email and the inbox keep them), and no log line carries a phone,
// an email address, a name or the citizen's words, even when a gateway quotes them back.
// The events are published by the test (standing in for intake, routing and sla).

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "tests/support/notification_harness.h"

namespace skk::testing {
namespace {

constexpr char kCitizenEmail[] = "rahma.w@example.com";
constexpr char kCitizenPhone[] = "081298765432";
constexpr char kCitizenName[] = "Rahmawati Wulandari";
constexpr char kHumasPhone[] = "+628123000000";
constexpr char kOfficerWhatsApp[] = "+628120000778";
constexpr char kAnswer[] = "Pelakunya tetangga sebelah rumah nomor 12";
constexpr char kReopenReason[] = "Pembuangan limbah masih terjadi setiap malam";

sambat::v1::Event Submitted(const std::string& id, const std::string& ticket, absl::Time at,
                            bool confidential) {
  auto e = TestEvent(kComplaintSubmitted, id, at);
  auto* s = e.mutable_complaint_submitted();
  s->set_ticket(ticket);
  s->set_category("ketertiban-umum");
  s->set_description("Tetangga membuang limbah ke selokan setiap malam");
  s->set_address("Jl. Kawi 14, Klojen");
  s->set_confidential(confidential);
  return e;
}

sambat::v1::Event Contact(const std::string& id, const std::string& ticket, absl::Time at) {
  auto e = TestEvent(kReporterContact, id, at);
  auto* c = e.mutable_reporter_contact();
  c->set_ticket(ticket);
  c->set_name(kCitizenName);
  c->set_email(kCitizenEmail);
  c->set_phone(kCitizenPhone);
  return e;
}

// Routed to DPUPRPKP, asked, answered by the citizen, reopened by the citizen.
std::vector<sambat::v1::Event> CaseEvents(const std::string& id, const std::string& ticket,
                                          absl::Time at) {
  std::vector<sambat::v1::Event> out;
  auto routed = TestEvent(kCaseRouted, id, at);
  routed.mutable_case_routed()->set_ticket(ticket);
  routed.mutable_case_routed()->set_category("ketertiban-umum");
  routed.mutable_case_routed()->set_agency_code("dpuprpkp");
  routed.mutable_case_routed()->set_agency_name("DPUPRPKP");
  out.push_back(routed);
  auto info = TestEvent(kCaseInfoRequested, id, at + absl::Minutes(1));
  info.mutable_case_info_requested()->set_ticket(ticket);
  info.mutable_case_info_requested()->set_agency_code("dpuprpkp");
  info.mutable_case_info_requested()->set_question("Rumah nomor berapa?");
  out.push_back(info);
  auto answered = TestEvent(kCaseCitizenAnswered, id, at + absl::Minutes(2));
  answered.mutable_case_citizen_answered()->set_ticket(ticket);
  answered.mutable_case_citizen_answered()->set_agency_code("dpuprpkp");
  answered.mutable_case_citizen_answered()->set_text(kAnswer);
  out.push_back(answered);
  auto reopened = TestEvent(kCaseReopened, id, at + absl::Minutes(3));
  reopened.mutable_case_reopened()->set_ticket(ticket);
  reopened.mutable_case_reopened()->set_agency_code("dpuprpkp");
  reopened.mutable_case_reopened()->set_reason(kReopenReason);
  out.push_back(reopened);
  return out;
}

// Raw request bodies the gateway answered 200 on `path` that mention `ticket`.
std::vector<std::string> GatewayBodies(const FakeReceiver& gateway, const std::string& path,
                                       const std::string& ticket) {
  std::vector<std::string> out;
  for (const auto& r : gateway.Records()) {
    const std::string body = Field(r, "body");
    if (Field(r, "path") == path && Field(r, "status") == "200" &&
        absl::StrContains(body, ticket)) {
      out.push_back(body);
    }
  }
  return out;
}

// An officer of DPUPRPKP who also takes WhatsApp, with no quiet hours.
sambat::v1::Recipient WhatsAppOfficer() {
  sambat::v1::Recipient officer;
  officer.set_id("officer:budi.dpuprpkp");
  officer.set_role("humas");
  officer.set_agency_code("dpuprpkp");
  officer.set_name("Budi Santoso");
  officer.set_whatsapp(kOfficerWhatsApp);
  officer.set_staff_subject("budi.dpuprpkp");
  officer.add_channels("inbox");
  officer.add_channels("whatsapp");
  officer.set_daily_digest(false);
  officer.set_active(true);
  return officer;
}

}  // namespace

TEST_CASE("a confidential complaint's citizen's words go by email and inbox but never by SMS "
          "or WhatsApp, and a complaint notification knows nothing of is treated as confidential",
          "[notification]") {
  NotifyingSystem system("ntf_rahasia");
  InProcessNotification local(system.world(), system.Now());
  REQUIRE(local.api().Upsert(Staff("admin.kominfo", StaffRole::kAdmin), WhatsAppOfficer()).ok());

  const absl::Time now = system.Now();
  const std::string rahasia = NewUuid(), open = NewUuid(), unknown = NewUuid();
  const std::string rahasia_ticket = "SKK-2026-000901", open_ticket = "SKK-2026-000902",
                    unknown_ticket = "SKK-2026-000903";
  // complaint.submitted first, as intake emits it; the third complaint's never came.
  Publish(system.world(), {Submitted(rahasia, rahasia_ticket, now, true),
                           Submitted(open, open_ticket, now, false)});
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.complaints") == 2;
  }, absl::Seconds(30)));
  std::vector<sambat::v1::Event> rest = {Contact(rahasia, rahasia_ticket, now)};
  for (const auto& [id, ticket] : {std::pair{rahasia, rahasia_ticket}, std::pair{open, open_ticket},
                                   std::pair{unknown, unknown_ticket}}) {
    for (auto& e : CaseEvents(id, ticket, now)) rest.push_back(e);
  }
  Publish(system.world(), rest);

  // Per complaint: the humas hear of the new case, the answer and the reopening by SMS, the
  // officer by WhatsApp; the first complaint's citizen has four SMS of their own.
  REQUIRE(System::WaitUntil([&] {
    for (const std::string& t : {rahasia_ticket, open_ticket, unknown_ticket}) {
      const size_t sms = t == rahasia_ticket ? 7 : 3;
      if (GatewayBodies(system.gateway, "/sms", t).size() < sms) return false;
      if (GatewayBodies(system.gateway, "/whatsapp", t).size() < 3) return false;
    }
    return true;
  }, absl::Seconds(30)));
  INFO(system.LogTail("notification"));

  auto quotes_citizen = [](const std::string& body) {
    return absl::StrContains(body, kAnswer) || absl::StrContains(body, kReopenReason);
  };
  for (const std::string& t : {rahasia_ticket, unknown_ticket}) {
    int neutral = 0;
    for (const char* path : {"/sms", "/whatsapp"}) {
      for (const std::string& body : GatewayBodies(system.gateway, path, t)) {
        INFO(path << " " << body);
        CHECK_FALSE(quotes_citizen(body));
        CHECK_FALSE(absl::StrContains(body, "tetangga"));
        neutral += absl::StrContains(body, "pengaduan rahasia; baca isinya di konsol Sambat");
      }
    }
    CHECK(neutral == 2);  // the answer, to the humas by SMS and to the officer by WhatsApp
  }
  // Not confidential: the answer is in the short texts as before.
  int quoted = 0;
  for (const char* path : {"/sms", "/whatsapp"}) {
    for (const std::string& body : GatewayBodies(system.gateway, path, open_ticket)) {
      quoted += absl::StrContains(body, kAnswer);
    }
  }
  CHECK(quoted == 2);

  // Email and the inbox keep the citizen's words of the confidential complaint.
  REQUIRE(System::WaitUntil([&] {
    for (const auto& r : system.smtp.Records()) {
      if (Field(r, "ticket") == rahasia_ticket &&
          absl::StrContains(Field(r, "subject"), "Jawaban pelapor")) {
        return absl::StrContains(Field(r, "body"), kAnswer);
      }
    }
    return false;
  }, absl::Seconds(30)));
  auto inbox = local.api().Inbox(Staff("budi.dpuprpkp", StaffRole::kOfficer, "dpuprpkp"), {});
  REQUIRE(inbox.ok());
  bool in_inbox = false;
  for (const auto& m : inbox->messages()) {
    in_inbox |= m.ticket() == rahasia_ticket && absl::StrContains(m.body(), kAnswer);
  }
  CHECK(in_inbox);

  // notification keeps the confidentiality, never the description or the address.
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM notification.complaints WHERE "
                                  "complaint_id = '", rahasia, "' AND confidential")) == 1);
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE body LIKE "
                     "'%limbah ke selokan%' OR body LIKE '%Jl. Kawi%'") == 0);
}

TEST_CASE("no log line carries a phone, an email address, a name or the citizen's words, even "
          "when a gateway quotes the message back",
          "[notification]") {
  NotifyingSystem system("ntf_logs", {}, {.max_attempts = 2});
  // Every SMS is refused with the request quoted in the reply: the number and the text.
  system.gateway.Control({"echo400 100"});
  const absl::Time now = system.Now();
  const std::string id = NewUuid();
  const std::string ticket = "SKK-2026-000904";
  std::vector<sambat::v1::Event> events = {Submitted(id, ticket, now, false),
                                           Contact(id, ticket, now)};
  for (auto& e : CaseEvents(id, ticket, now)) events.push_back(e);
  Publish(system.world(), events);

  // The citizen's received/routed/asked/reopened SMS and the humas's three: all refused.
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.deliveries WHERE channel = 'sms' "
                        "AND state = 'dead'") == 7 &&
           system.Count("SELECT count(*) FROM notification.deliveries WHERE channel = 'email' "
                        "AND state = 'sent'") == 7;
  }, absl::Seconds(30)));
  // The operator's delivery log (admin only, cleared by an erasure) keeps what the gateway said.
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM notification.deliveries WHERE "
                                  "last_error LIKE '%", kCitizenPhone, "%'")) == 4);

  const std::string log = system.LogTail("notification", 1 << 24);
  REQUIRE(absl::StrContains(log, "notification dead-lettered"));
  for (const std::string& secret :
       {std::string(kCitizenPhone), std::string(kCitizenPhone).substr(1), std::string(kCitizenEmail),
        std::string(kCitizenName), std::string("Rahmawati"), std::string(kAnswer),
        std::string(kReopenReason), std::string(kHumasPhone), std::string("8123000000"),
        std::string("humas.dpuprpkp@"), std::string("Tetangga membuang"),
        std::string("Jl. Kawi")}) {
    INFO(secret);
    CHECK_FALSE(absl::StrContains(log, secret));
  }
}

}  // namespace skk::testing

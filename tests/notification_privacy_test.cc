// What notification lets out of a citizen's data, against the real PostgreSQL, RabbitMQ, a real
// SMTP server and the local gateway receiver: no log line carries a phone, an email address,
// a name or the citizen's words, even when a gateway quotes them back. The events are
// published by the test (standing in for intake, routing and sla).

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

}  // namespace

TEST_CASE("no log line carries a phone, an email address, a name or the citizen's words, even "
          "when a gateway quotes the message back",
          "[notification]") {
  FakeReceiver smtp("fake_smtp.py");
  FakeReceiver gateway("fake_gateway.py");
  System system("ntf_logs", {});
  system.Start("notification", NotificationFlags(smtp, gateway, /*max_attempts=*/2));
  // Every SMS is refused with the request quoted in the reply: the number and the text.
  gateway.Control({"echo400 100"});
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

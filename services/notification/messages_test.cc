// Who hears of a routed case and of each escalation, and what they are told, under the shipped
// Kota Malang configuration.

#include "services/notification/messages.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "services/platform/city_config.h"
#include "services/platform/testing/test_env.h"
#include "services/platform/events.h"

namespace skk::notification {
namespace {

const sambat::v1::CityConfig& Shipped() { return testing::ShippedCityConfig(); }

constexpr char kTicket[] = "SKK-2026-000123";
const absl::Time kNow = absl::FromUnixSeconds(1772416800);  // 2026-03-02 09:00 WIB

sambat::v1::Event Routed(const std::string& agency, const std::string& category) {
  sambat::v1::Event e = NewEvent(kCaseRouted, "c-0123", kNow, "routing", nullptr);
  auto* r = e.mutable_case_routed();
  r->set_ticket(kTicket);
  r->set_category(category);
  r->set_agency_code(agency);
  r->set_rule_id(category);
  *r->mutable_routed_at() = ToProtoTime(kNow);
  return e;
}

sambat::v1::Event Escalated(const std::string& agency, int level) {
  sambat::v1::Event e = NewEvent(kEscalated, "c-0123", kNow, "sla", nullptr);
  auto* x = e.mutable_escalated();
  x->set_ticket(kTicket);
  x->set_agency_code(agency);
  x->set_level(level);
  x->set_deadline_kind(sambat::v1::DEADLINE_KIND_FIRST_RESPONSE);
  *x->mutable_due_at() = ToProtoTime(kNow - absl::Hours(26));
  x->set_late_by_seconds(26 * 3600);
  return e;
}

std::multiset<std::string> Addresses(const std::vector<OutgoingNotification>& out,
                                     const std::string& channel) {
  std::multiset<std::string> addresses;
  for (const auto& n : out) {
    if (n.channel == channel) addresses.insert(n.address);
  }
  return addresses;
}

void EveryMessageCarriesTheTicket(const std::vector<OutgoingNotification>& out) {
  for (const auto& n : out) {
    INFO(n.channel << " to " << n.address);
    CHECK_THAT(n.body, Catch::Contains(kTicket));
    if (n.channel == "email") CHECK_THAT(n.subject, Catch::Contains(kTicket));
  }
}

TEST_CASE("a routed case reaches the agency's humas by email and SMS", "[notification]") {
  const Recipients recipients(Shipped());
  const auto out = recipients.For(Routed("dpuprpkp", "jalan-rusak"));

  REQUIRE(out.size() == 2);
  CHECK(Addresses(out, "email") ==
        std::multiset<std::string>{"humas.dpuprpkp@malangkota.go.id"});
  CHECK(Addresses(out, "sms") == std::multiset<std::string>{"+628123000000"});
  for (const auto& n : out) {
    CHECK(n.recipient_role == "humas:dpuprpkp");
    CHECK(n.recipient_name == "Humas DPUPRPKP");
  }
  EveryMessageCarriesTheTicket(out);
  for (const auto& n : out) {
    CHECK_THAT(n.body, Catch::Contains("jalan-rusak"));
  }
}

TEST_CASE("an agency with several humas officers notifies each of them", "[notification]") {
  sambat::v1::CityConfig config = Shipped();
  for (auto& a : *config.mutable_agencies()) {
    if (a.code() != "dlh") continue;
    auto* second = a.add_humas();
    second->set_name("Humas DLH (piket)");
    second->set_email("piket.dlh@malangkota.go.id");
    auto* third = a.add_humas();  // phone only
    third->set_name("Humas DLH (lapangan)");
    third->set_phone("+628123001099");
  }
  const auto out = Recipients(config).For(Routed("dlh", "pohon-tumbang"));
  CHECK(Addresses(out, "email") ==
        std::multiset<std::string>{"humas.dlh@malangkota.go.id", "piket.dlh@malangkota.go.id"});
  CHECK(Addresses(out, "sms") == std::multiset<std::string>{"+628123001013", "+628123001099"});
  EveryMessageCarriesTheTicket(out);
}

TEST_CASE("an external partner with email only gets no SMS", "[notification]") {
  const auto out = Recipients(Shipped()).For(Routed("polresta", "keamanan"));
  REQUIRE(out.size() == 1);
  CHECK(out[0].channel == "email");
  CHECK(out[0].address == "penghubung.polresta@example.go.id");
  EveryMessageCarriesTheTicket(out);
}

TEST_CASE("a level 1 escalation reaches the head of the agency", "[notification]") {
  const auto out = Recipients(Shipped()).For(Escalated("dlh", 1));
  REQUIRE(out.size() == 2);
  CHECK(Addresses(out, "email") == std::multiset<std::string>{"kepala.dlh@malangkota.go.id"});
  CHECK(Addresses(out, "sms") == std::multiset<std::string>{"+628134001031"});
  for (const auto& n : out) CHECK(n.recipient_role == "head:dlh");
  EveryMessageCarriesTheTicket(out);
  for (const auto& n : out) {
    if (n.channel == "email") CHECK_THAT(n.subject, Catch::Contains("level 1"));
  }
}

TEST_CASE("a level 2 escalation reaches both the city secretary and the mayor",
          "[notification]") {
  const auto out = Recipients(Shipped()).For(Escalated("dlh", 2));
  REQUIRE(out.size() == 4);
  CHECK(Addresses(out, "email") ==
        std::multiset<std::string>{"sekda@malangkota.go.id", "walikota@malangkota.go.id"});
  CHECK(Addresses(out, "sms") == std::multiset<std::string>{"+6281100000001", "+6281100000002"});
  for (const auto& n : out) {
    CHECK(n.recipient_role == "leadership");
    CHECK_THAT(n.body, Catch::Contains("DLH"));  // which agency is late
  }
  EveryMessageCarriesTheTicket(out);
}

TEST_CASE("an escalation email says when the deadline was, in the city's time",
          "[notification]") {
  const auto out = Recipients(Shipped()).For(Escalated("dishub", 1));
  bool saw_email = false;
  for (const auto& n : out) {
    if (n.channel != "email") continue;
    saw_email = true;
    // Due 26 hours before 2026-03-02 09:00 WIB.
    CHECK_THAT(n.body, Catch::Contains("01-03-2026 07:00"));
    CHECK_THAT(n.body, Catch::Contains("26 jam"));
  }
  CHECK(saw_email);
}

TEST_CASE("a submitted complaint notifies no officer", "[notification]") {
  sambat::v1::Event e = NewEvent(kComplaintSubmitted, "c-0123", kNow, "intake", nullptr);
  e.mutable_complaint_submitted()->set_ticket(kTicket);
  CHECK(Recipients(Shipped()).For(e).empty());

  sambat::v1::Event unknown = NewEvent("case.claimed", "c-0123", kNow, "routing", nullptr);
  CHECK(Recipients(Shipped()).For(unknown).empty());
}

TEST_CASE("an escalation for an agency the configuration no longer has still reaches "
          "leadership",
          "[notification]") {
  const Recipients recipients(Shipped());
  CHECK(recipients.For(Routed("dinas-dihapus", "jalan-rusak")).empty());
  // No head to tell at level 1: the city's leadership hears of it rather than nobody.
  for (int level : {1, 2}) {
    const auto out = recipients.For(Escalated("dinas-dihapus", level));
    CHECK(out.size() == 4);
    for (const auto& n : out) {
      CHECK(n.recipient_role == "leadership");
      CHECK_THAT(n.body, Catch::Contains("dinas-dihapus"));
    }
  }
}

}  // namespace
}  // namespace skk::notification

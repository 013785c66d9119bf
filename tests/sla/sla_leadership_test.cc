// What leadership sees: escalations by agency, level and acknowledgement, paged; who
// acknowledged what; and an agency's record. Against the real PostgreSQL, in process.

#include <catch2/catch.hpp>

#include "services/platform/ids.h"
#include "services/sla/leadership.h"
#include "tests/sla/sla_support.h"

namespace skk::sla {
namespace {

using testing::Wib;

Caller Sekda() { return {"sekda", "Sekretaris Daerah", StaffRole::kLeadership, ""}; }
Caller HeadOf(const std::string& agency) {
  return {"kepala." + agency, "Kepala " + agency, StaffRole::kAgencyHead, agency};
}
Caller OfficerOf(const std::string& agency) {
  return {"humas." + agency, "Humas " + agency, StaffRole::kOfficer, agency};
}

// Three late DLH cases and one late DPUPRPKP case, each escalated to levels 1 and 2; one DLH
// case answered in time.
struct LateCity {
  LateCity() : w("sla_leaders", Wib(2026, 3, 2, 9)), leadership(*w.pool, w.clock) {
    for (int i = 0; i < 3; ++i) {
      w.Apply(testing::Routed(NewUuid(), "pohon-tumbang", "dlh", Wib(2026, 3, 2, 9)));
    }
    w.Apply(testing::Routed(NewUuid(), "jalan-rusak", "dpuprpkp", Wib(2026, 3, 2, 9)));
    answered = NewUuid();
    w.Apply(testing::Routed(answered, "sampah", "dlh", Wib(2026, 3, 2, 9)));
    // Answered after 1 working day and 6 hours, with a pause of a day in between that does
    // not count.
    w.Apply(testing::CaseEvent(answered, kCaseInfoRequested, "dlh", Wib(2026, 3, 3, 9)));
    w.Apply(testing::CaseEvent(answered, kCaseCitizenAnswered, "dlh", Wib(2026, 3, 4, 9)));
    w.Apply(testing::CaseEvent(answered, kCaseResponded, "dlh", Wib(2026, 3, 4, 15)));
    w.clock.Set(Wib(2026, 3, 20));
    while (w.FireDue() > 0) {
    }
  }
  testing::SlaWorld w;
  Leadership leadership;
  std::string answered;
};

TEST_CASE("leadership lists every agency's escalations, a head only their own, an officer none",
          "[sla]") {
  LateCity city;
  sambat::v1::ListEscalationsRequest all;
  auto everything = city.leadership.ListEscalations(Sekda(), all);
  REQUIRE(everything.ok());
  CHECK(everything->escalations_size() == 8);

  auto own = city.leadership.ListEscalations(HeadOf("dlh"), all);
  REQUIRE(own.ok());
  CHECK(own->escalations_size() == 6);
  for (const auto& e : own->escalations()) CHECK(e.agency_code() == "dlh");

  sambat::v1::ListEscalationsRequest other;
  other.set_agency_code("dpuprpkp");
  CHECK(city.leadership.ListEscalations(HeadOf("dlh"), other).status().code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(city.leadership.ListEscalations(OfficerOf("dlh"), all).status().code() ==
        absl::StatusCode::kPermissionDenied);

  sambat::v1::ListEscalationsRequest level2;
  level2.set_level(2);
  auto second = city.leadership.ListEscalations(Sekda(), level2);
  REQUIRE(second.ok());
  CHECK(second->escalations_size() == 4);
  for (const auto& e : second->escalations()) {
    CHECK(e.level() == 2);
    CHECK(e.late_by_seconds() > 0);
  }
}

TEST_CASE("escalations page newest first without gaps or repeats", "[sla]") {
  LateCity city;
  sambat::v1::ListEscalationsRequest request;
  request.set_page_size(3);
  std::set<int64_t> seen;
  int pages = 0;
  do {
    auto page = city.leadership.ListEscalations(Sekda(), request);
    REQUIRE(page.ok());
    for (const auto& e : page->escalations()) CHECK(seen.insert(e.escalation_id()).second);
    request.set_page_token(page->next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  CHECK(seen.size() == 8);
  CHECK(pages == 3);
  request.set_page_token("x");
  CHECK(city.leadership.ListEscalations(Sekda(), request).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("an acknowledgement records who, when and the note, once", "[sla]") {
  LateCity city;
  sambat::v1::ListEscalationsRequest dlh;
  dlh.set_agency_code("dlh");
  const int64_t id = city.leadership.ListEscalations(Sekda(), dlh)->escalations(0).escalation_id();

  sambat::v1::AcknowledgeRequest ack;
  ack.set_escalation_id(id);
  ack.set_note("Tim pohon sudah dikirim ke lokasi");
  CHECK(city.leadership.Acknowledge(HeadOf("dpuprpkp"), ack).status().code() ==
        absl::StatusCode::kPermissionDenied);
  city.w.clock.Set(Wib(2026, 3, 20, 8, 30));
  auto done = city.leadership.Acknowledge(HeadOf("dlh"), ack);
  REQUIRE(done.ok());
  CHECK(done->acknowledged());
  CHECK(done->acknowledged_by() == "kepala.dlh");
  CHECK(done->acknowledged_by_name() == "Kepala dlh");
  CHECK(done->acknowledgement_note() == "Tim pohon sudah dikirim ke lokasi");
  CHECK(FromProtoTime(done->acknowledged_at()) == Wib(2026, 3, 20, 8, 30));

  // A second acknowledgement keeps the first.
  ack.set_note("lagi");
  auto again = city.leadership.Acknowledge(Sekda(), ack);
  REQUIRE(again.ok());
  CHECK(again->acknowledged_by() == "kepala.dlh");

  sambat::v1::ListEscalationsRequest open;
  open.set_acknowledged(sambat::v1::ACKNOWLEDGED_FILTER_NO);
  CHECK(city.leadership.ListEscalations(Sekda(), open)->escalations_size() == 7);
  open.set_acknowledged(sambat::v1::ACKNOWLEDGED_FILTER_YES);
  CHECK(city.leadership.ListEscalations(Sekda(), open)->escalations_size() == 1);

  ack.set_note("");
  CHECK(city.leadership.Acknowledge(Sekda(), ack).status().code() ==
        absl::StatusCode::kInvalidArgument);
  ack.set_note("x");
  ack.set_escalation_id(999999);
  CHECK(city.leadership.Acknowledge(Sekda(), ack).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("an agency's record: open, overdue, answered in time, time to first response in "
          "working hours, escalations by level",
          "[sla]") {
  LateCity city;
  sambat::v1::AgencyStatsRequest request;
  request.set_agency_code("dlh");
  *request.mutable_from() = ToProtoTime(Wib(2026, 3, 1));
  *request.mutable_to() = ToProtoTime(Wib(2026, 4, 1));
  auto stats = city.leadership.AgencyStats(HeadOf("dlh"), request);
  REQUIRE(stats.ok());
  CHECK(stats->open() == 4);     // three unanswered trees, one waste case being resolved
  CHECK(stats->overdue() == 3);  // the resolution clock (10 working days) is not late yet
  CHECK(stats->answered() == 1);
  CHECK(stats->answered_in_time() == 1);
  CHECK(stats->answered_in_time_percent() == Approx(25.0));
  CHECK(stats->median_first_response_working_hours() == Approx(30.0));
  CHECK(stats->escalations_level1() == 3);
  CHECK(stats->escalations_level2() == 3);

  CHECK(city.leadership.AgencyStats(HeadOf("dpuprpkp"), request).status().code() ==
        absl::StatusCode::kPermissionDenied);
  request.clear_from();
  CHECK(city.leadership.AgencyStats(Sekda(), request).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace skk::sla

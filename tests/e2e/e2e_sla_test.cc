// Deadlines that never slip, across the real service binaries: a complaint no one answers is
// reminded, then escalates to the agency head and to Sekda and the mayor, in working days over
// the Idul Fitri leave; one answered and resolved in time never escalates. Leadership reads
// and acknowledges the escalations with staff tokens. Routing has no officer API yet, so the
// test publishes the officer's case.responded and case.resolved as routing would.

#include <csignal>

#include <catch2/catch.hpp>

#include "sambat/v1/sla.grpc.pb.h"
#include "services/platform/events.h"
#include "services/platform/redis.h"
#include "tests/support/city_time.h"
#include "tests/support/officer.h"
#include "tests/support/staff_tokens.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

sambat::v1::SubmitComplaintResponse Submit(System& system, const std::string& category,
                                           const std::string& key) {
  sambat::v1::SubmitComplaintRequest request = SampleComplaint(category);
  request.set_idempotency_key(key);
  return SubmitUntilDeadline(system, request);
}

std::unique_ptr<sambat::v1::LeadershipService::Stub> Leadership(const System& system) {
  return sambat::v1::LeadershipService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(system.Port("sla")), grpc::InsecureChannelCredentials()));
}

long long Firings(System& system, const std::string& kind) {
  return system.Count("SELECT count(*) FROM sla.firings f JOIN sla.timers t ON t.id = f.timer_id "
                      "WHERE f.outcome = 'fired' AND t.kind = '" + kind + "'");
}

TEST_CASE("a complaint no one answers is reminded, then escalates to level 1 and level 2 in "
          "working days over the Idul Fitri leave",
          "[e2e][sla]") {
  // Tuesday 17 March 2026, 10:00 WIB: the day before the Nyepi and Lebaran leave.
  System system("e2e_sla_late", kAllServices, Wib(2026, 3, 17, 10));
  const auto submitted = Submit(system, "adminduk", "e2e-sla-late-1");
  sambat::v1::Complaint complaint = Track(system, submitted);
  CHECK(complaint.agency_code() == "dispendukcapil");
  // Seven working days: 25, 26, 27, 30, 31 March, 1 and 2 April.
  CHECK(FromProtoTime(complaint.first_response_due_at()) == Wib(2026, 4, 2, 10));

  // The whole leave passes: nothing fires.
  system.SetClock(Wib(2026, 3, 31, 10));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.applied_events") >= 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.firings") == 0);

  // One working day before: the first reminder to the humas.
  system.SetClock(Wib(2026, 4, 1, 10));
  REQUIRE(System::WaitUntil([&] { return Firings(system, "reminder") == 1; }));
  system.SetClock(Wib(2026, 4, 2, 6));
  REQUIRE(System::WaitUntil([&] { return Firings(system, "reminder") == 2; }));
  CHECK(system.Count("SELECT count(*) FROM sla.escalations") == 0);

  // The due time: level 1, the head of Dispendukcapil.
  system.SetClock(Wib(2026, 4, 2, 10));
  REQUIRE(System::WaitUntil([&] { return Track(system, submitted).escalation_level() == 1; }));
  // Good Friday and the weekend pass; level 2 on Tuesday 7 April.
  system.SetClock(Wib(2026, 4, 7, 10));
  REQUIRE(System::WaitUntil([&] { return Track(system, submitted).escalation_level() == 2; }));
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 1 "
                     "AND fired_at = '2026-04-02 03:00:00+00'") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 2 "
                     "AND fired_at = '2026-04-07 03:00:00+00'") == 1);

  // Leadership sees both; the agency head acknowledges level 1.
  auto leadership = Leadership(system);
  sambat::v1::ListEscalationsResponse listed;
  {
    grpc::ClientContext context;
    AuthorizeAs(context, StaffRole::kLeadership, "", system.Now());
    REQUIRE(leadership->ListEscalations(&context, {}, &listed).ok());
  }
  REQUIRE(listed.escalations_size() == 2);
  CHECK(listed.escalations(0).ticket() == submitted.ticket());
  const int64_t level1 = listed.escalations(1).escalation_id();
  CHECK(listed.escalations(1).level() == 1);
  {
    sambat::v1::AcknowledgeRequest ack;
    ack.set_escalation_id(level1);
    ack.set_note("Petugas adminduk dihubungi, jawaban hari ini");
    sambat::v1::EscalationView view;
    grpc::ClientContext context;
    AuthorizeAs(context, StaffRole::kAgencyHead, "dispendukcapil", system.Now());
    REQUIRE(leadership->Acknowledge(&context, ack, &view).ok());
    CHECK(view.acknowledged());
  }
  {
    // No token, or an officer's: refused.
    grpc::ClientContext anonymous;
    sambat::v1::ListEscalationsResponse none;
    CHECK(leadership->ListEscalations(&anonymous, {}, &none).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
    grpc::ClientContext officer;
    AuthorizeAs(officer, StaffRole::kOfficer, "dispendukcapil", system.Now());
    CHECK(leadership->ListEscalations(&officer, {}, &none).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE acknowledged_by IS NOT NULL") ==
        1);
}

TEST_CASE("a complaint answered and resolved in time never escalates", "[e2e][sla]") {
  System system("e2e_sla_in_time");  // Monday 2 March 2026, 09:00 WIB
  const auto submitted = Submit(system, "jalan-rusak", "e2e-sla-in-time-1");
  const absl::Time due = FromProtoTime(Track(system, submitted).first_response_due_at());
  CHECK(due == Wib(2026, 3, 9, 9));  // five working days

  // The humas answer on Thursday, after the clock has run three working days.
  system.SetClock(Wib(2026, 3, 5, 9));
  const OfficerClient humas(system, StaffRole::kOfficer, "dpuprpkp");
  REQUIRE(humas.Claim(submitted.complaint_id()).ok());
  REQUIRE(humas.Respond(submitted.complaint_id(), "Tim akan menambal jalan minggu ini").ok());
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.deadlines WHERE kind = 'RESOLUTION' "
                        "AND state = 'running'") == 1;
  }));
  // ... and resolve it the next week, inside the ten working days.
  system.SetClock(Wib(2026, 3, 12, 14));
  REQUIRE(humas.Resolve(submitted.complaint_id(), "Sudah ditambal").ok());
  // The agency's clocks stop; only the citizen's window to reopen runs.
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.deadlines WHERE state <> 'stopped'") == 1 &&
           system.Count("SELECT count(*) FROM sla.deadlines WHERE state = 'running' "
                        "AND kind = 'CLOSE'") == 1;
  }));

  // Months pass: nothing escalates, nothing is pending, and the case closed by itself when
  // the citizen's window ended.
  system.AdvanceClock(absl::Hours(24 * 60));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers "
                        "WHERE fired_at IS NULL AND cancelled_at IS NULL") == 0 &&
           Track(system, submitted).state() == sambat::v1::CASE_STATE_CLOSED;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.escalations") == 0);
  CHECK(Track(system, submitted).escalation_level() == 0);
  // The reminder a working day before the first-response due time fired? No: it was on
  // Friday 6th, after the answer; every timer of the agency's clocks was cancelled. Only the
  // window's reminder to the citizen and its end fired.
  CHECK(system.Count("SELECT count(*) FROM sla.firings f JOIN sla.timers t ON t.id = f.timer_id "
                     "WHERE t.deadline_kind <> 'CLOSE'") == 0);
  CHECK(system.Count("SELECT count(*) FROM sla.firings") == 2);

  // The agency's record: answered in time, after three working days.
  auto leadership = Leadership(system);
  sambat::v1::AgencyStatsRequest request;
  request.set_agency_code("dpuprpkp");
  *request.mutable_from() = ToProtoTime(Wib(2026, 3, 1));
  *request.mutable_to() = ToProtoTime(Wib(2026, 4, 1));
  sambat::v1::AgencyStatsResponse stats;
  grpc::ClientContext context;
  AuthorizeAs(context, StaffRole::kAgencyHead, "dpuprpkp", system.Now());
  REQUIRE(leadership->AgencyStats(&context, request, &stats).ok());
  CHECK(stats.answered() == 1);
  CHECK(stats.answered_in_time_percent() == Approx(100.0));
  CHECK(stats.median_first_response_working_hours() == Approx(72.0));
  CHECK(stats.open() == 0);
}

TEST_CASE("an sla killed with timers pending, its Redis schedule flushed while it was down, "
          "fires every reminder and escalation once after it restarts",
          "[e2e][sla]") {
  System system("e2e_sla_restart");  // Monday 2 March 2026, 09:00 WIB
  std::vector<sambat::v1::SubmitComplaintResponse> complaints;
  for (int i = 0; i < 5; ++i) {
    complaints.push_back(Submit(system, "pohon-tumbang", "e2e-sla-restart-" + std::to_string(i)));
  }
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers WHERE fired_at IS NULL") == 20;
  }));
  CHECK(system.Stop("sla", SIGKILL) != 0);
  RedisClient redis(Stack().redis_addr);
  REQUIRE(redis.Command({"DEL", system.world().redis_prefix() + "sla:timers"}).ok());

  // Every due time passes while sla is down; it rebuilds the schedule from PostgreSQL.
  system.SetClock(Wib(2026, 3, 20));
  system.Start("sla");
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers WHERE fired_at IS NULL") == 0;
  }));
  for (const auto& c : complaints) {
    REQUIRE(System::WaitUntil([&] { return Track(system, c).escalation_level() == 2; }));
  }
  CHECK(system.Count("SELECT count(*) FROM sla.firings") == 20);
  CHECK(system.Count("SELECT count(*) FROM sla.escalations") == 10);
  CHECK(system.Count("SELECT count(DISTINCT timer_id) FROM sla.escalations") == 10);
  REQUIRE(System::WaitUntil([&] { return system.Count("SELECT count(*) FROM sla.outbox") == 0; }));
  CHECK(system.Count("SELECT count(*) FROM intake.complaint_timeline WHERE kind = 'escalated'") ==
        10);
}

}  // namespace
}  // namespace skk::testing

// A complaint's whole life across the four services: submitted, routed to the agency
// responsible, given its deadline, escalated to the agency head and then to the city's
// leadership when nobody answers, with every notification recorded exactly once.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "tests/support/images.h"
#include "tests/support/staff_tokens.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

int CountNotifications(System& system, const std::string& id, const std::string& role) {
  sambat::v1::ListNotificationsRequest request;
  request.set_complaint_id(id);
  sambat::v1::ListNotificationsResponse response;
  grpc::ClientContext context;
  AuthorizeAs(context, StaffRole::kLeadership, "", system.Now());
  REQUIRE(system.Notification()->ListNotifications(&context, request, &response).ok());
  int n = 0;
  for (const auto& notification : response.notifications()) {
    if (notification.recipient_role() == role) ++n;
  }
  return n;
}

int CountTimeline(const sambat::v1::Complaint& complaint, const std::string& kind) {
  int n = 0;
  for (const auto& e : complaint.timeline()) n += e.kind() == kind ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("an unanswered complaint is routed, gets its deadline and escalates to the head, "
          "then to Sekda and the mayor, each exactly once",
          "[e2e]") {
  System system("e2e");
  const absl::Time submitted_at = system.Now();

  // Two photos from the citizen's phone, with the GPS of their home in the EXIF.
  sambat::v1::SubmitComplaintRequest request = SampleComplaint("jalan-rusak");
  request.add_media_ids(UploadPhoto(system, images::Jpeg(1600, 1200, {.orientation = 6})));
  request.add_media_ids(UploadPhoto(system, images::Jpeg(1200, 900)));
  request.set_idempotency_key("e2e-citizen-phone-0001");
  sambat::v1::SubmitComplaintResponse submitted;
  {
    grpc::ClientContext context;
    REQUIRE(system.Intake()->SubmitComplaint(&context, request, &submitted).ok());
  }
  const std::string id = submitted.complaint_id();
  CHECK(absl::StartsWith(submitted.ticket(), "SKK-2026-"));
  CHECK_FALSE(submitted.duplicate());

  // A phone on a bad network sends the same submission again: the same ticket, nothing new.
  {
    sambat::v1::SubmitComplaintResponse again;
    grpc::ClientContext context;
    REQUIRE(system.Intake()->SubmitComplaint(&context, request, &again).ok());
    CHECK(again.complaint_id() == id);
    CHECK(again.ticket() == submitted.ticket());
    CHECK(again.duplicate());
  }

  // Routed to public works (DPUPRPKP) with a first-response deadline 5 working days out
  // (Monday 2 March 09:00 WIB to Monday 9 March 09:00).
  REQUIRE(System::WaitUntil([&] {
    auto c = Track(system, submitted);
    return !c.agency_code().empty() && c.has_first_response_due_at();
  }));
  sambat::v1::Complaint complaint = Track(system, submitted);
  CHECK(complaint.agency_code() == "dpuprpkp");
  CHECK(complaint.agency_name() == "DPUPRPKP");
  CHECK(complaint.state() == sambat::v1::CASE_STATE_ROUTED);
  CHECK(FromProtoTime(complaint.first_response_due_at()) == submitted_at + absl::Hours(24 * 7));
  CHECK(complaint.escalation_level() == 0);
  CHECK(complaint.media_ids_size() == 2);
  CHECK(system.Count("SELECT count(*) FROM intake.complaints") == 1);
  CHECK(system.Count("SELECT count(*) FROM routing.cases WHERE agency_code = 'dpuprpkp' "
                     "AND state = 'ROUTED'") == 1);
  CHECK(system.Count("SELECT count(*) FROM routing.case_history") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.deadlines") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.timers WHERE fired_at IS NULL "
                     "AND kind = 'escalation'") == 2);

  // The agency's humas hear of the new case in their inbox, by email and by SMS.
  REQUIRE(System::WaitUntil([&] { return CountNotifications(system, id, "humas:dpuprpkp") == 3; }));

  // One minute before the deadline nothing may escalate: the escalation's recorded firing
  // time (business time, which moves only here) proves at the end that it waited.
  system.AdvanceClock(absl::Hours(24 * 7) - absl::Minutes(1));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers WHERE fired_at IS NULL "
                        "AND kind = 'escalation'") == 2;
  }));

  // Past the deadline: level 1 to the head of DPUPRPKP, once.
  system.AdvanceClock(absl::Minutes(2));
  REQUIRE(System::WaitUntil([&] { return CountNotifications(system, id, "head:dpuprpkp") == 3; }));
  REQUIRE(System::WaitUntil([&] { return Track(system, submitted).escalation_level() == 1; }));
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 1") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 2") == 0);

  // Two working days later still unanswered: level 2 to Sekda and the mayor, once.
  system.AdvanceClock(absl::Hours(48));
  REQUIRE(System::WaitUntil([&] { return CountNotifications(system, id, "leadership") == 6; }));
  REQUIRE(System::WaitUntil([&] { return Track(system, submitted).escalation_level() == 2; }));

  // Time goes on; the timers stay fired once and nothing is sent again.
  system.AdvanceClock(absl::Hours(24 * 30));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers WHERE fired_at IS NULL") == 0;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.escalations") == 2);
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 1") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 2") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE fired_at < due_at") == 0);
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE fired_at > due_at + "
                     "interval '1 minute'") == 0);
  complaint = Track(system, submitted);
  CHECK(CountTimeline(complaint, "submitted") == 1);
  CHECK(CountTimeline(complaint, "routed") == 1);
  CHECK(CountTimeline(complaint, "deadline_set") == 1);
  CHECK(CountTimeline(complaint, "escalated") == 2);
  CHECK(absl::StrContains(complaint.status_text(), "Wali Kota"));
  // The humas heard of the new case and were reminded 24 and 4 working hours before the
  // deadline (the jalan-rusak policy), each time by inbox, email and SMS.
  CHECK(system.Count("SELECT count(*) FROM sla.timers WHERE kind = 'reminder' "
                     "AND fired_at IS NOT NULL") == 2);
  CHECK(CountNotifications(system, id, "humas:dpuprpkp") == 9);
  CHECK(CountNotifications(system, id, "head:dpuprpkp") == 3);
  CHECK(CountNotifications(system, id, "leadership") == 6);
  // The citizen heard that the complaint was received and where it went, by SMS to the phone
  // they gave. Staff hear by inbox, email and SMS.
  CHECK(CountNotifications(system, id, "citizen") == 2);
  // (The daily digests, which carry no complaint, are not counted.)
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries "
                     "WHERE complaint_id IS NOT NULL") == 20);
  // Nothing left waiting to be published.
  CHECK(system.Count("SELECT count(*) FROM intake.outbox") == 0);
  CHECK(system.Count("SELECT count(*) FROM routing.outbox") == 0);
  CHECK(system.Count("SELECT count(*) FROM sla.outbox") == 0);
}

TEST_CASE("a complaint no rule routes lands in the verifier's triage queue", "[e2e]") {
  System system("triage");
  sambat::v1::SubmitComplaintRequest request = SampleComplaint("lainnya");
  sambat::v1::SubmitComplaintResponse submitted;
  grpc::ClientContext context;
  REQUIRE(system.Intake()->SubmitComplaint(&context, request, &submitted).ok());
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM routing.cases WHERE agency_code = 'diskominfo' "
                        "AND rule_id IS NULL") == 1;
  }));
  REQUIRE(System::WaitUntil([&] {
    return CountNotifications(system, submitted.complaint_id(), "humas:diskominfo") == 3;
  }));
}

}  // namespace skk::testing

// A complaint's life with the officers: submitted by a citizen, claimed, a question asked and
// answered, forwarded to the agency really responsible, answered and resolved with a proof
// photo, rated, reopened and resolved again. What the citizen sees through intake is checked
// at each step, as is the case's audit trail in routing.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/support/images.h"
#include "tests/support/officer.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

using sambat::v1::Case;
using sambat::v1::Complaint;

void RequireOk(const grpc::Status& status) {
  INFO(status.error_code() << " " << status.error_message());
  REQUIRE(status.ok());
}

bool HasTimeline(const Complaint& c, const std::string& kind, const std::string& words = "") {
  for (const auto& e : c.timeline()) {
    if (e.kind() == kind && absl::StrContains(e.text(), words)) return true;
  }
  return false;
}

Complaint WaitForCitizenView(System& system, const sambat::v1::SubmitComplaintResponse& s,
                             sambat::v1::CaseState state, const std::string& kind,
                             const std::string& words = "") {
  Complaint view;
  const bool seen = System::WaitUntil([&] {
    view = Track(system, s);
    return view.state() == state && HasTimeline(view, kind, words);
  });
  INFO("citizen sees " << view.DebugString() << "\n" << system.LogTail("intake"));
  REQUIRE(seen);
  return view;
}

}  // namespace

TEST_CASE("a complaint is claimed, questioned, answered, forwarded, resolved, rated and reopened, "
          "and the citizen follows it all",
          "[e2e][routing]") {
  System system("e2eofficer");
  auto intake = system.Intake();

  // 1. A citizen reports a dark street as a road problem, with a photo.
  sambat::v1::SubmitComplaintRequest request = SampleComplaint("jalan-rusak");
  request.set_description("Jalan gelap dan berlubang di Jl. Kawi, lampu jalan mati seminggu.");
  request.add_media_ids(UploadPhoto(system, images::Jpeg(1200, 900)));
  sambat::v1::SubmitComplaintResponse submitted;
  {
    grpc::ClientContext context;
    RequireOk(intake->SubmitComplaint(&context, request, &submitted));
  }
  const std::string id = submitted.complaint_id();
  WaitForCitizenView(system, submitted, sambat::v1::CASE_STATE_ROUTED, "routed", "DPUPRPKP");

  // 2. DPUPRPKP's officer finds it in the queue; the case shows the complaint, never who sent it.
  const OfficerClient budi(system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                           "Budi Santoso");
  std::vector<sambat::v1::CaseSummary> queue;
  REQUIRE(System::WaitUntil([&] {
    queue = budi.WholeQueue({});
    return queue.size() == 1 && queue[0].has_due_at();
  }));
  CHECK(queue[0].ticket() == submitted.ticket());
  Case c;
  RequireOk(budi.GetCase(id, &c));
  CHECK(c.media_ids_size() == 1);
  CHECK(absl::StrContains(c.description(), "Jl. Kawi"));
  const std::string everything = c.DebugString();
  CHECK_FALSE(absl::StrContains(everything, request.reporter().name()));
  CHECK_FALSE(absl::StrContains(everything, "81234567890"));

  // 3. Claimed, and a question for the citizen.
  RequireOk(budi.Claim(id));
  system.AdvanceClock(absl::Minutes(10));
  RequireOk(budi.RequestInfo(id, "Apakah lampunya juga mati di malam hari?"));
  WaitForCitizenView(system, submitted, sambat::v1::CASE_STATE_WAITING_CITIZEN,
                     "info_requested", "lampunya");

  // 4. The citizen answers through intake; the case is back with the officer.
  RequireOk(CitizenAnswers(system, submitted, "Ya, lampu mati total setiap malam."));
  WaitForCaseState(system, id, "IN_PROGRESS");

  // 5. Street lights are Dishub's: forwarded, and Dishub's clock starts.
  system.AdvanceClock(absl::Hours(1));
  RequireOk(budi.Forward(id, "dishub", "Lampu penerangan jalan umum kewenangan Dishub", &c));
  CHECK(c.agency_code() == "dishub");
  CHECK(budi.GetCase(id).error_code() == grpc::StatusCode::NOT_FOUND);
  const Complaint forwarded = WaitForCitizenView(system, submitted, sambat::v1::CASE_STATE_ROUTED,
                                                 "forwarded", "Dishub");
  CHECK(forwarded.agency_code() == "dishub");
  const OfficerClient sari(system, StaffRole::kOfficer, "dishub", "sari.dishub", "Sari Dewi");
  REQUIRE(System::WaitUntil([&] { return sari.WholeQueue({}).size() == 1; }));

  // 6. Dishub answers (the first response), then resolves with a photo of the new lamp.
  RequireOk(sari.Claim(id));
  system.AdvanceClock(absl::Minutes(20));
  RequireOk(sari.Respond(id, "Petugas kami akan mengganti lampu besok."));
  WaitForCitizenView(system, submitted, sambat::v1::CASE_STATE_IN_PROGRESS, "responded",
                     "mengganti lampu");
  const std::string proof = UploadPhoto(system, images::Jpeg(800, 600));
  RequireOk(sari.Resolve(id, "Lampu sudah diganti dan menyala.", {proof}));
  WaitForCitizenView(system, submitted, sambat::v1::CASE_STATE_RESOLVED, "resolved",
                     "sudah diganti");

  // 7. The citizen rates it: recorded on the case.
  RequireOk(CitizenRates(system, submitted, 2, "Lampu menyala, tapi jalannya masih berlubang."));
  REQUIRE(System::WaitUntil([&] {
    return sari.GetCase(id, &c).ok() && c.rating() == 2;
  }));

  // 8. ... and reopens it: back with Dishub, unclaimed, its clock restarted.
  RequireOk(CitizenReopens(system, submitted, "Lampu mati lagi setelah dua hari."));
  WaitForCaseState(system, id, "REOPENED");
  WaitForCitizenView(system, submitted, sambat::v1::CASE_STATE_REOPENED, "reopened");
  RequireOk(sari.GetCase(id, &c));
  CHECK(c.agency_code() == "dishub");
  CHECK(c.holder_id().empty());

  // 9. Worked again and resolved for good. Business time moves between the steps, as it does
  // at a desk: intake orders what it shows by when things happened.
  RequireOk(sari.Claim(id));
  system.AdvanceClock(absl::Minutes(30));
  RequireOk(sari.Respond(id, "Kabel lampu diperbaiki."));
  system.AdvanceClock(absl::Hours(3));
  RequireOk(sari.Resolve(id, "Kabel dan lampu diganti, sudah dicek dua malam.", {}, &c));
  WaitForCitizenView(system, submitted, sambat::v1::CASE_STATE_RESOLVED, "resolved",
                     "dua malam");

  // The audit trail tells the whole story, with who did each step.
  std::vector<std::string> steps;
  for (const auto& h : c.history()) steps.push_back(absl::StrCat(h.action(), " by ", h.actor()));
  CHECK(steps == std::vector<std::string>{
                     "route by system",
                     "claim by officer:budi.dpuprpkp",
                     "request_info by officer:budi.dpuprpkp",
                     "citizen_answer by citizen",
                     "forward by officer:budi.dpuprpkp",
                     "claim by officer:sari.dishub",
                     "respond by officer:sari.dishub",
                     "resolve by officer:sari.dishub",
                     "rate by citizen",
                     "reopen by citizen",
                     "claim by officer:sari.dishub",
                     "respond by officer:sari.dishub",
                     "resolve by officer:sari.dishub",
                 });
  // Leadership can read it; nobody lost track of it.
  CHECK(OfficerClient(system, StaffRole::kLeadership, "").GetCase(id).ok());
}

}  // namespace skk::testing

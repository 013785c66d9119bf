// SP4N-LAPOR, the national complaints channel (issue 19, docs/lapor.md), across the real
// services with a local fake of LAPOR's API (tests/support/fake_partner.py): a complaint
// filed here is exported and keeps LAPOR's tracking number, a LAPOR that is down is retried,
// LAPOR's dispositions become complaints for the agencies they name (once, however often
// they are read), and the agencies' answers to both go back to LAPOR.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/platform/dev_mode.h"
#include "tests/support/officer.h"

namespace skk::testing {
namespace {

namespace v1 = sambat::v1;
using nlohmann::json;

// What the fake LAPOR took at exactly `path` (answered `status`).
std::vector<google::protobuf::Struct> Calls(const System& system, const std::string& path,
                                            const std::string& status = "200") {
  std::vector<google::protobuf::Struct> out;
  for (const auto& r : system.partners().Records()) {
    if (absl::StartsWith(Field(r, "path"), path) &&
        (Field(r, "path").size() == path.size() || Field(r, "path")[path.size()] == '?') &&
        Field(r, "status") == status) {
      out.push_back(r);
    }
  }
  return out;
}

json BodyOf(const google::protobuf::Struct& record) { return json::parse(Field(record, "body")); }

std::string TokenOf(const google::protobuf::Struct& record) {
  const auto& headers = record.fields().at("headers").struct_value().fields();
  const auto found = headers.find("x-lapor-token");
  return found == headers.end() ? "" : found->second.string_value();
}

v1::SubmitComplaintResponse SubmitOrFail(const System& system,
                                         const v1::SubmitComplaintRequest& r) {
  v1::SubmitComplaintResponse s;
  grpc::ClientContext context;
  const grpc::Status status = system.Intake()->SubmitComplaint(&context, r, &s);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return s;
}

bool TimelineHas(const v1::Complaint& c, const std::string& kind, const std::string& words) {
  for (const auto& e : c.timeline()) {
    if (e.kind() == kind && absl::StrContains(e.text(), words)) return true;
  }
  return false;
}

TEST_CASE(
    "a complaint filed here is exported to SP4N-LAPOR, retried while LAPOR is down, keeps "
    "its tracking number, and LAPOR hears the agency's answer",
    "[e2e][lapor]") {
  System system("e2e_lapor_export", {"intake", "routing", "sla"});
  // LAPOR answers the first try with 503.
  system.partners().Control({"503 1"}, "control.lapor");
  const v1::SubmitComplaintResponse s = SubmitOrFail(system, SampleComplaint("jalan-rusak"));

  REQUIRE(System::WaitUntil([&] { return Calls(system, "/lapor/laporan", "503").size() == 1; }));
  system.AdvanceClock(absl::Seconds(31));
  REQUIRE(System::WaitUntil([&] { return Calls(system, "/lapor/laporan").size() == 1; }));
  const auto exported = Calls(system, "/lapor/laporan").front();
  CHECK(TokenOf(exported) == kDevPartnerSecret);
  const json body = BodyOf(exported);
  CHECK(body["referensi"] == s.ticket());
  CHECK(body["kategori_id"] == "infrastruktur-jalan");
  CHECK(absl::StrContains(body["isi"].get<std::string>(), "Jalan berlubang besar"));
  CHECK(absl::StartsWith(body["judul"].get<std::string>(), "Jalan rusak: Jalan berlubang"));
  CHECK(body["nama_pelapor"] == "Siti Aminah");
  CHECK(body["anonim"] == false);
  CHECK(body["rahasia"] == false);
  // Never the citizen's number.
  CHECK_FALSE(absl::StrContains(Field(exported, "body"), "081234567890"));

  // The citizen reads LAPOR's number in their timeline and on the tracking page.
  v1::Complaint view;
  REQUIRE(System::WaitUntil([&] {
    view = Track(system, s);
    return view.lapor_tracking_id() == "LAPOR-1";
  }));
  CHECK(TimelineHas(view, "lapor_linked", "SP4N-LAPOR! dengan nomor pelacakan LAPOR-1"));

  // DPUPRPKP answers and resolves: LAPOR hears both, in that order, on its tracking number.
  const OfficerClient officer(system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                              "Budi Santoso");
  WaitForCaseState(system, s.complaint_id(), "ROUTED");
  REQUIRE(officer.Claim(s.complaint_id()).ok());
  REQUIRE(officer.Respond(s.complaint_id(), "Tim kami menambal lubang itu Kamis ini.").ok());
  REQUIRE(officer.Resolve(s.complaint_id(), "Lubang sudah ditambal dengan aspal.").ok());
  const std::string followups = "/lapor/laporan/LAPOR-1/tindak-lanjut";
  REQUIRE(System::WaitUntil([&] { return Calls(system, followups).size() == 2; }));
  const json answered = BodyOf(Calls(system, followups)[0]);
  CHECK(answered["status"] == "proses");
  CHECK(absl::StrContains(answered["isi"].get<std::string>(), "menambal lubang itu Kamis ini"));
  CHECK(answered["referensi"] == s.ticket());
  CHECK(BodyOf(Calls(system, followups)[1])["status"] == "selesai");

  // An anonymous, confidential complaint goes without a name, marked secret.
  v1::SubmitComplaintRequest secret = SampleComplaint("keamanan");
  secret.mutable_reporter()->Clear();
  secret.mutable_reporter()->set_anonymous(true);
  secret.set_confidential(true);
  const v1::SubmitComplaintResponse hidden = SubmitOrFail(system, secret);
  REQUIRE(System::WaitUntil([&] { return Calls(system, "/lapor/laporan").size() == 2; }));
  const json hidden_body = BodyOf(Calls(system, "/lapor/laporan")[1]);
  CHECK(hidden_body["referensi"] == hidden.ticket());
  CHECK(hidden_body["nama_pelapor"] == "");
  CHECK(hidden_body["anonim"] == true);
  CHECK(hidden_body["rahasia"] == true);
  CHECK(hidden_body["kategori_id"] == "lainnya");
  CHECK(system.Count("SELECT count(*) FROM intake.lapor_links WHERE state = 'linked'") == 2);
}

TEST_CASE(
    "SP4N-LAPOR's dispositions become complaints for the agencies they name, once, and "
    "the agency's answer goes back to LAPOR",
    "[e2e][lapor]") {
  System system("e2e_lapor_import", {"intake", "routing", "sla"});
  system.partners().SetStatuses(R"({"lapor_disposisi": [
    {"tracking_id": "LAPOR-9001", "judul": "Sampah menumpuk di TPS",
     "isi": "Sampah di TPS Jl. Guntur tidak diangkut sejak Senin, baunya sampai ke rumah warga.",
     "kategori_id": "lingkungan-sampah", "instansi_id": "pemkot-malang-dlh",
     "lokasi": "TPS Jl. Guntur, Oro-oro Dowo", "anonim": false, "rahasia": false,
     "nama_pelapor": "Rina Wulandari"},
    {"tracking_id": "LAPOR-9002", "isi": "Pungutan liar di kantor kelurahan.",
     "kategori_id": "tidak-dikenal", "instansi_id": "kementerian-lain", "anonim": true}
  ]})");
  // The first read happened at start, before LAPOR had anything; the next is 5 minutes on.
  system.AdvanceClock(absl::Minutes(6));
  REQUIRE(System::WaitUntil([&] {
    return system.Count(
               "SELECT count(*) FROM routing.cases c JOIN intake.complaints i "
               "USING (complaint_id) WHERE i.channel = 'CHANNEL_LAPOR'") == 2;
  }));

  // LAPOR-9001 went to DLH, as LAPOR disposed it; LAPOR-9002 named no agency of the city, so
  // the city's rules had it.
  const PgResult disposed = system.Query(
      "SELECT c.complaint_id::text AS id, c.agency_code, c.rule_id, i.ticket, i.category "
      "FROM routing.cases c JOIN intake.complaints i USING (complaint_id) "
      "JOIN intake.lapor_links l USING (complaint_id) WHERE l.tracking_id = 'LAPOR-9001'");
  REQUIRE(disposed.rows() == 1);
  const std::string id = disposed.Row(0).String("id");
  CHECK(disposed.Row(0).String("agency_code") == "dlh");
  CHECK(disposed.Row(0).String("rule_id") == "lapor-disposition");
  CHECK(disposed.Row(0).String("category") == "sampah");
  CHECK(system.Count("SELECT count(*) FROM routing.cases c JOIN intake.lapor_links l "
                     "USING (complaint_id) WHERE l.tracking_id = 'LAPOR-9002' "
                     "AND c.agency_code <> '' AND c.rule_id IS DISTINCT FROM "
                     "'lapor-disposition'") == 1);
  CHECK(system.Count("SELECT count(*) FROM intake.reporters r JOIN intake.lapor_links l "
                     "USING (complaint_id) WHERE l.tracking_id = 'LAPOR-9001' "
                     "AND r.name = 'Rina Wulandari'") == 1);

  // Read again from the cursor, and again from the start after a crash would have lost it:
  // still two complaints.
  system.AdvanceClock(absl::Minutes(6));
  REQUIRE(System::WaitUntil([&] { return !Calls(system, "/lapor/disposisi?sejak=2").empty(); }));
  system.Query("UPDATE intake.lapor_import_cursor SET cursor = ''");
  system.AdvanceClock(absl::Minutes(6));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM intake.lapor_import_cursor WHERE cursor = '2'") == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM intake.complaints WHERE channel = 'CHANNEL_LAPOR'") ==
        2);
  // A complaint LAPOR sent is not exported back to it.
  CHECK(Calls(system, "/lapor/laporan").empty());

  // DLH answers: LAPOR hears it on its own tracking number.
  const OfficerClient officer(system, StaffRole::kOfficer, "dlh", "ani.dlh", "Ani Rahayu");
  REQUIRE(officer.Claim(id).ok());
  REQUIRE(officer.Respond(id, "Truk pengangkut dijadwalkan besok pukul 06.00.").ok());
  const std::string followups = "/lapor/laporan/LAPOR-9001/tindak-lanjut";
  REQUIRE(System::WaitUntil([&] { return Calls(system, followups).size() == 1; }));
  const json answered = BodyOf(Calls(system, followups)[0]);
  CHECK(answered["status"] == "proses");
  CHECK(absl::StrContains(answered["isi"].get<std::string>(), "dijadwalkan besok pukul 06.00"));
  CHECK(answered["referensi"] == disposed.Row(0).String("ticket"));
}

}  // namespace
}  // namespace skk::testing

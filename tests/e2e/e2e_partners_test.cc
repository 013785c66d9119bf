// Partners outside city hall (issue 19, docs/partners.md), across the real services: a case
// for Polresta goes out as an Open311 request and its status is read back; a case for
// Kejaksaan or Kodim goes out as a signed webhook and their signed reports come back through
// the gateway. A partner that is down is retried; a partner that refuses, or whose system
// refuses the hand-off, sends the case to the city's verifier. The fake partner
// (tests/support/fake_partner.py) stands in for all three.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/platform/dev_mode.h"
#include "services/platform/secrets.h"
#include "tests/support/http_client.h"
#include "tests/support/notification_harness.h"
#include "tests/support/officer.h"

namespace skk::testing {
namespace {

namespace v1 = sambat::v1;

// The fake partner's requests to `path_part` that it answered with `status` ("200", "503"...).
std::vector<google::protobuf::Struct> Requests(const System& system, const std::string& path_part,
                                               const std::string& status = "200") {
  std::vector<google::protobuf::Struct> out;
  for (const auto& r : system.partners().Records()) {
    if (absl::StrContains(Field(r, "path"), path_part) && Field(r, "status") == status) {
      out.push_back(r);
    }
  }
  return out;
}

std::string HeaderOf(const google::protobuf::Struct& record, const std::string& name) {
  const auto& headers = record.fields().at("headers").struct_value().fields();
  const auto found = headers.find(name);
  return found == headers.end() ? "" : found->second.string_value();
}

// A partner's signed report to the gateway, at business time `at` unless given.
HttpAnswer Report(HttpClient& http, const System& system, const std::string& agency,
                  const std::string& body, const std::string& secret = kDevPartnerSecret,
                  std::optional<absl::Time> at = std::nullopt) {
  const std::string ts = absl::StrCat(absl::ToUnixSeconds(at.value_or(system.Now())));
  return http.Post(absl::StrCat("/webhooks/partners/", agency), body, "application/json",
                   {{"X-Sambat-Timestamp", ts},
                    {"X-Sambat-Signature", WebhookSignature(secret, ts, body)}});
}

std::string ReportBody(const std::string& ticket, const std::string& status,
                       const std::string& note, const std::string& reference = "") {
  nlohmann::json j = {{"ticket", ticket}, {"status", status}, {"note", note}};
  if (!reference.empty()) j["partner_reference"] = reference;
  return j.dump();
}

bool TimelineHas(const v1::Complaint& c, const std::string& kind, const std::string& words) {
  for (const auto& e : c.timeline()) {
    if (e.kind() == kind && absl::StrContains(e.text(), words)) return true;
  }
  return false;
}

// Waits until the citizen's view of `s` satisfies `condition`.
v1::Complaint TrackUntil(const System& system, const v1::SubmitComplaintResponse& s,
                         const std::function<bool(const v1::Complaint&)>& condition) {
  v1::Complaint view;
  const bool held = System::WaitUntil([&] {
    view = Track(system, s);
    return condition(view);
  });
  INFO(view.DebugString());
  REQUIRE(held);
  return view;
}

bool AnySms(const NotifyingSystem& system, const std::string& words) {
  for (const auto& r : system.gateway.Records()) {
    if (Field(r, "status") == "200" && absl::StrContains(Field(r, "body"), words)) return true;
  }
  return false;
}

TEST_CASE("a police matter goes to Polresta over Open311, is retried while Polresta is down, "
          "and closes when Polresta says so", "[e2e][partners]") {
  NotifyingSystem system("e2e_partner311", {"intake", "routing", "sla", "gateway"});
  // Polresta's endpoint answers the first two tries with 503.
  system.partners().Control({"503 2"});
  v1::SubmitComplaintRequest theft = SampleComplaint("keamanan");
  theft.set_description("Sepeda motor dicuri di parkiran pasar Oro-oro Dowo, pelaku terekam CCTV");
  v1::SubmitComplaintResponse s;
  {
    grpc::ClientContext context;
    const grpc::Status st = system.Intake()->SubmitComplaint(&context, theft, &s);
    INFO(st.error_message());
    REQUIRE(st.ok());
  }
  WaitForCaseState(system, s.complaint_id(), "HANDED_OFF");

  // Two failures, each retried after its backoff (30 s, then 1 min of business time).
  REQUIRE(System::WaitUntil([&] { return Requests(system, "requests.json", "503").size() == 1; }));
  system.AdvanceClock(absl::Seconds(31));
  REQUIRE(System::WaitUntil([&] { return Requests(system, "requests.json", "503").size() == 2; }));
  system.AdvanceClock(absl::Seconds(61));
  REQUIRE(System::WaitUntil([&] { return Requests(system, "requests.json").size() == 1; }));
  const auto posted = Requests(system, "requests.json").front();
  CHECK(Field(posted, "method") == "POST");
  CHECK(Field(posted, "path") == "/polresta/open311/v2/requests.json");
  const std::string form = Field(posted, "body");
  CHECK(absl::StrContains(form, "service_code=gangguan-kamtibmas"));
  CHECK(absl::StrContains(form, absl::StrCat("api_key=", kDevPartnerSecret)));
  CHECK(absl::StrContains(form, absl::StrCat("description=%5B", s.ticket(), "%5D+Sepeda")));
  CHECK(absl::StrContains(form, "lat=-7."));

  // The citizen sees that Polresta took it, with Polresta's own number.
  TrackUntil(system, s, [](const v1::Complaint& c) {
    return TimelineHas(c, "partner_update", "Polresta Malang Kota menerima pengaduan ini "
                                            "(nomor REQ-1)");
  });

  // Polresta is asked every 15 minutes; while it says "open", the citizen reads it is at work.
  system.AdvanceClock(absl::Minutes(16));
  TrackUntil(system, s, [](const v1::Complaint& c) {
    return TimelineHas(c, "partner_update", "sedang menangani");
  });
  system.partners().SetStatuses(
      R"({"REQ-1": {"status": "closed", "status_notes": "Pelaku sudah diamankan"}})");
  system.AdvanceClock(absl::Minutes(16));
  const v1::Complaint done = TrackUntil(system, s, [](const v1::Complaint& c) {
    return c.state() == v1::CASE_STATE_CLOSED;
  });
  CHECK(TimelineHas(done, "partner_closed",
                    "Polresta Malang Kota selesai menangani pengaduan ini: Pelaku sudah diamankan"));
  CHECK(done.agency_code() == "polresta");
  // Its status was read with GETs of the request Polresta named, never a second POST.
  CHECK(Requests(system, "/requests/REQ-1.json").size() >= 2);
  CHECK(Requests(system, "requests.json").size() == 1);
  // The case's trail says who said what.
  const OfficerClient leader(system, StaffRole::kLeadership, "");
  v1::Case c;
  REQUIRE(leader.GetCase(s.complaint_id(), &c).ok());
  CHECK(c.state() == v1::CASE_STATE_CLOSED);
  CHECK(c.history(c.history_size() - 1).action() == "partner_close");
  CHECK(c.history(c.history_size() - 1).actor_name() == "Polresta Malang Kota");
  // And the citizen heard Polresta's last word by SMS.
  REQUIRE(System::WaitUntil([&] {
    return AnySms(system, absl::StrCat("SAMBAT ", s.ticket(), ": selesai ditangani Polresta"));
  }));
}

TEST_CASE("a case forwarded to Kejaksaan goes out as a signed webhook, and only Kejaksaan's "
          "own signed reports move it", "[e2e][partners]") {
  NotifyingSystem system("e2e_partnerhook", {"intake", "routing", "sla", "gateway"});
  const v1::SubmitComplaintResponse s = SubmitAndRoute(system, "ketertiban-umum");
  const OfficerClient satpol(system, StaffRole::kOfficer, "satpol-pp");
  REQUIRE(satpol.Forward(s.complaint_id(), "kejari", "Dugaan pungutan liar oleh oknum").ok());
  WaitForCaseState(system, s.complaint_id(), "HANDED_OFF");

  REQUIRE(System::WaitUntil([&] { return Requests(system, "/kejari/webhook").size() == 1; }));
  const auto sent = Requests(system, "/kejari/webhook").front();
  const std::string body = Field(sent, "body");
  const std::string ts = HeaderOf(sent, "x-sambat-timestamp");
  // Kejaksaan can check the hand-off came from the city, and that it is this body.
  CHECK(HeaderOf(sent, "x-sambat-signature") == WebhookSignature(kDevPartnerSecret, ts, body));
  CHECK(ts == absl::StrCat(absl::ToUnixSeconds(system.Now())));
  const auto handoff = nlohmann::json::parse(body);
  CHECK(handoff["ticket"] == s.ticket());
  CHECK(handoff["reason"] == "Dugaan pungutan liar oleh oknum");
  CHECK(handoff["category"] == "ketertiban-umum");
  CHECK_FALSE(handoff.contains("reporter"));

  HttpClient http(system.HttpPort());
  const std::string working = ReportBody(s.ticket(), "in_progress", "Sedang diselidiki", "KJ-88");
  // A forged or stale report is refused before anything of it is believed.
  CHECK(Report(http, system, "kejari", working, "a-secret-that-is-not-kejaksaans").status == 401);
  CHECK(Report(http, system, "kejari", working, kDevPartnerSecret,
               system.Now() - absl::Minutes(10)).status == 401);
  CHECK(http.Post("/webhooks/partners/kejari", working, "application/json").status == 401);
  // Another partner cannot report on Kejaksaan's case, nor does it learn that it exists.
  CHECK(Report(http, system, "kodim-0833", working).status == 404);
  // A partner that is not a webhook partner, or no partner at all, has no webhook.
  CHECK(Report(http, system, "polresta", working).status == 404);
  CHECK(Report(http, system, "dlh", working).status == 404);
  // A report that says nothing the case can take is a bad request naming the field.
  const HttpAnswer nonsense = Report(http, system, "kejari",
                                     ReportBody(s.ticket(), "selesai", "ok"));
  CHECK(nonsense.status == 400);
  CHECK(absl::StrContains(nonsense.body, "status"));
  const HttpAnswer silent = Report(http, system, "kejari", ReportBody(s.ticket(), "closed", ""));
  CHECK(silent.status == 400);
  CHECK(absl::StrContains(silent.body, "note"));

  HttpAnswer first = Report(http, system, "kejari", working);
  INFO(first.body);
  REQUIRE(first.status == 200);
  CHECK(nlohmann::json::parse(first.body)["changed"] == true);
  // The partner's retry of the same report changes nothing.
  HttpAnswer again = Report(http, system, "kejari", working);
  REQUIRE(again.status == 200);
  CHECK_FALSE(nlohmann::json::parse(again.body).value("changed", false));
  TrackUntil(system, s, [](const v1::Complaint& c) {
    return TimelineHas(c, "partner_update",
                       "Kejaksaan Negeri sedang menangani pengaduan ini: Sedang diselidiki");
  });

  const HttpAnswer closed = Report(
      http, system, "kejari",
      ReportBody(s.ticket(), "closed", "Perkara dilimpahkan ke pengadilan", "KJ-88"));
  REQUIRE(closed.status == 200);
  CHECK(nlohmann::json::parse(closed.body)["state"] == "CASE_STATE_CLOSED");
  const v1::Complaint done = TrackUntil(system, s, [](const v1::Complaint& c) {
    return c.state() == v1::CASE_STATE_CLOSED;
  });
  CHECK(TimelineHas(done, "partner_closed", "Perkara dilimpahkan ke pengadilan"));
  // A closed case is not the partner's to move again.
  CHECK(Report(http, system, "kejari", working).status == 409);
}

TEST_CASE("a case its partner refuses, or whose hand-off the partner's system refuses, goes "
          "to the city's verifier with a clock", "[e2e][partners]") {
  System system("e2e_partnerback", {"intake", "routing", "sla", "gateway"});
  const OfficerClient satpol(system, StaffRole::kOfficer, "satpol-pp");
  const OfficerClient verifier(system, StaffRole::kOfficer, "diskominfo");
  HttpClient http(system.HttpPort());

  // Kodim says it is not its matter.
  const v1::SubmitComplaintResponse refused = SubmitAndRoute(system, "ketertiban-umum");
  REQUIRE(satpol.Forward(refused.complaint_id(), "kodim-0833", "Di kompleks militer").ok());
  REQUIRE(System::WaitUntil([&] { return Requests(system, "/kodim-0833/webhook").size() == 1; }));
  const HttpAnswer no = Report(http, system, "kodim-0833",
                               ReportBody(refused.ticket(), "refused",
                                          "Lokasi di luar kompleks militer"));
  INFO(no.body);
  REQUIRE(no.status == 200);
  CHECK(nlohmann::json::parse(no.body)["state"] == "CASE_STATE_ROUTED");
  const v1::Complaint back = TrackUntil(system, refused, [](const v1::Complaint& c) {
    return c.agency_code() == "diskominfo" && TimelineHas(c, "forwarded", "Diskominfo");
  });
  CHECK(back.state() == v1::CASE_STATE_ROUTED);
  CHECK(TimelineHas(back, "partner_update", "Kodim 0833 menerima pengaduan ini"));

  // Kodim's system refuses the next hand-off outright (400): the case does not wait on it.
  system.partners().Control({"400 1"});
  const v1::SubmitComplaintResponse bounced = SubmitAndRoute(system, "ketertiban-umum");
  REQUIRE(satpol.Forward(bounced.complaint_id(), "kodim-0833", "Di kompleks militer").ok());
  TrackUntil(system, bounced, [](const v1::Complaint& c) {
    return c.agency_code() == "diskominfo" && TimelineHas(c, "forwarded", "Diskominfo");
  });
  v1::Case c;
  REQUIRE(verifier.GetCase(bounced.complaint_id(), &c).ok());
  CHECK(c.history(c.history_size() - 1).action() == "partner_return");
  CHECK(absl::StrContains(c.history(c.history_size() - 1).reason(),
                          "Sistem Kodim 0833 menolak penyerahan"));
  // Both are in the verifier's queue now, each with the verifier's own deadline.
  REQUIRE(System::WaitUntil([&] {
    const auto queue = verifier.WholeQueue({});
    return queue.size() == 2 && queue[0].has_due_at() && queue[1].has_due_at();
  }));
}

}  // namespace
}  // namespace skk::testing

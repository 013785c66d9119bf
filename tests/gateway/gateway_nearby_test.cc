// "Already reported nearby" through the real gateway in front of the real services: what a
// citizen about to file is shown of the complaints around their point (docs/duplicates.md).

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sambat/v1/gateway.pb.h"
#include "sambat/v1/intake.pb.h"
#include "sambat/v1/routing.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/images.h"
#include "tests/support/officer.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

namespace v1 = sambat::v1;

// In front of SDN Kauman 1, Klojen; a metre north is 1/111195 of a degree, a metre east
// 1/110130 of one at this latitude.
constexpr double kLatitude = -7.9826;
constexpr double kLongitude = 112.6308;
constexpr double kDegreesPerMetreNorth = 1.0 / 111195.0;
constexpr double kDegreesPerMetreEast = 1.0 / 110130.0;

struct Filed {
  std::string ticket;
  std::string complaint_id;
};

// Files a complaint through intake `north` and `east` metres from the school, each from its own
// phone (the per-number limits are not what this tests).
Filed FileAt(System& system, const std::string& category, double north, double east,
             const std::string& words, bool confidential = false,
             const std::string& media_id = "") {
  static int phone = 0;
  v1::SubmitComplaintRequest request = SampleComplaint(category);
  request.mutable_location()->set_latitude(kLatitude + north * kDegreesPerMetreNorth);
  request.mutable_location()->set_longitude(kLongitude + east * kDegreesPerMetreEast);
  request.set_description(words);
  request.set_confidential(confidential);
  request.mutable_reporter()->set_phone(absl::StrCat("0812345670", 10 + ++phone));
  request.set_idempotency_key(absl::StrCat("nearby-", phone));
  if (!media_id.empty()) request.add_media_ids(media_id);
  v1::SubmitComplaintResponse accepted;
  grpc::ClientContext context;
  const grpc::Status status = system.Intake()->SubmitComplaint(&context, request, &accepted);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return {accepted.ticket(), accepted.complaint_id()};
}

std::string Search(const std::string& category, double north, double east,
                   const std::string& words) {
  v1::FindNearbyComplaintsRequest search;
  search.set_category(category);
  search.mutable_location()->set_latitude(kLatitude + north * kDegreesPerMetreNorth);
  search.mutable_location()->set_longitude(kLongitude + east * kDegreesPerMetreEast);
  search.set_description(words);
  return ProtoJson(search);
}

std::vector<std::string> Tickets(const v1::FindNearbyComplaintsResponse& found) {
  std::vector<std::string> tickets;
  for (const v1::NearbyComplaint& n : found.complaints()) tickets.push_back(n.complaint().ticket());
  return tickets;
}

std::vector<std::string> ProblemFields(const HttpAnswer& answer) {
  CHECK(answer.Header("content-type") == "application/problem+json");
  std::vector<std::string> fields;
  const auto problem = FromJson<v1::Problem>(answer.body);
  for (const auto& e : problem.errors()) fields.push_back(e.field());
  return fields;
}

TEST_CASE(
    "a citizen about to file sees the same category's complaints within its radius, most "
    "alike first, and nothing confidential, rejected or far",
    "[gateway][duplicates]") {
  System system("gateway_nearby");
  system.Start("gateway");
  HttpClient http(system.HttpPort());

  const std::string photo = UploadPhoto(system, images::Jpeg(800, 600));
  const Filed same_words =
      FileAt(system, "jalan-rusak", 0, 12,
             "Jalan berlubang besar di depan SDN Kauman 1, motor sering jatuh.", false, photo);
  const Filed other_words =
      FileAt(system, "jalan-rusak", 0, -8, "Aspal mengelupas di tikungan, kerikil berserakan.");
  const Filed far = FileAt(system, "jalan-rusak", 200, 0, "Jalan berlubang besar dekat SDN.");
  const Filed other_category =
      FileAt(system, "sampah", 0, 5, "Sampah menumpuk di depan SDN Kauman 1 berhari-hari.");
  const Filed confidential =
      FileAt(system, "jalan-rusak", 0, 3,
             "Jalan berlubang di depan SDN Kauman 1, hubungi 081299998888.", true);
  const Filed spam = FileAt(system, "jalan-rusak", 0, 2, "Jalan berlubang besar SDN Kauman promo.");
  const Filed flood = FileAt(system, "drainase-banjir", 120, 0, "Genangan setinggi lutut.");

  // The spam is rejected by the agency: nothing to join.
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat("SELECT count(*) FROM routing.cases WHERE complaint_id = '",
                                     spam.complaint_id, "'")) == 1;
  }));
  v1::RejectRequest reject;
  reject.set_complaint_id(spam.complaint_id);
  reject.set_reason(v1::REJECT_REASON_SPAM);
  const grpc::Status rejected =
      OfficerClient(system, StaffRole::kOfficer, "dpuprpkp").Reject(reject);
  INFO(rejected.error_message());
  REQUIRE(rejected.ok());
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat("SELECT count(*) FROM intake.complaints WHERE ticket = '",
                                     spam.ticket, "' AND state = 7")) == 1;
  }));

  const HttpAnswer answer =
      http.Post("/api/v1/nearby", Search("jalan-rusak", 0, 0, "jalan berlubang depan SDN Kauman"),
                "application/json");
  INFO(answer.body);
  REQUIRE(answer.status == 200);
  CHECK(answer.Header("cache-control") == "no-store");
  const auto found = FromJson<v1::FindNearbyComplaintsResponse>(answer.body);
  CHECK(found.radius_meters() == 50);
  // The one in the same words first though further away; then the other 8 m off.
  CHECK(Tickets(found) == std::vector<std::string>{same_words.ticket, other_words.ticket});
  REQUIRE(found.complaints_size() == 2);
  const v1::NearbyComplaint& first = found.complaints(0);
  CHECK(first.distance_meters() == 12);
  CHECK(first.similarity() > 0.5);
  CHECK(found.complaints(1).distance_meters() == 8);
  CHECK(found.complaints(1).similarity() == 0);
  CHECK(first.complaint().category() == "jalan-rusak");
  CHECK_FALSE(first.complaint().finished());
  // Public data only: no reporter, and the photo as a thumbnail anyone may fetch.
  CHECK_FALSE(absl::StrContains(answer.body, "Siti"));
  CHECK_FALSE(absl::StrContains(answer.body, "08123456"));
  CHECK_FALSE(absl::StrContains(answer.body, confidential.ticket));
  CHECK_FALSE(absl::StrContains(answer.body, far.ticket));
  CHECK_FALSE(absl::StrContains(answer.body, other_category.ticket));
  CHECK_FALSE(absl::StrContains(answer.body, spam.ticket));
  REQUIRE(first.complaint().media_id() == photo);
  const HttpAnswer thumbnail = http.Get(absl::StrCat("/media/", photo, "/thumbnail"));
  CHECK(thumbnail.status == 200);
  CHECK(thumbnail.Header("content-type") == "image/jpeg");

  // Without words, nearness alone orders them.
  const auto by_distance = FromJson<v1::FindNearbyComplaintsResponse>(
      http.Post("/api/v1/nearby", Search("jalan-rusak", 0, 0, ""), "application/json").body);
  CHECK(Tickets(by_distance) == std::vector<std::string>{other_words.ticket, same_words.ticket});

  // Standing by the far one, it is the only one; a flood reaches further (150 m in Malang).
  const auto there = FromJson<v1::FindNearbyComplaintsResponse>(
      http.Post("/api/v1/nearby", Search("jalan-rusak", 195, 0, ""), "application/json").body);
  CHECK(Tickets(there) == std::vector<std::string>{far.ticket});
  const auto flooded = FromJson<v1::FindNearbyComplaintsResponse>(
      http.Post("/api/v1/nearby", Search("drainase-banjir", 0, 0, ""), "application/json").body);
  CHECK(flooded.radius_meters() == 150);
  CHECK(Tickets(flooded) == std::vector<std::string>{flood.ticket});

  // Bad searches name the field.
  v1::FindNearbyComplaintsRequest nowhere;
  nowhere.set_category("jalan-rusak");
  const HttpAnswer no_point = http.Post("/api/v1/nearby", ProtoJson(nowhere), "application/json");
  CHECK(no_point.status == 400);
  CHECK(ProblemFields(no_point) == std::vector<std::string>{"location"});
  const HttpAnswer outside =
      http.Post("/api/v1/nearby", Search("jalan-rusak", 100000, 0, ""), "application/json");
  CHECK(outside.status == 400);
  CHECK(ProblemFields(outside) == std::vector<std::string>{"location.latitude"});
  const HttpAnswer unknown =
      http.Post("/api/v1/nearby", Search("penampakan-ufo", 0, 0, ""), "application/json");
  CHECK(unknown.status == 400);
  CHECK(ProblemFields(unknown) == std::vector<std::string>{"category"});
  CHECK(http.Post("/api/v1/nearby", "{\"category\": ", "application/json").status == 400);
}

TEST_CASE(
    "a resolved complaint is offered while it is recent (30 days in Malang), an open one "
    "for as long as it is open",
    "[gateway][duplicates]") {
  System system("gateway_nearby_window");
  system.Start("gateway");
  HttpClient http(system.HttpPort());
  const Filed open = FileAt(system, "jalan-rusak", 0, 6, "Jalan berlubang di depan SDN Kauman 1.");
  const Filed fixed = FileAt(system, "jalan-rusak", 0, -6, "Jalan berlubang dekat gerbang SDN.");
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat("SELECT count(*) FROM routing.cases WHERE complaint_id = '",
                                     fixed.complaint_id, "'")) == 1;
  }));
  const OfficerClient pu(system, StaffRole::kOfficer, "dpuprpkp");
  REQUIRE(pu.Claim(fixed.complaint_id).ok());
  REQUIRE(pu.Resolve(fixed.complaint_id, "Lubang sudah ditambal").ok());
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat("SELECT count(*) FROM intake.complaints WHERE ticket = '",
                                     fixed.ticket, "' AND state = 5")) == 1;
  }));
  auto search = [&] {
    const HttpAnswer answer =
        http.Post("/api/v1/nearby", Search("jalan-rusak", 0, 0, ""), "application/json");
    INFO(answer.body);
    REQUIRE(answer.status == 200);
    return FromJson<v1::FindNearbyComplaintsResponse>(answer.body);
  };
  // Resolved today: offered, marked finished, so the citizen sees it was already fixed.
  const auto today = search();
  REQUIRE(today.complaints_size() == 2);
  for (const auto& n : today.complaints()) {
    CHECK(n.complaint().finished() == (n.complaint().ticket() == fixed.ticket));
  }
  // Three weeks on it closed by itself (no reopening in 10 working days): still offered, as the
  // window counts from its last change.
  system.AdvanceClock(absl::Hours(24 * 21));
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat("SELECT count(*) FROM intake.complaints WHERE ticket = '",
                                     fixed.ticket, "' AND state = 6")) == 1;
  }));
  CHECK(search().complaints_size() == 2);
  // A month after that it is history; the open one is not.
  system.AdvanceClock(absl::Hours(24 * 31));
  CHECK(Tickets(search()) == std::vector<std::string>{open.ticket});
}

}  // namespace
}  // namespace skk::testing

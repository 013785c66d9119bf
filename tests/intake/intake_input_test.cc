// Hostile and broken submissions get INVALID_ARGUMENT naming the field, and nothing of them is
// stored or emitted.

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "absl/strings/match.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

grpc::Status Submit(System& system, const sambat::v1::SubmitComplaintRequest& request) {
  sambat::v1::SubmitComplaintResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return system.Intake()->SubmitComplaint(&context, request, &response);
}

}  // namespace

TEST_CASE("invalid submissions are refused field by field and leave no trace", "[intake]") {
  System system("badinput");
  const double nan = std::numeric_limits<double>::quiet_NaN();

  struct Case {
    std::string name;
    std::function<void(sambat::v1::SubmitComplaintRequest&)> spoil;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"unknown category", [](auto& r) { r.set_category("jalan-berlubang-di-mars"); }, "category"},
      {"no category", [](auto& r) { r.clear_category(); }, "category"},
      {"empty description", [](auto& r) { r.set_description(""); }, "description"},
      {"blank description", [](auto& r) { r.set_description(" \n\t "); }, "description"},
      {"4001 characters", [](auto& r) { r.set_description(std::string(4001, 'a')); },
       "description"},
      {"1 MB description", [](auto& r) { r.set_description(std::string(1 << 20, 'x')); },
       "description"},
      {"control characters", [](auto& r) { r.set_description("lubang\x1b[2J di jalan"); },
       "description"},
      {"no location", [](auto& r) { r.clear_location(); }, "location"},
      {"NaN latitude", [nan](auto& r) { r.mutable_location()->set_latitude(nan); },
       "location.latitude"},
      {"infinite longitude",
       [](auto& r) {
         r.mutable_location()->set_longitude(std::numeric_limits<double>::infinity());
       },
       "location.longitude"},
      {"latitude out of range", [](auto& r) { r.mutable_location()->set_latitude(-91); },
       "location.latitude"},
      {"outside the city (Jakarta)",
       [](auto& r) {
         r.mutable_location()->set_latitude(-6.2);
         r.mutable_location()->set_longitude(106.8);
       },
       "location.latitude"},
      {"short idempotency key", [](auto& r) { r.set_idempotency_key("abc"); },
       "idempotency_key"},
  };
  for (const Case& c : cases) {
    sambat::v1::SubmitComplaintRequest request = SampleComplaint();
    c.spoil(request);
    const grpc::Status status = Submit(system, request);
    INFO(c.name << ": " << status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StartsWith(status.error_message(), c.field + ":"));
  }

  {
    sambat::v1::SubmitComplaintRequest request = SampleComplaint();
    request.set_description("jalan \xC0\xAF rusak");
    const grpc::Status status = Submit(system, request);
    INFO(status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StrContains(status.error_message(), "description"));
  }

  // Nothing of any of the above was stored or emitted.
  CHECK(system.Count("SELECT count(*) FROM intake.complaints") == 0);
  CHECK(system.Count("SELECT count(*) FROM intake.complaint_timeline") == 0);
  CHECK(system.Count("SELECT count(*) FROM intake.outbox") == 0);
  CHECK(system.Count("SELECT count(*) FROM routing.cases") == 0);
}

TEST_CASE("a valid complaint after many invalid ones is the only one that travels", "[intake]") {
  System system("goodafterbad");
  for (int i = 0; i < 20; ++i) {
    sambat::v1::SubmitComplaintRequest bad = SampleComplaint();
    bad.mutable_location()->set_latitude(std::numeric_limits<double>::quiet_NaN());
    REQUIRE(Submit(system, bad).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  }
  REQUIRE(Submit(system, SampleComplaint()).ok());
  REQUIRE(System::WaitUntil(
      [&] { return system.Count("SELECT count(*) FROM sla.deadlines") == 1; }));
  CHECK(system.Count("SELECT count(*) FROM intake.complaints") == 1);
  CHECK(system.Count("SELECT count(*) FROM routing.cases") == 1);
}

TEST_CASE("an unknown ticket and a wrong token look the same", "[intake]") {
  System system("notfound", {"intake"});
  sambat::v1::SubmitComplaintResponse submitted;
  {
    grpc::ClientContext context;
    REQUIRE(system.Intake()->SubmitComplaint(&context, SampleComplaint(), &submitted).ok());
  }
  auto get = [&](const std::string& ticket, const std::string& token) {
    sambat::v1::GetComplaintRequest request;
    request.set_ticket(ticket);
    request.set_tracking_token(token);
    sambat::v1::Complaint complaint;
    grpc::ClientContext context;
    return system.Intake()->GetComplaint(&context, request, &complaint);
  };
  const grpc::Status unknown = get("SKK-2026-999999", submitted.tracking_token());
  const grpc::Status wrong = get(submitted.ticket(), std::string(32, 'a'));
  CHECK(unknown.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(wrong.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(unknown.error_message() == wrong.error_message());
  CHECK(get(submitted.ticket(), submitted.tracking_token()).ok());
  CHECK(get("'; DROP TABLE complaints; --", "x").error_code() == grpc::StatusCode::NOT_FOUND);
}

}  // namespace skk::testing

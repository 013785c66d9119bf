// The citizens' JSON API through the real gateway in front of the real services: what a phone
// or a browser sends and what it gets back (docs/http-api.md).

#include <csignal>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sambat/v1/gateway.pb.h"
#include "sambat/v1/intake.pb.h"
#include "sambat/v1/notification.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/images.h"
#include "tests/support/officer.h"
#include "tests/support/staff_console.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

namespace v1 = sambat::v1;

// The fields a problem names, in order.
std::vector<std::string> ProblemFields(const HttpAnswer& answer) {
  CHECK(answer.Header("content-type") == "application/problem+json");
  const v1::Problem problem = FromJson<v1::Problem>(answer.body);
  CHECK(problem.status() == answer.status);
  std::vector<std::string> fields;
  for (const v1::Problem::FieldError& e : problem.errors()) fields.push_back(e.field());
  return fields;
}

struct Door {
  System system{"gateway_citizen"};
  Door() { system.Start("gateway"); }
  HttpClient Client() const { return HttpClient(system.HttpPort()); }
};

HttpAnswer SubmitThrough(HttpClient& http, const v1::SubmitComplaintRequest& complaint,
                         const std::string& key) {
  return http.Post("/api/v1/complaints", ProtoJson(complaint), "application/json",
                   {{"Idempotency-Key", key}});
}

TEST_CASE("a citizen submits a complaint with a photo over HTTP, tracks it, and sees it routed",
          "[gateway]") {
  Door door;
  HttpClient http = door.Client();

  // The form's choices come from the city's configuration, cacheable.
  const HttpAnswer city = http.Get("/api/v1/city");
  REQUIRE(city.status == 200);
  const v1::PublicCity public_city = FromJson<v1::PublicCity>(city.body);
  CHECK(public_city.city_name() == "Kota Malang");
  CHECK(public_city.categories_size() > 5);
  CHECK_FALSE(absl::StrContains(city.body, "@malangkota.go.id"));  // no contacts leak
  CHECK(absl::StrContains(city.Header("cache-control"), "max-age"));
  CHECK(http.Get("/api/v1/city", {{"If-None-Match", city.Header("etag")}}).status == 304);

  // The photo goes up first, streamed; the complaint names it.
  const HttpAnswer photo = http.Post("/api/v1/media", images::Jpeg(1600, 1200), "image/jpeg");
  INFO(photo.body);
  REQUIRE(photo.status == 201);
  const v1::UploadMediaResponse stored = FromJson<v1::UploadMediaResponse>(photo.body);
  CHECK(stored.content_type() == "image/jpeg");

  v1::SubmitComplaintRequest complaint = SampleComplaint("jalan-rusak");
  complaint.add_media_ids(stored.media_id());
  const HttpAnswer submitted = SubmitThrough(http, complaint, "phone-7-submission-1");
  INFO(submitted.body);
  REQUIRE(submitted.status == 201);
  const auto accepted = FromJson<v1::SubmitComplaintResponse>(submitted.body);
  CHECK(absl::StartsWith(accepted.ticket(), "SKK-"));
  CHECK(submitted.Header("location") == absl::StrCat("/api/v1/complaints/", accepted.ticket()));

  // The phone lost the answer and sends again: the same complaint, not a second one.
  const HttpAnswer again = SubmitThrough(http, complaint, "phone-7-submission-1");
  REQUIRE(again.status == 200);
  CHECK(FromJson<v1::SubmitComplaintResponse>(again.body).ticket() == accepted.ticket());
  CHECK(door.system.Count("SELECT count(*) FROM intake.complaints") == 1);

  const std::string path = absl::StrCat("/api/v1/complaints/", accepted.ticket());
  const HttpHeaders token = {{"X-Tracking-Token", accepted.tracking_token()}};
  v1::Complaint tracked;
  REQUIRE(System::WaitUntil([&] {
    const HttpAnswer answer = http.Get(path, token);
    if (answer.status != 200) return false;
    tracked = FromJson<v1::Complaint>(answer.body);
    // Routed, and its deadline set: after that nothing changes while the clock stands still.
    return tracked.state() == v1::CASE_STATE_ROUTED && tracked.has_first_response_due_at();
  }));
  CHECK(tracked.agency_code() == "dpuprpkp");
  CHECK(tracked.media_ids_size() == 1);
  // Polling costs nothing while nothing changes.
  const HttpAnswer first = http.Get(path, token);
  CHECK(http.Get(path, {token[0], {"If-None-Match", first.Header("etag")}}).status == 304);
  CHECK(first.Header("cache-control") == "private, no-cache");

  // Without the token, or with another's, nothing is shown.
  const HttpAnswer no_token = http.Get(path);
  CHECK(no_token.status == 400);
  CHECK(ProblemFields(no_token) == std::vector<std::string>{"X-Tracking-Token"});
  const HttpAnswer wrong = http.Get(path, {{"X-Tracking-Token", "not-the-token"}});
  CHECK(wrong.status == 404);
  CHECK_FALSE(absl::StrContains(wrong.body, "Siti"));

  // The messages the citizen was sent, as the app lists them: only theirs, the phone masked.
  v1::ListNotificationsResponse told;
  REQUIRE(System::WaitUntil([&] {
    const HttpAnswer answer = http.Get(path + "/notifications", token);
    if (answer.status != 200) return false;
    told = FromJson<v1::ListNotificationsResponse>(answer.body);
    return told.notifications_size() >= 2;  // received, and passed on to the agency
  }));
  for (const v1::Notification& message : told.notifications()) {
    INFO(message.DebugString());
    CHECK(message.recipient_role() == "citizen");
    CHECK(message.channel() == "sms");
    CHECK(message.address() == "+628******7890");
    CHECK(absl::StrContains(message.body(), accepted.ticket()));
    CHECK(message.last_error().empty());
  }
  const HttpAnswer others = http.Get(path + "/notifications", {{"X-Tracking-Token", "x"}});
  CHECK(others.status == 404);
  CHECK(http.Get(path + "/notifications").status == 400);
}

TEST_CASE("the citizen answers the agency's question, rates the resolution and reopens it over "
          "HTTP",
          "[gateway]") {
  Door door;
  HttpClient http = door.Client();
  const HttpAnswer submitted = SubmitThrough(http, SampleComplaint(), "follow-ups-1");
  REQUIRE(submitted.status == 201);
  const auto accepted = FromJson<v1::SubmitComplaintResponse>(submitted.body);
  const std::string path = absl::StrCat("/api/v1/complaints/", accepted.ticket());
  const HttpHeaders token = {{"X-Tracking-Token", accepted.tracking_token()}};

  // Rating before anything was resolved: the state forbids it.
  const HttpAnswer early = http.Post(path + "/rating", R"({"stars": 5})", "application/json",
                                     token);
  CHECK(early.status == 409);

  OfficerClient officer(door.system, StaffRole::kOfficer, "dpuprpkp");
  REQUIRE(System::WaitUntil([&] { return officer.GetCase(accepted.complaint_id()).ok(); }));
  REQUIRE(officer.Claim(accepted.complaint_id()).ok());
  REQUIRE(officer.RequestInfo(accepted.complaint_id(), "Di sisi jalan sebelah mana?").ok());
  REQUIRE(System::WaitUntil([&] {
    const HttpAnswer answer = http.Get(path, token);
    return answer.status == 200 &&
           FromJson<v1::Complaint>(answer.body).state() == v1::CASE_STATE_WAITING_CITIZEN;
  }));
  const HttpAnswer info = http.Post(path + "/info", R"({"text": "Sisi timur, dekat halte."})",
                                    "application/json", token);
  INFO(info.body);
  CHECK(info.status == 200);
  // A body naming another ticket is refused rather than applied to either.
  const HttpAnswer other = http.Post(path + "/info", R"({"ticket": "SKK-2026-999999", "text": "x"})",
                                     "application/json", token);
  CHECK(other.status == 400);
  CHECK(ProblemFields(other) == std::vector<std::string>{"ticket"});

  REQUIRE(System::WaitUntil([&] {
    return officer.Resolve(accepted.complaint_id(), "Lubang sudah ditambal.").ok();
  }));
  REQUIRE(System::WaitUntil([&] {
    const HttpAnswer answer = http.Get(path, token);
    return answer.status == 200 &&
           FromJson<v1::Complaint>(answer.body).state() == v1::CASE_STATE_RESOLVED;
  }));
  const HttpAnswer rated =
      http.Post(path + "/rating", R"({"stars": 2, "comment": "Tambalannya sudah retak lagi"})",
                "application/json", token);
  INFO(rated.body);
  REQUIRE(rated.status == 200);
  CHECK(FromJson<v1::Complaint>(rated.body).rating() == 2);
  const HttpAnswer reopened = http.Post(
      path + "/reopen", R"({"reason": "Tambalan retak lagi setelah hujan"})", "application/json",
      token);
  INFO(reopened.body);
  CHECK(reopened.status == 200);
}

TEST_CASE("bad submissions get problem details naming each field, and nothing is stored",
          "[gateway]") {
  Door door;
  HttpClient http = door.Client();

  v1::SubmitComplaintRequest outside = SampleComplaint();
  outside.mutable_location()->set_latitude(-6.2);  // Jakarta
  outside.set_category("bukan-kategori");
  const HttpAnswer invalid = SubmitThrough(http, outside, "submission-bad-1");
  CHECK(invalid.status == 400);
  const std::vector<std::string> fields = ProblemFields(invalid);
  CHECK(std::find(fields.begin(), fields.end(), "category") != fields.end());
  CHECK(std::find(fields.begin(), fields.end(), "location.latitude") != fields.end());

  const std::string good = ProtoJson(SampleComplaint());
  const HttpHeaders key = {{"Idempotency-Key", "submission-bad-2"}};
  CHECK(ProblemFields(http.Post("/api/v1/complaints", good, "application/json")) ==
        std::vector<std::string>{"Idempotency-Key"});
  CHECK(http.Post("/api/v1/complaints", good, "text/plain", key).status == 415);
  CHECK(http.Post("/api/v1/complaints", "category=jalan-rusak",
                  "application/x-www-form-urlencoded", key).status == 415);
  CHECK(http.Post("/api/v1/complaints", R"({"category": "jalan-rusak", "sneaky": 1})",
                  "application/json", key).status == 400);
  CHECK(http.Post("/api/v1/complaints", R"({"category": )", "application/json", key).status ==
        400);
  CHECK(http.Post("/api/v1/complaints", "{\"description\": \"\xc3\x28\"}", "application/json",
                  key).status == 400);
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  CHECK(http.Post("/api/v1/complaints", deep, "application/json", key).status == 400);
  CHECK(http.Post("/api/v1/complaints", std::string(70 * 1024, ' '), "application/json", key)
            .status == 413);
  CHECK(http.Get("/api/v1/nowhere").status == 404);
  const HttpAnswer wrong_method = http.Send("DELETE", "/api/v1/complaints", "", "");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.Header("allow") == "POST");

  CHECK(door.system.Count("SELECT count(*) FROM intake.complaints") == 0);
  // The door still answers well-formed requests.
  const HttpAnswer fine = SubmitThrough(http, SampleComplaint(), "submission-bad-3");
  INFO(fine.body);
  CHECK(fine.status == 201);
}

TEST_CASE("readiness follows the services behind the gateway", "[gateway]") {
  Door door;
  HttpClient http = door.Client();
  CHECK(http.Get("/healthz").status == 200);
  const HttpAnswer ready = http.Get("/readyz");
  INFO(ready.body);
  CHECK(ready.status == 200);
  door.system.Stop("notification", SIGTERM);
  REQUIRE(System::WaitUntil([&] { return http.Get("/readyz").status == 503; }));
  const v1::Health health = FromJson<v1::Health>(http.Get("/readyz").body);
  CHECK(health.services().at("notification") != "ok");
  CHECK(health.services().at("intake") == "ok");
  // Alive all the same: a probe must not restart the gateway for another's outage.
  CHECK(http.Get("/healthz").status == 200);
}

TEST_CASE("every response carries the security headers, and text is gzipped when asked",
          "[gateway]") {
  Door door;
  HttpClient http = door.Client();
  const HttpAnswer city = http.Get("/api/v1/city", {{"Accept-Encoding", "gzip"}});
  CHECK(city.status == 200);
  CHECK(city.Header("x-content-type-options") == "nosniff");
  CHECK(absl::StrContains(city.Header("content-security-policy"), "default-src 'self'"));
  CHECK(city.Header("referrer-policy") == "no-referrer");
  // httplib inflates the body itself; the server said it compressed it.
  CHECK(city.Header("content-encoding") == "gzip");
  CHECK(FromJson<v1::PublicCity>(city.body).categories_size() > 5);
  const HttpAnswer missing = http.Get("/api/v1/complaints/SKK-2026-000001",
                                      {{"X-Tracking-Token", "x"}});
  CHECK(missing.Header("x-content-type-options") == "nosniff");
  CHECK(missing.Header("cache-control") == "no-store");
}

TEST_CASE("photos are shown to who may see them: anyone the thumbnail, the citizen and the "
          "agency the photo",
          "[gateway]") {
  Door door;
  HttpClient http = door.Client();
  auto upload = [&](int width, int height) {
    const HttpAnswer photo = http.Post("/api/v1/media", images::Jpeg(width, height), "image/jpeg");
    INFO(photo.body);
    REQUIRE(photo.status == 201);
    return FromJson<v1::UploadMediaResponse>(photo.body).media_id();
  };
  const std::string media_id = upload(1600, 1200);
  const std::string thumbnail = absl::StrCat("/media/", media_id, "/thumbnail");
  // In no complaint yet: nobody sees it.
  CHECK(http.Get(thumbnail).status == 404);

  v1::SubmitComplaintRequest complaint = SampleComplaint("jalan-rusak");
  complaint.add_media_ids(media_id);
  const HttpAnswer submitted = SubmitThrough(http, complaint, "photos-public-1");
  REQUIRE(submitted.status == 201);
  const auto accepted = FromJson<v1::SubmitComplaintResponse>(submitted.body);

  const HttpAnswer thumb = http.Get(thumbnail);
  REQUIRE(thumb.status == 200);
  CHECK(thumb.Header("content-type") == "image/jpeg");
  CHECK(thumb.Header("x-content-type-options") == "nosniff");
  CHECK(thumb.Header("cache-control") == "public, max-age=31536000, immutable");
  CHECK(absl::StartsWith(thumb.body, "\xff\xd8"));
  CHECK(http.Get(thumbnail, {{"If-None-Match", thumb.Header("etag")}}).status == 304);

  // The photo itself is the citizen's (and the agency's), not the public's.
  const std::string photo = absl::StrCat("/media/", media_id);
  CHECK(http.Get(photo).status == 404);
  const std::string own = absl::StrCat(photo, "?ticket=", accepted.ticket());
  const HttpAnswer full = http.Get(own, {{"X-Tracking-Token", accepted.tracking_token()}});
  REQUIRE(full.status == 200);
  CHECK(full.Header("content-type") == "image/jpeg");
  CHECK(full.Header("cache-control") == "private, max-age=3600");
  CHECK(full.body.size() > thumb.body.size());
  CHECK(http.Get(own, {{"X-Tracking-Token", "not-the-token"}}).status == 404);

  // A confidential complaint's thumbnail is its citizen's alone.
  const std::string secret_id = upload(1200, 900);
  v1::SubmitComplaintRequest secret = SampleComplaint("jalan-rusak");
  secret.set_confidential(true);
  secret.add_media_ids(secret_id);
  const HttpAnswer hidden = SubmitThrough(http, secret, "photos-confidential-1");
  REQUIRE(hidden.status == 201);
  const auto secret_accepted = FromJson<v1::SubmitComplaintResponse>(hidden.body);
  const std::string secret_thumbnail = absl::StrCat("/media/", secret_id, "/thumbnail");
  CHECK(http.Get(secret_thumbnail).status == 404);
  CHECK(http.Get(absl::StrCat(secret_thumbnail, "?ticket=", secret_accepted.ticket()),
                 {{"X-Tracking-Token", secret_accepted.tracking_token()}})
            .status == 200);
  // Another citizen's token opens nothing of it.
  CHECK(http.Get(absl::StrCat(secret_thumbnail, "?ticket=", accepted.ticket()),
                 {{"X-Tracking-Token", accepted.tracking_token()}})
            .status == 404);

  // Staff: the agency the case is with, and leadership; another agency sees nothing.
  Console admin = Administrator(door.system);
  Console budi = Officer(door.system, admin, "budi.dpuprpkp", "dpuprpkp", "jalan-mulus-2026");
  REQUIRE(System::WaitUntil([&] { return budi.Get(photo).status == 200; }));
  CHECK(budi.Get(absl::StrCat("/media/", secret_id)).status == 200);
  Console rina = Officer(door.system, admin, "rina.dlh", "dlh", "sampah-bersih-2026");
  CHECK(rina.Get(photo).status == 404);
  CHECK(rina.Get(thumbnail).status == 200);  // what anyone may see, she may too
  Console sekda(door.system.HttpPort());
  sekda.FirstSignIn("sekda.kota", CreateAccount(admin, "sekda.kota", "leadership", ""),
                    "balai-kota-malang-2026");
  CHECK(sekda.Get(absl::StrCat("/media/", secret_id)).status == 200);

  // Ids that are not ids, and paths that try to leave.
  CHECK(http.Get("/media/not-a-photo").status == 400);
  CHECK(http.Get("/media/..%2F..%2Fetc%2Fpasswd").status == 400);
  CHECK(http.Get(absl::StrCat("/media/", std::string(64, 'a'))).status == 404);
}

}  // namespace
}  // namespace skk::testing

// Open311 GeoReport v2 through the real gateway in front of the real services, written from the
// spec's text (docs/open311.md): what an existing 311 client sends and what it must get back,
// in XML and in JSON, and what the public view must never show.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sambat/v1/gateway.pb.h"
#include "sambat/v1/intake.pb.h"
#include "tests/support/http_client.h"
#include "tests/support/images.h"
#include "tests/support/officer.h"
#include "tests/support/staff_console.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

namespace v1 = sambat::v1;
using Json = nlohmann::json;

constexpr char kForm[] = "application/x-www-form-urlencoded; charset=utf-8";

struct Door {
  System system{"gateway_open311"};
  Door() { system.Start("gateway"); }
  HttpClient Client() const { return HttpClient(system.HttpPort()); }
};

// A key the administrator issues to a partner or an agency's system; the key itself.
std::string IssueKey(Console& admin, const std::string& purpose, const std::string& role = "",
                     const std::string& agency = "") {
  v1::NewApiKey key;
  key.set_name(absl::StrCat("Aplikasi mitra ", purpose));
  key.set_purpose(purpose);
  key.set_role(role);
  key.set_agency_code(agency);
  const HttpAnswer issued = admin.Post("/api/v1/staff/api-keys", ProtoJson(key));
  INFO(issued.body);
  REQUIRE(issued.status == 201);
  return FromJson<v1::ApiKeyIssued>(issued.body).key();
}

Json JsonOf(const HttpAnswer& answer) {
  INFO(answer.body);
  CHECK(answer.Header("content-type") == "application/json; charset=utf-8");
  return Json::parse(answer.body);
}

// The spec's error list: every error's code is the HTTP status, each says what went wrong.
std::vector<std::string> ErrorDescriptions(const HttpAnswer& answer) {
  const Json errors = JsonOf(answer);
  REQUIRE(errors.is_array());
  std::vector<std::string> out;
  for (const Json& e : errors) {
    CHECK(e.at("code").get<int>() == answer.status);
    out.push_back(e.at("description").get<std::string>());
  }
  return out;
}

bool AnyStartsWith(const std::vector<std::string>& texts, const std::string& prefix) {
  return std::any_of(texts.begin(), texts.end(),
                     [&](const std::string& t) { return absl::StartsWith(t, prefix); });
}

TEST_CASE(
    "a 311 app lists the services, posts a request with its key and reads it back in XML "
    "and JSON",
    "[gateway][open311]") {
  Door door;
  HttpClient app = door.Client();
  Console admin = Administrator(door.system);
  const std::string key = IssueKey(admin, "open311");

  // GET Service List, XML (the spec's required format) and JSON.
  const HttpAnswer xml = app.Get("/open311/v2/services.xml?jurisdiction_id=malangkota.go.id");
  REQUIRE(xml.status == 200);
  CHECK(xml.Header("content-type") == "text/xml; charset=utf-8");
  CHECK(absl::StartsWith(xml.body, R"(<?xml version="1.0" encoding="utf-8"?><services><service>)"));
  CHECK(absl::StrContains(xml.body,
                          "<service_code>jalan-rusak</service_code>"
                          "<service_name>Jalan rusak</service_name>"));
  CHECK(absl::StrContains(xml.body, "<metadata>false</metadata><type>realtime</type>"));
  const Json services = JsonOf(app.Get("/open311/v2/services.json"));
  REQUIRE(services.is_array());
  const auto road = std::find_if(services.begin(), services.end(), [](const Json& s) {
    return s.at("service_code") == "jalan-rusak";
  });
  REQUIRE(road != services.end());
  for (const char* field :
       {"service_name", "description", "metadata", "type", "keywords", "group"}) {
    CHECK(road->contains(field));
  }
  CHECK(road->at("group") == "DPUPRPKP");
  CHECK(absl::StrContains(road->at("description").get<std::string>(), "hari kerja"));

  // GET Service Definition: no category asks for attributes.
  const Json definition = JsonOf(app.Get("/open311/v2/services/jalan-rusak.json"));
  CHECK(definition.at("service_code") == "jalan-rusak");
  CHECK(definition.at("attributes").empty());
  CHECK(app.Get("/open311/v2/services/jalan-rusak.xml").body ==
        R"(<?xml version="1.0" encoding="utf-8"?><service_definition>)"
        "<service_code>jalan-rusak</service_code><attributes></attributes></service_definition>");
  const HttpAnswer unknown = app.Get("/open311/v2/services/bukan-layanan.xml");
  CHECK(unknown.status == 404);
  CHECK(absl::StrContains(unknown.body, "<errors><error><code>404</code><description>"));

  // POST Service Request, as the spec's example: form-encoded, with the partner's key.
  const std::string form = absl::StrCat(
      "api_key=", key,
      "&jurisdiction_id=malangkota.go.id&service_code=jalan-rusak&lat=-7.9826&long=112.6308"
      "&address_string=Jl.+Kawi+No.+24%2C+Klojen&email=siti.aminah%40example.id"
      "&device_id=tt222111&account_id=123456&first_name=Siti&last_name=Aminah"
      "&phone=081234567890&description=Lubang+besar+di+depan+SDN+Kauman+1.+Hubungi+0812-3456-"
      "7890&media_url=https%3A%2F%2Fexample.id%2Ffoto.jpg");
  const HttpAnswer posted = app.Post("/open311/v2/requests.json", form, kForm);
  INFO(posted.body);
  REQUIRE(posted.status == 201);
  const Json created = JsonOf(posted);
  REQUIRE(created.size() == 1);
  const std::string ticket = created[0].at("service_request_id").get<std::string>();
  CHECK(absl::StartsWith(ticket, "SKK-"));
  CHECK_FALSE(created[0].contains("token"));  // realtime: the id itself, never a token
  CHECK(created[0].at("account_id").is_null());
  CHECK(door.system.Count(absl::StrCat("SELECT count(*) FROM intake.complaints WHERE ticket = '",
                                       ticket, "' AND channel = 'CHANNEL_OPEN311'")) == 1);

  // GET Service Request: once routed and given its deadline, every field of the spec.
  Json request;
  REQUIRE(System::WaitUntil([&] {
    const HttpAnswer answer = app.Get(absl::StrCat("/open311/v2/requests/", ticket, ".json"));
    if (answer.status != 200) return false;
    request = Json::parse(answer.body).at(0);
    return !request.at("agency_responsible").is_null() &&
           !request.at("expected_datetime").is_null();
  }));
  CHECK(request.at("service_request_id") == ticket);
  CHECK(request.at("status") == "open");
  CHECK(request.at("service_code") == "jalan-rusak");
  CHECK(request.at("service_name") == "Jalan rusak");
  CHECK(request.at("agency_responsible") == "DPUPRPKP");
  CHECK(request.at("address") == "Jl. Kawi No. 24, Klojen");
  CHECK(request.at("lat").get<double>() == Approx(-7.9826));
  CHECK(request.at("long").get<double>() == Approx(112.6308));
  // W3C datetimes in the city's offset; the first response is due days after the request.
  const std::string requested = request.at("requested_datetime").get<std::string>();
  CHECK(absl::StartsWith(requested, "2026-03-02T09:00:00+07:00"));
  CHECK(absl::EndsWith(request.at("expected_datetime").get<std::string>(), "+07:00"));
  CHECK(request.at("expected_datetime").get<std::string>() > requested);
  for (const char* field : {"status_notes", "service_notice", "updated_datetime", "address_id",
                            "zipcode", "media_url"}) {
    CHECK(request.contains(field));
  }
  // Nothing personal: the phone in the words is masked, the reporter is nowhere.
  const std::string text = request.dump();
  CHECK(absl::StrContains(request.at("description").get<std::string>(), "[disamarkan]"));
  for (const char* secret : {"3456", "Siti", "Aminah", "siti.aminah", "tt222111", "123456"}) {
    INFO(secret);
    CHECK_FALSE(absl::StrContains(text, secret));
  }
  const HttpAnswer as_xml = app.Get(absl::StrCat("/open311/v2/requests/", ticket, ".xml"));
  CHECK(as_xml.Header("content-type") == "text/xml; charset=utf-8");
  CHECK(absl::StrContains(as_xml.body,
                          absl::StrCat("<service_requests><request><service_request_id>", ticket,
                                       "</service_request_id><status>open</status>")));
  CHECK(absl::StrContains(as_xml.body, "<zipcode></zipcode>"));
}

TEST_CASE("a 311 app's mistakes get the spec's errors, in its format, and nothing is stored",
          "[gateway][open311]") {
  Door door;
  HttpClient app = door.Client();
  Console admin = Administrator(door.system);
  const std::string key = IssueKey(admin, "open311");
  const std::string base = absl::StrCat("api_key=", key, "&service_code=jalan-rusak");

  const HttpAnswer no_key = app.Post("/open311/v2/requests.json",
                                     "service_code=jalan-rusak&lat=-7.98&long=112.63", kForm);
  CHECK(no_key.status == 403);
  CHECK(AnyStartsWith(ErrorDescriptions(no_key), "the API key"));
  CHECK(app.Post("/open311/v2/requests.xml", "api_key=skk_wrong&service_code=jalan-rusak", kForm)
            .status == 403);
  // A staff key is not a partner's key.
  CHECK(app.Post("/open311/v2/requests.json",
                 absl::StrCat("api_key=", IssueKey(admin, "staff", "officer", "dpuprpkp"),
                              "&service_code=jalan-rusak&lat=-7.98&long=112.63&description=x"),
                 kForm)
            .status == 403);

  const HttpAnswer nowhere =
      app.Post("/open311/v2/requests.json", base + "&description=Lubang+besar", kForm);
  CHECK(nowhere.status == 400);
  CHECK(AnyStartsWith(ErrorDescriptions(nowhere), "lat: "));
  const HttpAnswer address_id =
      app.Post("/open311/v2/requests.json", base + "&address_id=545483&description=x", kForm);
  CHECK(AnyStartsWith(ErrorDescriptions(address_id), "address_id: "));
  const HttpAnswer not_numbers =
      app.Post("/open311/v2/requests.json", base + "&lat=utara&long=112.63&description=x", kForm);
  CHECK(AnyStartsWith(ErrorDescriptions(not_numbers), "lat: "));
  // Outside the city, no description, a phone that is not one: each named as the app sent it.
  const HttpAnswer invalid =
      app.Post("/open311/v2/requests.json", base + "&lat=-6.2&long=106.8&phone=12345", kForm);
  CHECK(invalid.status == 400);
  const std::vector<std::string> reasons = ErrorDescriptions(invalid);
  CHECK(AnyStartsWith(reasons, "lat: "));
  CHECK(AnyStartsWith(reasons, "description: "));
  CHECK(AnyStartsWith(reasons, "phone: "));
  const HttpAnswer unknown = app.Post(
      "/open311/v2/requests.json",
      absl::StrCat("api_key=", key, "&service_code=bukan&lat=-7.98&long=112.63&description=x"),
      kForm);
  CHECK(unknown.status == 404);
  const HttpAnswer elsewhere =
      app.Post("/open311/v2/requests.json",
               base + "&jurisdiction_id=surabaya.go.id&lat=-7.98&long=112.63&description=x", kForm);
  CHECK(elsewhere.status == 404);
  CHECK(app.Post("/open311/v2/requests.json", R"({"service_code": "jalan-rusak"})",
                 "application/json")
            .status == 400);
  CHECK(app.Get("/open311/v2/services.json?jurisdiction_id=surabaya.go.id").status == 404);
  // Addresses the spec does not have still answer in its error format.
  const HttpAnswer no_route = app.Get("/open311/v2/nothing.json");
  CHECK(no_route.status == 404);
  CHECK(ErrorDescriptions(no_route).size() == 1);
  const HttpAnswer wrong_method = app.Send("DELETE", "/open311/v2/requests.xml", "", "");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.Header("allow") == "GET, POST");
  CHECK(absl::StrContains(wrong_method.body, "<errors><error><code>405</code><description>"));
  const HttpAnswer wrong_method_json = app.Send("PUT", "/open311/v2/services.json", "", "");
  CHECK(wrong_method_json.status == 405);
  CHECK(ErrorDescriptions(wrong_method_json).size() == 1);
  CHECK(app.Get("/open311/v2/requests/SKK-2026-000001").status == 404);  // no format

  CHECK(door.system.Count("SELECT count(*) FROM intake.complaints") == 0);
}

TEST_CASE(
    "the public GET filters by ids, services, dates and status and never shows a "
    "confidential complaint or a reporter",
    "[gateway][open311]") {
  Door door;
  HttpClient app = door.Client();
  auto submit = [&](v1::SubmitComplaintRequest complaint, const std::string& idempotency) {
    const HttpAnswer answer = app.Post("/api/v1/complaints", ProtoJson(complaint),
                                       "application/json", {{"Idempotency-Key", idempotency}});
    INFO(answer.body);
    REQUIRE(answer.status == 201);
    return FromJson<v1::SubmitComplaintResponse>(answer.body);
  };
  const HttpAnswer photo = app.Post("/api/v1/media", images::Jpeg(1024, 768), "image/jpeg");
  REQUIRE(photo.status == 201);
  const std::string media_id = FromJson<v1::UploadMediaResponse>(photo.body).media_id();
  v1::SubmitComplaintRequest with_photo = SampleComplaint("jalan-rusak");
  with_photo.add_media_ids(media_id);
  const auto road = submit(with_photo, "open311-public-road");
  const auto rubbish = submit(SampleComplaint("sampah"), "open311-public-rubbish");
  v1::SubmitComplaintRequest secret = SampleComplaint("jalan-rusak");
  secret.set_confidential(true);
  secret.set_description("Pungutan liar oleh petugas parkir di Jl. Ijen, rahasia.");
  const auto confidential = submit(secret, "open311-public-secret");
  v1::SubmitComplaintRequest nameless = SampleComplaint("pohon-tumbang");
  nameless.clear_reporter();
  nameless.mutable_reporter()->set_anonymous(true);
  const auto anonymous = submit(nameless, "open311-public-anonymous");

  // The agency resolves the road: it is closed, with the agency's words as status_notes.
  OfficerClient officer(door.system, StaffRole::kOfficer, "dpuprpkp");
  REQUIRE(System::WaitUntil([&] { return officer.Claim(road.complaint_id()).ok(); }));
  REQUIRE(
      officer.Resolve(road.complaint_id(), "Lubang sudah ditambal, hubungi 081299998888.").ok());

  auto tickets_of = [](const Json& list) {
    std::set<std::string> tickets;
    for (const Json& r : list) tickets.insert(r.at("service_request_id").get<std::string>());
    return tickets;
  };
  Json all;
  REQUIRE(System::WaitUntil([&] {
    all = Json::parse(app.Get("/open311/v2/requests.json").body);
    for (const Json& r : all) {
      if (r.at("service_request_id") == road.ticket()) return r.at("status") == "closed";
    }
    return false;
  }));
  CHECK(tickets_of(all) ==
        std::set<std::string>{road.ticket(), rubbish.ticket(), anonymous.ticket()});
  const std::string everything = all.dump();
  for (const char* hidden : {"Pungutan liar", "Siti", "081234567890", "9999"}) {
    INFO(hidden);
    CHECK_FALSE(absl::StrContains(everything, hidden));
  }
  for (const Json& r : all) {
    if (r.at("service_request_id") == road.ticket()) {
      CHECK(absl::StrContains(r.at("status_notes").get<std::string>(), "Lubang sudah ditambal"));
      // media_url: the thumbnail, which anyone may fetch.
      const std::string url = r.at("media_url").get<std::string>();
      const std::string path = absl::StrCat("/media/", media_id, "/thumbnail");
      CHECK(absl::EndsWith(url, path));
      const HttpAnswer fetched = app.Get(path);
      CHECK(fetched.status == 200);
      CHECK(fetched.Header("content-type") == "image/jpeg");
    } else {
      CHECK(r.at("media_url").is_null());
    }
  }
  CHECK(app.Get(absl::StrCat("/open311/v2/requests/", confidential.ticket(), ".json")).status ==
        404);

  auto list = [&](const std::string& query) {
    const HttpAnswer answer = app.Get(absl::StrCat("/open311/v2/requests.json?", query));
    INFO(query << " -> " << answer.body);
    REQUIRE(answer.status == 200);
    return tickets_of(Json::parse(answer.body));
  };
  CHECK(list(absl::StrCat("service_request_id=", road.ticket(), ",", confidential.ticket())) ==
        std::set<std::string>{road.ticket()});
  CHECK(list("service_code=sampah") == std::set<std::string>{rubbish.ticket()});
  CHECK(list("service_code=sampah,pohon-tumbang") ==
        std::set<std::string>{rubbish.ticket(), anonymous.ticket()});
  CHECK(list("status=closed") == std::set<std::string>{road.ticket()});
  CHECK(list("status=open") == std::set<std::string>{rubbish.ticket(), anonymous.ticket()});
  CHECK(list("status=open,closed").size() == 3);
  CHECK(list("start_date=2026-03-01T00:00:00%2B07:00&end_date=2026-03-03T00:00:00Z").size() == 3);
  CHECK(list("start_date=2025-01-01T00:00:00Z&end_date=2025-02-01T00:00:00Z").empty());
  CHECK(list("start_date=&status=").size() == 3);  // empty is the same as not sent

  const HttpAnswer long_window = app.Get(
      "/open311/v2/requests.json?start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z");
  CHECK(long_window.status == 400);
  CHECK(AnyStartsWith(ErrorDescriptions(long_window), "end_date: "));
  CHECK(AnyStartsWith(ErrorDescriptions(app.Get("/open311/v2/requests.json?start_date=kemarin")),
                      "start_date: "));
  CHECK(AnyStartsWith(ErrorDescriptions(app.Get("/open311/v2/requests.json?status=pending")),
                      "status: "));

  // The XML list holds one <request> per request.
  const HttpAnswer xml = app.Get("/open311/v2/requests.xml?status=open");
  CHECK(absl::StrContains(xml.body, "<service_requests><request>"));
  CHECK_FALSE(absl::StrContains(xml.body, road.ticket()));

  // Tokens: realtime services never give one, so none is found, in the spec's format.
  const HttpAnswer token = app.Get("/open311/v2/tokens/12345.json");
  CHECK(token.status == 404);
  CHECK(ErrorDescriptions(token).size() == 1);
  // Service discovery names the endpoint and both formats.
  const Json discovery = JsonOf(app.Get("/open311/discovery.json"));
  CHECK(
      absl::EndsWith(discovery.at("endpoints").at(0).at("url").get<std::string>(), "/open311/v2"));
  CHECK(discovery.at("endpoints").at(0).at("formats").size() == 2);
}

TEST_CASE("an agency's own system calls the staff API with a key until it is revoked",
          "[gateway]") {
  Door door;
  HttpClient machine = door.Client();
  Console admin = Administrator(door.system);
  const std::string key = IssueKey(admin, "staff", "officer", "dpuprpkp");
  const HttpHeaders bearer = {{"Authorization", absl::StrCat("Bearer ", key)}};

  const HttpAnswer queue = machine.Get("/api/v1/staff/queue", bearer);
  INFO(queue.body);
  CHECK(queue.status == 200);
  const HttpAnswer who = machine.Get("/api/v1/staff/session", bearer);
  CHECK(FromJson<v1::StaffSession>(who.body).agency_code() == "dpuprpkp");
  // Not an administrator: it issues no keys.
  v1::NewApiKey more;
  more.set_name("x");
  more.set_purpose("open311");
  CHECK(
      machine.Post("/api/v1/staff/api-keys", ProtoJson(more), "application/json", bearer).status ==
      403);

  // The administrator lists keys: never the key itself, but when it was last used.
  const HttpAnswer listed = admin.Get("/api/v1/staff/api-keys");
  REQUIRE(listed.status == 200);
  CHECK_FALSE(absl::StrContains(listed.body, key));
  const v1::ApiKeyList keys = FromJson<v1::ApiKeyList>(listed.body);
  REQUIRE(keys.api_keys_size() == 1);
  CHECK(keys.api_keys(0).has_last_used_at());
  CHECK(keys.api_keys(0).created_by() == "admin");

  // Bad requests for a key name each field.
  v1::NewApiKey bad;
  bad.set_purpose("staff");
  bad.set_role("admin");
  const HttpAnswer refused = admin.Post("/api/v1/staff/api-keys", ProtoJson(bad));
  CHECK(refused.status == 400);

  REQUIRE(
      admin.Post(absl::StrCat("/api/v1/staff/api-keys/", keys.api_keys(0).key_id(), "/revoke"), "")
          .status == 204);
  CHECK(machine.Get("/api/v1/staff/queue", bearer).status == 401);
  CHECK(machine.Get("/api/v1/staff/queue", {{"Authorization", "Bearer skk_guess"}}).status == 401);
  CHECK(admin.Post("/api/v1/staff/api-keys/k-000000000000/revoke", "").status == 404);
}

}  // namespace
}  // namespace skk::testing

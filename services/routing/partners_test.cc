// What the outbound adapter says to partners and understands of their answers.

#include "services/routing/partners.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "google/protobuf/util/json_util.h"
#include "services/platform/secrets.h"

namespace skk::routing {
namespace {

namespace v1 = sambat::v1;

CaseRow Theft() {
  CaseRow c;
  c.complaint_id = "6f1c1d2e-0000-4000-8000-000000000001";
  c.ticket = "SKK-20260302-0001";
  c.category = "keamanan";
  c.description = "Sepeda motor dicuri di parkiran pasar & pelaku terekam CCTV";
  c.latitude = -7.9826;
  c.longitude = 112.6308;
  c.address = "Jl. Merdeka Barat, Kauman";
  c.submitted_at = absl::FromUnixSeconds(1772416800);
  return c;
}

PartnerEndpoint Webhook() {
  return {.agency_code = "kejari", .agency_name = "Kejaksaan Negeri", .protocol = "webhook",
          .url = "https://kejari.example.go.id/sambat", .secret = "rahasia-bersama-kejari"};
}

PartnerEndpoint Open311() {
  return {.agency_code = "polresta", .agency_name = "Polresta Malang Kota",
          .protocol = "open311", .url = "https://polresta.example.go.id/open311/v2/",
          .api_key = "kunci-api", .service_codes = {{"keamanan", "gangguan-kamtibmas"}},
          .jurisdiction_id = "malangkota.go.id"};
}

std::string Header(const HttpCall& call, const std::string& name) {
  for (const auto& [n, v] : call.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST_CASE("a webhook partner gets the case as JSON it can verify came from the city",
          "[routing][partners]") {
  const absl::Time now = absl::FromUnixSeconds(1772420400);
  const v1::PartnerHandOff h = HandOffOf(Theft(), "Keamanan", "Tindak pidana", now);
  auto call = HandOffCall(Webhook(), h, now);
  REQUIRE(call.ok());
  CHECK(call->method == "POST");
  CHECK(call->url == "https://kejari.example.go.id/sambat");
  CHECK(Header(*call, "X-Sambat-Timestamp") == "1772420400");
  // The partner checks the signature over the timestamp and the exact body.
  CHECK(Header(*call, "X-Sambat-Signature") ==
        WebhookSignature("rahasia-bersama-kejari", "1772420400", call->body));
  CHECK(Header(*call, "X-Sambat-Signature") !=
        WebhookSignature("rahasia-bersama-kejari", "1772420401", call->body));
  v1::PartnerHandOff read;
  REQUIRE(google::protobuf::util::JsonStringToMessage(call->body, &read).ok());
  CHECK(read.ticket() == "SKK-20260302-0001");
  CHECK(read.category_name() == "Keamanan");
  CHECK(read.location().latitude() == Approx(-7.9826));
  CHECK(read.reason() == "Tindak pidana");
  CHECK(absl::StrContains(call->body, "\"categoryName\""));
}

TEST_CASE("an Open311 partner gets a GeoReport v2 request with its own service code",
          "[routing][partners]") {
  const absl::Time now = absl::FromUnixSeconds(1772420400);
  auto call = HandOffCall(Open311(), HandOffOf(Theft(), "Keamanan", "rule", now), now);
  REQUIRE(call.ok());
  CHECK(call->url == "https://polresta.example.go.id/open311/v2/requests.json");
  CHECK(Header(*call, "Content-Type") == "application/x-www-form-urlencoded");
  CHECK(absl::StrContains(call->body, "api_key=kunci-api"));
  CHECK(absl::StrContains(call->body, "jurisdiction_id=malangkota.go.id"));
  CHECK(absl::StrContains(call->body, "service_code=gangguan-kamtibmas"));
  CHECK(absl::StrContains(call->body, "lat=-7.9826000"));
  CHECK(absl::StrContains(call->body, "long=112.6308000"));
  // The ticket leads the description; '&' and spaces are escaped, never a field of their own.
  CHECK(absl::StrContains(call->body,
                          "description=%5BSKK-20260302-0001%5D+Sepeda+motor+dicuri+di+parkiran+"
                          "pasar+%26+pelaku"));

  CaseRow other = Theft();
  other.category = "sampah";
  CHECK_FALSE(HandOffCall(Open311(), HandOffOf(other, "Sampah", "", now), now).ok());
  PartnerEndpoint fallback = Open311();
  fallback.default_service_code = "laporan-masyarakat";
  auto with_default = HandOffCall(fallback, HandOffOf(other, "Sampah", "", now), now);
  REQUIRE(with_default.ok());
  CHECK(absl::StrContains(with_default->body, "service_code=laporan-masyarakat"));

  const HttpCall status = StatusCall(Open311(), "REQ 7/8");
  CHECK(status.method == "GET");
  CHECK(status.url == "https://polresta.example.go.id/open311/v2/requests/REQ%207%2F8.json"
                      "?jurisdiction_id=malangkota.go.id");
}

TEST_CASE("an Open311 partner's answers are read, and nonsense is refused",
          "[routing][partners]") {
  auto created = ReadOpen311Created(
      R"([{"service_request_id":"638344","service_notice":"Akan ditindaklanjuti"}])");
  REQUIRE(created.ok());
  CHECK(created->reference == "638344");
  CHECK(created->status == "received");
  CHECK(created->note == "Akan ditindaklanjuti");
  CHECK(ReadOpen311Created(R"([{"service_request_id":638344}])")->reference == "638344");
  CHECK_FALSE(ReadOpen311Created(R"([{"token":"abc"}])").ok());
  CHECK_FALSE(ReadOpen311Created("<html>").ok());

  auto closed = ReadOpen311Status(
      R"([{"service_request_id":"638344","status":"closed","status_notes":"Pelaku diamankan"}])");
  REQUIRE(closed.ok());
  CHECK(closed->status == "closed");
  CHECK(closed->note == "Pelaku diamankan");
  CHECK(ReadOpen311Status(R"([{"status":"open"}])")->status == "in_progress");
  CHECK_FALSE(ReadOpen311Status(R"([{"status":"lost"}])").ok());
}

TEST_CASE("a partner's report is checked field by field", "[routing][partners]") {
  v1::ReportPartnerStatusRequest r;
  r.set_ticket("SKK-20260302-0001");
  r.set_status("in_progress");
  CHECK(ValidatePartnerReport(r).empty());
  r.set_status("closed");
  auto v = ValidatePartnerReport(r);
  REQUIRE(v.size() == 1);
  CHECK(v[0].field == "note");
  r.set_note("Pelaku sudah diamankan");
  CHECK(ValidatePartnerReport(r).empty());
  r.set_status("done");
  r.set_partner_reference(std::string(101, 'x'));
  r.set_ticket("");
  v = ValidatePartnerReport(r);
  CHECK(v.size() == 3);
}

TEST_CASE("a partner that is down is retried ever more slowly, never more than hourly",
          "[routing][partners]") {
  CHECK(OutboundRetryDelay(1) == absl::Seconds(30));
  CHECK(OutboundRetryDelay(2) == absl::Minutes(1));
  CHECK(OutboundRetryDelay(5) == absl::Minutes(8));
  CHECK(OutboundRetryDelay(12) == absl::Hours(1));
  CHECK(OutboundRetryDelay(40) == absl::Hours(1));
}

TEST_CASE("a partner's URL can be replaced for a test or staging, but only a partner's",
          "[routing][partners]") {
  auto urls = ParsePartnerUrls("polresta=http://127.0.0.1:9/p/,kejari=http://127.0.0.1:9/k");
  REQUIRE(urls.ok());
  CHECK(urls->at("kejari") == "http://127.0.0.1:9/k");
  CHECK_FALSE(ParsePartnerUrls("polresta").ok());
}

}  // namespace
}  // namespace skk::routing

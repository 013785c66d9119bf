// SP4N-LAPOR's calls and answers (docs/lapor.md), without the network: what an export says
// for a named, an anonymous and a confidential complaint, how an answer's tracking number and
// a page of dispositions are read, what a disposition becomes, and which case events LAPOR
// hears of. Field names follow the city's configuration.

#include "services/intake/lapor.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "services/intake/validation.h"
#include "services/platform/testing/test_env.h"

namespace skk::intake {
namespace {

using nlohmann::json;
namespace v1 = sambat::v1;

const v1::CityConfig& Malang() { return testing::ShippedCityConfig(); }

LaporEndpoint Endpoint() {
  LaporEndpoint e;
  e.channel = WithLaporDefaults(Malang().lapor());
  e.token = "token-of-the-city";
  return e;
}

LaporExport Pothole() {
  return {.ticket = "SKK-2026-000123",
          .category = "jalan-rusak",
          .category_name = "Jalan rusak",
          .description = "Jalan berlubang besar di depan SDN Kauman 1, membahayakan pengendara.",
          .address = "Jl. Kauman 1",
          .latitude = -7.9826,
          .longitude = 112.6308,
          .reporter_name = "Siti Aminah",
          .submitted_at = absl::FromUnixSeconds(1772416800)};
}

std::string Header(const HttpCall& call, const std::string& name) {
  for (const auto& [k, v] : call.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST_CASE("an export names the reporter, the category and the place, with the city's token",
          "[lapor]") {
  const HttpCall call = ExportCall(Endpoint(), Pothole());
  CHECK(call.method == "POST");
  CHECK(call.url == Malang().lapor().url() + "laporan");
  CHECK(Header(call, "X-Lapor-Token") == "token-of-the-city");
  CHECK(Header(call, "Idempotency-Key") == "sambat-SKK-2026-000123");
  const json body = json::parse(call.body);
  CHECK(body["isi"] == Pothole().description);
  CHECK(body["judul"].get<std::string>().rfind("Jalan rusak: Jalan berlubang", 0) == 0);
  CHECK(body["kategori_id"] == "infrastruktur-jalan");
  CHECK(body["lokasi"] == "Jl. Kauman 1 (-7.9826000, 112.6308000)");
  CHECK(body["nama_pelapor"] == "Siti Aminah");
  CHECK(body["anonim"] == false);
  CHECK(body["rahasia"] == false);
  CHECK(body["referensi"] == "SKK-2026-000123");
}

TEST_CASE("a phone number or an email address in the citizen's words is masked for LAPOR",
          "[lapor]") {
  LaporExport c = Pothole();
  c.description = "Hubungi saya di 081234567890 atau siti.aminah@example.com, jalan berlubang.";
  const std::string body = ExportCall(Endpoint(), c).body;
  CHECK(body.find("081234567890") == std::string::npos);
  CHECK(body.find("siti.aminah@example.com") == std::string::npos);
  CHECK(json::parse(body)["isi"].get<std::string>().find("jalan berlubang") != std::string::npos);
}

TEST_CASE("a tracking number is a short token, and LAPOR's words are kept as printable text",
          "[lapor]") {
  CHECK(IsLaporTrackingId("LAPOR-2026-4410"));
  CHECK(IsLaporTrackingId("10/2026:7.a_b"));
  CHECK_FALSE(IsLaporTrackingId("X"));
  CHECK_FALSE(IsLaporTrackingId("LAPOR 1"));
  CHECK_FALSE(IsLaporTrackingId("LAPOR\n1"));
  CHECK_FALSE(IsLaporTrackingId(std::string(101, 'a')));
  CHECK(ReplyExcerpt("Bad \xff\xfe gateway\r\n") == "Bad ?? gateway??");
  CHECK(ReplyExcerpt(std::string(500, 'x')).size() == 200);
}

TEST_CASE("an anonymous complaint is exported without a name, a confidential one as secret",
          "[lapor]") {
  LaporExport c = Pothole();
  c.anonymous = true;
  c.confidential = true;
  c.category = "keamanan";  // not mapped: the default category
  const json body = json::parse(ExportCall(Endpoint(), c).body);
  CHECK(body["nama_pelapor"] == "");
  CHECK(body["anonim"] == true);
  CHECK(body["rahasia"] == true);
  CHECK(body["kategori_id"] == "lainnya");
}

TEST_CASE("field names and paths come from the configuration", "[lapor]") {
  LaporEndpoint e = Endpoint();
  e.channel.mutable_fields()->set_content("content");
  e.channel.mutable_fields()->set_tracking_id("trackingId");
  e.channel.set_export_path("v2/complaints");
  e.channel = WithLaporDefaults(e.channel);
  const HttpCall call = ExportCall(e, Pothole());
  CHECK(call.url == Malang().lapor().url() + "v2/complaints");
  CHECK(json::parse(call.body)["content"] == Pothole().description);
  CHECK(json::parse(call.body).contains("judul"));
  CHECK(*ReadTrackingId(e, R"({"trackingId": "L-77"})") == "L-77");
}

TEST_CASE("the tracking number is read from the answer, bare or wrapped, and none is an error",
          "[lapor]") {
  CHECK(*ReadTrackingId(Endpoint(), R"({"tracking_id": "LAPOR-2026-4410"})") == "LAPOR-2026-4410");
  CHECK(*ReadTrackingId(Endpoint(), R"({"data": {"tracking_id": 4410}})") == "4410");
  CHECK_FALSE(ReadTrackingId(Endpoint(), R"({"status": "ok"})").ok());
  CHECK_FALSE(ReadTrackingId(Endpoint(), "<html>Bad gateway</html>").ok());
  CHECK_FALSE(ReadTrackingId(Endpoint(), R"({"tracking_id": ""})").ok());
}

TEST_CASE(
    "a page of dispositions is read with its cursor, and one without a tracking number is "
    "left out",
    "[lapor]") {
  const auto page = ReadDispositions(Endpoint(), R"({
    "data": [
      {"tracking_id": "LAPOR-1", "judul": "Sampah menumpuk", "isi": "Sampah di TPS Oro-oro Dowo",
       "kategori_id": "lingkungan-sampah", "instansi_id": "pemkot-malang-dlh",
       "lokasi": "Jl. Guntur", "anonim": 0, "rahasia": "1", "nama_pelapor": "Rina"},
      {"judul": "tanpa nomor"},
      {"tracking_id": "nomor dengan spasi"},
      "bukan objek"
    ],
    "berikutnya": "c-42"})");
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  CHECK(page->unusable == 3);
  CHECK(page->next_cursor == "c-42");
  const LaporDisposition& d = page->items[0];
  CHECK(d.tracking_id == "LAPOR-1");
  CHECK(d.unit == "pemkot-malang-dlh");
  CHECK_FALSE(d.anonymous);
  CHECK(d.secret);
  CHECK(d.reporter == "Rina");
  CHECK_FALSE(ReadDispositions(Endpoint(), R"({"pesan": "tidak ada"})").ok());
  CHECK(ReadDispositions(Endpoint(), "[]")->items.empty());
}

TEST_CASE("a disposition becomes a complaint for the agency it was disposed to, valid as it is",
          "[lapor]") {
  LaporDisposition d{.tracking_id = "LAPOR-1",
                     .title = "Sampah menumpuk",
                     .content = "Sampah di TPS Oro-oro Dowo tidak diangkut seminggu.\x01",
                     .category_id = "lingkungan-sampah",
                     .unit = "pemkot-malang-dlh",
                     .location = "Jl. Guntur",
                     .reporter = "Rina"};
  const LaporImport import = ImportOf(Endpoint(), Malang(), d);
  CHECK(import.agency_code == "dlh");
  const v1::SubmitComplaintRequest& r = import.request;
  CHECK(r.channel() == v1::CHANNEL_LAPOR);
  CHECK(r.idempotency_key() == "lapor:LAPOR-1");
  CHECK(r.category() == "sampah");
  CHECK(r.description() ==
        "Sampah menumpuk\n\nSampah di TPS Oro-oro Dowo tidak diangkut seminggu. ");
  CHECK(r.address() == "Jl. Guntur");
  CHECK(r.reporter().name() == "Rina");
  CHECK_FALSE(r.reporter().anonymous());
  CHECK(ValidateSubmission(r, RulesFromCityConfig(Malang())).empty());

  // An unknown unit, category, and no words at all: still a complaint, for the rules.
  LaporDisposition bare{.tracking_id = "LAPOR-2", .unit = "kementerian-x", .anonymous = true};
  const LaporImport other = ImportOf(Endpoint(), Malang(), bare);
  CHECK(other.agency_code.empty());
  CHECK(other.request.category() == "lainnya");
  CHECK(other.request.description() == "(Laporan SP4N-LAPOR LAPOR-2 tanpa isi)");
  CHECK(other.request.reporter().anonymous());
  CHECK(ValidateSubmission(other.request, RulesFromCityConfig(Malang())).empty());

  // Words longer than a complaint holds are cut, not refused.
  LaporDisposition long_one{.tracking_id = "LAPOR-3", .content = std::string(5000, 'a')};
  CHECK(ImportOf(Endpoint(), Malang(), long_one).request.description().size() ==
        static_cast<size_t>(kMaxDescriptionChars));
}

TEST_CASE("LAPOR hears of answers, resolutions, rejections and closings, nothing else", "[lapor]") {
  v1::Event e;
  e.mutable_case_after()->set_agency_name("DLH");
  e.mutable_case_responded()->set_message("Diangkut besok pagi.");
  REQUIRE(FollowupOf(e).has_value());
  CHECK(FollowupOf(e)->status == "proses");
  CHECK(FollowupOf(e)->text == "DLH: Diangkut besok pagi.");
  e.mutable_case_resolved()->set_note("Sudah diangkut.");
  CHECK(FollowupOf(e)->status == "selesai");
  e.mutable_case_rejected()->set_reason("duplicate");
  e.mutable_case_rejected()->set_duplicate_of_ticket("SKK-2026-000041");
  CHECK(FollowupOf(e)->status == "ditolak");
  CHECK(FollowupOf(e)->text == "DLH: sama dengan pengaduan SKK-2026-000041");
  e.mutable_case_closed()->set_automatic(true);
  CHECK(FollowupOf(e)->status == "ditutup");
  e.mutable_case_claimed();
  CHECK_FALSE(FollowupOf(e).has_value());

  const HttpCall call = FollowupCall(Endpoint(), "LAPOR 1/2", "SKK-2026-000123",
                                     {.status = "proses", .text = "DLH: Diangkut besok pagi."},
                                     absl::FromUnixSeconds(1772416800), "event-7");
  CHECK(Header(call, "Idempotency-Key") == "sambat-event-7");
  CHECK(call.url == Malang().lapor().url() + "laporan/LAPOR%201%2F2/tindak-lanjut");
  const json body = json::parse(call.body);
  CHECK(body["status"] == "proses");
  CHECK(body["isi"] == "DLH: Diangkut besok pagi.");
  CHECK(body["referensi"] == "SKK-2026-000123");
  CHECK(body["tanggal"] == "2026-03-02T02:00:00.000Z");
}

TEST_CASE("the dispositions are asked after the cursor", "[lapor]") {
  CHECK(DispositionsCall(Endpoint(), "").url == Malang().lapor().url() + "disposisi");
  CHECK(DispositionsCall(Endpoint(), "c 42").url ==
        Malang().lapor().url() + "disposisi?sejak=c%2042");
}

}  // namespace
}  // namespace skk::intake

// Complaints by SMS and WhatsApp (issue 19), across the real services: a citizen's messages
// arrive at the gateway's webhook as the city's text gateway would POST them, signed with its
// shared secret; the replies are the webhook's responses, and everything else the citizen
// hears comes by SMS to the same number through notification and the fake SMS gateway.

#include <catch2/catch.hpp>

#include "absl/strings/ascii.h"
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

constexpr char kCitizen[] = "+6281234567001";

// application/x-www-form-urlencoded, as a gateway writes a field.
std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

// The local SMS gateway ("sms-lokal" in deploy/config/kota-malang.textproto) forwarding one
// message: a form body signed with the shared secret.
HttpAnswer Sms(HttpClient& http, const std::string& from, const std::string& id,
               const std::string& text, const std::string& secret = kDevTextGatewaySecret) {
  const std::string body = absl::StrCat("from=", from, "&id=", id, "&message=", UrlEncode(text));
  return http.Post("/webhooks/text/sms-lokal", body, "application/x-www-form-urlencoded",
                   {{"X-Signature", HmacSha256Hex(secret, body)}});
}

// The SMS bodies notification sent to `phone` through the fake gateway.
std::vector<std::string> SmsTo(const FakeReceiver& gateway, const std::string& phone) {
  std::vector<std::string> out;
  for (const auto& r : gateway.Records()) {
    if (Field(r, "path") != "/sms" || Field(r, "status") != "200") continue;
    const auto body = nlohmann::json::parse(Field(r, "body"), nullptr, false);
    if (body.is_object() && body.value("to", "") == phone) {
      out.push_back(body.value("message", ""));
    }
  }
  return out;
}

bool AnySmsTo(const FakeReceiver& gateway, const std::string& phone, const std::string& words) {
  for (const std::string& text : SmsTo(gateway, phone)) {
    if (absl::StrContains(text, words)) return true;
  }
  return false;
}

std::string CaseIdOf(const System& system, const std::string& ticket) {
  return system
      .Query("SELECT complaint_id::text FROM intake.complaints WHERE ticket = '" + ticket + "'")
      .Row(0)
      .String("complaint_id");
}

TEST_CASE(
    "an SMS complaint from its first message through the officer's question and answer "
    "to the resolution, all on the same number",
    "[e2e][sms]") {
  NotifyingSystem system("e2e_sms", {"intake", "routing", "sla", "gateway"});
  HttpClient http(system.HttpPort());

  // Two messages a minute apart: one complaint. The first is SAMBAT, the second goes on.
  HttpAnswer first =
      Sms(http, "081234567001", "m-1", "SAMBAT Jalan berlubang besar di Jl. Soekarno Hatta");
  REQUIRE(first.status == 200);
  CHECK(absl::StrContains(first.body, "pesan Anda diterima"));
  CHECK(absl::StrContains(first.body, "3 menit"));
  system.AdvanceClock(absl::Minutes(1));
  HttpAnswer more =
      Sms(http, "0812-3456-7001", "m-2", "depan Politeknik, sisi barat. Sudah 2 motor jatuh");
  REQUIRE(more.status == 200);
  CHECK(absl::StrContains(more.body, "Tambahan diterima"));
  // The gateway's retry of the first message: the same reply, nothing kept twice.
  HttpAnswer retried =
      Sms(http, "081234567001", "m-1", "SAMBAT Jalan berlubang besar di Jl. Soekarno Hatta");
  CHECK(retried.status == 200);
  CHECK(retried.body == first.body);
  // A forged message (another secret): refused, and nothing of it is kept.
  HttpAnswer forged = Sms(http, "081234567001", "m-x", "INFO SKK-2026-000001 palsu",
                          "not-the-gateways-secret-at-all");
  CHECK(forged.status == 401);
  CHECK(system.Count("SELECT count(*) FROM intake.text_messages") == 2);
  CHECK(system.Count("SELECT count(*) FROM intake.text_drafts") == 1);
  CHECK(system.Count("SELECT count(*) FROM intake.complaints") == 0);

  // Three quiet minutes later the complaint is submitted, in the words' category, with the
  // number as its reporter's phone.
  system.AdvanceClock(absl::Minutes(3));
  REQUIRE(System::WaitUntil(
      [&] { return system.Count("SELECT count(*) FROM intake.complaints") == 1; }));
  const PgResult stored = system.Query(
      "SELECT c.ticket, c.category, c.channel, c.description, r.phone FROM intake.complaints c "
      "JOIN intake.reporters r USING (complaint_id)");
  const std::string ticket = stored.Row(0).String("ticket");
  CHECK(stored.Row(0).String("category") == "jalan-rusak");
  CHECK(stored.Row(0).String("channel") == "CHANNEL_SMS");
  CHECK(stored.Row(0).String("description") ==
        "Jalan berlubang besar di Jl. Soekarno Hatta\n"
        "depan Politeknik, sisi barat. Sudah 2 motor jatuh");
  CHECK(stored.Row(0).String("phone") == kCitizen);
  // The draft goes in the transaction that follows the complaint's own commit.
  CHECK(System::WaitUntil(
      [&] { return system.Count("SELECT count(*) FROM intake.text_drafts") == 0; }));
  // The ticket comes by SMS to the same number.
  REQUIRE(System::WaitUntil([&] {
    return AnySmsTo(system.gateway, kCitizen, absl::StrCat(ticket, ": pengaduan Anda diterima"));
  }));
  const std::string id = CaseIdOf(system, ticket);
  WaitForCaseState(system, id, "ROUTED");

  // CEK answers with the status, for this number only.
  HttpAnswer status = Sms(http, "081234567001", "m-3", absl::StrCat("cek ", ticket));
  CHECK(status.status == 200);
  CHECK(absl::StartsWith(status.body, absl::StrCat(ticket, ": ")));
  CHECK(absl::StrContains(status.body, "DPUPRPKP"));
  CHECK(absl::StrContains(status.body, "Batas tanggapan"));
  HttpAnswer stranger = Sms(http, "085700000002", "m-4", absl::StrCat("CEK ", ticket));
  CHECK(absl::StrContains(stranger.body, "tidak ditemukan untuk nomor ini"));
  CHECK_FALSE(absl::StrContains(stranger.body, "DPUPRPKP"));

  // INFO before the agency asked anything: nothing to answer.
  HttpAnswer early = Sms(http, "081234567001", "m-5", absl::StrCat("INFO ", ticket, " patokan"));
  CHECK(absl::StrContains(early.body, "tidak ada pertanyaan"));

  // The officer asks; the question arrives by SMS; the citizen answers by SMS.
  const OfficerClient officer(system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                              "Budi Santoso");
  REQUIRE(officer.Claim(id).ok());
  REQUIRE(officer.RequestInfo(id, "Mohon patokan yang lebih tepat.").ok());
  REQUIRE(System::WaitUntil(
      [&] { return AnySmsTo(system.gateway, kCitizen, "Mohon patokan yang lebih tepat."); }));
  HttpAnswer answered =
      Sms(http, "081234567001", "m-6",
          absl::StrCat("INFO ", ticket, " Depan gerbang Polinema, 20 m ke utara"));
  CHECK(answered.status == 200);
  CHECK(absl::StrContains(answered.body, "jawaban Anda sudah diteruskan ke DPUPRPKP"));
  WaitForCaseState(system, id, "IN_PROGRESS");
  sambat::v1::Case seen;
  REQUIRE(officer.GetCase(id, &seen).ok());
  bool answer_in_history = false;
  for (const auto& entry : seen.history()) {
    answer_in_history |= entry.action() == "citizen_answer" &&
                         absl::StrContains(entry.reason(), "Depan gerbang Polinema");
  }
  CHECK(answer_in_history);

  // The resolution reaches the same number.
  REQUIRE(officer.Resolve(id, "Lubang sudah ditambal.").ok());
  REQUIRE(System::WaitUntil([&] {
    return AnySmsTo(system.gateway, kCitizen, absl::StrCat(ticket, ": diselesaikan oleh"));
  }));
  // Without a tracking code, the SMS name the command to reply with, never a link.
  CHECK(AnySmsTo(system.gateway, kCitizen, absl::StrCat("Pantau: balas CEK ", ticket)));
  CHECK(AnySmsTo(system.gateway, kCitizen, absl::StrCat("Jawab: balas INFO ", ticket)));
  CHECK(AnySmsTo(system.gateway, kCitizen, absl::StrCat("balas NILAI ", ticket, " <1-5>")));
  for (const std::string& text : SmsTo(system.gateway, kCitizen)) {
    INFO(text);
    CHECK_FALSE(absl::StrContains(text, "https://"));
  }
  HttpAnswer done = Sms(http, "081234567001", "m-7", absl::StrCat("CEK ", ticket));
  CHECK(absl::StrContains(done.body, absl::StrCat("Belum tuntas? BUKA ", ticket)));
  CHECK_FALSE(absl::StrContains(done.body, "https://"));

  // The citizen rates it by SMS, and the rating is the complaint's.
  HttpAnswer rated = Sms(http, "081234567001", "m-8", absl::StrCat("NILAI ", ticket, " 5 cepat"));
  CHECK(absl::StrContains(rated.body, "terima kasih atas nilai 5 dari 5"));
  CHECK(system.Count("SELECT rating FROM intake.complaints WHERE ticket = '" + ticket + "'") == 5);
  HttpAnswer no_stars = Sms(http, "081234567001", "m-9", absl::StrCat("NILAI ", ticket, " bagus"));
  CHECK(absl::StrContains(no_stars.body, "Format: NILAI"));
}

TEST_CASE(
    "a WhatsApp complaint in one message, a lost citizen's message, and a number over its "
    "limit",
    "[e2e][sms]") {
  System system("e2e_whatsapp", {"intake", "gateway"});
  HttpClient http(system.HttpPort());
  const auto whatsapp = [&](const std::string& from, const std::string& id,
                            const std::string& text) {
    const std::string body = nlohmann::json{{"sender", from}, {"id", id}, {"message", text}}.dump();
    return http.Post("/webhooks/text/wa-lokal", body, "application/json",
                     {{"X-Signature", HmacSha256Hex(kDevTextGatewaySecret, body)}});
  };
  HttpAnswer sent = whatsapp("6285600000003", "wa-1", "Sambat: lampu jalan mati di Jl. Ijen");
  REQUIRE(sent.status == 200);
  CHECK(sent.Header("content-type") == "application/json");
  CHECK(absl::StrContains(nlohmann::json::parse(sent.body).value("reply", ""), "diterima"));
  system.AdvanceClock(absl::Minutes(4));
  REQUIRE(System::WaitUntil([&] {
    return system.Count(
               "SELECT count(*) FROM intake.complaints WHERE channel = "
               "'CHANNEL_WHATSAPP' AND category = 'penerangan-jalan-umum'") == 1;
  }));

  // Words without a command and without a complaint being gathered: the commands, explained.
  HttpAnswer lost = whatsapp("6285600000004", "wa-2", "halo pak");
  CHECK(absl::StrContains(nlohmann::json::parse(lost.body).value("reply", ""),
                          "SAMBAT <isi pengaduan"));
  // A complaint whose words name no category goes to the verifier's triage.
  whatsapp("6285600000004", "wa-3", "SAMBAT tetangga membangun menutup jalan kampung");
  system.AdvanceClock(absl::Minutes(4));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM intake.complaints WHERE category = 'lainnya'") == 1;
  }));

  // Twenty messages an hour per number; the twenty-first is refused and not kept.
  for (int i = 0; i < 18; ++i) {
    REQUIRE(whatsapp("6285600000004", absl::StrCat("wa-n", i), "halo").status == 200);
  }
  HttpAnswer over = whatsapp("6285600000004", "wa-over", "SAMBAT sampah menumpuk");
  CHECK(absl::StrContains(nlohmann::json::parse(over.body).value("reply", ""),
                          "Terlalu banyak pesan"));
  CHECK(system.Count("SELECT count(*) FROM intake.text_messages WHERE message_id = 'wa-over'") ==
        0);
  // A webhook the city has not configured, and a sender that is not an Indonesian mobile.
  CHECK(http.Post("/webhooks/text/nope", "{}", "application/json").status == 404);
  HttpAnswer foreign = whatsapp("+6591234567", "wa-sg", "SAMBAT halo");
  CHECK(foreign.status == 400);
  CHECK(absl::StrContains(foreign.body, "sender"));

  // The citizens' API never takes a complaint claiming to come by SMS.
  auto request = SampleComplaint();
  request.set_channel(sambat::v1::CHANNEL_SMS);
  grpc::ClientContext context;
  sambat::v1::SubmitComplaintResponse refused;
  const grpc::Status status = system.Intake()->SubmitComplaint(&context, request, &refused);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(absl::StrContains(status.error_message(), "channel"));
}

}  // namespace
}  // namespace skk::testing

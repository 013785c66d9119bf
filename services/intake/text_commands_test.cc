// What a citizen's SMS asks, the category its words name, and the replies' words.

#include "services/intake/text_commands.h"

#include <catch2/catch.hpp>

#include "google/protobuf/text_format.h"

namespace skk::intake {
namespace {

TEST_CASE("the keyword is the first word, in any case and however it is separated", "[text]") {
  for (const char* text : {"SAMBAT jalan berlubang", "sambat: jalan berlubang",
                           "Sambat#jalan berlubang", "  SAMBAT.  jalan berlubang  "}) {
    const ParsedText p = ParseTextMessage(text);
    CHECK(p.command == TextCommand::kSambat);
    CHECK(p.body == "jalan berlubang");
  }
  const ParsedText cek = ParseTextMessage("cek skk-2026-000123");
  CHECK(cek.command == TextCommand::kCek);
  CHECK(cek.ticket == "SKK-2026-000123");
  const ParsedText info = ParseTextMessage("INFO SKK-2026-000123 depan Indomaret, sisi timur");
  CHECK(info.command == TextCommand::kInfo);
  CHECK(info.ticket == "SKK-2026-000123");
  CHECK(info.body == "depan Indomaret, sisi timur");
}

TEST_CASE("a message without a keyword is kept whole, and a command without its ticket has none",
          "[text]") {
  const ParsedText other = ParseTextMessage("  dekat jembatan Muharto  ");
  CHECK(other.command == TextCommand::kOther);
  CHECK(other.body == "dekat jembatan Muharto");
  // "Sambatan" (a village working bee) is not the keyword.
  CHECK(ParseTextMessage("Sambatan besok pagi").command == TextCommand::kOther);
  CHECK(ParseTextMessage("CEK").ticket.empty());
  CHECK(ParseTextMessage("CEK <tiket>").ticket.empty());
  CHECK(ParseTextMessage("INFO SKK-2026-000123").body.empty());
}

sambat::v1::CityConfig City() {
  sambat::v1::CityConfig city;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        categories {
          code: "jalan-rusak"
          text_keywords: "jalan rusak"
          text_keywords: "berlubang"
          text_keywords: "aspal"
        }
        categories {
          code: "penerangan-jalan-umum"
          text_keywords: "lampu jalan"
          text_keywords: "pju"
          text_keywords: "lampu mati"
        }
        categories { code: "sampah" text_keywords: "sampah" text_keywords: "tps" }
        categories { code: "lainnya" }
      )pb",
      &city);
  return city;
}

TEST_CASE("the category is the one whose keywords the words match most, else the fallback",
          "[text]") {
  const auto city = City();
  CHECK(CategoryFromWords("Jalan di Sukun BERLUBANG besar, aspal terkelupas", city, "lainnya") ==
        "jalan-rusak");
  CHECK(CategoryFromWords("Lampu mati sejak seminggu, lampu jalan depan SD", city, "lainnya") ==
        "penerangan-jalan-umum");
  // A keyword of two words matches them in a row only; a word inside another never matches.
  CHECK(CategoryFromWords("jalan ke pasar, lampu rumah", city, "lainnya") == "lainnya");
  CHECK(CategoryFromWords("perjalanan sampahnya", city, "lainnya") == "lainnya");
  CHECK(CategoryFromWords("Pak RT minta tolong", city, "lainnya") == "lainnya");
  // A tie goes to the earlier category in the file.
  CHECK(CategoryFromWords("sampah menutup jalan berlubang", city, "lainnya") == "jalan-rusak");
}

TEST_CASE("the replies fit in two SMS and say what the citizen can do next", "[text]") {
  sambat::v1::Complaint c;
  c.set_ticket("SKK-2026-000123");
  c.set_state(sambat::v1::CASE_STATE_ROUTED);
  c.set_status_text(std::string(400, 'x'));
  c.set_agency_name("DPUPRPKP");
  const absl::TimeZone wib = absl::FixedTimeZone(7 * 3600);
  const std::string status = StatusReply(c, wib);
  CHECK(status.size() == kMaxReplyChars);
  c.set_status_text("Diteruskan ke DPUPRPKP, menunggu tanggapan");
  c.mutable_first_response_due_at()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2026, 3, 5, 10, 0, 0), wib)));
  CHECK(StatusReply(c, wib) ==
        "SKK-2026-000123: Diteruskan ke DPUPRPKP, menunggu tanggapan. Batas tanggapan "
        "05-03-2026.");
  c.set_state(sambat::v1::CASE_STATE_RESOLVED);
  c.set_status_text("Diselesaikan oleh DPUPRPKP");
  c.mutable_reopen_until()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2026, 3, 19, 10, 0, 0), wib)));
  CHECK(StatusReply(c, wib) ==
        "SKK-2026-000123: Diselesaikan oleh DPUPRPKP. Beri nilai: NILAI SKK-2026-000123 <1-5>. "
        "Belum tuntas? BUKA SKK-2026-000123 <alasan> sebelum 19-03-2026.");
  CHECK(InfoAddedReply(c) ==
        "SKK-2026-000123: jawaban Anda sudah diteruskan ke DPUPRPKP. "
        "Terima kasih.");
  for (const std::string& reply :
       {HelpReply("Kota Malang"), RefusedReply(), NotFoundReply("SKK-2026-000999"),
        NotAskedReply("SKK-2026-000123"), GatheringReply("Kota Malang", absl::Minutes(3), true),
        GatheringReply("Kota Malang", absl::Minutes(3), false)}) {
    CHECK(reply.size() <= kMaxReplyChars);
  }
  CHECK(HelpReply("Kota Malang").find("SAMBAT <isi") != std::string::npos);
  CHECK(GatheringReply("Kota Malang", absl::Minutes(3), true).find("3 menit") != std::string::npos);
}

}  // namespace
}  // namespace skk::intake

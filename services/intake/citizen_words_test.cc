// What a citizen reads about their complaint.

#include "services/intake/citizen_words.h"

#include <catch2/catch.hpp>

namespace skk::intake {
namespace {

using sambat::v1::CaseState;

TEST_CASE("each state reads as a sentence naming the agency", "[citizen]") {
  CHECK(StatusText(sambat::v1::CASE_STATE_SUBMITTED, "", 0) ==
        "Diterima, sedang diteruskan ke dinas yang berwenang");
  CHECK(StatusText(sambat::v1::CASE_STATE_ROUTED, "DLH", 0) ==
        "Diteruskan ke DLH, menunggu tanggapan");
  CHECK(StatusText(sambat::v1::CASE_STATE_WAITING_CITIZEN, "DLH", 0) ==
        "DLH meminta informasi tambahan dari Anda");
  CHECK(StatusText(sambat::v1::CASE_STATE_RESOLVED, "DLH", 0) ==
        "Selesai ditangani oleh DLH; beri nilai atau buka kembali");
  CHECK(StatusText(sambat::v1::CASE_STATE_MERGED, "DLH", 0) ==
        "Digabung dengan pengaduan lain yang sama");
}

TEST_CASE("an open late complaint says who it was escalated to, a closed one does not",
          "[citizen]") {
  CHECK(StatusText(sambat::v1::CASE_STATE_ROUTED, "Dishub", 1) ==
        "Diteruskan ke Dishub, menunggu tanggapan; terlambat, dilaporkan ke kepala dinas");
  CHECK(StatusText(sambat::v1::CASE_STATE_IN_PROGRESS, "Dishub", 2) ==
        "Sedang ditangani oleh Dishub; terlambat, dilaporkan ke Sekda dan Wali Kota");
  CHECK(StatusText(sambat::v1::CASE_STATE_RESOLVED, "Dishub", 2) ==
        "Selesai ditangani oleh Dishub; beri nilai atau buka kembali");
}

TEST_CASE("every rejection reason reads in plain words", "[citizen]") {
  CHECK(RejectionText("spam", "") == "Ditolak: bukan pengaduan");
  CHECK(RejectionText("duplicate", "SKK-2026-000042") ==
        "Digabung dengan pengaduan yang sama (SKK-2026-000042)");
  CHECK(RejectionText("not_city_authority", "") == "Ditolak: bukan kewenangan Pemerintah Kota");
  CHECK(RejectionText("insufficient_information", "") ==
        "Ditolak: informasi tidak cukup untuk ditindaklanjuti");
  CHECK(RejectionText("something-new", "") == "Ditolak");
}

TEST_CASE("the public reads a description with its phone numbers and emails masked",
          "[citizen_words]") {
  CHECK(MaskContacts("Hubungi saya di 081234567890 ya") == "Hubungi saya di [disamarkan] ya");
  CHECK(MaskContacts("WA +62 812-3456-7890.") == "WA [disamarkan].");
  CHECK(MaskContacts("email budi.s@mail.co.id.") == "email [disamarkan].");
  CHECK(MaskContacts("0812.3456.7890 / 6281234567890") == "[disamarkan] / [disamarkan]");
  // Dates, house numbers, short numbers and a bare @ are the complaint's own words.
  CHECK(MaskContacts("Sejak 2026-12-01, Jl. Ijen No. 12, RT 05") ==
        "Sejak 2026-12-01, Jl. Ijen No. 12, RT 05");
  CHECK(MaskContacts("lubang @ depan toko, 0341 55") == "lubang @ depan toko, 0341 55");
  CHECK(MaskContacts("kode A081234567890") == "kode A081234567890");
  CHECK(MaskContacts("") == "");
}

}  // namespace
}  // namespace skk::intake

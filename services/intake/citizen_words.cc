#include "services/intake/citizen_words.h"

#include "absl/strings/str_cat.h"

namespace skk::intake {

std::string StatusText(sambat::v1::CaseState state, const std::string& agency_name,
                       int escalation_level) {
  const std::string agency = agency_name.empty() ? "dinas terkait" : agency_name;
  std::string text;
  switch (state) {
    case sambat::v1::CASE_STATE_SUBMITTED:
      text = "Diterima, sedang diteruskan ke dinas yang berwenang";
      break;
    case sambat::v1::CASE_STATE_ROUTED:
      text = absl::StrCat("Diteruskan ke ", agency, ", menunggu tanggapan");
      break;
    case sambat::v1::CASE_STATE_IN_PROGRESS:
      text = absl::StrCat("Sedang ditangani oleh ", agency);
      break;
    case sambat::v1::CASE_STATE_WAITING_CITIZEN:
      text = absl::StrCat(agency, " meminta informasi tambahan dari Anda");
      break;
    case sambat::v1::CASE_STATE_RESOLVED:
      text = absl::StrCat("Selesai ditangani oleh ", agency, "; beri nilai atau buka kembali");
      break;
    case sambat::v1::CASE_STATE_CLOSED:
      text = "Ditutup";
      break;
    case sambat::v1::CASE_STATE_REJECTED:
      text = absl::StrCat("Tidak dapat ditindaklanjuti oleh ", agency);
      break;
    case sambat::v1::CASE_STATE_MERGED:
      text = "Digabung dengan pengaduan lain yang sama";
      break;
    case sambat::v1::CASE_STATE_HANDED_OFF:
      text = absl::StrCat("Diserahkan ke ", agency, " untuk ditindaklanjuti");
      break;
    case sambat::v1::CASE_STATE_REOPENED:
      text = absl::StrCat("Dibuka kembali, kembali ditangani oleh ", agency);
      break;
    default:
      text = "Diterima";
  }
  const bool open = state != sambat::v1::CASE_STATE_RESOLVED &&
                    state != sambat::v1::CASE_STATE_CLOSED &&
                    state != sambat::v1::CASE_STATE_REJECTED &&
                    state != sambat::v1::CASE_STATE_MERGED;
  if (open && escalation_level >= 2) {
    absl::StrAppend(&text, "; terlambat, dilaporkan ke Sekda dan Wali Kota");
  } else if (open && escalation_level == 1) {
    absl::StrAppend(&text, "; terlambat, dilaporkan ke kepala dinas");
  }
  return text;
}

std::string RejectionText(const std::string& reason, const std::string& duplicate_of_ticket) {
  if (reason == "spam") return "Ditolak: bukan pengaduan";
  if (reason == "duplicate") {
    return absl::StrCat("Digabung dengan pengaduan yang sama",
                        duplicate_of_ticket.empty() ? "" : absl::StrCat(" (", duplicate_of_ticket, ")"));
  }
  if (reason == "not_city_authority") return "Ditolak: bukan kewenangan Pemerintah Kota";
  if (reason == "insufficient_information") return "Ditolak: informasi tidak cukup untuk ditindaklanjuti";
  return "Ditolak";
}

}  // namespace skk::intake

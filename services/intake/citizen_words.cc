#include "services/intake/citizen_words.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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

namespace {

bool IsEmailLocal(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
         c == '%' || c == '+' || c == '-';
}
bool IsEmailDomain(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

std::string MaskEmails(absl::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t at = text.find('@'); at != absl::string_view::npos; at = text.find('@', at + 1)) {
    size_t begin = at;
    while (begin > copied && IsEmailLocal(text[begin - 1])) --begin;
    size_t end = at + 1;
    while (end < text.size() && IsEmailDomain(text[end])) ++end;
    while (end > at + 1 && text[end - 1] == '.') --end;  // the sentence's full stop
    const absl::string_view domain = text.substr(at + 1, end - at - 1);
    if (begin == at || domain.find('.') == absl::string_view::npos) continue;
    absl::StrAppend(&out, text.substr(copied, begin - copied), kMaskedContact);
    copied = end;
    at = end - 1;
  }
  absl::StrAppend(&out, text.substr(copied));
  return out;
}

// Digits from `begin`, with single spaces, dots or dashes between them: the span's end and
// how many digits it holds.
std::pair<size_t, int> DigitRun(absl::string_view text, size_t begin) {
  size_t end = begin;
  int digits = 0;
  size_t i = begin;
  while (i < text.size()) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      ++digits;
      end = ++i;
      continue;
    }
    const bool separator = text[i] == ' ' || text[i] == '.' || text[i] == '-';
    const bool digit_follows =
        i + 1 < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i + 1]));
    if (!separator || i != end || !digit_follows) break;
    ++i;
  }
  return {end, digits};
}

}  // namespace

std::string MaskContacts(std::string_view input_view) {
  const absl::string_view input(input_view.data(), input_view.size());
  const std::string masked = MaskEmails(input);
  const absl::string_view text = masked;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const bool boundary = i == 0 || !absl::ascii_isalnum(static_cast<unsigned char>(text[i - 1]));
    const size_t digits_from = text[i] == '+' ? i + 1 : i;
    if (boundary && digits_from < text.size() &&
        (text[digits_from] == '0' || absl::StartsWith(text.substr(digits_from), "62"))) {
      const auto [end, digits] = DigitRun(text, digits_from);
      if (digits >= 9) {
        absl::StrAppend(&out, kMaskedContact);
        i = end;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

}  // namespace skk::intake

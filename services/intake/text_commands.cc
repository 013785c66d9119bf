#include "services/intake/text_commands.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace skk::intake {

namespace {

bool IsSeparator(char c) { return c == ' ' || c == ':' || c == '#' || c == '.' || c == ','; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The first word of `s` (up to a separator or white space) and what follows it, trimmed.
std::pair<std::string_view, std::string_view> FirstWord(std::string_view s) {
  size_t end = 0;
  while (end < s.size() && !IsSeparator(s[end]) && !IsSpace(s[end])) ++end;
  std::string_view rest = s.substr(end);
  while (!rest.empty() && (IsSeparator(rest.front()) || IsSpace(rest.front()))) {
    rest.remove_prefix(1);
  }
  return {s.substr(0, end), Trim(rest)};
}

bool IsTicket(std::string_view word) {
  if (word.size() < 3 || word.size() > 40) return false;
  for (char c : word) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

// Lowercase ASCII words; any other byte (punctuation, digits stay) splits them. Letters beyond
// ASCII stay inside words, so "jalan" never matches inside "jalanan" or "perjalanan".
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || u >= 0x80) {
      word.push_back(absl::ascii_tolower(u));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

int Occurrences(const std::vector<std::string>& words, const std::vector<std::string>& phrase) {
  if (phrase.empty() || phrase.size() > words.size()) return 0;
  int n = 0;
  for (size_t i = 0; i + phrase.size() <= words.size(); ++i) {
    bool all = true;
    for (size_t j = 0; j < phrase.size() && all; ++j) all = words[i + j] == phrase[j];
    if (all) ++n;
  }
  return n;
}

// At most kMaxReplyChars code points, never cut inside one.
std::string Fit(std::string text) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++chars > kMaxReplyChars) {
      text.resize(i);
      break;
    }
  }
  return text;
}

std::string Day(const google::protobuf::Timestamp& t, absl::TimeZone zone) {
  return absl::FormatTime("%d-%m-%Y", absl::FromUnixSeconds(t.seconds()), zone);
}

}  // namespace

ParsedText ParseTextMessage(std::string_view text) {
  const std::string_view message = Trim(text);
  const auto [keyword, rest] = FirstWord(message);
  const std::string command = absl::AsciiStrToUpper(std::string(keyword));
  ParsedText parsed;
  if (command == "SAMBAT") {
    parsed.command = TextCommand::kSambat;
    parsed.body = std::string(rest);
    return parsed;
  }
  const std::map<std::string, TextCommand> on_ticket = {{"CEK", TextCommand::kCek},
                                                        {"INFO", TextCommand::kInfo},
                                                        {"NILAI", TextCommand::kRate},
                                                        {"BUKA", TextCommand::kReopen}};
  if (const auto found = on_ticket.find(command); found != on_ticket.end()) {
    const auto [ticket, body] = FirstWord(rest);
    parsed.command = found->second;
    if (IsTicket(ticket)) parsed.ticket = absl::AsciiStrToUpper(std::string(ticket));
    parsed.body = std::string(body);
    if (parsed.command == TextCommand::kRate) {
      const auto [stars, comment] = FirstWord(body);
      if (stars.size() == 1 && stars[0] >= '1' && stars[0] <= '5') {
        parsed.stars = stars[0] - '0';
        parsed.body = std::string(comment);
      }
    }
    return parsed;
  }
  parsed.body = std::string(message);
  return parsed;
}

std::string CategoryFromWords(std::string_view text, const sambat::v1::CityConfig& city,
                              const std::string& fallback) {
  const std::vector<std::string> words = Words(text);
  std::string best = fallback;
  int best_count = 0;
  for (const auto& category : city.categories()) {
    int count = 0;
    for (const std::string& keyword : category.text_keywords()) {
      count += Occurrences(words, Words(keyword));
    }
    if (count > best_count) {
      best = category.code();
      best_count = count;
    }
  }
  return best;
}

std::string GatheringReply(const std::string& city_name, absl::Duration gather, bool first) {
  const int64_t minutes = std::max<int64_t>(1, absl::ToInt64Minutes(gather));
  if (!first) {
    return Fit(
        absl::StrCat("Tambahan diterima dan digabung ke pengaduan Anda. Pesan lanjutan "
                     "dalam ",
                     minutes, " menit juga digabung."));
  }
  return Fit(absl::StrCat("Sambat ", city_name, ": pesan Anda diterima. Pesan lanjutan dalam ",
                          minutes,
                          " menit digabung ke pengaduan yang sama. Nomor tiket "
                          "dikirim sesudahnya."));
}

std::string StatusReply(const sambat::v1::Complaint& complaint, absl::TimeZone zone) {
  std::string reply = absl::StrCat(complaint.ticket(), ": ", complaint.status_text(), ".");
  if (complaint.has_first_response_due_at() &&
      complaint.state() != sambat::v1::CASE_STATE_RESOLVED &&
      complaint.state() != sambat::v1::CASE_STATE_CLOSED &&
      complaint.state() != sambat::v1::CASE_STATE_REJECTED) {
    absl::StrAppend(&reply, " Batas tanggapan ", Day(complaint.first_response_due_at(), zone), ".");
  }
  // What the citizen can do next, as a command: a citizen who writes by SMS has no tracking
  // code for a link.
  const std::string& t = complaint.ticket();
  if (complaint.state() == sambat::v1::CASE_STATE_WAITING_CITIZEN) {
    absl::StrAppend(&reply, " Jawab: INFO ", t, " <jawaban>.");
  } else if (complaint.state() == sambat::v1::CASE_STATE_RESOLVED) {
    absl::StrAppend(&reply, " Beri nilai: NILAI ", t, " <1-5>.");
    if (complaint.has_reopen_until()) {
      absl::StrAppend(&reply, " Belum tuntas? BUKA ", t, " <alasan> sebelum ",
                      Day(complaint.reopen_until(), zone), ".");
    }
  }
  return Fit(std::move(reply));
}

std::string InfoAddedReply(const sambat::v1::Complaint& complaint) {
  const std::string agency =
      complaint.agency_name().empty() ? "instansi yang menangani" : complaint.agency_name();
  return Fit(absl::StrCat(complaint.ticket(), ": jawaban Anda sudah diteruskan ke ", agency,
                          ". Terima kasih."));
}

std::string NotFoundReply(const std::string& ticket) {
  return Fit(absl::StrCat("Tiket ", ticket,
                          " tidak ditemukan untuk nomor ini. Periksa nomor "
                          "tiketnya, atau kirim dari nomor yang dipakai saat melapor."));
}

std::string NotAskedReply(const std::string& ticket) {
  return Fit(absl::StrCat(ticket,
                          ": saat ini tidak ada pertanyaan dari instansi untuk "
                          "dijawab. Kirim CEK ",
                          ticket, " untuk melihat statusnya."));
}

std::string RatedReply(const std::string& ticket, int stars) {
  return Fit(absl::StrCat(ticket, ": terima kasih atas nilai ", stars, " dari 5."));
}

std::string ReopenedReply(const sambat::v1::Complaint& complaint) {
  const std::string agency =
      complaint.agency_name().empty() ? "instansi yang menangani" : complaint.agency_name();
  return Fit(absl::StrCat(complaint.ticket(), ": pengaduan dibuka kembali dan dikembalikan ke ",
                          agency, "."));
}

std::string NotResolvedReply(const std::string& ticket) {
  return Fit(absl::StrCat(ticket,
                          ": hanya pengaduan yang sudah diselesaikan, dan belum lewat "
                          "batas waktunya, yang dapat dinilai atau dibuka kembali. Kirim CEK ",
                          ticket, " untuk melihat statusnya."));
}

std::string UsageReply(TextCommand command) {
  switch (command) {
    case TextCommand::kCek:
      return "Format: CEK <nomor tiket>, mis. CEK SKK-2026-000123";
    case TextCommand::kInfo:
      return "Format: INFO <nomor tiket> <jawaban Anda>";
    case TextCommand::kRate:
      return "Format: NILAI <nomor tiket> <1 sampai 5> <komentar bila ada>";
    case TextCommand::kReopen:
      return "Format: BUKA <nomor tiket> <alasan dibuka kembali>";
    default:
      return "Format: SAMBAT <isi pengaduan dan lokasinya>";
  }
}

std::string HelpReply(const std::string& city_name) {
  return Fit(absl::StrCat("Sambat ", city_name,
                          ". Kirim: SAMBAT <isi pengaduan dan lokasinya> "
                          "untuk melapor; CEK <tiket> untuk status; INFO <tiket> <jawaban>; "
                          "NILAI <tiket> <1-5>; BUKA <tiket> <alasan>."));
}

std::string RefusedReply() {
  return "Terlalu banyak pesan dari nomor ini dalam satu jam. Pesan ini tidak diproses; coba "
         "lagi nanti.";
}

}  // namespace skk::intake

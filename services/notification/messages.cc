#include "services/notification/messages.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "services/notification/escaping.h"
#include "services/platform/events.h"
#include "services/platform/status_macros.h"

namespace skk::notification {
namespace {

// One message in one language: the email subject, the long body (email, inbox), and the short
// one (SMS, WhatsApp). Placeholders in braces are filled by Fill().
struct Wording {
  const char* subject;
  const char* body;
  const char* short_text;
};

struct Template {
  Wording id;
  Wording en;
};

// Every message the desk sends, by kind: its subject, body and short text in each language.
struct KindTemplate {
  MessageKind kind;
  Template words;
};

constexpr KindTemplate kTemplates[] = {
    {MessageKind::kReceived,
     {{"[{ticket}] Pengaduan Anda diterima",
       "Terima kasih. Pengaduan Anda diterima dengan nomor tiket {ticket}.\n"
       "Pantau perkembangannya di {link} dengan nomor tiket dan kode pelacakan Anda.",
       "SAMBAT {ticket}: pengaduan Anda diterima. Pantau: {link}"},
      {"[{ticket}] Your complaint was received",
       "Thank you. Your complaint was received with ticket number {ticket}.\n"
       "Follow it at {link} with your ticket number and tracking code.",
       "SAMBAT {ticket}: your complaint was received. Track: {link}"}}},
    {MessageKind::kRouted,
     {{"[{ticket}] Pengaduan Anda diteruskan ke {agency}",
       "Pengaduan {ticket} diteruskan ke {agency}, yang akan menindaklanjutinya.\n"
       "Pantau: {link}",
       "SAMBAT {ticket}: pengaduan Anda diteruskan ke {agency}."},
      {"[{ticket}] Your complaint went to {agency}",
       "Complaint {ticket} went to {agency}, which will handle it.\nTrack: {link}",
       "SAMBAT {ticket}: your complaint went to {agency}."}}},
    {MessageKind::kFirstAnswer,
     {{"[{ticket}] Tanggapan dari {agency}",
       "{agency} menanggapi pengaduan {ticket}:\n\n{words}\n\nPantau: {link}",
       "SAMBAT {ticket}: tanggapan {agency}: {words}"},
      {"[{ticket}] An answer from {agency}",
       "{agency} answered complaint {ticket}:\n\n{words}\n\nTrack: {link}",
       "SAMBAT {ticket}: {agency} answered: {words}"}}},
    {MessageKind::kInfoRequested,
     {{"[{ticket}] {agency} meminta informasi tambahan",
       "{agency} meminta informasi tambahan untuk pengaduan {ticket}:\n\n{words}\n\n"
       "Jawab melalui {link}",
       "SAMBAT {ticket}: {agency} bertanya: {words} Jawab: {link}"},
      {"[{ticket}] {agency} asks for more information",
       "{agency} asks for more information on complaint {ticket}:\n\n{words}\n\n"
       "Answer at {link}",
       "SAMBAT {ticket}: {agency} asks: {words} Answer: {link}"}}},
    {MessageKind::kResolved,
     {{"[{ticket}] Pengaduan Anda telah diselesaikan",
       "{agency} menyatakan pengaduan {ticket} selesai:\n\n{words}\n\n"
       "Beri penilaian, atau buka kembali bila belum selesai: {link}",
       "SAMBAT {ticket}: diselesaikan oleh {agency}. Beri nilai: {link}"},
      {"[{ticket}] Your complaint was resolved",
       "{agency} says complaint {ticket} is resolved:\n\n{words}\n\n"
       "Rate the answer, or reopen it if the problem remains: {link}",
       "SAMBAT {ticket}: resolved by {agency}. Rate it: {link}"}}},
    {MessageKind::kPartnerClosed,
     {{"[{ticket}] Pengaduan Anda selesai ditangani {agency}",
       "{words}\n\nPantau: {link}",
       "SAMBAT {ticket}: selesai ditangani {agency}. {link}"},
      {"[{ticket}] {agency} finished your complaint",
       "{agency} reports that it finished complaint {ticket}:\n\n{words}\n\nTrack: {link}",
       "SAMBAT {ticket}: finished by {agency}. {link}"}}},
    {MessageKind::kRejected,
     {{"[{ticket}] Pengaduan Anda tidak dapat ditindaklanjuti",
       "Pengaduan {ticket} tidak dapat ditindaklanjuti oleh {agency}.\nAlasan: {words}\n\n"
       "Pantau: {link}",
       "SAMBAT {ticket}: tidak dapat ditindaklanjuti. Alasan: {words}"},
      {"[{ticket}] Your complaint cannot be handled",
       "Complaint {ticket} cannot be handled by {agency}.\nReason: {words}\n\nTrack: {link}",
       "SAMBAT {ticket}: cannot be handled. Reason: {words}"}}},
    {MessageKind::kJoined,
     {{"[{ticket}] Anda mengikuti pengaduan {words}",
       "Terima kasih. Masalah ini sudah dilaporkan sebagai pengaduan {words} dan ditangani "
       "{agency}. Anda akan dikabari saat pengaduan itu ditanggapi dan diselesaikan.\n\n"
       "Pantau: {link}",
       "SAMBAT {ticket}: Anda mengikuti pengaduan {words}, ditangani {agency}. {link}"},
      {"[{ticket}] You are following complaint {words}",
       "Thank you. This problem was already reported as complaint {words} and is with "
       "{agency}. You will hear when it is answered and when it is resolved.\n\nTrack: {link}",
       "SAMBAT {ticket}: you follow complaint {words}, with {agency}. {link}"}}},
    {MessageKind::kReopened,
     {{"[{ticket}] Pengaduan Anda dibuka kembali",
       "Pengaduan {ticket} dibuka kembali dan kembali ditangani {agency}.\nPantau: {link}",
       "SAMBAT {ticket}: dibuka kembali, ditangani {agency}."},
      {"[{ticket}] Your complaint was reopened",
       "Complaint {ticket} was reopened and is back with {agency}.\nTrack: {link}",
       "SAMBAT {ticket}: reopened, back with {agency}."}}},
    {MessageKind::kCloseReminder,
     {{"[{ticket}] Pengaduan Anda akan ditutup {due}",
       "{agency} telah menyatakan pengaduan {ticket} selesai. Bila masalahnya belum selesai, "
       "buka kembali pengaduan sebelum {due}; setelah itu pengaduan ditutup otomatis.\n"
       "Buka kembali atau beri penilaian: {link}",
       "SAMBAT {ticket}: ditutup otomatis {due} bila tidak dibuka kembali: {link}"},
      {"[{ticket}] Your complaint closes on {due}",
       "{agency} said complaint {ticket} is resolved. If the problem remains, reopen the "
       "complaint before {due}; after that it closes by itself.\n"
       "Reopen it or rate the answer: {link}",
       "SAMBAT {ticket}: closes {due} unless reopened: {link}"}}},
    {MessageKind::kClosed,
     {{"[{ticket}] Pengaduan Anda ditutup",
       "Pengaduan {ticket} ditutup otomatis karena tidak dibuka kembali sampai batas waktu "
       "setelah diselesaikan oleh {agency}. Terima kasih telah melapor.\n"
       "Anda masih dapat memberi penilaian: {link}",
       "SAMBAT {ticket}: pengaduan ditutup. Terima kasih."},
      {"[{ticket}] Your complaint was closed",
       "Complaint {ticket} closed by itself: it was not reopened in time after {agency} "
       "resolved it. Thank you for reporting.\nYou can still rate the answer: {link}",
       "SAMBAT {ticket}: complaint closed. Thank you."}}},
    {MessageKind::kDeadlineMoved,
     {{"[{ticket}] Batas waktu tanggapan berubah: {due}",
       "Kalender hari libur nasional dan cuti bersama diperbarui sesuai keputusan pemerintah. "
       "Batas waktu {agency} menanggapi pengaduan {ticket} kini {due}.\nPantau: {link}",
       "SAMBAT {ticket}: batas waktu tanggapan {agency} kini {due} (kalender libur baru)."},
      {"[{ticket}] The answer is now due {due}",
       "The national holiday calendar was updated by government decree. {agency} must now "
       "answer complaint {ticket} by {due}.\nTrack: {link}",
       "SAMBAT {ticket}: {agency} must now answer by {due} (new holiday calendar)."}}},
    {MessageKind::kFollowedAnswer,
     {{"[{yours}] Tanggapan {agency} atas pengaduan yang sama ({ticket})",
       "Pengaduan Anda {yours} digabung dengan pengaduan {ticket} tentang masalah yang sama. "
       "{agency} menanggapinya:\n\n{words}\n\nPantau: {link}",
       "SAMBAT {yours}: tanggapan {agency} atas pengaduan yang sama {ticket}: {words}"},
      {"[{yours}] {agency} answered the same complaint ({ticket})",
       "Your complaint {yours} was merged with complaint {ticket} about the same problem. "
       "{agency} answered it:\n\n{words}\n\nTrack: {link}",
       "SAMBAT {yours}: {agency} answered the same complaint {ticket}: {words}"}}},
    {MessageKind::kFollowedResolved,
     {{"[{yours}] Pengaduan yang sama ({ticket}) telah diselesaikan",
       "Pengaduan Anda {yours} digabung dengan pengaduan {ticket} tentang masalah yang sama. "
       "{agency} menyatakannya selesai:\n\n{words}\n\nPantau: {link}",
       "SAMBAT {yours}: pengaduan yang sama {ticket} diselesaikan oleh {agency}. {link}"},
      {"[{yours}] The same complaint ({ticket}) was resolved",
       "Your complaint {yours} was merged with complaint {ticket} about the same problem. "
       "{agency} says it is resolved:\n\n{words}\n\nTrack: {link}",
       "SAMBAT {yours}: the same complaint {ticket} was resolved by {agency}. {link}"}}},
    {MessageKind::kUnmerged,
     {{"[{ticket}] Pengaduan Anda ditangani kembali oleh {agency}",
       "Pengaduan {ticket} ternyata bukan masalah yang sama dengan pengaduan yang digabungkan "
       "sebelumnya. {agency} menanganinya kembali.\nAlasan: {words}\n\nPantau: {link}",
       "SAMBAT {ticket}: bukan pengaduan yang sama; ditangani kembali oleh {agency}. {link}"},
      {"[{ticket}] Your complaint is back with {agency}",
       "Complaint {ticket} turned out not to be the same problem as the one it was merged "
       "with. {agency} is handling it again.\nReason: {words}\n\nTrack: {link}",
       "SAMBAT {ticket}: not the same problem after all; back with {agency}. {link}"}}},
    {MessageKind::kNewCase,
     {{"[{ticket}] Pengaduan baru: {category}",
       "Pengaduan {ticket} (kategori {category}) diteruskan ke {agency}. Mohon segera "
       "ditindaklanjuti melalui antrean Sambat.",
       "SAMBAT {ticket}: pengaduan baru ({category}) untuk {agency}"},
      {"[{ticket}] New complaint: {category}",
       "Complaint {ticket} (category {category}) was routed to {agency}. Please handle it "
       "from the Sambat queue.",
       "SAMBAT {ticket}: new complaint ({category}) for {agency}"}}},
    {MessageKind::kForwardedIn,
     {{"[{ticket}] Pengaduan dialihkan ke {agency}: {category}",
       "Pengaduan {ticket} (kategori {category}) dialihkan dari {from} ke {agency}.\n"
       "Alasan: {words}\nMohon segera ditindaklanjuti melalui antrean Sambat.",
       "SAMBAT {ticket}: pengaduan dialihkan dari {from} ke {agency}"},
      {"[{ticket}] Complaint forwarded to {agency}: {category}",
       "Complaint {ticket} (category {category}) was forwarded from {from} to {agency}.\n"
       "Reason: {words}\nPlease handle it from the Sambat queue.",
       "SAMBAT {ticket}: complaint forwarded from {from} to {agency}"}}},
    {MessageKind::kReminder,
     {{"[{ticket}] Pengingat: batas waktu {due}",
       "Pengaduan {ticket} di {agency} harus ditanggapi sebelum {due}.",
       "SAMBAT {ticket}: batas waktu {due}"},
      {"[{ticket}] Reminder: due {due}",
       "Complaint {ticket} at {agency} must be answered before {due}.",
       "SAMBAT {ticket}: due {due}"}}},
    {MessageKind::kCitizenAnswered,
     {{"[{ticket}] Jawaban pelapor",
       "Pelapor menjawab permintaan informasi untuk pengaduan {ticket}:\n\n{words}",
       "SAMBAT {ticket}: pelapor menjawab: {words}"},
      {"[{ticket}] The citizen answered",
       "The citizen answered the request for information on complaint {ticket}:\n\n{words}",
       "SAMBAT {ticket}: the citizen answered: {words}"}}},
    {MessageKind::kCaseReopened,
     {{"[{ticket}] Pengaduan dibuka kembali",
       "Pelapor membuka kembali pengaduan {ticket}; kasus kembali ke {agency}.\n"
       "Alasan: {words}",
       "SAMBAT {ticket}: dibuka kembali oleh pelapor"},
      {"[{ticket}] Complaint reopened",
       "The citizen reopened complaint {ticket}; it is back with {agency}.\nReason: {words}",
       "SAMBAT {ticket}: reopened by the citizen"}}},
    {MessageKind::kEscalation,
     {{"[{ticket}] Eskalasi level {level}: belum ditanggapi {agency}",
       "Pengaduan {ticket} belum ditanggapi oleh {agency} sampai batas waktu {due} "
       "(terlambat {late} jam).",
       "SAMBAT {ticket}: eskalasi level {level}, {agency} terlambat menanggapi"},
      {"[{ticket}] Escalation level {level}: {agency} has not answered",
       "Complaint {ticket} was not answered by {agency} by its deadline {due} "
       "({late} hours late).",
       "SAMBAT {ticket}: escalation level {level}, {agency} is late"}}},
};

const Template& TemplateFor(MessageKind kind) {
  for (const KindTemplate& t : kTemplates) {
    if (t.kind == kind) return t.words;
  }
  // Every kind has a template (messages_test renders each): a missing one is a bug here.
  SKK_CHECK(false, "no message template for a message kind");
  return kTemplates[0].words;
}

std::string Fill(const char* pattern, const std::vector<std::pair<std::string, std::string>>& v) {
  std::vector<std::pair<absl::string_view, absl::string_view>> pairs;
  pairs.reserve(v.size());
  for (const auto& [k, value] : v) pairs.emplace_back(k, value);
  return absl::StrReplaceAll(pattern, pairs);
}

bool IsShort(const std::string& channel) { return channel == "sms" || channel == "whatsapp"; }

// What an SMS or WhatsApp message says in place of a confidential complaint's citizen's words.
constexpr char kConfidentialNoteId[] = "(pengaduan rahasia; baca isinya di konsol Sambat)";
constexpr char kConfidentialNoteEn[] = "(confidential complaint; read it in the Sambat console)";

std::string RejectionReason(const sambat::v1::CaseRejected& r, bool en) {
  std::string reason;
  if (r.reason() == "spam") {
    reason = en ? "not a complaint (spam)" : "bukan pengaduan (spam)";
  } else if (r.reason() == "duplicate") {
    reason = en ? absl::StrCat("the same as complaint ", r.duplicate_of_ticket())
                : absl::StrCat("sama dengan pengaduan ", r.duplicate_of_ticket());
  } else if (r.reason() == "not_city_authority") {
    reason = en ? "not within the city government's authority"
                : "bukan kewenangan Pemerintah Kota";
  } else if (r.reason() == "insufficient_information") {
    reason = en ? "not enough information" : "informasi tidak cukup";
  } else {
    reason = r.reason();
  }
  if (!r.note().empty()) absl::StrAppend(&reason, ". ", r.note());
  return reason;
}

}  // namespace

std::string TicketOf(const sambat::v1::Event& e) {
  if (e.has_case_after()) return e.case_after().ticket();
  switch (e.payload_case()) {
    case sambat::v1::Event::kReporterContact: return e.reporter_contact().ticket();
    case sambat::v1::Event::kReminderDue: return e.reminder_due().ticket();
    case sambat::v1::Event::kEscalated: return e.escalated().ticket();
    case sambat::v1::Event::kDeadlineSet: return e.deadline_set().ticket();
    case sambat::v1::Event::kComplaintSubmitted: return e.complaint_submitted().ticket();
    default: return "";
  }
}

std::vector<Notice> NoticesFor(const sambat::v1::Event& e) {
  using A = Audience;
  using K = MessageKind;
  switch (e.payload_case()) {
    case sambat::v1::Event::kReporterContact:
      return {{A::kCitizen, "", K::kReceived}};
    case sambat::v1::Event::kCaseRouted:
      return {{A::kCitizen, "", K::kRouted},
              {A::kHumas, e.case_after().agency_code(), K::kNewCase}};
    case sambat::v1::Event::kCaseHandedOff:
      return {{A::kCitizen, "", K::kRouted},
              {A::kHumas, e.case_after().agency_code(), K::kNewCase}};
    case sambat::v1::Event::kCaseForwarded:
      return {{A::kCitizen, "", K::kRouted},
              {A::kHumas, e.case_after().agency_code(), K::kForwardedIn}};
    case sambat::v1::Event::kCaseResponded:
      // Later answers show in the citizen's tracking view; the first one is news.
      if (!e.case_responded().first_response()) return {};
      return {{A::kCitizen, "", K::kFirstAnswer}};
    case sambat::v1::Event::kCaseInfoRequested:
      return {{A::kCitizen, "", K::kInfoRequested, true}};
    case sambat::v1::Event::kCaseResolved:
      return {{A::kCitizen, "", K::kResolved}};
    case sambat::v1::Event::kCaseRejected:
      return {{A::kCitizen, "", e.case_rejected().joined() ? K::kJoined : K::kRejected}};
    case sambat::v1::Event::kCaseReopened:
      // The officer who undid a merge put it back in the queue: the citizen is told.
      if (e.case_reopened().unmerged()) return {{A::kCitizen, "", K::kUnmerged}};
      return {{A::kCitizen, "", K::kReopened},
              {A::kHumas, e.case_after().agency_code(), K::kCaseReopened}};
    case sambat::v1::Event::kCaseCitizenAnswered:
      return {{A::kHumas, e.case_after().agency_code(), K::kCitizenAnswered}};
    case sambat::v1::Event::kReminderDue:
      // The end of the window after a resolution is the citizen's to act on, not the agency's.
      if (e.reminder_due().deadline_kind() == sambat::v1::DEADLINE_KIND_CLOSE) {
        return {{A::kCitizen, "", K::kCloseReminder}};
      }
      return {{A::kHumas, e.reminder_due().agency_code(), K::kReminder}};
    case sambat::v1::Event::kCaseClosed:
      if (!e.case_closed().automatic()) return {};
      return {{A::kCitizen, "", K::kClosed}};
    case sambat::v1::Event::kCasePartnerUpdated:
      // What the partner says on the way shows in the tracking view; its last word is news.
      if (!e.case_partner_updated().closed()) return {};
      return {{A::kCitizen, "", K::kPartnerClosed}};
    case sambat::v1::Event::kDeadlineSet:
      // A deadline that starts is in the citizen's tracking view; one a new holiday calendar
      // moved is news (a promise changed), told once.
      if (!e.deadline_set().calendar_changed() ||
          e.deadline_set().kind() != sambat::v1::DEADLINE_KIND_FIRST_RESPONSE) {
        return {};
      }
      return {{A::kCitizen, "", K::kDeadlineMoved}};
    case sambat::v1::Event::kEscalated:
      if (e.escalated().level() <= 1) {
        return {{A::kHead, e.escalated().agency_code(), K::kEscalation, true}};
      }
      return {{A::kLeadership, "", K::kEscalation, true}};
    default:
      return {};
  }
}

std::optional<MessageKind> FollowedKindFor(const sambat::v1::Event& e) {
  if (e.has_case_responded() && e.case_responded().first_response()) {
    return MessageKind::kFollowedAnswer;
  }
  if (e.has_case_resolved()) return MessageKind::kFollowedResolved;
  return std::nullopt;
}

namespace {

// What a message says about its event, before it is cleaned and placed in its template.
struct MessageFacts {
  std::string ticket;
  std::string agency;
  std::string category;
  std::string from;
  std::string words;
  std::string link;
  std::string due;
  std::string level;
  std::string late;
  // Whether `words` are the citizen's own (their answer, their reason to reopen) rather than
  // an officer's. A template that ever quotes the description or the free-text address
  // (case.handed_off carries both) must set it too.
  bool citizen_words = false;
};

MessageFacts FactsOf(const Notice& notice, const sambat::v1::Event& e, bool en,
                     const RenderContext& context) {
  auto agency_name = [&](const std::string& code) {
    auto it = context.agency_names.find(code);
    return it == context.agency_names.end() ? code : it->second;
  };
  auto when = [&](const google::protobuf::Timestamp& t) {
    return absl::FormatTime("%d-%m-%Y %H:%M %Z", FromProtoTime(t), context.zone);
  };
  MessageFacts f;
  f.ticket = TicketOf(e);
  f.agency = notice.agency_code.empty() ? "" : agency_name(notice.agency_code);
  f.link = absl::StrReplaceAll(context.tracking_url, {{"{ticket}", f.ticket}});
  if (e.has_case_after()) {
    // Who has the case now and what it is about: the case as routing left it.
    const sambat::v1::CaseSnapshot& after = e.case_after();
    f.agency = after.agency_name().empty() ? agency_name(after.agency_code()) : after.agency_name();
    f.category = after.category();
  }
  switch (e.payload_case()) {
    case sambat::v1::Event::kCaseForwarded:
      f.from = agency_name(e.case_forwarded().from_agency_code());
      f.words = e.case_forwarded().reason();
      break;
    case sambat::v1::Event::kCaseResponded:
      f.words = e.case_responded().message();
      break;
    case sambat::v1::Event::kCaseInfoRequested:
      f.words = e.case_info_requested().question();
      break;
    case sambat::v1::Event::kCaseResolved:
      f.words = e.case_resolved().note();
      f.link = absl::StrReplaceAll(context.rating_url, {{"{ticket}", f.ticket}});
      break;
    case sambat::v1::Event::kCaseRejected:
      f.words = e.case_rejected().joined() ? e.case_rejected().duplicate_of_ticket()
                                           : RejectionReason(e.case_rejected(), en);
      break;
    case sambat::v1::Event::kCaseClosed:
      f.link = absl::StrReplaceAll(context.rating_url, {{"{ticket}", f.ticket}});
      break;
    case sambat::v1::Event::kCasePartnerUpdated:
      f.words = e.case_partner_updated().note();
      break;
    case sambat::v1::Event::kDeadlineSet:
      f.agency = agency_name(e.deadline_set().agency_code());
      f.due = when(e.deadline_set().due_at());
      break;
    case sambat::v1::Event::kCaseReopened:
      f.words = e.case_reopened().reason();
      f.citizen_words = !e.case_reopened().unmerged();
      break;
    case sambat::v1::Event::kCaseCitizenAnswered:
      f.words = e.case_citizen_answered().text();
      f.citizen_words = true;
      break;
    case sambat::v1::Event::kReminderDue:
      f.agency = agency_name(e.reminder_due().agency_code());
      f.due = when(e.reminder_due().due_at());
      if (e.reminder_due().deadline_kind() == sambat::v1::DEADLINE_KIND_CLOSE) {
        f.link = absl::StrReplaceAll(context.rating_url, {{"{ticket}", f.ticket}});
      }
      break;
    case sambat::v1::Event::kEscalated:
      f.agency = agency_name(e.escalated().agency_code());
      f.due = when(e.escalated().due_at());
      f.level = absl::StrCat(e.escalated().level());
      f.late = absl::StrCat(e.escalated().late_by_seconds() / 3600);
      break;
    default:
      break;
  }
  if (!notice.follower_ticket.empty()) {
    // Their own complaint is what they can open (it shows the merge), never the other's rating.
    f.link = absl::StrReplaceAll(context.tracking_url, {{"{ticket}", notice.follower_ticket}});
  }
  return f;
}

}  // namespace

namespace {
// What a citizen who wrote by SMS or WhatsApp replies, in place of the link (text_desk.h).
std::string ReplyHint(MessageKind kind, const std::string& ticket, bool en) {
  const std::string reply = en ? "reply" : "balas";
  switch (kind) {
    case MessageKind::kInfoRequested:
      return absl::StrCat(reply, " INFO ", ticket, en ? " <answer>" : " <jawaban>");
    case MessageKind::kResolved:
      return absl::StrCat(reply, " NILAI ", ticket, " <1-5>", en ? "; not fixed: BUKA " : "; belum tuntas: BUKA ",
                          ticket, en ? " <reason>" : " <alasan>");
    case MessageKind::kCloseReminder:
      return absl::StrCat(reply, " BUKA ", ticket, en ? " <reason>" : " <alasan>");
    default:
      return absl::StrCat(reply, " CEK ", ticket);
  }
}
}  // namespace

Rendered Render(const Notice& notice, const sambat::v1::Event& e, const std::string& locale,
                const std::string& channel, const RenderContext& context,
                const ComplaintPrivacy& privacy) {
  const bool en = locale == "en";
  const bool short_text = IsShort(channel);
  const size_t words_limit = short_text ? 100 : 4000;
  const MessageFacts f = FactsOf(notice, e, en, context);
  std::string placed =
      short_text ? OneLine(f.words, words_limit) : CleanWords(f.words, words_limit);
  if (f.citizen_words && privacy.erased) {
    placed = kErasedText;
  } else if (f.citizen_words && privacy.confidential && short_text) {
    placed = en ? kConfidentialNoteEn : kConfidentialNoteId;
  }
  const std::vector<std::pair<std::string, std::string>> values = {
      {"{ticket}", f.ticket},
      {"{agency}", OneLine(f.agency, 120)},
      {"{from}", OneLine(f.from, 120)},
      {"{category}", OneLine(f.category, 120)},
      {"{words}", placed},
      {"{link}", privacy.by_text && short_text && notice.audience == Audience::kCitizen
                     ? ReplyHint(notice.kind,
                                 notice.follower_ticket.empty() ? f.ticket : notice.follower_ticket,
                                 en)
                     : f.link},
      {"{yours}", notice.follower_ticket},
      {"{due}", f.due},
      {"{level}", f.level},
      {"{late}", f.late},
  };
  const Template& t = TemplateFor(notice.kind);
  const Wording& w = en ? t.en : t.id;
  Rendered out;
  if (short_text) {
    out.body = Fill(w.short_text, values);
  } else {
    out.subject = OneLine(Fill(w.subject, values), 250);
    out.body = Fill(w.body, values);
  }
  return out;
}

Rendered RenderDigest(const DigestSummary& s, const std::string& locale,
                      const std::string& channel) {
  const bool en = locale == "en";
  const std::string day = absl::FormatCivilTime(s.day);
  Rendered out;
  if (IsShort(channel)) {
    out.body = en ? absl::StrFormat("SAMBAT daily summary %s, %s: %d open, %d overdue", day,
                                    s.scope, s.open, s.overdue)
                  : absl::StrFormat("SAMBAT ringkasan %s, %s: %d terbuka, %d terlambat", day,
                                    s.scope, s.open, s.overdue);
    return out;
  }
  out.subject = en ? absl::StrFormat("Daily summary %s (%s): %d open, %d overdue", day, s.scope,
                                     s.open, s.overdue)
                   : absl::StrFormat("Ringkasan harian %s (%s): %d terbuka, %d terlambat", day,
                                     s.scope, s.open, s.overdue);
  out.body = en ? absl::StrFormat("Complaints of %s on %s:\n- open: %d\n- past their deadline: %d\n",
                                  s.scope, day, s.open, s.overdue)
                : absl::StrFormat("Pengaduan %s per %s:\n- terbuka: %d\n- melewati batas waktu: %d\n",
                                  s.scope, day, s.open, s.overdue);
  if (!s.overdue_tickets.empty()) {
    absl::StrAppend(&out.body, en ? "\nOverdue:\n" : "\nTerlambat:\n");
    for (const std::string& t : s.overdue_tickets) absl::StrAppend(&out.body, "- ", t, "\n");
  }
  return out;
}

bool ParseClockMinute(const std::string& text, int* minute) {
  int h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':' || !absl::SimpleAtoi(text.substr(0, 2), &h) ||
      !absl::SimpleAtoi(text.substr(3, 2), &m) || h < 0 || h > 23 || m < 0 || m > 59) {
    return false;
  }
  *minute = h * 60 + m;
  return true;
}

std::string FormatClockMinute(int minute) {
  if (minute < 0) return "";
  return absl::StrFormat("%02d:%02d", minute / 60, minute % 60);
}

absl::Time ReleaseTime(absl::Time now, const QuietHours& quiet, absl::TimeZone zone) {
  if (!quiet.enabled()) return now;
  const absl::CivilSecond local = absl::ToCivilSecond(now, zone);
  const int minute = local.hour() * 60 + local.minute();
  const bool spans_midnight = quiet.start_minute > quiet.end_minute;
  const bool inside = spans_midnight
                          ? (minute >= quiet.start_minute || minute < quiet.end_minute)
                          : (minute >= quiet.start_minute && minute < quiet.end_minute);
  if (!inside) return now;
  absl::CivilDay day = absl::CivilDay(local);
  // Past the start in the evening of a span over midnight: it ends tomorrow.
  if (spans_midnight && minute >= quiet.start_minute) day += 1;
  return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(),
                                           quiet.end_minute / 60, quiet.end_minute % 60),
                         zone);
}

}  // namespace skk::notification

#include "services/notification/messages.h"

#include "absl/strings/str_cat.h"
#include "services/platform/events.h"

namespace skk::notification {
namespace {

// One message per channel the contact has: email with a subject, SMS short.
void AddForContact(std::vector<OutgoingNotification>& out, const std::string& role,
                   const sambat::v1::Contact& contact, const std::string& subject,
                   const std::string& body, const std::string& sms) {
  if (!contact.email().empty()) {
    out.push_back({role, contact.name(), "email", contact.email(), subject, body});
  }
  if (!contact.phone().empty()) {
    out.push_back({role, contact.name(), "sms", contact.phone(), "", sms});
  }
}

}  // namespace

Recipients::Recipients(const sambat::v1::CityConfig& city) {
  for (const auto& a : city.agencies()) agencies_[a.code()] = a;
  leadership_.assign(city.leadership().begin(), city.leadership().end());
  if (!absl::LoadTimeZone(city.time_zone(), &zone_)) zone_ = absl::UTCTimeZone();
}

std::vector<OutgoingNotification> Recipients::For(const sambat::v1::Event& event) const {
  std::vector<OutgoingNotification> out;
  if (event.has_reporter_contact()) {
    const auto& c = event.reporter_contact();
    sambat::v1::Contact contact;
    contact.set_name(c.name().empty() ? "Pelapor" : c.name());
    contact.set_email(c.email());
    contact.set_phone(c.phone());
    AddForContact(out, "citizen", contact,
                  absl::StrCat("[", c.ticket(), "] Pengaduan Anda diterima"),
                  absl::StrCat("Terima kasih. Pengaduan Anda diterima dengan nomor tiket ",
                               c.ticket(), " dan sedang diteruskan ke dinas yang berwenang. ",
                               "Pantau perkembangannya di aplikasi Sambat dengan nomor tiket dan "
                               "kode pelacakan Anda."),
                  absl::StrCat("SAMBAT: pengaduan Anda diterima, tiket ", c.ticket()));
  } else if (event.has_case_routed()) {
    const auto& routed = event.case_routed();
    auto agency = agencies_.find(routed.agency_code());
    if (agency == agencies_.end()) return out;
    const std::string subject = absl::StrCat("[", routed.ticket(), "] Pengaduan baru: ",
                                             routed.category());
    const std::string body = absl::StrCat(
        "Pengaduan ", routed.ticket(), " (kategori ", routed.category(), ") diteruskan ke ",
        agency->second.name(), ". Mohon segera ditindaklanjuti melalui antrean Sambat.");
    const std::string sms = absl::StrCat("SAMBAT ", routed.ticket(), ": pengaduan baru (",
                                         routed.category(), ") untuk ", agency->second.name());
    for (const auto& c : agency->second.humas()) {
      AddForContact(out, absl::StrCat("humas:", routed.agency_code()), c, subject, body, sms);
    }
  } else if (event.has_escalated()) {
    const auto& e = event.escalated();
    auto agency = agencies_.find(e.agency_code());
    const std::string agency_name = agency == agencies_.end() ? e.agency_code()
                                                              : agency->second.name();
    const std::string due = absl::FormatTime("%d-%m-%Y %H:%M %Z", FromProtoTime(e.due_at()), zone_);
    const std::string subject = absl::StrCat("[", e.ticket(), "] Eskalasi level ", e.level(),
                                             ": belum ditanggapi ", agency_name);
    const std::string body = absl::StrCat(
        "Pengaduan ", e.ticket(), " belum ditanggapi oleh ", agency_name,
        " sampai batas waktu ", due, " (terlambat ", e.late_by_seconds() / 3600, " jam).");
    const std::string sms = absl::StrCat("SAMBAT ", e.ticket(), ": eskalasi level ", e.level(),
                                         ", ", agency_name, " terlambat menanggapi");
    // An escalation must reach someone: for an agency the configuration no longer knows, the
    // city's leadership hears of it instead of nobody.
    if (e.level() <= 1 && agency != agencies_.end()) {
      for (const auto& c : agency->second.head()) {
        AddForContact(out, absl::StrCat("head:", e.agency_code()), c, subject, body, sms);
      }
    } else {
      for (const auto& c : leadership_) AddForContact(out, "leadership", c, subject, body, sms);
    }
  }
  return out;
}

}  // namespace skk::notification

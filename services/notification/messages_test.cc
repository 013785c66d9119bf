// Who hears of what, and what they are told, in both languages and on each channel.

#include "services/notification/messages.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/notification/notifications.h"
#include "services/platform/events.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/case_order.h"

namespace skk::notification {
namespace {

constexpr char kTicket[] = "SKK-2026-000123";
const absl::Time kNow = absl::FromUnixSeconds(1772416800);  // 2026-03-02 09:00 WIB
// A complaint that is not confidential.
constexpr ComplaintPrivacy kPublic{.confidential = false};

const Settings& Shipped() {
  static const Settings s = *SettingsFrom(testing::ShippedCityConfig());
  return s;
}

sambat::v1::Event Routed(const std::string& agency) {
  sambat::v1::Event e = NewEvent(kCaseRouted, "c-0123", kNow, "routing", nullptr);
  auto* r = e.mutable_case_routed();
  r->set_ticket(kTicket);
  r->set_category("jalan-rusak");
  r->set_agency_code(agency);
  r->set_agency_name("DPUPRPKP");
  testing::StandInRouting().Stamp(e);
  return e;
}

sambat::v1::Event Escalated(const std::string& agency, int level) {
  sambat::v1::Event e = NewEvent(kEscalated, "c-0123", kNow, "sla", nullptr);
  auto* x = e.mutable_escalated();
  x->set_ticket(kTicket);
  x->set_agency_code(agency);
  x->set_level(level);
  *x->mutable_due_at() = ToProtoTime(kNow - absl::Hours(26));
  x->set_late_by_seconds(26 * 3600);
  return e;
}

std::vector<sambat::v1::Event> EveryKind() {
  std::vector<sambat::v1::Event> all;
  auto add = [&](const char* type) {
    all.push_back(NewEvent(type, "c-0123", kNow, "test", nullptr));
    return &all.back();
  };
  auto* contact = add(kReporterContact)->mutable_reporter_contact();
  contact->set_ticket(kTicket);
  all.push_back(Routed("dpuprpkp"));
  auto* fwd = add(kCaseForwarded)->mutable_case_forwarded();
  fwd->set_ticket(kTicket);
  fwd->set_from_agency_code("dpuprpkp");
  fwd->set_to_agency_code("dlh");
  fwd->set_reason("Pohon, bukan jalan");
  auto* resp = add(kCaseResponded)->mutable_case_responded();
  resp->set_ticket(kTicket);
  resp->set_agency_code("dlh");
  resp->set_message("Tim kami meluncur besok pagi.");
  resp->set_first_response(true);
  auto* info = add(kCaseInfoRequested)->mutable_case_info_requested();
  info->set_ticket(kTicket);
  info->set_agency_code("dlh");
  info->set_question("Di sisi mana jalannya?");
  auto* resolved = add(kCaseResolved)->mutable_case_resolved();
  resolved->set_ticket(kTicket);
  resolved->set_agency_code("dlh");
  resolved->set_note("Pohon sudah dipotong.");
  auto* rejected = add(kCaseRejected)->mutable_case_rejected();
  rejected->set_ticket(kTicket);
  rejected->set_agency_code("dlh");
  rejected->set_reason("not_city_authority");
  auto* reopened = add(kCaseReopened)->mutable_case_reopened();
  reopened->set_ticket(kTicket);
  reopened->set_agency_code("dlh");
  reopened->set_reason("Masih ada dahan di jalan");
  auto* answered = add(kCaseCitizenAnswered)->mutable_case_citizen_answered();
  answered->set_ticket(kTicket);
  answered->set_agency_code("dlh");
  answered->set_text("Sisi timur, depan toko");
  auto* reminder = add(kReminderDue)->mutable_reminder_due();
  reminder->set_ticket(kTicket);
  reminder->set_agency_code("dlh");
  *reminder->mutable_due_at() = ToProtoTime(kNow + absl::Hours(24));
  auto* closing = add(kReminderDue)->mutable_reminder_due();
  closing->set_ticket(kTicket);
  closing->set_agency_code("dlh");
  closing->set_deadline_kind(sambat::v1::DEADLINE_KIND_CLOSE);
  *closing->mutable_due_at() = ToProtoTime(kNow + absl::Hours(48));
  auto* closed = add(kCaseClosed)->mutable_case_closed();
  closed->set_ticket(kTicket);
  closed->set_agency_code("dlh");
  closed->set_automatic(true);
  auto* moved = add(kDeadlineSet)->mutable_deadline_set();
  moved->set_ticket(kTicket);
  moved->set_agency_code("dlh");
  moved->set_kind(sambat::v1::DEADLINE_KIND_FIRST_RESPONSE);
  moved->set_calendar_changed(true);
  *moved->mutable_due_at() = ToProtoTime(kNow + absl::Hours(72));
  all.push_back(Escalated("dlh", 1));
  all.push_back(Escalated("dlh", 2));
  for (sambat::v1::Event& e : all) testing::StandInRouting().Stamp(e);
  return all;
}

TEST_CASE("who hears of each event", "[notification]") {
  auto audiences = [](const sambat::v1::Event& e) {
    std::set<std::pair<Audience, std::string>> out;
    for (const Notice& n : NoticesFor(e)) out.insert({n.audience, n.agency_code});
    return out;
  };
  using P = std::pair<Audience, std::string>;
  CHECK(audiences(Routed("dpuprpkp")) ==
        std::set<P>{{Audience::kCitizen, ""}, {Audience::kHumas, "dpuprpkp"}});
  CHECK(audiences(Escalated("dlh", 1)) == std::set<P>{{Audience::kHead, "dlh"}});
  CHECK(audiences(Escalated("dlh", 2)) == std::set<P>{{Audience::kLeadership, ""}});
  const auto all = EveryKind();
  for (const auto& e : all) {
    INFO(e.type());
    CHECK_FALSE(NoticesFor(e).empty());
  }
  // Claims and later answers are not news to anyone.
  sambat::v1::Event claimed = NewEvent(kCaseClaimed, "c-0123", kNow, "routing", nullptr);
  CHECK(NoticesFor(claimed).empty());
  sambat::v1::Event later = NewEvent(kCaseResponded, "c-0123", kNow, "routing", nullptr);
  later.mutable_case_responded()->set_first_response(false);
  CHECK(NoticesFor(later).empty());
}

TEST_CASE("every message in both languages on every channel carries the ticket number",
          "[notification]") {
  for (const auto& e : EveryKind()) {
    for (const Notice& n : NoticesFor(e)) {
      for (const std::string locale : {"id", "en"}) {
        for (const std::string channel : {"email", "inbox", "sms", "whatsapp"}) {
          INFO(e.type() << " " << locale << " " << channel);
          const Rendered r = Render(n, e, locale, channel, Shipped().render, kPublic);
          CHECK_THAT(r.body, Catch::Contains(kTicket));
          if (channel == "email" || channel == "inbox") {
            CHECK_THAT(r.subject, Catch::Contains(kTicket));
          } else {
            CHECK(r.subject.empty());
            CHECK(r.body.size() <= 320);
            CHECK_FALSE(absl::StrContains(r.body, "\n"));
          }
        }
      }
    }
  }
}

TEST_CASE("the citizen is told the reason of a rejection and gets a link to rate",
          "[notification]") {
  const auto all = EveryKind();
  for (const auto& e : all) {
    if (e.type() == kCaseRejected) {
      const Rendered r = Render(NoticesFor(e)[0], e, "id", "email", Shipped().render, kPublic);
      CHECK_THAT(r.body, Catch::Contains("bukan kewenangan Pemerintah Kota"));
      const Rendered en = Render(NoticesFor(e)[0], e, "en", "email", Shipped().render, kPublic);
      CHECK_THAT(en.body, Catch::Contains("not within the city government's authority"));
    }
    if (e.type() == kCaseResolved) {
      const Rendered r = Render(NoticesFor(e)[0], e, "id", "sms", Shipped().render, kPublic);
      CHECK_THAT(r.body, Catch::Contains("sambat.malangkota.go.id"));
      CHECK_THAT(r.body, Catch::Contains(kTicket));
    }
    if (e.type() == kReporterContact) {
      const Rendered r = Render(NoticesFor(e)[0], e, "id", "email", Shipped().render, kPublic);
      CHECK_THAT(r.body, Catch::Contains("/lacak/SKK-2026-000123"));
    }
  }
}

TEST_CASE("the citizen, not the humas, hears that a resolved case closes by itself, when, and "
          "where to reopen it, then that it closed",
          "[notification]") {
  int seen = 0;
  for (const auto& e : EveryKind()) {
    const std::vector<Notice> notices = NoticesFor(e);
    if (e.has_reminder_due() &&
        e.reminder_due().deadline_kind() == sambat::v1::DEADLINE_KIND_CLOSE) {
      ++seen;
      REQUIRE(notices.size() == 1);
      CHECK(notices[0].audience == Audience::kCitizen);
      CHECK(notices[0].kind == MessageKind::kCloseReminder);
      const Rendered sms = Render(notices[0], e, "id", "sms", Shipped().render, kPublic);
      // Two days after 2 March 2026 09:00 WIB, in the city's time.
      CHECK_THAT(sms.body, Catch::Contains("04-03-2026 09:00 WIB"));
      CHECK_THAT(sms.body, Catch::Contains("/nilai/SKK-2026-000123"));
      const Rendered mail = Render(notices[0], e, "id", "email", Shipped().render, kPublic);
      CHECK_THAT(mail.subject, Catch::Contains("akan ditutup 04-03-2026 09:00 WIB"));
      CHECK_THAT(mail.body, Catch::Contains("buka kembali pengaduan sebelum"));
    } else if (e.has_reminder_due()) {
      REQUIRE(notices.size() == 1);
      CHECK(notices[0].audience == Audience::kHumas);
    }
    if (e.has_case_closed()) {
      ++seen;
      REQUIRE(notices.size() == 1);
      CHECK(notices[0].audience == Audience::kCitizen);
      const Rendered mail = Render(notices[0], e, "id", "email", Shipped().render, kPublic);
      CHECK_THAT(mail.subject, Catch::Contains("Pengaduan Anda ditutup"));
      CHECK_THAT(mail.body, Catch::Contains("/nilai/SKK-2026-000123"));
      // A case closed by a person (none today) would not send this message.
      sambat::v1::Event by_hand = e;
      by_hand.mutable_case_closed()->set_automatic(false);
      CHECK(NoticesFor(by_hand).empty());
    }
  }
  CHECK(seen == 2);
}

TEST_CASE("a deadline a new holiday calendar moved is told to the citizen with its new date, "
          "a deadline that starts is not",
          "[notification]") {
  int seen = 0;
  for (const auto& e : EveryKind()) {
    if (!e.has_deadline_set()) continue;
    ++seen;
    const std::vector<Notice> notices = NoticesFor(e);
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].audience == Audience::kCitizen);
    const Rendered mail = Render(notices[0], e, "id", "email", Shipped().render, kPublic);
    CHECK_THAT(mail.subject, Catch::Contains("Batas waktu tanggapan berubah: 05-03-2026 09:00 WIB"));
    CHECK_THAT(mail.body, Catch::Contains("Kalender hari libur nasional"));
    CHECK_THAT(mail.body, Catch::Contains("DLH"));
    sambat::v1::Event started = e;
    started.mutable_deadline_set()->set_calendar_changed(false);
    CHECK(NoticesFor(started).empty());
  }
  CHECK(seen == 1);
}

TEST_CASE("a confidential complaint's citizen's words never reach an SMS or WhatsApp message, "
          "to anyone, while email and the inbox keep them",
          "[notification]") {
  const std::set<std::string> citizens_words = {"Sisi timur, depan toko",
                                                "Masih ada dahan di jalan"};
  const ComplaintPrivacy confidential{.confidential = true};
  int with_words = 0;
  for (const auto& e : EveryKind()) {
    for (const Notice& n : NoticesFor(e)) {
      for (const std::string locale : {"id", "en"}) {
        for (const std::string channel : {"sms", "whatsapp"}) {
          INFO(e.type() << " " << locale << " " << channel);
          const Rendered r = Render(n, e, locale, channel, Shipped().render, confidential);
          CHECK_THAT(r.body, Catch::Contains(kTicket));
          for (const std::string& words : citizens_words) {
            CHECK_FALSE(absl::StrContains(r.body, words));
            CHECK_FALSE(absl::StrContains(r.body, words.substr(0, 10)));
          }
          const Rendered open = Render(n, e, locale, channel, Shipped().render, kPublic);
          bool quoted = false;
          for (const std::string& words : citizens_words) quoted |= absl::StrContains(open.body, words);
          if (quoted) {
            ++with_words;
            // Something neutral stands where the words would be, in the recipient's language.
            CHECK_THAT(r.body, Catch::Contains(locale == "en" ? "confidential" : "rahasia"));
            CHECK_THAT(r.body, Catch::Contains(locale == "en" ? "Sambat console" : "konsol Sambat"));
          }
        }
        for (const std::string channel : {"email", "inbox"}) {
          const Rendered r = Render(n, e, locale, channel, Shipped().render, confidential);
          const Rendered open = Render(n, e, locale, channel, Shipped().render, kPublic);
          CHECK(r.body == open.body);
          CHECK(r.subject == open.subject);
        }
      }
    }
  }
  // The citizen's answer to the humas is the one short text that quotes the citizen.
  CHECK(with_words == 4);

  // An officer's words are not the citizen's: a confidential complaint's SMS still has them.
  for (const auto& e : EveryKind()) {
    if (e.type() != kCaseInfoRequested) continue;
    const Rendered r = Render(NoticesFor(e)[0], e, "id", "sms", Shipped().render, confidential);
    CHECK_THAT(r.body, Catch::Contains("Di sisi mana jalannya?"));
  }
  // What notification does not know yet (complaint.submitted not applied) is confidential.
  CHECK(ComplaintPrivacy{}.confidential);
}

TEST_CASE("after an erasure the citizen's words are the erased marker on every channel, "
          "and officers' words stay",
          "[notification]") {
  const ComplaintPrivacy erased{.confidential = false, .erased = true};
  int marked = 0;
  for (const auto& e : EveryKind()) {
    for (const Notice& n : NoticesFor(e)) {
      for (const std::string locale : {"id", "en"}) {
        for (const std::string channel : {"email", "inbox", "sms", "whatsapp"}) {
          INFO(e.type() << " " << locale << " " << channel);
          const Rendered r = Render(n, e, locale, channel, Shipped().render, erased);
          CHECK_FALSE(absl::StrContains(r.body, "Sisi timur"));
          CHECK_FALSE(absl::StrContains(r.body, "Masih ada dahan"));
          CHECK_FALSE(absl::StrContains(r.subject, "Sisi timur"));
          CHECK_FALSE(absl::StrContains(r.subject, "Masih ada dahan"));
          CHECK_THAT(r.body, Catch::Contains(kTicket));
          marked += absl::StrContains(r.body, kErasedText);
        }
      }
    }
  }
  // The citizen's answer on all four channels, the reopen reason in the humas's email and inbox
  // (the short text of a reopening quotes nothing), in both languages.
  CHECK(marked == 12);
  for (const auto& e : EveryKind()) {
    if (e.type() != kCaseResolved) continue;
    const Rendered r = Render(NoticesFor(e)[0], e, "id", "email", Shipped().render, erased);
    CHECK_THAT(r.body, Catch::Contains("Pohon sudah dipotong."));
  }
}

TEST_CASE("an escalation email says when the deadline was, in the city's time",
          "[notification]") {
  const auto e = Escalated("dishub", 1);
  const Rendered r = Render(NoticesFor(e)[0], e, "id", "email", Shipped().render, kPublic);
  CHECK_THAT(r.body, Catch::Contains("01-03-2026 07:00"));
  CHECK_THAT(r.body, Catch::Contains("26 jam"));
  CHECK_THAT(r.subject, Catch::Contains("level 1"));
  CHECK_THAT(r.body, Catch::Contains("Dishub"));
}

TEST_CASE("an officer's words cannot break an SMS into lines", "[notification]") {
  sambat::v1::Event e = NewEvent(kCaseInfoRequested, "c-0123", kNow, "routing", nullptr);
  e.mutable_case_info_requested()->set_ticket(kTicket);
  e.mutable_case_info_requested()->set_agency_code("dlh");
  e.mutable_case_info_requested()->set_question(std::string(500, 'x') + "\r\nSTOP");
  testing::StandInRouting().Stamp(e);
  const Rendered r = Render(NoticesFor(e)[0], e, "id", "sms", Shipped().render, kPublic);
  CHECK_FALSE(absl::StrContains(r.body, "\n"));
  CHECK_FALSE(absl::StrContains(r.body, "STOP"));
  CHECK(r.body.size() < 320);
}

TEST_CASE("the configured contacts become recipients with stable ids", "[notification]") {
  const Settings& s = Shipped();
  std::set<std::string> ids;
  for (const auto& r : s.configured) ids.insert(r.id());
  CHECK(ids.contains("humas:dpuprpkp:1"));
  CHECK(ids.contains("head:dlh:1"));
  CHECK(ids.contains("leadership:1"));
  CHECK(ids.contains("leadership:2"));
  for (const auto& r : s.configured) {
    if (r.id() == "humas:polresta:1") {
      CHECK(r.phone().empty());  // an external partner reached by email only
    }
  }
}

TEST_CASE("quiet hours hold a message until they end, across midnight", "[notification]") {
  absl::TimeZone wib;
  REQUIRE(absl::LoadTimeZone("Asia/Jakarta", &wib));
  QuietHours quiet;
  REQUIRE(ParseClockMinute("21:00", &quiet.start_minute));
  REQUIRE(ParseClockMinute("06:00", &quiet.end_minute));
  auto at = [&](int d, int h, int m) {
    return absl::FromCivil(absl::CivilMinute(2026, 3, d, h, m), wib);
  };
  CHECK(ReleaseTime(at(2, 9, 0), quiet, wib) == at(2, 9, 0));
  CHECK(ReleaseTime(at(2, 22, 30), quiet, wib) == at(3, 6, 0));
  CHECK(ReleaseTime(at(3, 2, 0), quiet, wib) == at(3, 6, 0));
  CHECK(ReleaseTime(at(3, 6, 0), quiet, wib) == at(3, 6, 0));
  int m = 0;
  CHECK_FALSE(ParseClockMinute("25:00", &m));
  CHECK_FALSE(ParseClockMinute("9:00", &m));
}

TEST_CASE("the daily digest says what is open and overdue", "[notification]") {
  DigestSummary s{absl::CivilDay(2026, 3, 3), "DLH", 4, 2, {"SKK-2026-000001", "SKK-2026-000002"}};
  const Rendered email = RenderDigest(s, "id", "email");
  CHECK_THAT(email.subject, Catch::Contains("2026-03-03"));
  CHECK_THAT(email.body, Catch::Contains("terbuka: 4"));
  CHECK_THAT(email.body, Catch::Contains("SKK-2026-000002"));
  const Rendered sms = RenderDigest(s, "en", "sms");
  CHECK_THAT(sms.body, Catch::Contains("4 open, 2 overdue"));
}

}  // namespace
}  // namespace skk::notification

namespace skk::notification {
namespace {

TEST_CASE("a citizen who wrote by SMS or WhatsApp is told which command to reply with, where "
          "others get a link they could not open without a tracking code",
          "[notification][text]") {
  constexpr ComplaintPrivacy kByText{.confidential = false, .by_text = true};
  int seen = 0;
  for (const auto& e : EveryKind()) {
    for (const Notice& n : NoticesFor(e)) {
      if (n.audience != Audience::kCitizen) continue;
      for (const char* channel : {"sms", "whatsapp"}) {
        const Rendered r = Render(n, e, "id", channel, Shipped().render, kByText);
        INFO(e.type() << " on " << channel << ": " << r.body);
        CHECK_FALSE(absl::StrContains(r.body, "https://"));
        if (n.kind == MessageKind::kInfoRequested) {
          ++seen;
          CHECK(absl::StrContains(r.body, "Jawab: balas INFO SKK-2026-000123 <jawaban>"));
        } else if (n.kind == MessageKind::kResolved) {
          ++seen;
          CHECK(absl::StrContains(r.body, "balas NILAI SKK-2026-000123 <1-5>; belum tuntas: "
                                          "BUKA SKK-2026-000123 <alasan>"));
        }
      }
      // Email keeps the link: the same citizen may have given an address too.
      const Rendered mail = Render(n, e, "id", "email", Shipped().render, kByText);
      if (n.kind == MessageKind::kResolved) CHECK(absl::StrContains(mail.body, "https://"));
    }
  }
  CHECK(seen == 4);
}

}  // namespace
}  // namespace skk::notification

namespace skk::notification {
namespace {

TEST_CASE("a citizen whose complaint was merged hears the original's first answer and "
          "resolution, named by both tickets, with their own link and reply",
          "[notification][duplicates]") {
  constexpr char kTheirs[] = "SKK-2026-000124";
  constexpr ComplaintPrivacy kByText{.confidential = false, .by_text = true};
  int seen = 0;
  for (const auto& e : EveryKind()) {
    const std::optional<MessageKind> kind = FollowedKindFor(e);
    if (!kind.has_value()) continue;
    ++seen;
    const Notice n{.audience = Audience::kCitizen,
                   .agency_code = "",
                   .kind = *kind,
                   .urgent = false,
                   .follower_ticket = kTheirs};
    for (const std::string locale : {"id", "en"}) {
      for (const std::string channel : {"email", "sms", "whatsapp"}) {
        const Rendered r = Render(n, e, locale, channel, Shipped().render, kPublic);
        INFO(e.type() << " " << locale << " " << channel << ": " << r.subject << " | " << r.body);
        CHECK_THAT(r.body, Catch::Contains(kTheirs));
        CHECK_THAT(r.body, Catch::Contains(kTicket));
        // Never the original's tracking or rating link: its citizen's code is not theirs.
        CHECK_FALSE(absl::StrContains(r.body, absl::StrCat("/", kTicket)));
        if (channel == "email") {
          CHECK_THAT(r.subject, Catch::StartsWith(absl::StrCat("[", kTheirs, "]")));
          CHECK_THAT(r.body, Catch::Contains(absl::StrCat("/lacak/", kTheirs)));
        } else {
          CHECK(r.body.size() <= 320);
        }
      }
    }
    const Rendered text = Render(n, e, "id", "sms", Shipped().render, kByText);
    if (*kind == MessageKind::kFollowedResolved) {
      CHECK_THAT(text.body, Catch::EndsWith(absl::StrCat("balas CEK ", kTheirs)));
    }
  }
  CHECK(seen == 2);  // the first answer and the resolution; a later answer is not news
}

}  // namespace
}  // namespace skk::notification

// Silence closes a case, and the calendar follows the decree (issue 19), across the real
// services. After an agency resolves a
// complaint, its citizen has ten working days (Kota Malang's auto_close_working_days, as
// SP4N-LAPOR) to reopen it. Two working days before the end the citizen is reminded; at the
// end the case closes by itself and the citizen is told. A citizen who reopens in time keeps
// the case open, and the next resolution starts a window of its own. Every instant is a
// working-day instant of the shipped holiday calendar, moved by the business clock. When the
// 2027 decree is signed, an administrator loads its calendar with sambatctl while a complaint's
// clock counts across the changed days: the citizen sees the new due date and is told once.

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/platform/events.h"
#include "services/platform/testing/local.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/city_time.h"
#include "tests/support/notification_harness.h"
#include "tests/support/officer.h"
#include "tests/support/staff_tokens.h"

namespace skk::testing {
namespace {

// The SMS bodies the gateway took for a ticket.
std::vector<std::string> SmsAbout(const FakeReceiver& gateway, const std::string& ticket) {
  std::vector<std::string> out;
  for (const auto& r : gateway.Records()) {
    if (Field(r, "path") == "/sms" && Field(r, "status") == "200" &&
        absl::StrContains(Field(r, "body"), ticket)) {
      out.push_back(Field(r, "body"));
    }
  }
  return out;
}

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S+00", t, absl::UTCTimeZone());
}

void RequireOk(const grpc::Status& status) {
  INFO(status.error_code() << " " << status.error_message());
  REQUIRE(status.ok());
}

bool HasEntry(const sambat::v1::Complaint& view, const std::string& kind,
              const std::string& words) {
  for (const auto& e : view.timeline()) {
    if (e.kind() == kind && absl::StrContains(e.text(), words)) return true;
  }
  return false;
}

TEST_CASE("a resolved complaint its citizen leaves silent is reminded, then closes by itself "
          "ten working days later across the Idul Fitri leave, and a rating does not keep it open",
          "[e2e][sla][notification]") {
  NotifyingSystem system("e2e_close", {"intake", "routing", "sla"});
  // Tuesday 17 March 2026, the day before the Nyepi and Lebaran leave (18 to 24 March).
  system.SetClock(Wib(2026, 3, 17, 9));
  const std::string citizen = "dewi.lestari@example.com";
  const auto submitted = SubmitPotholeUntilDeadline(system, citizen, "e2e-close-silent");
  const std::string id = submitted.complaint_id();
  const std::string ticket = submitted.ticket();
  auto subject = [&](const std::string& text) { return absl::StrCat("[", ticket, "] ", text); };

  const OfficerClient officer(system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                              "Budi Santoso");
  RequireOk(officer.Claim(id));
  system.SetClock(Wib(2026, 3, 17, 10));
  RequireOk(officer.Resolve(id, "Lubang sudah ditambal dengan aspal."));

  // Ten working days: the rest of the 17th, 25, 26, 27, 30, 31 March, 1, 2 April, Good Friday
  // skipped, 6, 7 April and 8 April to 10:00. The citizen's view says until when they may
  // reopen, and the timeline says what happens then.
  const absl::Time closes = Wib(2026, 4, 8, 10);
  sambat::v1::Complaint view;
  REQUIRE(System::WaitUntil([&] {
    view = Track(system, submitted);
    return view.has_reopen_until() && FromProtoTime(view.reopen_until()) == closes;
  }));
  CHECK(view.state() == sambat::v1::CASE_STATE_RESOLVED);
  CHECK(HasEntry(view, "close_due_set", "ditutup otomatis pada 08-04-2026 10:00"));
  CHECK(system.Count("SELECT count(*) FROM sla.timers WHERE deadline_kind = 'CLOSE' AND "
                     "kind = 'reminder' AND due_at = '" + Utc(Wib(2026, 4, 6, 10)) + "'") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.timers WHERE deadline_kind = 'CLOSE' AND "
                     "kind = 'close' AND due_at = '" + Utc(closes) + "'") == 1);
  // The window is not an open case of the agency's.
  CHECK(system.Count("SELECT count(*) FROM sla.deadlines WHERE state <> 'stopped' "
                     "AND kind <> 'CLOSE'") == 0);

  // The citizen rates the work on the 30th; the window stays open (they may still reopen).
  system.SetClock(Wib(2026, 3, 30, 8));
  RequireOk(CitizenRates(system, submitted, 4, "Cepat, terima kasih"));

  // Two working days before the end (the weekend and Good Friday are not counted back), the
  // citizen is reminded that the complaint closes, when, and where to reopen it.
  system.SetClock(Wib(2026, 4, 6, 10));
  REQUIRE(System::WaitUntil([&] {
    return MailsAbout(system.smtp, ticket).count(
               {citizen, subject("Pengaduan Anda akan ditutup 08-04-2026 10:00 WIB")}) == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM routing.cases WHERE state = 'RESOLVED'") == 1);

  // The end of the window: routing closes the case, the citizen hears of it.
  system.SetClock(closes);
  REQUIRE(System::WaitUntil([&] {
    return Track(system, submitted).state() == sambat::v1::CASE_STATE_CLOSED;
  }));
  REQUIRE(System::WaitUntil([&] {
    return MailsAbout(system.smtp, ticket).count({citizen, subject("Pengaduan Anda ditutup")}) ==
           1;
  }));
  view = Track(system, submitted);
  CHECK(HasEntry(view, "closed", "ditutup otomatis"));
  CHECK_FALSE(view.has_reopen_until());
  CHECK(view.rating() == 4);
  CHECK(system.Count("SELECT count(*) FROM routing.case_history WHERE action = 'close' AND "
                     "actor = 'system' AND at = '" + Utc(closes) + "'") == 1);

  // Too late to reopen; nothing of the case runs any more and nothing escalated.
  const grpc::Status late = CitizenReopens(system, submitted, "Lubangnya muncul lagi");
  CHECK(late.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.deadlines WHERE state <> 'stopped'") == 0;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.deadlines WHERE kind = 'CLOSE' AND "
                     "stop_reason = 'closed'") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.escalations") == 0);

  // Every message the citizen got, once each, by email and by SMS.
  REQUIRE(System::WaitUntil([&] { return SmsAbout(system.gateway, ticket).size() >= 6; }));
  const std::multiset<Mail> to_citizen = {
      {citizen, subject("Pengaduan Anda diterima")},
      {citizen, subject("Pengaduan Anda diteruskan ke DPUPRPKP")},
      {citizen, subject("Pengaduan Anda telah diselesaikan")},
      {citizen, subject("Pengaduan Anda akan ditutup 08-04-2026 10:00 WIB")},
      {citizen, subject("Pengaduan Anda ditutup")},
  };
  std::multiset<Mail> got;
  for (const Mail& m : MailsAbout(system.smtp, ticket)) {
    if (m.first == citizen) got.insert(m);
  }
  CHECK(got == to_citizen);
  int reminder_sms = 0;
  for (const std::string& body : SmsAbout(system.gateway, ticket)) {
    if (absl::StrContains(body, "ditutup otomatis 08-04-2026 10:00 WIB")) ++reminder_sms;
  }
  CHECK(reminder_sms == 1);
}

TEST_CASE("a citizen who reopens inside the window keeps the case open, and the next resolution "
          "starts a window of its own and closes at its end",
          "[e2e][sla]") {
  System system("e2e_close_reopen", {"intake", "routing", "sla"});  // Mon 2 March 2026, 09:00
  const auto submitted =
      SubmitPotholeUntilDeadline(system, "agus.salim@example.com", "e2e-close-reopen");
  const std::string id = submitted.complaint_id();
  const OfficerClient officer(system, StaffRole::kOfficer, "dpuprpkp");
  RequireOk(officer.Claim(id));
  RequireOk(officer.Resolve(id, "Sudah ditambal"));
  // Ten working days from Monday 2 March 09:00: Monday 16 March 09:00.
  REQUIRE(System::WaitUntil([&] {
    const auto v = Track(system, submitted);
    return v.has_reopen_until() && FromProtoTime(v.reopen_until()) == Wib(2026, 3, 16, 9);
  }));

  // On Friday the 13th (after Thursday's reminder) the citizen says the hole is back.
  system.SetClock(Wib(2026, 3, 13, 9));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers WHERE deadline_kind = 'CLOSE' AND "
                        "kind = 'reminder' AND fired_at IS NOT NULL AND due_at = '" +
                        Utc(Wib(2026, 3, 12, 9)) + "'") == 1;
  }));
  sambat::v1::Complaint view;
  RequireOk(CitizenReopens(system, submitted, "Lubangnya muncul lagi setelah hujan", &view));
  CHECK(view.state() == sambat::v1::CASE_STATE_REOPENED);
  // sla has the new first-response clock: the window's timers are cancelled.
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.deadlines WHERE kind = 'FIRST_RESPONSE' "
                        "AND state = 'running'") == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.deadlines WHERE kind = 'CLOSE' AND "
                     "stop_reason = 'reopened'") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.timers WHERE deadline_kind = 'CLOSE' AND "
                     "kind = 'close' AND cancelled_at IS NOT NULL") == 1);

  // The old window's end passes: the case stays with the agency.
  system.SetClock(Wib(2026, 3, 16, 12));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers WHERE due_at <= '" +
                        Utc(system.Now()) +
                        "' AND fired_at IS NULL AND cancelled_at IS NULL") == 0;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.firings f JOIN sla.timers t ON t.id = f.timer_id "
                     "WHERE t.kind = 'close'") == 0);
  CHECK(Track(system, submitted).state() == sambat::v1::CASE_STATE_REOPENED);

  // Resolved again on Tuesday the 17th at 10:00: a new window of ten working days, across the
  // leave, to Wednesday 8 April 10:00.
  system.SetClock(Wib(2026, 3, 17, 10));
  RequireOk(officer.Claim(id));
  RequireOk(officer.Resolve(id, "Ditambal ulang dengan lapisan baru"));
  REQUIRE(System::WaitUntil([&] {
    const auto v = Track(system, submitted);
    return v.state() == sambat::v1::CASE_STATE_RESOLVED && v.has_reopen_until() &&
           FromProtoTime(v.reopen_until()) == Wib(2026, 4, 8, 10);
  }));

  // A close of the first window arriving now (late, or replayed from a dead letter) names a
  // resolution the case has left behind: routing ignores it.
  const long long first_resolution =
      system.Count("SELECT min(id) FROM routing.case_history WHERE action = 'resolve'");
  sambat::v1::Event stale = NewEvent(kCloseDue, id, system.Now(), "sla", nullptr);
  stale.mutable_close_due()->set_ticket(submitted.ticket());
  stale.mutable_close_due()->set_agency_code("dpuprpkp");
  *stale.mutable_close_due()->mutable_due_at() = ToProtoTime(Wib(2026, 3, 16, 9));
  stale.mutable_close_due()->set_cause_case_sequence(first_resolution);
  Publish(system.world(), {stale});
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM routing.applied_events WHERE event_id = '" +
                        stale.event_id() + "'") == 1;
  }));
  CHECK(Track(system, submitted).state() == sambat::v1::CASE_STATE_RESOLVED);
  CHECK(system.Count("SELECT count(*) FROM routing.case_history WHERE action = 'close'") == 0);

  system.SetClock(Wib(2026, 4, 8, 10));
  REQUIRE(System::WaitUntil([&] {
    return Track(system, submitted).state() == sambat::v1::CASE_STATE_CLOSED;
  }));
  CHECK(system.Count("SELECT count(*) FROM routing.case_history WHERE action = 'close'") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.deadlines WHERE kind = 'CLOSE'") == 2);
  CHECK(system.Count("SELECT count(*) FROM sla.firings f JOIN sla.timers t ON t.id = f.timer_id "
                     "WHERE t.kind = 'close' AND f.outcome = 'fired'") == 1);
}

TEST_CASE("a decree signed while a complaint's clock runs across the changed days moves its due "
          "date in the citizen's view and the queue, and the citizen is told once",
          "[e2e][sla][notification]") {
  NotifyingSystem system("e2e_decree", {"intake", "routing", "sla"});
  // Monday 28 December 2026: a KTP complaint, seven working days by the estimated 2027
  // holidays (New Year, Isra Mikraj on Tuesday 5 January): due Friday 8 January 09:00.
  system.SetClock(Wib(2026, 12, 28, 9));
  sambat::v1::SubmitComplaintRequest request = SampleComplaint("adminduk");
  const std::string citizen = "wahyu.pratama@example.com";
  request.mutable_reporter()->set_email(citizen);
  request.set_idempotency_key("e2e-decree-ktp");
  const auto submitted = SubmitUntilDeadline(system, request);
  sambat::v1::Complaint view = Track(system, submitted);
  CHECK(FromProtoTime(view.first_response_due_at()) == Wib(2027, 1, 8, 9));

  // Tuesday 29 December: the decree puts Isra Mikraj on Wednesday 6 January with cuti bersama
  // on the 7th. The administrator checks, then loads it.
  system.SetClock(Wib(2026, 12, 29, 9));
  std::string calendar;
  {
    std::ifstream in(SourcePath("deploy/config/holidays-indonesia.textproto"));
    std::stringstream text;
    text << in.rdbuf();
    calendar = text.str();
  }
  const std::string estimate =
      "holidays { date: \"2027-01-05\" name: \"Isra Mikraj Nabi Muhammad SAW (estimate)\" }";
  REQUIRE(absl::StrContains(calendar, estimate));
  calendar = absl::StrReplaceAll(
      calendar, {{estimate,
                  "holidays { date: \"2027-01-06\" name: \"Isra Mikraj Nabi Muhammad SAW\" }\n"
                  "holidays { date: \"2027-01-07\" name: \"Cuti bersama Isra Mikraj\" "
                  "collective_leave: true }"}});
  const std::string file = system.dir() + "/holidays-2027-skb.textproto";
  {
    std::ofstream out(file);
    out << calendar;
    REQUIRE(out.good());
  }
  auto sambatctl = [&](StaffRole role, const std::string& args) {
    const std::string command = absl::StrCat(
        "SKK_STAFF_TOKEN='", StaffToken(role, "", system.Now()), "' ", SKK_BIN_DIR,
        "/sambatctl --sla=127.0.0.1:", system.Port("sla"), " ", args, " 2>&1");
    std::string out;
    const int code = RunCommand(command, &out);
    return std::make_pair(code, out);
  };
  const std::string replace =
      "calendar replace " + file + " --decree='SKB 3 Menteri Hari Libur 2027'";
  {
    const auto [code, out] = sambatctl(StaffRole::kLeadership, replace);
    INFO(out);
    CHECK(code != 0);
    CHECK_THAT(out, Catch::Contains("calendar replace: 7 "));  // PERMISSION_DENIED
  }
  {
    const auto [code, out] = sambatctl(StaffRole::kAdmin, replace + " --dry_run");
    INFO(out);
    REQUIRE(code == 0);
    CHECK_THAT(out, Catch::Contains("dry run: nothing changed"));
    CHECK_THAT(out, Catch::Contains(submitted.ticket()));
    CHECK_THAT(out, Catch::Contains("2027-01-08 09:00 WIB -> 2027-01-11 09:00 WIB"));
  }
  {
    const auto [code, out] = sambatctl(StaffRole::kAdmin, replace);
    INFO(out);
    REQUIRE(code == 0);
    CHECK_THAT(out, Catch::Contains("1 due time(s) moved"));
  }
  // One working day was used; six are left: 29, 30, 31 December, 4, 5 and 8 January.
  REQUIRE(System::WaitUntil([&] {
    view = Track(system, submitted);
    return FromProtoTime(view.first_response_due_at()) == Wib(2027, 1, 11, 9);
  }));
  CHECK(HasEntry(view, "deadline_set", "Kalender libur nasional diperbarui"));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM routing.cases WHERE due_at = '" +
                        Utc(Wib(2027, 1, 11, 9)) + "'") == 1;
  }));
  const std::string told = absl::StrCat("[", submitted.ticket(),
                                        "] Batas waktu tanggapan berubah: 11-01-2027 09:00 WIB");
  REQUIRE(System::WaitUntil([&] {
    return MailsAbout(system.smtp, submitted.ticket()).count({citizen, told}) == 1;
  }));
  {
    const auto [code, out] = sambatctl(StaffRole::kAdmin, "calendar show");
    INFO(out);
    CHECK(code == 0);
    CHECK_THAT(out, Catch::Contains("SKB 3 Menteri Hari Libur 2027"));
    CHECK_THAT(out, Catch::Contains("2027-01-07  Cuti bersama Isra Mikraj (cuti bersama)"));
  }
  // Loaded again (a second click): nothing moves, nobody is told twice.
  {
    const auto [code, out] = sambatctl(StaffRole::kAdmin, replace);
    INFO(out);
    REQUIRE(code == 0);
    CHECK_THAT(out, Catch::Contains("0 due time(s) moved"));
  }
  // The new level 1 time is the one that fires: nothing on Friday 8th at 09:00, then Monday.
  system.SetClock(Wib(2027, 1, 11, 9));
  REQUIRE(System::WaitUntil([&] { return Track(system, submitted).escalation_level() == 1; }));
  CHECK(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 1 AND deadline_due_at = '" +
                     Utc(Wib(2027, 1, 11, 9)) + "'") == 1);
  CHECK(MailsAbout(system.smtp, submitted.ticket()).count({citizen, told}) == 1);
}

}  // namespace
}  // namespace skk::testing

// A duplicate merged into the complaint it repeats (issue 19, docs/duplicates.md), across the
// real services: the duplicate's clocks stop and the figures count the problem once; its
// citizen is told which complaint it joined, then hears that complaint's first answer and its
// resolution on their own ticket, with their own link.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/support/city_time.h"
#include "tests/support/notification_harness.h"
#include "tests/support/officer.h"

namespace skk::testing {
namespace {

void RequireOk(const grpc::Status& status) {
  INFO(status.error_code() << " " << status.error_message());
  REQUIRE(status.ok());
}

// The subjects of the emails `to` was sent about `ticket`, as the mail server took them.
std::multiset<std::string> SubjectsTo(const NotifyingSystem& system, const std::string& ticket,
                                      const std::string& to) {
  std::multiset<std::string> out;
  for (const auto& [rcpt, subject] : MailsAbout(system.smtp, ticket)) {
    if (absl::StrContains(rcpt, to)) out.insert(subject);
  }
  return out;
}

// Two citizens' reports of what looks like one pothole, both with their first-response
// deadlines, and DPUPRPKP's officer who merges the second (b) into the first (a).
class TwoPotholes {
 public:
  explicit TwoPotholes(const std::string& name)
      : system(name, {"intake", "routing", "sla"}),
        original(Submit(system, siti, name + "-original")),
        duplicate(Submit(system, budi, name + "-duplicate")),
        a(original.ticket()),
        b(duplicate.ticket()) {}

  // Merges the duplicate into the original, as the officer does in the console.
  void Merge() const {
    sambat::v1::RejectRequest merge;
    merge.set_complaint_id(duplicate.complaint_id());
    merge.set_reason(sambat::v1::REJECT_REASON_DUPLICATE);
    merge.set_duplicate_of_ticket(a);
    RequireOk(officer.Reject(merge));
  }

  const std::string siti = "siti.aminah@example.com";
  const std::string budi = "budi.hartono@example.com";
  NotifyingSystem system;
  const sambat::v1::SubmitComplaintResponse original;
  const sambat::v1::SubmitComplaintResponse duplicate;
  const std::string a;
  const std::string b;
  const OfficerClient officer{system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                              "Budi Santoso"};

 private:
  // On Monday 2 March 2026, 09:00 WIB.
  static sambat::v1::SubmitComplaintResponse Submit(NotifyingSystem& system,
                                                    const std::string& email,
                                                    const std::string& key) {
    system.SetClock(Wib(2026, 3, 2, 9));
    return SubmitPotholeUntilDeadline(system, email, key);
  }
};

TEST_CASE(
    "a duplicate merged into its original stops its clocks, counts once, and its citizen "
    "hears the original's answer and resolution on their own ticket",
    "[e2e][duplicates][notification]") {
  TwoPotholes t("e2e_merge");
  auto& [siti, budi, system, original, duplicate, a, b, officer] = t;
  t.Merge();

  // The duplicate's citizen sees the merge and is told which complaint it joined; their
  // tracking page shows that complaint's progress.
  REQUIRE(System::WaitUntil(
      [&] { return Track(system, duplicate).state() == sambat::v1::CASE_STATE_MERGED; }));
  const sambat::v1::Complaint merged_view = Track(system, duplicate);
  CHECK(merged_view.merged_into().ticket() == a);
  CHECK(merged_view.merged_into().agency_code() == "dpuprpkp");
  CHECK_FALSE(merged_view.merged_into().finished());
  REQUIRE(System::WaitUntil([&] {
    return SubjectsTo(system, b, budi)
               .count(absl::StrCat("[", b, "] Pengaduan Anda tidak dapat ditindaklanjuti")) == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE ticket = '" + b +
                     "' AND channel = 'email' AND body LIKE '%sama dengan pengaduan " + a + "%'") ==
        1);

  // Its clock stopped as merged; the figures count the problem once (the original).
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.deadlines WHERE complaint_id = '" +
                        duplicate.complaint_id() + "' AND stop_reason = 'merged'") == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.deadlines WHERE complaint_id = '" +
                     duplicate.complaint_id() + "' AND state <> 'stopped'") == 0);
  CHECK(system.Count("SELECT count(*) FROM sla.first_responses") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.first_responses WHERE complaint_id = '" +
                     original.complaint_id() + "'") == 1);

  // The agency answers the original: both citizens hear it, each on their own ticket.
  system.SetClock(Wib(2026, 3, 3, 10));
  RequireOk(officer.Claim(original.complaint_id()));
  RequireOk(officer.Respond(original.complaint_id(), "Tim kami menambal lubang itu Kamis ini."));
  const std::string answered =
      absl::StrCat("[", b, "] Tanggapan DPUPRPKP atas pengaduan yang sama (", a, ")");
  REQUIRE(System::WaitUntil([&] { return SubjectsTo(system, b, budi).count(answered) == 1; }));
  REQUIRE(System::WaitUntil([&] {
    return SubjectsTo(system, a, siti).count(absl::StrCat("[", a, "] Tanggapan dari DPUPRPKP")) ==
           1;
  }));
  // The answer's words reach the duplicate's citizen, with their own tracking link; nothing
  // goes to the original's citizen twice, and nothing of the duplicate's citizen to the other.
  const std::string follower = "recipient_id = 'citizen:" + duplicate.complaint_id() + "'";
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE " + follower +
                     " AND channel = 'email' AND body LIKE '%menambal lubang itu Kamis ini%' "
                     "AND body LIKE '%/lacak/" +
                     b + "%' AND body NOT LIKE '%/lacak/" + a + "%'") == 1);
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE " + follower +
                     " AND channel = 'sms' AND body LIKE 'SAMBAT " + b +
                     ": tanggapan DPUPRPKP atas pengaduan yang sama " + a + "%'") == 1);
  CHECK(SubjectsTo(system, a, budi).empty());
  REQUIRE(System::WaitUntil([&] {
    return absl::StrContains(Track(system, duplicate).merged_into().status_notes(),
                             "menambal lubang itu Kamis ini");
  }));
  CHECK(Track(system, duplicate).merged_into().state() == sambat::v1::CASE_STATE_IN_PROGRESS);

  // The original is resolved: the duplicate's citizen hears it, without the rating meant for
  // the original's citizen.
  system.SetClock(Wib(2026, 3, 5, 15));
  RequireOk(officer.Resolve(original.complaint_id(), "Lubang sudah ditambal dengan aspal."));
  const std::string resolved =
      absl::StrCat("[", b, "] Pengaduan yang sama (", a, ") telah diselesaikan");
  REQUIRE(System::WaitUntil([&] { return SubjectsTo(system, b, budi).count(resolved) == 1; }));
  REQUIRE(System::WaitUntil([&] {
    return SubjectsTo(system, a, siti)
               .count(absl::StrCat("[", a, "] Pengaduan Anda telah diselesaikan")) == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE " + follower +
                     " AND channel = 'email' AND body LIKE '%ditambal dengan aspal%' "
                     "AND body NOT LIKE '%/nilai/%'") == 1);
  // Five messages by email in all for the duplicate's citizen: received, routed, merged,
  // the answer and the resolution.
  CHECK(SubjectsTo(system, b, budi).size() == 5);
}

TEST_CASE(
    "a merge undone puts the case back with its agency on a new clock, tells its "
    "citizen, and they no longer hear the other complaint",
    "[e2e][duplicates][notification]") {
  TwoPotholes t("e2e_unmerge");
  auto& [siti, budi, system, original, duplicate, a, b, officer] = t;
  const std::string b_id = duplicate.complaint_id();

  // Only a merged case can be brought back, and only with a reason.
  CHECK(officer.Unmerge(b_id, "Bukan duplikat").error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  t.Merge();
  REQUIRE(System::WaitUntil([&] {
    return system.Count(
               "SELECT count(*) FROM notification.merged_complaints WHERE "
               "complaint_id = '" +
               b_id + "'") == 1;
  }));
  CHECK(officer.Unmerge(b_id, "").error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  // The next day the officer sees it is another hole, further down the street.
  system.SetClock(Wib(2026, 3, 3, 9));
  sambat::v1::Case back;
  RequireOk(
      officer.Unmerge(b_id, "Lokasinya berbeda: lubang di Jl. Kawi 12, bukan depan SDN.", &back));
  CHECK(back.state() == sambat::v1::CASE_STATE_REOPENED);
  CHECK(back.agency_code() == "dpuprpkp");
  REQUIRE(System::WaitUntil(
      [&] { return Track(system, duplicate).state() == sambat::v1::CASE_STATE_REOPENED; }));
  CHECK_FALSE(Track(system, duplicate).has_merged_into());
  CHECK(officer.Unmerge(b_id, "Sekali lagi").error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  // The citizen's view, timeline and message; the audit trail says who and why.
  REQUIRE(System::WaitUntil(
      [&] { return Track(system, duplicate).state() == sambat::v1::CASE_STATE_REOPENED; }));
  bool told_in_timeline = false;
  const sambat::v1::Complaint view = Track(system, duplicate);
  for (const auto& e : view.timeline()) {
    told_in_timeline |= e.kind() == "unmerged" && absl::StrContains(e.text(), "Jl. Kawi 12");
  }
  CHECK(told_in_timeline);
  REQUIRE(System::WaitUntil([&] {
    return SubjectsTo(system, b, budi)
               .count(absl::StrCat("[", b, "] Pengaduan Anda ditangani kembali oleh DPUPRPKP")) ==
           1;
  }));
  CHECK(system.Count("SELECT count(*) FROM routing.case_history WHERE complaint_id = '" + b_id +
                     "' AND action = 'unmerge' AND actor = 'officer:budi.dpuprpkp'") == 1);

  // A new first-response clock runs from the undoing, and the figures count it again.
  REQUIRE(System::WaitUntil([&] {
    return system.Count(
               "SELECT count(*) FROM sla.deadlines WHERE complaint_id = '" + b_id +
               "' AND kind = 'FIRST_RESPONSE' AND state = 'running' AND starts_at = '" +
               absl::FormatTime("%Y-%m-%d %H:%M:%S+00", Wib(2026, 3, 3, 9), absl::UTCTimeZone()) +
               "'") == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.first_responses") == 2);
  CHECK(system.Count("SELECT count(*) FROM notification.merged_complaints") == 0);

  // The other complaint's answer is no longer theirs to hear.
  RequireOk(officer.Claim(original.complaint_id()));
  RequireOk(officer.Respond(original.complaint_id(), "Tim kami menambal lubang itu Kamis ini."));
  REQUIRE(System::WaitUntil([&] {
    return SubjectsTo(system, a, siti).count(absl::StrCat("[", a, "] Tanggapan dari DPUPRPKP")) ==
           1;
  }));
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_id = "
                     "'citizen:" +
                     b_id + "' AND body LIKE '%menambal lubang itu Kamis ini%'") == 0);
}

TEST_CASE(
    "a citizen who joins a complaint found nearby follows it from the start: no case in a "
    "queue, no clock, and the other complaint's answer reaches them",
    "[e2e][duplicates][notification]") {
  NotifyingSystem system("e2e_join", {"intake", "routing", "sla"});
  const std::string siti = "siti.aminah@example.com";
  const std::string budi = "budi.hartono@example.com";
  system.SetClock(Wib(2026, 3, 2, 9));
  const sambat::v1::SubmitComplaintResponse original =
      SubmitPotholeUntilDeadline(system, siti, "e2e_join-original");
  const std::string a = original.ticket();
  const OfficerClient officer{system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                              "Budi Santoso"};

  // Budi found Siti's pothole under "already reported nearby" and follows it, with no words
  // of his own.
  system.SetClock(Wib(2026, 3, 2, 11));
  sambat::v1::SubmitComplaintRequest join = SampleComplaint("jalan-rusak");
  join.mutable_reporter()->set_email(budi);
  join.clear_description();
  join.set_join_ticket(a);
  join.set_idempotency_key("e2e_join-joiner");

  // Only a complaint the search would offer for this category and place can be joined.
  auto refused = [&](sambat::v1::SubmitComplaintRequest r) {
    sambat::v1::SubmitComplaintResponse ignored;
    grpc::ClientContext context;
    return system.Intake()->SubmitComplaint(&context, r, &ignored);
  };
  sambat::v1::SubmitComplaintRequest other_category = join;
  other_category.set_category("sampah");
  sambat::v1::SubmitComplaintRequest far_away = join;
  far_away.mutable_location()->set_latitude(join.location().latitude() + 0.01);  // 1.1 km
  sambat::v1::SubmitComplaintRequest unknown = join;
  unknown.set_join_ticket("SKK-2026-999999");
  for (const auto& r : {other_category, far_away, unknown}) {
    const grpc::Status status = refused(r);
    INFO(status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StrContains(status.error_message(), "join_ticket"));
  }
  sambat::v1::SubmitComplaintRequest without_words = join;
  without_words.clear_join_ticket();
  CHECK(refused(without_words).error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  sambat::v1::SubmitComplaintResponse joined;
  {
    grpc::ClientContext context;
    RequireOk(system.Intake()->SubmitComplaint(&context, join, &joined));
  }
  const std::string b = joined.ticket();

  // His tracking page follows Siti's complaint; his timeline says he joined it.
  REQUIRE(System::WaitUntil(
      [&] { return Track(system, joined).state() == sambat::v1::CASE_STATE_MERGED; }));
  const sambat::v1::Complaint view = Track(system, joined);
  CHECK(view.merged_into().ticket() == a);
  CHECK(absl::StrContains(view.description(), absl::StrCat("Ikut melaporkan pengaduan ", a)));
  bool joined_in_timeline = false;
  for (const auto& e : view.timeline()) {
    joined_in_timeline |= e.kind() == "joined" && absl::StrContains(e.text(), a);
    CHECK(e.kind() != "routed");
  }
  CHECK(joined_in_timeline);
  REQUIRE(System::WaitUntil([&] {
    return SubjectsTo(system, b, budi)
               .count(absl::StrCat("[", b, "] Anda mengikuti pengaduan ", a)) == 1;
  }));

  // Never in DPUPRPKP's queue, never on a clock: the audit trail says the citizen joined.
  CHECK(system.Count("SELECT count(*) FROM routing.cases WHERE ticket = '" + b +
                     "' AND state = 'MERGED' AND agency_code = 'dpuprpkp'") == 1);
  CHECK(system.Count("SELECT count(*) FROM routing.case_history WHERE complaint_id = '" +
                     joined.complaint_id() + "' AND action = 'join'") == 1);
  CHECK(system.Count("SELECT count(*) FROM sla.deadlines WHERE complaint_id = '" +
                     joined.complaint_id() + "'") == 0);

  // DPUPRPKP answers Siti's complaint: Budi hears it on his own ticket, and the figures count
  // one first response.
  system.SetClock(Wib(2026, 3, 3, 10));
  RequireOk(officer.Claim(original.complaint_id()));
  RequireOk(officer.Respond(original.complaint_id(), "Tim kami menambal lubang itu Kamis ini."));
  REQUIRE(System::WaitUntil([&] {
    return SubjectsTo(system, b, budi)
               .count(absl::StrCat("[", b, "] Tanggapan DPUPRPKP atas pengaduan yang sama (", a,
                                   ")")) == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM sla.first_responses") == 1);
  // Received and joined, then the answer: no "routed" message for a case no agency holds.
  CHECK(SubjectsTo(system, b, budi).size() == 3);
}

}  // namespace
}  // namespace skk::testing

// The fault suite's checker on a small live system: every invariant holds after a quiet run
// (complaints submitted, some handled by an officer, the clock moved so some escalate), and
// each one that is broken on purpose afterwards says so with the right count. A checker that
// cannot fail proves nothing.

#include <signal.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/faults/invariants.h"
#include "tests/support/notification_harness.h"
#include "tests/support/officer.h"
#include "tests/support/staff_tokens.h"

namespace skk::faults {
namespace {

using skk::testing::NotifyingSystem;
using skk::testing::System;

// Urgent (3 working days), ordinary (5), slow (7), and one handed to a partner outside the city.
const std::vector<std::string> kCategories = {"pohon-tumbang", "jalan-rusak", "sampah",
                                              "adminduk",      "jalan-rusak", "keamanan",
                                              "lainnya"};
constexpr int kComplaints = 20;

const InvariantLine& Find(const std::vector<InvariantLine>& lines, const std::string& name) {
  for (const auto& l : lines) {
    if (l.name == name) return l;
  }
  FAIL("no invariant named " << name);
  return lines.front();
}

std::string All(const std::vector<InvariantLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(Format(l));
  return absl::StrJoin(out, "\n");
}

void Exec(System& system, const std::string& sql) {
  auto db = system.world().Admin();
  const absl::Status st = db->ExecuteScript(sql);
  INFO(sql << "\n" << st);
  REQUIRE(st.ok());
}

// The number printed just before `label` in a line's counts, e.g. 3 for "3 missing".
long long CountBefore(const InvariantLine& line, const std::string& label) {
  const size_t at = line.counts.find(label);
  INFO(Format(line) << "\nlabel: " << label);
  REQUIRE(at != std::string::npos);
  size_t begin = at;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(line.counts[begin - 1]))) --begin;
  REQUIRE(begin < at);
  return std::stoll(line.counts.substr(begin, at - begin));
}

// `bad`, the invariants checked after `what` was broken on purpose: each invariant of
// `broken`, named with the label of one of its counts, is BROKEN, and that count grew by exactly
// one since `good` (a count the quiet system already had wrong stays wrong; only the
// corruption's part is ours).
void RequireBroken(const std::vector<InvariantLine>& good, const std::vector<InvariantLine>& bad,
                   const std::string& what,
                   const std::vector<std::pair<std::string, std::string>>& broken) {
  WARN("broken on purpose (" << what << "):\n" << All(bad));
  for (const auto& [name, label] : broken) {
    const InvariantLine& before = Find(good, name);
    const InvariantLine& after = Find(bad, name);
    INFO("before: " << Format(before) << "\nafter: " << Format(after));
    CHECK_FALSE(after.held);
    CHECK(CountBefore(after, label) - CountBefore(before, label) == 1);
  }
}

}  // namespace

TEST_CASE("the fault checker holds on a quiet system and reports each broken invariant",
          "[faults][integration]") {
  const absl::Time started = absl::Now();
  NotifyingSystem system("faults_inv", {"intake", "routing", "sla"});

  ClientLedger ledger;
  std::vector<std::string> ids;
  auto intake = system.Intake();
  for (int i = 0; i < kComplaints; ++i) {
    sambat::v1::SubmitComplaintRequest request =
        skk::testing::SampleComplaint(kCategories[i % kCategories.size()]);
    request.set_idempotency_key(absl::StrCat("faults-inv-", i));
    // One citizen's mailbox refuses mail for good (the fake SMTP server's "tolak"): that
    // delivery ends dead, parked in the email dead queue, and the checker expects exactly that.
    if (i % 2 == 0) {
      request.mutable_reporter()->set_email(
          absl::StrCat(i == 10 ? "tolak" : "warga", i, "@example.com"));
    }
    if (i % 5 == 4) {
      request.mutable_reporter()->set_anonymous(true);
      request.mutable_reporter()->clear_name();
    }
    sambat::v1::SubmitComplaintResponse response;
    grpc::ClientContext context;
    const grpc::Status status = intake->SubmitComplaint(&context, request, &response);
    INFO(status.error_message());
    REQUIRE(status.ok());
    ids.push_back(response.complaint_id());
    ledger.Add(AcknowledgedComplaint{response.complaint_id(), response.ticket(),
                                     request.idempotency_key(), request.category(),
                                     request.reporter().anonymous(), false, 0, system.Now()});
  }

  // A DPUPRPKP officer resolves one jalan-rusak complaint (claim, respond, resolve) and only
  // claims another: the first never escalates, the second does.
  REQUIRE(WaitUntilQuiet(system, ledger, {}, absl::Seconds(60), absl::Seconds(60)).ok());
  const skk::testing::OfficerClient officer(system, skk::StaffRole::kOfficer,
                                            "dpuprpkp", "budi.dpuprpkp", "Budi Santoso");
  auto act = [&](const std::string& id, const std::string& action, const grpc::Status& st) {
    INFO(action << " " << id << ": " << st.error_code() << " " << st.error_message());
    REQUIRE(st.ok());
    ledger.Add(AcknowledgedOfficerAction{id, "dpuprpkp", action, system.Now()});
  };
  act(ids[1], "claim", officer.Claim(ids[1]));
  system.AdvanceClock(absl::Minutes(30));
  act(ids[1], "respond", officer.Respond(ids[1], "Tim kami akan memeriksa lokasi besok."));
  system.AdvanceClock(absl::Minutes(30));
  act(ids[1], "resolve", officer.Resolve(ids[1], "Lubang sudah ditambal."));
  act(ids[4], "claim", officer.Claim(ids[4]));

  // A week of business time: the urgent complaints reach level 2, the ordinary ones level 1,
  // the slow ones only their reminders.
  system.AdvanceClock(absl::Hours(24 * 7));
  const absl::Status quiet =
      WaitUntilQuiet(system, ledger, {}, absl::Seconds(120), absl::Seconds(120));
  INFO(quiet);
  REQUIRE(quiet.ok());
  REQUIRE(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 2") > 0);
  REQUIRE(system.Count("SELECT count(*) FROM notification.deliveries WHERE state = 'dead'") > 0);
  REQUIRE(system.Count("SELECT count(*) FROM sla.timers WHERE kind = 'reminder' "
                       "AND fired_at IS NOT NULL") > 0);

  const std::vector<InvariantLine> good =
      CheckInvariants(system, ledger, {}, system.smtp, system.gateway);
  WARN("quiet system:\n" << All(good));
  REQUIRE(good.size() >= 12);
  for (const auto& l : good) {
    INFO(Format(l));
    CHECK(l.held);
  }

  // Break the data on purpose, each time on another complaint, with the services stopped so
  // nothing repairs it. First what notification and the outboxes hold.
  for (const std::string s : {"sla", "routing", "notification", "intake"}) system.Stop(s, SIGTERM);
  // One email decided twice for the same address (a second recipient id), which never reached
  // the wire.
  Exec(system, absl::StrCat(
      "INSERT INTO notification.deliveries (id, event_id, complaint_id, ticket, recipient_id, "
      "recipient_role, recipient_name, channel, address, subject, body, state, not_before, "
      "created_at, finished_at) SELECT gen_random_uuid(), event_id, complaint_id, ticket, "
      "recipient_id || ':copy', recipient_role, recipient_name, channel, address, subject, body, "
      "state, not_before, created_at, finished_at FROM notification.deliveries WHERE "
      "complaint_id = '", ids[3], "' AND channel = 'email' AND state = 'sent' "
      "AND recipient_role LIKE 'humas:%' LIMIT 1"));
  // A reminder of another complaint that reached nobody: its deliveries are gone.
  Exec(system, absl::StrCat(
      "WITH gone AS (SELECT d.id FROM notification.deliveries d "
      "JOIN notification.applied_events a ON a.event_id::text = d.event_id WHERE "
      "a.event_type = 'sla.reminder_due' AND d.complaint_id = '", ids[9], "' "
      "AND d.event_id = (SELECT min(x.event_id) FROM notification.deliveries x "
      "JOIN notification.applied_events y ON y.event_id::text = x.event_id "
      "WHERE y.event_type = 'sla.reminder_due' AND x.complaint_id = '", ids[9], "')), "
      "attempts AS (DELETE FROM notification.delivery_attempts "
      "WHERE delivery_id IN (SELECT id FROM gone)) "
      "DELETE FROM notification.deliveries WHERE id IN (SELECT id FROM gone)"));
  // Intake stored another category than the citizen sent.
  Exec(system, absl::StrCat("UPDATE intake.complaints SET category = 'sampah' WHERE "
                            "complaint_id = '", ids[5], "'"));
  // An event left in routing's outbox.
  Exec(system, "INSERT INTO routing.outbox (event_id, routing_key, complaint_id, correlation_id, "
               "payload) VALUES (gen_random_uuid(), 'case.routed', 'x', 'x', '\\x00')");
  // A client was told of a complaint intake never stored.
  ClientLedger more;
  for (const auto& c : ledger.complaints()) more.Add(c);
  for (const auto& a : ledger.actions()) more.Add(a);
  more.Add(AcknowledgedComplaint{"00000000-0000-4000-8000-000000000001", "SKK-X",
                                 "faults-inv-lost", "sampah", false, false, 0, system.Now()});
  RequireBroken(good, CheckInvariants(system, more, {}, system.smtp, system.gateway),
                "notifications, outbox, ledger",
                {{"acknowledged_complaints_stored_once", " missing"},
                 {"acknowledged_complaints_stored_once", " stored otherwise than sent"},
                 {"deliveries_unique", " duplicated (event, address, channel)"},
                 {"notifications_expected_once", " with more than expected"},
                 {"notifications_expected_once",
                  " (complaint, event type, citizen or staff) short"},
                 {"sent_deliveries_reached_the_wire", " sent but never received"},
                 {"nothing_stuck", ", sla "}});
  // The wait names what is still busy rather than calling a stuck outbox quiet.
  const absl::Status stuck =
      WaitUntilQuiet(system, ledger, {}, absl::Seconds(2), absl::Seconds(2));
  INFO(stuck);
  CHECK(stuck.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK_THAT(std::string(stuck.message()), Catch::Contains("routing 1"));
  // A parked message the suite expected but that is not there is named too.
  const absl::Status missing_parked =
      WaitUntilQuiet(system, ledger, {{{"routing.events.dead", 1}}}, absl::Seconds(1),
                     absl::Seconds(1));
  CHECK_THAT(std::string(missing_parked.message()),
             Catch::Contains("routing.events.dead=0 (expected 1)"));

  // Then routing's, sla's and intake's tables.
  // A complaint routing lost (its case and history gone).
  Exec(system, absl::StrCat("DELETE FROM routing.case_history WHERE complaint_id = '", ids[2],
                            "'; DELETE FROM routing.cases WHERE complaint_id = '", ids[2], "'"));
  // An escalation timer of another complaint looks as if it never fired.
  Exec(system, absl::StrCat("UPDATE sla.timers SET fired_at = NULL WHERE id = (SELECT min(id) "
                            "FROM sla.timers WHERE fired_at IS NOT NULL AND kind = 'escalation' "
                            "AND complaint_id = '", ids[0], "')"));
  // Intake forgot an escalation level.
  Exec(system, absl::StrCat("UPDATE intake.complaints SET escalation_level = 0 WHERE "
                            "complaint_id = '", ids[7], "'"));
  // Routing lost the resolution an officer was told of.
  Exec(system, absl::StrCat("UPDATE routing.cases SET state = 'IN_PROGRESS' WHERE "
                            "complaint_id = '", ids[1], "'"));
  RequireBroken(good, CheckInvariants(system, ledger, {}, system.smtp, system.gateway),
                "routing, sla, intake",
                {{"complaints_routed_once", " without a case"},
                 {"due_timers_fired_once", " due but never fired"},
                 {"escalation_levels_consistent", " level disagreements"},
                 {"officer_actions_reflected", " resolved but not RESOLVED"}});
  WARN("faults_invariants_test took " << absl::FormatDuration(absl::Now() - started));
}

TEST_CASE("listing the queues of an unknown vhost is an error and never an empty list",
          "[faults]") {
  const auto queues = ListQueues("skk-faults-no-such-vhost");
  INFO(queues.status());
  CHECK_FALSE(queues.ok());
}

}  // namespace skk::faults

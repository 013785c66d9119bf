// The sla service's clocks and timers against the real PostgreSQL and Redis, in process, with
// a hand-set business clock: the seven-working-day timeline over Idul Fitri, pause and resume,
// forward and reopen, a restart with timers pending, a flushed Redis, and two replicas.

#include <catch2/catch.hpp>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/migrations.h"
#include "services/platform/redis.h"
#include "services/platform/testing/test_env.h"
#include "services/sla/case_clocks.h"
#include "services/sla/policy.h"
#include "services/sla/timers.h"
#include "tests/sla/sla_support.h"

namespace skk::sla {
namespace {

using testing::Wib;

TEST_CASE("seven working days across a weekend and the Idul Fitri leave: each reminder and "
          "escalation fires once, at its WIB instant",
          "[sla]") {
  testing::SlaWorld w("sla_timeline", Wib(2026, 3, 17, 10));
  w.RouteNewCase("adminduk", "dispendukcapil");
  REQUIRE(w.Count("SELECT count(*) FROM timers WHERE fired_at IS NULL") == 4);
  const auto set = w.Outbox(kDeadlineSet);
  REQUIRE(set.size() == 1);
  CHECK(FromProtoTime(set[0].deadline_set().due_at()) == Wib(2026, 4, 2, 10));

  // Each instant, and nothing a second before it.
  const std::vector<std::pair<absl::Time, std::string>> steps = {
      {Wib(2026, 4, 1, 10), kReminderDue},  // one working day before
      {Wib(2026, 4, 2, 6), kReminderDue},   // four working hours before
      {Wib(2026, 4, 2, 10), kEscalated},    // level 1 at the due time
      {Wib(2026, 4, 7, 10), kEscalated},    // level 2: Good Friday and the weekend skipped
  };
  int fired = 0;
  for (const auto& [at, type] : steps) {
    INFO(absl::FormatTime(at, w.policies.calendar()->zone()));
    w.clock.Set(at - absl::Seconds(1));
    CHECK(w.FireDue() == 0);
    w.clock.Set(at);
    CHECK(w.FireDue() == 1);
    ++fired;
    CHECK(w.Count(absl::StrCat("SELECT count(*) FROM firings WHERE fired_at = '",
                               absl::FormatTime(at), "'")) == 1);
  }
  w.clock.Set(Wib(2026, 6, 1));
  CHECK(w.FireDue() == 0);
  const auto reminders = w.Outbox(kReminderDue);
  REQUIRE(reminders.size() == 2);
  CHECK(reminders[0].reminder_due().due_in_seconds() == 24 * 3600);
  CHECK(reminders[1].reminder_due().due_in_seconds() == 4 * 3600);
  CHECK(reminders[0].reminder_due().agency_code() == "dispendukcapil");
  const auto escalations = w.Outbox(kEscalated);
  REQUIRE(escalations.size() == 2);
  CHECK(escalations[0].escalated().level() == 1);
  CHECK(escalations[0].escalated().late_by_seconds() == 0);
  CHECK(escalations[1].escalated().level() == 2);
  CHECK(escalations[1].escalated().late_by_seconds() == 5 * 24 * 3600);
  CHECK(FromProtoTime(escalations[1].escalated().due_at()) == Wib(2026, 4, 2, 10));
  CHECK(w.Count("SELECT count(*) FROM firings WHERE outcome = 'fired'") == 4);
  CHECK(w.Count("SELECT count(*) FROM escalations") == 2);
}

TEST_CASE("waiting for the citizen pauses the clock, and the answer resumes it with the "
          "working time that was left",
          "[sla]") {
  testing::SlaWorld w("sla_pause", Wib(2026, 3, 2, 9));
  const std::string id = w.RouteNewCase("jalan-rusak", "dpuprpkp");  // due Mon 9th
  // Wednesday 09:00: two working days used, three left.
  w.clock.Set(Wib(2026, 3, 4, 9));
  w.Apply(testing::CaseEvent(id, kCaseInfoRequested, "dpuprpkp", Wib(2026, 3, 4, 9)));
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE state = 'paused' AND used_seconds = " +
                std::to_string(48 * 3600)) == 1);
  // The citizen takes a week: nothing planned before the pause fires.
  w.clock.Set(Wib(2026, 3, 11, 9));
  CHECK(w.FireDue() == 0);
  CHECK(w.Count("SELECT count(*) FROM firings") == 0);
  w.Apply(testing::CaseEvent(id, kCaseCitizenAnswered, "dpuprpkp", Wib(2026, 3, 11, 9)));
  const auto set = w.Outbox(kDeadlineSet);
  REQUIRE(set.size() == 2);
  // Three working days from Wednesday 11th 09:00: Monday 16th 09:00.
  CHECK(FromProtoTime(set[1].deadline_set().due_at()) == Wib(2026, 3, 16, 9));
  w.clock.Set(Wib(2026, 3, 13, 9));
  CHECK(w.FireDue() == 1);  // reminder, Friday, a working day before
  w.clock.Set(Wib(2026, 3, 16, 9) - absl::Seconds(1));
  CHECK(w.FireDue() == 1);  // reminder, Monday 05:00
  w.clock.Set(Wib(2026, 3, 16, 9));
  CHECK(w.FireDue() == 1);  // level 1
  REQUIRE(w.Outbox(kEscalated).size() == 1);
  CHECK(FromProtoTime(w.Outbox(kEscalated)[0].escalated().due_at()) == Wib(2026, 3, 16, 9));
}

TEST_CASE("an officer's action that overtakes its case.routed is retried, not lost", "[sla]") {
  testing::SlaWorld w("sla_order", Wib(2026, 3, 2, 9));
  const std::string id = NewUuid();
  // The second event of the case's chain, delivered before the first.
  const auto asked = testing::Sequenced(
      testing::CaseEvent(id, kCaseInfoRequested, "dpuprpkp", Wib(2026, 3, 2, 10)), 2, 1);
  const absl::Status early =
      w.pool->Transact([&](PgConnection& tx) { return w.clocks->Apply(tx, asked); });
  CHECK(early.code() == absl::StatusCode::kUnavailable);
  w.Apply(testing::Sequenced(testing::Routed(id, "jalan-rusak", "dpuprpkp", Wib(2026, 3, 2, 9)),
                             1, 0));
  w.Apply(asked);  // the retry
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE state = 'paused'") == 1);
}

TEST_CASE("a timer of an older clock generation records a stale firing and sends nothing",
          "[sla]") {
  testing::SlaWorld w("sla_stale", Wib(2026, 3, 2, 9));
  w.RouteNewCase("pohon-tumbang", "dlh");
  // The clock changed under a timer already in the schedule (as a change racing a claim would).
  w.AdminExec("UPDATE sla.deadlines SET generation = generation + 1");
  w.clock.Set(Wib(2026, 4, 1));
  CHECK(w.FireDue() == 0);
  CHECK(w.Count("SELECT count(*) FROM firings WHERE outcome = 'stale'") == 4);
  CHECK(w.Outbox(kEscalated).empty());
  CHECK(w.Outbox(kReminderDue).empty());
}

TEST_CASE("forwarding starts the new agency's clock, an answer starts the resolution clock, "
          "and reopening starts a new clock",
          "[sla]") {
  testing::SlaWorld w("sla_forward", Wib(2026, 3, 2, 9));
  const std::string id = w.RouteNewCase("jalan-rusak", "dpuprpkp");
  w.Apply(testing::Forwarded(id, "dpuprpkp", "dlh", "sampah", Wib(2026, 3, 3, 9)));
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE agency_code = 'dpuprpkp' "
                "AND stop_reason = 'forwarded'") == 1);
  // DPUPRPKP's due time (Monday 9th) passes: nothing for them; DLH is due Tuesday 10th.
  w.clock.Set(Wib(2026, 3, 10, 9));
  CHECK(w.FireDue() == 3);  // DLH's two reminders and its level 1
  const auto escalations = w.Outbox(kEscalated);
  REQUIRE(escalations.size() == 1);
  CHECK(escalations[0].escalated().agency_code() == "dlh");
  CHECK(w.Count("SELECT count(*) FROM timers WHERE agency_code = 'dpuprpkp' "
                "AND fired_at IS NOT NULL") == 0);

  // DLH answers on Wednesday: no level 2; the ten-working-day resolution clock starts.
  w.Apply(testing::CaseEvent(id, kCaseResponded, "dlh", Wib(2026, 3, 11, 9)));
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE kind = 'RESOLUTION' "
                "AND state = 'running'") == 1);
  w.Apply(testing::CaseEvent(id, kCaseResolved, "dlh", Wib(2026, 3, 12, 9)));
  // Only the citizen's window to reopen runs.
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE state <> 'stopped'") == 1);
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE state = 'running' AND kind = 'CLOSE'") == 1);

  // The citizen reopens on Thursday 12th: five working days over the Lebaran leave.
  w.Apply(testing::Reopened(id, "dlh", "sampah", Wib(2026, 3, 12, 9)));
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE kind = 'CLOSE' "
                "AND stop_reason = 'reopened'") == 1);
  const auto set = w.Outbox(kDeadlineSet);
  REQUIRE(set.size() == 4);
  CHECK(set[2].deadline_set().kind() == sambat::v1::DEADLINE_KIND_CLOSE);
  CHECK(set[3].deadline_set().agency_code() == "dlh");
  CHECK(FromProtoTime(set[3].deadline_set().due_at()) == Wib(2026, 3, 26, 9));
  w.clock.Set(Wib(2026, 3, 26, 9));
  CHECK(w.FireDue() == 3);
  w.clock.Set(Wib(2026, 5, 1));
  CHECK(w.FireDue() == 1);  // the reopened clock's level 2
  CHECK(w.Outbox(kEscalated).size() == 3);
  CHECK(w.Count("SELECT count(*) FROM escalations WHERE deadline_kind = 'RESOLUTION'") == 0);
}

TEST_CASE("an sla restarted with timers pending fires them, and a flushed Redis is rebuilt "
          "from PostgreSQL",
          "[sla]") {
  testing::SlaWorld w("sla_restart", Wib(2026, 3, 2, 9));
  for (int i = 0; i < 20; ++i) w.RouteNewCase("pohon-tumbang", "dlh");
  REQUIRE(w.ScheduleSize() == 80);

  // The service stops; Redis is flushed (this test's keys only) while it is down.
  w.timers.reset();
  w.DeleteSchedule();
  REQUIRE(w.ScheduleSize() == 0);
  w.clock.Set(Wib(2026, 3, 5, 9));  // due time of all twenty

  // A new process: nothing in Redis to fire until it reconciles on start.
  w.StartTimers();
  CHECK(w.FireDue() == 0);
  REQUIRE(w.timers->Reconcile().value() == 80);
  CHECK(w.FireDue() == 60);  // two reminders and level 1 each
  CHECK(w.ScheduleSize() == 20);

  // Lost again while running: the periodic reconciliation puts back only what is pending.
  w.DeleteSchedule();
  REQUIRE(w.timers->Reconcile().value() == 20);
  w.clock.Set(Wib(2026, 3, 9, 9));
  CHECK(w.FireDue() == 20);
  CHECK(w.Count("SELECT count(*) FROM firings") == 80);
  CHECK(w.Count("SELECT count(*) FROM escalations") == 40);
}

TEST_CASE("a schedule entry older than its timer never fires it before its due time", "[sla]") {
  // The database restored to an earlier point hands a timer's id to a new timer, or a replica's
  // clock runs behind: the schedule says now, the timer's row says later.
  testing::SlaWorld w("sla_early_entry", Wib(2026, 3, 2, 9));
  for (int i = 0; i < 5; ++i) w.RouteNewCase("pohon-tumbang", "dlh");
  const long long timers = w.Count("SELECT count(*) FROM timers");
  w.ReplayAllTimers();  // every entry due at once
  CHECK(w.FireDue() == 0);
  CHECK(w.Count("SELECT count(*) FROM firings") == 0);
  CHECK(w.ScheduleSize() == timers);  // each put back at its own time
  w.clock.Set(Wib(2026, 3, 9, 9, 1));  // past every due time of the five cases
  CHECK(w.FireDue() == timers);
  CHECK(w.Count("SELECT count(*) FROM firings WHERE fired_at < (SELECT due_at FROM timers t "
                "WHERE t.id = firings.timer_id)") == 0);
}

TEST_CASE("two sla replicas firing the same schedule fire each timer exactly once", "[sla]") {
  testing::SlaWorld w("sla_replicas", Wib(2026, 3, 2, 9));
  constexpr int kCases = 150;
  for (int i = 0; i < kCases; ++i) w.RouteNewCase(i % 2 ? "pohon-tumbang" : "jalan-rusak", "dlh");
  const long long timers = w.Count("SELECT count(*) FROM timers");
  REQUIRE(timers == 4 * kCases);
  w.clock.Set(Wib(2026, 4, 1));

  std::atomic<int> errors{0};
  // Catch2 assertions are not thread-safe: the replicas count their errors instead.
  auto run_replica = [&](Timers& replica, std::atomic<int>& fired) {
    for (int round = 0; round < 200 && w.ScheduleSize() > 0; ++round) {
      auto n = replica.FireDue();
      if (!n.ok()) ++errors;
      fired += n.value_or(0);
      // A reconciliation racing the firing (as the periodic one does) adds back what is
      // pending, also timers the other replica holds; it must not make anything fire twice.
      if (round % 3 == 0 && !replica.Reconcile().ok()) ++errors;
    }
  };
  testing::SlaWorld::Replica other = w.NewReplica();
  std::atomic<int> fired_a{0}, fired_b{0};
  std::thread a([&] { run_replica(*w.timers, fired_a); });
  std::thread b([&] { run_replica(*other.timers, fired_b); });
  a.join();
  b.join();
  CHECK(errors == 0);
  // Redis loses its memory and replays every timer: a second claim does nothing.
  w.ReplayAllTimers();
  CHECK(w.FireDue() == 0);

  CHECK(fired_a + fired_b == timers);
  CHECK(w.Count("SELECT count(*) FROM firings") == timers);
  CHECK(w.Count("SELECT count(DISTINCT timer_id) FROM firings") == timers);
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE routing_key = 'sla.escalated'") == 2 * kCases);
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE routing_key = 'sla.reminder_due'") ==
        2 * kCases);
  WARN("replica A fired " << fired_a << ", replica B " << fired_b << " of " << timers);
}

}  // namespace
}  // namespace skk::sla

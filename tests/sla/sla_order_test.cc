// Order-safe clocks (issue 13): the sla service applies a case's events in the case's order
// (case_sequence, previous_case_sequence), whatever order the parallel consumers and the
// dead-letter replays deliver them in. Every permutation of a case's events, delivered through
// the idempotent applier the consumer uses and retried while early, must leave the clocks and
// the planned timers exactly as delivery in order does; a stale replay must change nothing.
// In process against the real PostgreSQL and Redis, with a hand-set business clock.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/platform/consumer.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "tests/sla/sla_support.h"
#include "tests/support/case_order.h"

namespace skk::sla {
namespace {

using sambat::v1::Event;
using testing::ForComplaint;
using testing::Sequenced;
using testing::Wib;

Event Claimed(const std::string& id, const std::string& agency, absl::Time at) {
  return testing::Claimed(testing::SlaCase(id), agency, at);
}

// Delivers `events` in the given order as the consumer does (tests/support/case_order.h).
int Deliver(testing::SlaWorld& w, const std::vector<Event>& events) {
  return testing::DeliverAsConsumer(*w.pool, w.clocks->Handlers(), events);
}

// Everything the events decide about one case: its clocks, the timers still planned, and the
// deadlines announced, without ids or the complaint id, so two cases can be compared.
std::string Snapshot(testing::SlaWorld& w, const std::string& id) {
  static constexpr SqlStatement deadlines{"test_order_deadlines", R"sql(
    SELECT coalesce(string_agg(concat_ws('|', kind, agency_code, category, state, generation,
                                         starts_at, due_at, allowance_seconds, used_seconds,
                                         running_since, paused_at, stopped_at, stop_reason),
                               E'\n' ORDER BY id), '')
    FROM sla.deadlines WHERE complaint_id = $1)sql"};
  static constexpr SqlStatement timers{"test_order_timers", R"sql(
    SELECT coalesce(string_agg(concat_ws('|', t.kind, t.deadline_kind, t.agency_code, t.level,
                                         t.due_at, t.generation, d.kind, d.agency_code),
                               E'\n' ORDER BY t.due_at, t.kind, t.level), '')
    FROM sla.timers t JOIN sla.deadlines d ON d.id = t.deadline_id
    WHERE t.complaint_id = $1 AND t.fired_at IS NULL AND t.cancelled_at IS NULL)sql"};
  static constexpr SqlStatement announced{"test_order_announced", R"sql(
    SELECT payload FROM sla.outbox WHERE complaint_id = $1 AND routing_key = $2 ORDER BY id)sql"};
  std::string out;
  auto d = w.admin->Execute(deadlines, {SqlParam::Text(id)});
  REQUIRE(d.ok());
  auto t = w.admin->Execute(timers, {SqlParam::Text(id)});
  REQUIRE(t.ok());
  absl::StrAppend(&out, "clocks:\n", d->OnlyCell(), "\nplanned timers:\n", t->OnlyCell(),
                  "\ndeadlines set:\n");
  auto a = w.admin->Execute(announced, {SqlParam::Text(id), SqlParam::Text(kDeadlineSet)});
  REQUIRE(a.ok());
  for (PgRow row : *a) {
    Event e;
    REQUIRE(e.ParseFromString(row.Bytes("payload")));
    absl::StrAppend(&out, e.deadline_set().agency_code(), " ",
                    absl::FormatTime(FromProtoTime(e.deadline_set().due_at())), " after ",
                    e.deadline_set().cause_case_sequence(), "\n");
  }
  return out;
}

// Delivers every permutation of `events` (each on a case of its own) and checks each against
// delivery in order.
void EveryPermutationAsInOrder(testing::SlaWorld& w, const std::vector<Event>& events) {
  int retries = 0;
  testing::EveryOrderAsInOrder(events, [&](const std::vector<Event>& order) {
    const std::string id = NewUuid();
    retries += Deliver(w, testing::ForComplaint(order, id));
    return Snapshot(w, id);
  });
  WARN(retries << " early deliveries retried");
}

// routed, (a release: no event), info_requested, citizen_answered, (claimed again: not
// delivered here, so the chain has gaps), responded, resolved, (a rating: no event), reopened.
std::vector<Event> LifeOfACase() {
  const std::string id = NewUuid();
  const std::string a = "dpuprpkp";
  return {
      Sequenced(testing::Routed(id, "jalan-rusak", a, Wib(2026, 3, 2, 9)), 11, 0),
      Sequenced(testing::CaseEvent(id, kCaseInfoRequested, a, Wib(2026, 3, 3, 9)), 13, 11),
      Sequenced(testing::CaseEvent(id, kCaseCitizenAnswered, a, Wib(2026, 3, 5, 9)), 14, 13),
      Sequenced(testing::CaseEvent(id, kCaseResponded, a, Wib(2026, 3, 6, 9)), 17, 14),
      Sequenced(testing::CaseEvent(id, kCaseResolved, a, Wib(2026, 3, 9, 9)), 18, 17),
      Sequenced(testing::Reopened(id, a, "jalan-rusak", Wib(2026, 3, 10, 9)), 20, 18),
  };
}

TEST_CASE("every delivery order of a case's life (routed, info requested, answered, responded, "
          "resolved, reopened) leaves the clocks and timers as in order",
          "[sla][security]") {
  testing::SlaWorld w("sla_order_life", Wib(2026, 3, 2, 9));
  const std::vector<Event> events = LifeOfACase();
  // In order, the answer resumes the paused clock and the reopen leaves one clock running.
  const std::string id = NewUuid();
  REQUIRE(Deliver(w, ForComplaint(events, id)) == 0);
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE complaint_id = '" + id +
                "' AND state = 'running'") == 1);
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE complaint_id = '" + id +
                "' AND state = 'paused'") == 0);
  // Each deadline names the case event that started or resumed its clock: routed, answered,
  // resolved (the citizen's window), reopened.
  std::vector<int64_t> causes;
  for (const Event& set : w.Outbox(kDeadlineSet)) {
    if (set.complaint_id() == id) causes.push_back(set.deadline_set().cause_case_sequence());
  }
  CHECK(causes == std::vector<int64_t>{11, 14, 18, 20});
  EveryPermutationAsInOrder(w, events);
}

TEST_CASE("a response of the new agency delivered before the forward does not escalate either "
          "agency wrongly",
          "[sla][security]") {
  testing::SlaWorld w("sla_order_forward", Wib(2026, 3, 2, 9));
  const std::string id = NewUuid();
  const std::vector<Event> events = {
      Sequenced(testing::Routed(id, "jalan-rusak", "dpuprpkp", Wib(2026, 3, 2, 9)), 1, 0),
      Sequenced(Claimed(id, "dpuprpkp", Wib(2026, 3, 2, 10)), 2, 1),
      Sequenced(testing::Forwarded(id, "dpuprpkp", "dlh", "sampah", Wib(2026, 3, 3, 9)), 3, 2),
      Sequenced(Claimed(id, "dlh", Wib(2026, 3, 3, 10)), 5, 3),
      Sequenced(testing::CaseEvent(id, kCaseResponded, "dlh", Wib(2026, 3, 4, 9)), 6, 5),
  };
  // In order: DPUPRPKP's clock stopped by the forward, DLH's first response answered, DLH's
  // resolution clock running; no first-response escalation planned for anyone.
  const std::string in_order = NewUuid();
  REQUIRE(Deliver(w, ForComplaint(events, in_order)) == 0);
  const std::string where = " AND complaint_id = '" + in_order + "'";
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE agency_code = 'dpuprpkp' AND "
                "stop_reason = 'forwarded'" + where) == 1);
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE agency_code = 'dlh' AND kind = "
                "'RESOLUTION' AND state = 'running'" + where) == 1);
  CHECK(w.Count("SELECT count(*) FROM timers WHERE deadline_kind = 'FIRST_RESPONSE' AND "
                "fired_at IS NULL AND cancelled_at IS NULL" + where) == 0);
  EveryPermutationAsInOrder(w, events);
  // Nothing of it is due: the only timers planned are DLH's resolution clock's.
  w.clock.Set(Wib(2026, 3, 16, 9));
  CHECK(w.FireDue() == 0);
  CHECK(w.Outbox(kEscalated).empty());
}

TEST_CASE("a replayed case.resolved after the reopen changes nothing", "[sla][security]") {
  testing::SlaWorld w("sla_order_replay", Wib(2026, 3, 2, 9));
  const std::string id = NewUuid();
  const std::vector<Event> events = ForComplaint(LifeOfACase(), id);
  REQUIRE(Deliver(w, events) == 0);
  const std::string before = Snapshot(w, id);
  const Event& resolved = events[4];
  REQUIRE(resolved.type() == kCaseResolved);

  // Parked in the dead-letter queue and replayed: the same event id, applied straight to the
  // clocks (the applied-id record is not what saves it), ...
  const absl::Status replay =
      w.pool->Transact([&](PgConnection& tx) { return w.clocks->Apply(tx, resolved); });
  CHECK(replay.ok());
  CHECK(Snapshot(w, id) == before);
  // ... and a duplicate under a new event id, through the consumer's applier: acknowledged
  // (not retried, not parked again), and nothing changes.
  Event duplicate = resolved;
  duplicate.set_event_id(NewUuid());
  PgIdempotentApplier applier(*w.pool);
  const absl::StatusOr<bool> applied =
      applier.Apply(duplicate, w.clocks->Handlers().at(kCaseResolved));
  REQUIRE(applied.ok());
  CHECK(*applied);
  CHECK(Snapshot(w, id) == before);
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE complaint_id = '" + id +
                "' AND state = 'running' AND stop_reason IS NULL") == 1);
  // The reopened clock still escalates at its time.
  w.clock.Set(Wib(2026, 5, 1));
  CHECK(w.FireDue() == 4);
  CHECK(w.Outbox(kEscalated).size() == 2);
}

TEST_CASE("an answer delivered before the request it answers waits for it, not applied",
          "[sla][security]") {
  testing::SlaWorld w("sla_order_early", Wib(2026, 3, 2, 9));
  const std::string id = NewUuid();
  const std::vector<Event> events = ForComplaint(LifeOfACase(), id);
  REQUIRE(Deliver(w, {events[0]}) == 0);
  const std::string routed = Snapshot(w, id);
  const absl::Status early =
      w.pool->Transact([&](PgConnection& tx) { return w.clocks->Apply(tx, events[2]); });
  CHECK(IsEarlierEventPending(early));
  CHECK(Snapshot(w, id) == routed);
  CHECK(w.Count("SELECT last_sequence FROM case_sequences WHERE complaint_id = '" + id + "'") ==
        11);
  // The request comes, then the retried answer: the clock runs again.
  REQUIRE(Deliver(w, {events[1], events[2]}) == 0);
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE complaint_id = '" + id +
                "' AND state = 'running'") == 1);
  CHECK(w.Count("SELECT last_sequence FROM case_sequences WHERE complaint_id = '" + id + "'") ==
        14);
}

TEST_CASE("a case event without its place in the case's chain or the case after it is refused "
          "for an operator, and an early one of a new case waits",
          "[sla][security]") {
  testing::SlaWorld w("sla_order_refused", Wib(2026, 3, 2, 9));
  const std::string id = w.RouteNewCase("jalan-rusak", "dpuprpkp");
  sambat::v1::Event bare = Sequenced(
      testing::CaseEvent(id, kCaseInfoRequested, "dpuprpkp", Wib(2026, 3, 3, 9)), 2, 1);
  bare.clear_case_after();
  const absl::Status refused =
      w.pool->Transact([&](PgConnection& tx) { return w.clocks->Apply(tx, bare); });
  CHECK(absl::IsInvalidArgument(refused));
  CHECK(w.Count("SELECT count(*) FROM deadlines WHERE state = 'running'") == 1);
  // A case of today with no clock yet never takes an early event for the start of its chain.
  const std::string fresh = NewUuid();
  const absl::Status early = w.pool->Transact([&](PgConnection& tx) {
    return w.clocks->Apply(tx, Sequenced(testing::CaseEvent(fresh, kCaseResponded, "dlh",
                                                            Wib(2026, 3, 2, 10)),
                                         3, 2));
  });
  CHECK(absl::IsUnavailable(early));
}

}  // namespace
}  // namespace skk::sla

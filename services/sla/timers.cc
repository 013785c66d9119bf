#include "services/sla/timers.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/metrics.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"
#include "services/platform/retry_loop.h"
#include "services/sla/case_clocks.h"

namespace skk::sla {
namespace {

// The clock is locked before its timer, in the same order as clock changes take them, so a
// firing and a pause never deadlock; the firing sees the clock as the change left it.
constexpr SqlStatement kLockClockOfTimer{"sla_lock_clock_of_timer_v2", R"sql(
  SELECT d.id, d.state, d.generation, d.due_at, d.cause_case_sequence FROM deadlines d
  WHERE d.id = (SELECT deadline_id FROM timers WHERE id = $1)
  FOR UPDATE)sql"};

constexpr SqlStatement kLockTimer{"sla_lock_timer", R"sql(
  SELECT * FROM timers WHERE id = $1 FOR UPDATE)sql"};

// The guard that makes a timer fire once: only the first transaction gets a row back.
constexpr SqlStatement kRecordFiring{"sla_record_firing", R"sql(
  INSERT INTO firings (timer_id, fired_at, outcome, late_by_ms) VALUES ($1, $2, $3, $4)
  ON CONFLICT (timer_id) DO NOTHING
  RETURNING timer_id)sql"};

constexpr SqlStatement kMarkFired{"sla_mark_timer_fired", R"sql(
  UPDATE timers SET fired_at = $2 WHERE id = $1)sql"};

constexpr SqlStatement kMarkStale{"sla_mark_timer_stale", R"sql(
  UPDATE timers SET cancelled_at = $2 WHERE id = $1)sql"};

constexpr SqlStatement kInsertEscalation{"sla_insert_escalation_v2", R"sql(
  INSERT INTO escalations (timer_id, complaint_id, agency_code, level, due_at, fired_at,
                           deadline_kind, ticket, deadline_due_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))sql"};

constexpr SqlStatement kPendingTimers{"sla_pending_timers", R"sql(
  SELECT id, due_at FROM timers
  WHERE fired_at IS NULL AND cancelled_at IS NULL AND id > $1
  ORDER BY id LIMIT $2)sql"};

// Claims due timers atomically: a timer handed to one replica is gone for the others.
constexpr char kClaimScript[] = R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
)lua";

std::string Score(absl::Time t) { return std::to_string(absl::ToUnixMillis(t)); }

}  // namespace

Timers::Timers(PgPool& pool, Clock& clock, const SlaPolicies& policies, Options options)
    : pool_(pool),
      clock_(clock),
      policies_(policies),
      options_(std::move(options)),
      schedule_client_(options_.redis_addr),
      loop_client_(options_.redis_addr),
      reconcile_client_(options_.redis_addr) {}

std::string Timers::ScheduleKey() const { return absl::StrCat(options_.redis_prefix, "sla:timers"); }

void Timers::Schedule(const std::vector<std::pair<int64_t, absl::Time>>& timers) {
  if (timers.empty()) return;
  std::vector<std::string> zadd = {"ZADD", ScheduleKey()};
  for (const auto& [id, due] : timers) {
    zadd.push_back(Score(due));
    zadd.push_back(std::to_string(id));
  }
  std::lock_guard lock(schedule_mu_);
  auto reply = schedule_client_.Command(zadd);
  if (!reply.ok()) {
    log::Warn("timer not scheduled in redis; reconciliation will add it",
              {{"error", std::string(reply.status().message())}});
  }
}

absl::StatusOr<int> Timers::FireDue() {
  const absl::Time now = clock_.Now();
  SKK_ASSIGN_OR_RETURN(RedisReply claimed,
                       loop_client_.Command({"EVAL", kClaimScript, "1", ScheduleKey(),
                                             Score(now), std::to_string(options_.claim_batch)}));
  std::vector<int64_t> ids;
  for (const RedisReply& member : claimed.elements) {
    int64_t id = 0;
    if (absl::SimpleAtoi(member.str, &id)) ids.push_back(id);
  }
  if (ids.empty()) return 0;
  // Ascending ids take the clocks' locks in roughly one order across replicas; a deadlock
  // that still happens is retried by the transaction.
  std::sort(ids.begin(), ids.end());
  // The whole claimed batch is decided in one transaction: one commit (one fsync) for up to
  // claim_batch firings. A failure rolls all of it back and puts it back in the schedule.
  std::vector<std::pair<Outcome, int64_t>> fired;
  std::vector<std::pair<absl::Time, int64_t>> early;
  absl::Status status = pool_.Transact([&](PgConnection& tx) -> absl::Status {
    fired.clear();
    early.clear();
    for (int64_t id : ids) {
      SKK_ASSIGN_OR_RETURN(Outcome outcome, Fire(tx, id, now));
      if (outcome.not_yet.has_value()) early.emplace_back(*outcome.not_yet, id);
      if (outcome.fired) fired.emplace_back(std::move(outcome), id);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    std::vector<std::string> zadd = {"ZADD", ScheduleKey()};
    for (int64_t id : ids) {
      zadd.push_back(Score(now));
      zadd.push_back(std::to_string(id));
    }
    (void)loop_client_.Command(zadd);
    return status;
  }
  if (!early.empty()) {
    std::vector<std::string> zadd = {"ZADD", ScheduleKey()};
    for (const auto& [due, id] : early) {
      zadd.push_back(Score(due));
      zadd.push_back(std::to_string(id));
      log::Warn("timer claimed before its due time, scheduled again",
                {{"timer_id", (long long)id}, {"due_at", absl::FormatTime(due)}});
    }
    // If this fails the reconciler puts it back within its interval.
    (void)loop_client_.Command(zadd);
  }
  static auto& fired_count = metrics::CounterFamily(
      "skk_timers_fired_total", "Deadline timers fired, by kind (reminder, escalation, close) and level");
  static auto& escalations = metrics::CounterFamily(
      "skk_escalations_total", "Cases escalated for a missed deadline, by level");
  static auto& lateness = metrics::HistogramFamily(
      "skk_timer_lateness_seconds", "How long after its due time a timer fired");
  for (const auto& [outcome, id] : fired) {
    log::Info("timer fired", {{"complaint_id", outcome.complaint_id}, {"timer_id", (long long)id}});
    const std::string level = absl::StrCat(outcome.level);
    fired_count.Add({{"kind", outcome.kind}, {"level", level}}).Increment();
    if (outcome.kind == "escalation") escalations.Add({{"level", level}}).Increment();
    lateness.Add({}, metrics::DelayBuckets()).Observe(absl::ToDoubleSeconds(outcome.late));
  }
  return static_cast<int>(fired.size());
}

absl::StatusOr<Timers::Outcome> Timers::Fire(PgConnection& tx, int64_t timer_id,
                                             absl::Time now) {
  Outcome outcome;
  SKK_ASSIGN_OR_RETURN(PgResult clock, tx.Execute(kLockClockOfTimer, {SqlParam::Int(timer_id)}));
  // No such timer: its transaction rolled back after it was scheduled.
  if (clock.rows() == 0) return outcome;
  SKK_ASSIGN_OR_RETURN(PgResult t, tx.Execute(kLockTimer, {SqlParam::Int(timer_id)}));
  if (t.rows() == 0) return outcome;
  // Decided before (fired by another replica, or cancelled by a clock change).
  const PgRow timer = t.Row(0);
  if (!timer.IsNull("fired_at") || !timer.IsNull("cancelled_at")) return outcome;

  const PgRow deadline = clock.Row(0);
  const absl::Time due = timer.Time("due_at");
  // A timer never fires before its time, whatever the schedule says.
  if (due > now) {
    outcome.not_yet = due;
    return outcome;
  }
  const bool stale = deadline.String("state") != "running" ||
                     deadline.Int("generation") != timer.Int("generation");
  SKK_ASSIGN_OR_RETURN(
      PgResult recorded,
      tx.Execute(kRecordFiring, {SqlParam::Int(timer_id), SqlParam::Time(now),
                                 SqlParam::Text(stale ? "stale" : "fired"),
                                 SqlParam::Int(absl::ToInt64Milliseconds(now - due))}));
  if (recorded.rows() == 0) return outcome;
  if (stale) {
    SKK_RETURN_IF_ERROR(
        tx.Execute(kMarkStale, {SqlParam::Int(timer_id), SqlParam::Time(now)}).status());
    return outcome;
  }
  SKK_RETURN_IF_ERROR(
      tx.Execute(kMarkFired, {SqlParam::Int(timer_id), SqlParam::Time(now)}).status());

  const std::string complaint_id = timer.String("complaint_id");
  const std::string ticket = timer.String("ticket");
  const std::string agency = timer.String("agency_code");
  const int level = static_cast<int>(timer.Int("level"));
  const std::string kind_name = timer.String("deadline_kind");
  const sambat::v1::DeadlineKind kind = ParseDeadlineKind(kind_name);
  const absl::Time deadline_due = deadline.Time("due_at");
  sambat::v1::Event cause;
  cause.set_event_id(timer.String("cause_event_id"));
  cause.set_correlation_id(timer.String("correlation_id"));
  cause.set_traceparent(timer.String("traceparent"));

  const std::string timer_kind = timer.String("kind");
  sambat::v1::Event event;
  if (timer_kind == "close") {
    // The citizen's window ended in silence; routing decides whether the case still closes.
    event = NewEvent(kCloseDue, complaint_id, now, "sla", &cause);
    auto* payload = event.mutable_close_due();
    payload->set_ticket(ticket);
    payload->set_agency_code(agency);
    *payload->mutable_due_at() = ToProtoTime(deadline_due);
    payload->set_cause_case_sequence(deadline.Int("cause_case_sequence"));
  } else if (timer_kind == "reminder") {
    event = NewEvent(kReminderDue, complaint_id, now, "sla", &cause);
    auto* payload = event.mutable_reminder_due();
    payload->set_ticket(ticket);
    payload->set_agency_code(agency);
    payload->set_deadline_kind(kind);
    *payload->mutable_due_at() = ToProtoTime(deadline_due);
    payload->set_due_in_seconds(
        absl::ToInt64Seconds(policies_.calendar()->WorkingTimeBetween(now, deadline_due)));
  } else {
    SKK_RETURN_IF_ERROR(
        tx.Execute(kInsertEscalation,
                   {SqlParam::Int(timer_id), SqlParam::Text(complaint_id),
                    SqlParam::Text(agency), SqlParam::Int(level), SqlParam::Time(due),
                    SqlParam::Time(now), SqlParam::Text(kind_name), SqlParam::Text(ticket),
                    SqlParam::Time(deadline_due)})
            .status());
    event = NewEvent(kEscalated, complaint_id, now, "sla", &cause);
    auto* payload = event.mutable_escalated();
    payload->set_ticket(ticket);
    payload->set_agency_code(agency);
    payload->set_level(level);
    payload->set_deadline_kind(kind);
    *payload->mutable_due_at() = ToProtoTime(deadline_due);
    payload->set_late_by_seconds(absl::ToInt64Seconds(now - deadline_due));
  }
  event.set_actor("system");
  SKK_RETURN_IF_ERROR(EnqueueEvent(tx, event));
  outcome.fired = true;
  outcome.complaint_id = complaint_id;
  outcome.kind = timer_kind;
  outcome.level = timer_kind == "escalation" ? level : 0;
  outcome.late = now - due;
  return outcome;
}

absl::StatusOr<int> Timers::Reconcile() {
  constexpr int kChunk = 5000;
  int64_t after = 0;
  int total = 0;
  int overdue = 0;
  const absl::Time now = clock_.Now();
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  while (true) {
    SKK_ASSIGN_OR_RETURN(PgResult rows, conn->Execute(kPendingTimers, {SqlParam::Int(after),
                                                                       SqlParam::Int(kChunk)}));
    if (rows.rows() == 0) break;
    std::vector<std::string> zadd = {"ZADD", ScheduleKey()};
    for (PgRow timer : rows) {
      zadd.push_back(Score(timer.Time("due_at")));
      zadd.push_back(timer.String("id"));
      if (timer.Time("due_at") < now) ++overdue;
      after = timer.Int("id");
    }
    SKK_RETURN_IF_ERROR(reconcile_client_.Command(zadd).status());
    total += rows.rows();
    if (rows.rows() < kChunk) break;
  }
  // Overdue and still pending: due by the city's clock but not fired yet. More than a few for
  // more than a minute means deadlines are being missed silently (docs/metrics.md, alerts).
  static auto& pending = metrics::GaugeFamily(
      "skk_timers_pending", "Deadline timers not fired or cancelled yet, by state (scheduled, overdue)");
  pending.Add({{"state", "scheduled"}}).Set(total - overdue);
  pending.Add({{"state", "overdue"}}).Set(overdue);
  return total;
}

// A failed round is tried again every second: firing late is what an outage costs.
constexpr BackoffPolicy kEverySecond = {.initial = absl::Seconds(1), .max = absl::Seconds(1)};

void Timers::Run(const std::atomic<bool>& stop) {
  RunUntilStopped(stop, {.failure_message = "firing timers failed, will retry",
                         .backoff = kEverySecond},
                  [&]() -> RoundResult {
                    SKK_ASSIGN_OR_RETURN(const int fired, FireDue());
                    // A full batch means more may be due: go again at once.
                    return fired < options_.claim_batch ? options_.poll_interval
                                                        : absl::ZeroDuration();
                  });
}

void Timers::RunReconciler(const std::atomic<bool>& stop) {
  RunUntilStopped(stop, {.failure_message = "reconciliation failed, will retry",
                         .backoff = kEverySecond},
                  [&]() -> RoundResult {
                    SKK_ASSIGN_OR_RETURN(const int n, Reconcile());
                    log::Debug("schedule reconciled", {{"pending_timers", n}});
                    return options_.reconcile_interval;
                  });
}

}  // namespace skk::sla

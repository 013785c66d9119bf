#include "services/sla/timers.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"
#include "services/platform/wait.h"

namespace skk::sla {
namespace {

constexpr SqlStatement kInsertDeadline{"sla_insert_deadline", R"sql(
  INSERT INTO deadlines (complaint_id, ticket, agency_code, kind, starts_at, due_at, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  RETURNING id)sql"};

constexpr SqlStatement kInsertTimer{"sla_insert_timer", R"sql(
  INSERT INTO timers (deadline_id, complaint_id, ticket, agency_code, level, due_at,
                      correlation_id, cause_event_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  RETURNING id)sql"};

// The guard that makes a timer fire once: only the transaction that flips fired_at from NULL
// gets a row back; a concurrent replica blocks on the row lock and then gets none.
constexpr SqlStatement kMarkFired{"sla_mark_fired", R"sql(
  UPDATE timers SET fired_at = $2
  WHERE id = $1 AND fired_at IS NULL AND cancelled_at IS NULL
  RETURNING complaint_id, ticket, agency_code, level, due_at, correlation_id, cause_event_id)sql"};

constexpr SqlStatement kInsertEscalation{"sla_insert_escalation", R"sql(
  INSERT INTO escalations (timer_id, complaint_id, agency_code, level, due_at, fired_at)
  VALUES ($1, $2, $3, $4, $5, $6))sql"};

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

std::vector<std::string> ConsumedEvents() { return {kCaseRouted}; }

Timers::Timers(PgPool& pool, Clock& clock, SlaPolicies policies, Options options)
    : pool_(pool),
      clock_(clock),
      policies_(std::move(policies)),
      options_(std::move(options)),
      schedule_client_(options_.redis_addr),
      loop_client_(options_.redis_addr) {}

std::string Timers::ScheduleKey() const { return absl::StrCat(options_.redis_prefix, "sla:timers"); }

EventHandlers Timers::Handlers() {
  return {{kCaseRouted, [this](PgConnection& tx, const sambat::v1::Event& e) {
             return OnCaseRouted(tx, e);
           }}};
}

absl::Status Timers::OnCaseRouted(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& routed = event.case_routed();
  const absl::Time routed_at = FromProtoTime(routed.routed_at());
  const FirstResponsePlan plan = policies_.PlanFirstResponse(routed.category(), routed_at);
  const absl::Time now = clock_.Now();

  SKK_ASSIGN_OR_RETURN(
      PgResult deadline,
      tx.Execute(kInsertDeadline,
                 {SqlParam::Text(event.complaint_id()), SqlParam::Text(routed.ticket()),
                  SqlParam::Text(routed.agency_code()), SqlParam::Text("FIRST_RESPONSE"),
                  SqlParam::Time(plan.starts_at), SqlParam::Time(plan.due_at),
                  SqlParam::Time(now)}));
  const int64_t deadline_id = deadline.GetInt(0, 0);
  std::vector<std::pair<int64_t, absl::Time>> scheduled;
  for (const EscalationStep& step : plan.escalations) {
    SKK_ASSIGN_OR_RETURN(
        PgResult timer,
        tx.Execute(kInsertTimer,
                   {SqlParam::Int(deadline_id), SqlParam::Text(event.complaint_id()),
                    SqlParam::Text(routed.ticket()), SqlParam::Text(routed.agency_code()),
                    SqlParam::Int(step.level), SqlParam::Time(step.due_at),
                    SqlParam::Text(event.correlation_id()), SqlParam::Text(event.event_id())}));
    scheduled.emplace_back(timer.GetInt(0, 0), step.due_at);
  }

  sambat::v1::Event set = NewEvent(kDeadlineSet, event.complaint_id(), now, "sla", &event);
  auto* payload = set.mutable_deadline_set();
  payload->set_ticket(routed.ticket());
  payload->set_agency_code(routed.agency_code());
  payload->set_kind(sambat::v1::DEADLINE_KIND_FIRST_RESPONSE);
  *payload->mutable_starts_at() = ToProtoTime(plan.starts_at);
  *payload->mutable_due_at() = ToProtoTime(plan.due_at);
  SKK_RETURN_IF_ERROR(EnqueueEvent(tx, set));

  // Scheduled before the commit: a timer that turns out not to exist (rolled back) is dropped
  // when claimed; one that Redis missed is added by the next reconciliation.
  Schedule(scheduled);
  log::Info("deadline set", {{"complaint_id", event.complaint_id()},
                             {"agency", routed.agency_code()},
                             {"due_at", absl::FormatTime(plan.due_at)}});
  return absl::OkStatus();
}

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
  int fired = 0;
  for (size_t i = 0; i < claimed.elements.size(); ++i) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(claimed.elements[i].str, &id)) continue;
    absl::StatusOr<bool> result = Fire(id, now);
    if (!result.ok()) {
      // Claimed but not fired: put this and the rest back so the next round retries them.
      std::vector<std::string> zadd = {"ZADD", ScheduleKey()};
      for (size_t j = i; j < claimed.elements.size(); ++j) {
        zadd.push_back(Score(now));
        zadd.push_back(claimed.elements[j].str);
      }
      (void)loop_client_.Command(zadd);
      return result.status();
    }
    fired += *result ? 1 : 0;
  }
  return fired;
}

absl::StatusOr<bool> Timers::Fire(int64_t timer_id, absl::Time now) {
  bool fired = false;
  std::string complaint_id;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    fired = false;
    SKK_ASSIGN_OR_RETURN(PgResult t, tx.Execute(kMarkFired, {SqlParam::Int(timer_id),
                                                            SqlParam::Time(now)}));
    if (t.rows() == 0) return absl::OkStatus();  // fired by another replica, or cancelled
    complaint_id = t.GetString(0, 0);
    const std::string agency = t.GetString(0, 2);
    const int level = static_cast<int>(t.GetInt(0, 3));
    const absl::Time due = t.GetTime(0, 4);
    SKK_RETURN_IF_ERROR(tx.Execute(kInsertEscalation,
                                   {SqlParam::Int(timer_id), SqlParam::Text(complaint_id),
                                    SqlParam::Text(agency), SqlParam::Int(level),
                                    SqlParam::Time(due), SqlParam::Time(now)})
                            .status());
    sambat::v1::Event cause;
    cause.set_event_id(t.GetString(0, 6));
    cause.set_correlation_id(t.GetString(0, 5));
    sambat::v1::Event event = NewEvent(kEscalated, complaint_id, now, "sla", &cause);
    auto* payload = event.mutable_escalated();
    payload->set_ticket(t.GetString(0, 1));
    payload->set_agency_code(agency);
    payload->set_level(level);
    payload->set_deadline_kind(sambat::v1::DEADLINE_KIND_FIRST_RESPONSE);
    *payload->mutable_due_at() = ToProtoTime(due);
    payload->set_late_by_seconds(absl::ToInt64Seconds(now - due));
    SKK_RETURN_IF_ERROR(EnqueueEvent(tx, event));
    fired = true;
    return absl::OkStatus();
  }));
  if (fired) {
    log::Info("escalated", {{"complaint_id", complaint_id}, {"timer_id", (long long)timer_id}});
  }
  return fired;
}

absl::StatusOr<int> Timers::Reconcile() {
  constexpr int kChunk = 5000;
  int64_t after = 0;
  int total = 0;
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  while (true) {
    SKK_ASSIGN_OR_RETURN(PgResult rows, conn->Execute(kPendingTimers, {SqlParam::Int(after),
                                                                       SqlParam::Int(kChunk)}));
    if (rows.rows() == 0) break;
    std::vector<std::string> zadd = {"ZADD", ScheduleKey()};
    for (int i = 0; i < rows.rows(); ++i) {
      zadd.push_back(Score(rows.GetTime(i, 1)));
      zadd.push_back(rows.GetString(i, 0));
      after = rows.GetInt(i, 0);
    }
    SKK_RETURN_IF_ERROR(loop_client_.Command(zadd).status());
    total += rows.rows();
    if (rows.rows() < kChunk) break;
  }
  return total;
}

void Timers::Run(const std::atomic<bool>& stop) {
  absl::Time next_reconcile = absl::InfinitePast();
  while (!stop.load()) {
    if (absl::Now() >= next_reconcile) {
      absl::StatusOr<int> n = Reconcile();
      if (n.ok()) {
        log::Debug("schedule reconciled", {{"pending_timers", *n}});
        next_reconcile = absl::Now() + options_.reconcile_interval;
      } else {
        log::Warn("reconciliation failed, will retry",
                  {{"error", std::string(n.status().message())}});
        next_reconcile = absl::Now() + absl::Seconds(1);
      }
    }
    absl::StatusOr<int> fired = FireDue();
    if (!fired.ok()) {
      log::Warn("firing timers failed, will retry", {{"error", std::string(fired.status().message())}});
      SleepUnlessStopped(stop, absl::Seconds(1));
      continue;
    }
    // A full batch means more may be due: go again at once.
    if (*fired < options_.claim_batch) SleepUnlessStopped(stop, options_.poll_interval);
  }
}

}  // namespace skk::sla

#include "services/sla/case_clocks.h"

#include "absl/strings/str_cat.h"
#include "services/platform/case_order.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"

namespace skk::sla {
namespace {

constexpr SqlStatement kLockOpenClocks{"sla_lock_open_clocks", R"sql(
  SELECT id, kind, ticket, agency_code, category, state, generation, allowance_seconds,
         used_seconds, running_since
  FROM deadlines WHERE complaint_id = $1 AND state <> 'stopped'
  ORDER BY id FOR UPDATE)sql"};

constexpr SqlStatement kAnyClock{"sla_any_clock", R"sql(
  SELECT 1 FROM deadlines WHERE complaint_id = $1 LIMIT 1)sql"};

// The row is created on a case's first sequenced event; locking it serializes the events of
// one case across consumer threads and replicas.
constexpr SqlStatement kEnsureSequence{"sla_ensure_case_sequence", R"sql(
  INSERT INTO case_sequences (complaint_id, last_sequence, updated_at) VALUES ($1, 0, $2)
  ON CONFLICT (complaint_id) DO NOTHING)sql"};

constexpr SqlStatement kLockSequence{"sla_lock_case_sequence", R"sql(
  SELECT last_sequence FROM case_sequences WHERE complaint_id = $1 FOR UPDATE)sql"};

constexpr SqlStatement kStoreSequence{"sla_store_case_sequence", R"sql(
  UPDATE case_sequences SET last_sequence = $2, updated_at = $3 WHERE complaint_id = $1)sql"};

constexpr SqlStatement kInsertClock{"sla_insert_clock_v3", R"sql(
  INSERT INTO deadlines (complaint_id, ticket, agency_code, kind, starts_at, due_at, created_at,
                         category, state, generation, allowance_seconds, used_seconds,
                         running_since, cause_case_sequence, calendar_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', 1, $9, 0, $5, $10, $11)
  RETURNING id)sql"};

constexpr SqlStatement kStopClock{"sla_stop_clock", R"sql(
  UPDATE deadlines SET state = 'stopped', stopped_at = $2, stop_reason = $3, used_seconds = $4,
                       running_since = NULL, generation = generation + 1
  WHERE id = $1)sql"};

constexpr SqlStatement kPauseClock{"sla_pause_clock", R"sql(
  UPDATE deadlines SET state = 'paused', paused_at = $2, used_seconds = $3,
                       running_since = NULL, generation = generation + 1
  WHERE id = $1)sql"};

constexpr SqlStatement kResumeClock{"sla_resume_clock_v2", R"sql(
  UPDATE deadlines SET state = 'running', paused_at = NULL, running_since = $2, due_at = $3,
                       generation = generation + 1, calendar_id = $4, cause_case_sequence = $5
  WHERE id = $1
  RETURNING generation)sql"};

// Running clocks planned by a calendar older than the one in force ($1), with what a new plan
// needs: the correlation and trace of the complaint from the clock's latest timer.
constexpr SqlStatement kLockClocksOfOlderCalendars{"sla_lock_clocks_of_older_calendars", R"sql(
  SELECT d.id, d.complaint_id, d.kind, d.ticket, d.agency_code, d.category, d.generation,
         d.allowance_seconds, d.used_seconds, d.running_since, d.due_at, d.cause_case_sequence,
         coalesce(t.correlation_id, d.complaint_id::text) AS correlation_id,
         coalesce(t.traceparent, '') AS traceparent
  FROM deadlines d
  LEFT JOIN LATERAL (SELECT correlation_id, traceparent FROM timers
                     WHERE deadline_id = d.id ORDER BY id DESC LIMIT 1) t ON true
  WHERE d.state = 'running' AND d.calendar_id < $1
  ORDER BY d.due_at, d.id
  FOR UPDATE OF d)sql"};

// A running clock moved to a new calendar: the working time it used is counted up to $3, and
// it runs on from there with its new due time.
constexpr SqlStatement kReplanClock{"sla_replan_clock", R"sql(
  UPDATE deadlines SET used_seconds = $2, running_since = $3, due_at = $4,
                       generation = generation + 1, calendar_id = $5
  WHERE id = $1
  RETURNING generation)sql"};

// A clock already past its due time keeps it, and the escalations planned from it.
constexpr SqlStatement kMarkCalendar{"sla_mark_clock_calendar", R"sql(
  UPDATE deadlines SET calendar_id = $2 WHERE id = $1)sql"};

constexpr SqlStatement kCancelTimers{"sla_cancel_timers", R"sql(
  UPDATE timers SET cancelled_at = $2
  WHERE deadline_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL)sql"};

constexpr SqlStatement kFiredLevel{"sla_fired_level", R"sql(
  SELECT coalesce(max(t.level), 0) AS level FROM timers t
  WHERE t.deadline_id = $1 AND t.kind = 'escalation' AND t.fired_at IS NOT NULL)sql"};

constexpr SqlStatement kInsertTimer{"sla_insert_planned_timer_v2", R"sql(
  INSERT INTO timers (deadline_id, complaint_id, ticket, agency_code, level, due_at,
                      correlation_id, cause_event_id, kind, generation, deadline_kind,
                      traceparent)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
  RETURNING id)sql"};

}  // namespace

struct CaseClocks::OpenClock {
  int64_t id = 0;
  sambat::v1::DeadlineKind kind = sambat::v1::DEADLINE_KIND_FIRST_RESPONSE;
  std::string ticket;
  std::string agency;
  std::string category;
  std::string state;
  int generation = 0;
  absl::Duration allowance;
  absl::Duration used;
  absl::Time running_since;
};

std::string DeadlineKindName(sambat::v1::DeadlineKind kind) {
  switch (kind) {
    case sambat::v1::DEADLINE_KIND_RESOLUTION: return "RESOLUTION";
    case sambat::v1::DEADLINE_KIND_CLOSE: return "CLOSE";
    default: return "FIRST_RESPONSE";
  }
}

sambat::v1::DeadlineKind ParseDeadlineKind(const std::string& name) {
  if (name == "RESOLUTION") return sambat::v1::DEADLINE_KIND_RESOLUTION;
  if (name == "CLOSE") return sambat::v1::DEADLINE_KIND_CLOSE;
  return sambat::v1::DEADLINE_KIND_FIRST_RESPONSE;
}

std::vector<std::string> ConsumedEvents() {
  // case.claimed and case.partner_updated move no clock (a partner's case has none), but they
  // are links of the case's event chain: without them the event after would wait for its
  // predecessor forever.
  return {kCaseRouted,    kCaseInfoRequested, kCaseCitizenAnswered, kCaseResponded,
          kCaseForwarded, kCaseReopened,      kCaseResolved,        kCaseRejected,
          kCaseClosed,    kCaseHandedOff,     kCaseClaimed,         kCasePartnerUpdated};
}

EventHandlers CaseClocks::Handlers() {
  EventHandlers handlers;
  for (const std::string& type : ConsumedEvents()) {
    handlers[type] = [this](PgConnection& tx, const sambat::v1::Event& e) { return Apply(tx, e); };
  }
  return handlers;
}

absl::Status CaseClocks::Apply(PgConnection& tx, const sambat::v1::Event& event) {
  const std::string& id = event.complaint_id();
  const SqlParam now = SqlParam::Time(clock_.Now());
  SKK_RETURN_IF_ERROR(tx.Execute(kEnsureSequence, {SqlParam::Text(id), now}).status());
  SKK_ASSIGN_OR_RETURN(PgResult locked, tx.Execute(kLockSequence, {SqlParam::Text(id)}));
  SKK_ASSIGN_OR_RETURN(const bool turn, TakeCaseTurn(event, locked.Row(0).Int("last_sequence")));
  if (!turn) return absl::OkStatus();
  SKK_RETURN_IF_ERROR(Change(tx, event));
  return tx.Execute(kStoreSequence,
                    {SqlParam::Text(id), SqlParam::Int(event.case_sequence()), now})
      .status();
}

absl::Status CaseClocks::Change(PgConnection& tx, const sambat::v1::Event& event) {
  const std::string& id = event.complaint_id();
  const absl::Time at = FromProtoTime(event.occurred_at());
  // Whose clock starts, for which ticket and category: the case as routing left it.
  const sambat::v1::CaseSnapshot& after = event.case_after();
  using sambat::v1::DEADLINE_KIND_FIRST_RESPONSE;
  using sambat::v1::DEADLINE_KIND_RESOLUTION;

  if (event.has_case_routed() || event.has_case_forwarded() || event.has_case_reopened()) {
    // When the case reached its agency; the event's own time when it does not say.
    absl::Time started = at;
    if (event.case_routed().has_routed_at()) {
      started = FromProtoTime(event.case_routed().routed_at());
    }
    if (event.case_forwarded().has_forwarded_at()) {
      started = FromProtoTime(event.case_forwarded().forwarded_at());
    }
    const char* reason = event.has_case_routed()      ? "rerouted"
                         : event.has_case_forwarded() ? "forwarded"
                                                      : "reopened";
    SKK_RETURN_IF_ERROR(StopAll(tx, id, started, reason));
    return Start(tx, event, DEADLINE_KIND_FIRST_RESPONSE, after.ticket(), after.agency_code(),
                 after.category(), started);
  }
  if (event.has_case_info_requested() || event.has_case_citizen_answered() ||
      event.has_case_responded()) {
    SKK_RETURN_IF_ERROR(RequireRouted(tx, event));
  }
  if (event.has_case_info_requested()) {
    SKK_ASSIGN_OR_RETURN(std::vector<OpenClock> open, LockOpenClocks(tx, id));
    for (const OpenClock& c : open) {
      if (c.state == "running") SKK_RETURN_IF_ERROR(Pause(tx, c, at));
    }
    return absl::OkStatus();
  }
  if (event.has_case_citizen_answered()) {
    SKK_ASSIGN_OR_RETURN(std::vector<OpenClock> open, LockOpenClocks(tx, id));
    for (const OpenClock& c : open) {
      if (c.state == "paused") SKK_RETURN_IF_ERROR(Resume(tx, event, c, at));
    }
    return absl::OkStatus();
  }
  if (event.has_case_responded()) {
    SKK_ASSIGN_OR_RETURN(std::vector<OpenClock> open, LockOpenClocks(tx, id));
    bool resolution_open = false;
    std::string category;
    for (const OpenClock& c : open) {
      if (c.kind == DEADLINE_KIND_FIRST_RESPONSE) {
        SKK_RETURN_IF_ERROR(Stop(tx, c, at, "responded"));
        category = c.category;
      } else {
        resolution_open = true;
      }
    }
    // The resolution clock starts with the first answer the first-response clock was waiting
    // for; a further answer changes nothing.
    if (resolution_open || category.empty()) return absl::OkStatus();
    if (policies_.Allowance(DEADLINE_KIND_RESOLUTION, category) <= absl::ZeroDuration()) {
      return absl::OkStatus();
    }
    return Start(tx, event, DEADLINE_KIND_RESOLUTION, after.ticket(), after.agency_code(),
                 category, at);
  }
  if (event.has_case_resolved()) {
    SKK_RETURN_IF_ERROR(StopAll(tx, id, at, "resolved"));
    // The citizen's window to reopen: silence closes the case at its end (sla.close_due).
    if (policies_.Allowance(sambat::v1::DEADLINE_KIND_CLOSE, after.category()) <= absl::ZeroDuration()) {
      return absl::OkStatus();
    }
    return Start(tx, event, sambat::v1::DEADLINE_KIND_CLOSE, after.ticket(), after.agency_code(),
                 after.category(), at);
  }
  if (event.has_case_rejected()) {
    // A duplicate is the same problem as its original: its clocks stop as merged, which the
    // figures leave out (first_responses), so the original counts once.
    return StopAll(tx, id, at,
                   event.case_rejected().duplicate_of_ticket().empty() ? "rejected" : "merged");
  }
  if (event.has_case_closed()) return StopAll(tx, id, at, "closed");
  if (event.has_case_handed_off()) return StopAll(tx, id, at, "handed_off");
  return absl::OkStatus();
}

absl::Status CaseClocks::RequireRouted(PgConnection& tx, const sambat::v1::Event& event) {
  SKK_ASSIGN_OR_RETURN(PgResult any, tx.Execute(kAnyClock, {SqlParam::Text(event.complaint_id())}));
  if (any.rows() > 0) return absl::OkStatus();
  // Consumers run in parallel, so an officer's action can overtake the case.routed before it.
  // Applied first it would be lost (nothing to pause or stop) and the clock would then run
  // against the agency; retried, it applies after the routing.
  return EarlierEventPending(
      absl::StrCat(event.type(), " before any clock of the case: case.routed not applied yet"));
}

absl::StatusOr<std::vector<CaseClocks::OpenClock>> CaseClocks::LockOpenClocks(
    PgConnection& tx, const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kLockOpenClocks, {SqlParam::Text(complaint_id)}));
  std::vector<OpenClock> clocks;
  for (PgRow row : r) {
    OpenClock c;
    c.id = row.Int("id");
    c.kind = ParseDeadlineKind(row.String("kind"));
    c.ticket = row.String("ticket");
    c.agency = row.String("agency_code");
    c.category = row.String("category");
    c.state = row.String("state");
    c.generation = static_cast<int>(row.Int("generation"));
    c.allowance = absl::Seconds(row.Int("allowance_seconds"));
    c.used = absl::Seconds(row.Int("used_seconds"));
    c.running_since = row.OptionalTime("running_since").value_or(absl::InfinitePast());
    clocks.push_back(std::move(c));
  }
  return clocks;
}

absl::Status CaseClocks::StopAll(PgConnection& tx, const std::string& complaint_id,
                                 absl::Time at, const std::string& reason) {
  SKK_ASSIGN_OR_RETURN(std::vector<OpenClock> open, LockOpenClocks(tx, complaint_id));
  for (const OpenClock& c : open) SKK_RETURN_IF_ERROR(Stop(tx, c, at, reason));
  return absl::OkStatus();
}

namespace {

// As timers.kind stores it.
const char* TimerKindName(TimerKind kind) {
  switch (kind) {
    case TimerKind::kReminder: return "reminder";
    case TimerKind::kClose: return "close";
    case TimerKind::kEscalation: break;
  }
  return "escalation";
}

// Working time used by a clock up to `at`.
absl::Duration UsedUntil(const WorkingCalendar& calendar, absl::Duration used,
                         const std::string& state, absl::Time running_since, absl::Time at) {
  if (state != "running") return used;
  return used + calendar.WorkingTimeBetween(running_since, at);
}

}  // namespace

absl::Status CaseClocks::Stop(PgConnection& tx, const OpenClock& c, absl::Time at,
                              const std::string& reason) {
  const absl::Duration used = UsedUntil(*policies_.calendar(), c.used, c.state, c.running_since, at);
  SKK_RETURN_IF_ERROR(tx.Execute(kStopClock, {SqlParam::Int(c.id), SqlParam::Time(at),
                                              SqlParam::Text(reason),
                                              SqlParam::Int(absl::ToInt64Seconds(used))})
                          .status());
  SKK_RETURN_IF_ERROR(
      tx.Execute(kCancelTimers, {SqlParam::Int(c.id), SqlParam::Time(clock_.Now())}).status());
  log::Info("clock stopped", {{"ticket", c.ticket},
                              {"kind", DeadlineKindName(c.kind)},
                              {"agency", c.agency},
                              {"reason", reason}});
  return absl::OkStatus();
}

absl::Status CaseClocks::Pause(PgConnection& tx, const OpenClock& c, absl::Time at) {
  const absl::Duration used = UsedUntil(*policies_.calendar(), c.used, c.state, c.running_since, at);
  SKK_RETURN_IF_ERROR(tx.Execute(kPauseClock, {SqlParam::Int(c.id), SqlParam::Time(at),
                                               SqlParam::Int(absl::ToInt64Seconds(used))})
                          .status());
  return tx.Execute(kCancelTimers, {SqlParam::Int(c.id), SqlParam::Time(clock_.Now())}).status();
}

absl::Status CaseClocks::Resume(PgConnection& tx, const sambat::v1::Event& cause,
                                const OpenClock& c, absl::Time at) {
  const absl::Duration left = std::max(c.allowance - c.used, absl::ZeroDuration());
  const std::shared_ptr<const ActiveCalendar> calendar = policies_.active();
  const ClockPlan plan = policies_.Plan(calendar->calendar, c.category, at, left);
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kResumeClock, {SqlParam::Int(c.id),
                                                             SqlParam::Time(plan.starts_at),
                                                             SqlParam::Time(plan.due_at),
                                                             SqlParam::Int(calendar->id),
                                                             SqlParam::Int(cause.case_sequence())}));
  const int generation = static_cast<int>(r.Row(0).Int("generation"));
  SKK_ASSIGN_OR_RETURN(PgResult fired, tx.Execute(kFiredLevel, {SqlParam::Int(c.id)}));
  return PlanTimers(tx, cause, c.id, generation, c.kind, c.ticket, c.agency, plan,
                    static_cast<int>(fired.Row(0).Int("level")), Announce::kDeadline);
}

absl::Status CaseClocks::Start(PgConnection& tx, const sambat::v1::Event& cause,
                               sambat::v1::DeadlineKind kind, const std::string& ticket,
                               const std::string& agency, const std::string& category,
                               absl::Time at) {
  const absl::Duration allowance = policies_.Allowance(kind, category);
  const std::shared_ptr<const ActiveCalendar> calendar = policies_.active();
  const ClockPlan plan = kind == sambat::v1::DEADLINE_KIND_CLOSE
                             ? policies_.PlanClose(calendar->calendar, at, allowance)
                             : policies_.Plan(calendar->calendar, category, at, allowance);
  SKK_ASSIGN_OR_RETURN(
      PgResult r,
      tx.Execute(kInsertClock,
                 {SqlParam::Text(cause.complaint_id()), SqlParam::Text(ticket),
                  SqlParam::Text(agency), SqlParam::Text(DeadlineKindName(kind)),
                  SqlParam::Time(plan.starts_at), SqlParam::Time(plan.due_at),
                  SqlParam::Time(clock_.Now()), SqlParam::Text(category),
                  SqlParam::Int(absl::ToInt64Seconds(allowance)),
                  SqlParam::Int(cause.case_sequence()), SqlParam::Int(calendar->id)}));
  return PlanTimers(tx, cause, r.Row(0).Int("id"), 1, kind, ticket, agency, plan, 0,
                    Announce::kDeadline);
}

absl::StatusOr<CaseClocks::CalendarChange> CaseClocks::FollowCalendar(
    PgConnection& tx, const ActiveCalendar& calendar, bool dry_run) {
  const absl::Time now = clock_.Now();
  SKK_ASSIGN_OR_RETURN(PgResult clocks,
                       tx.Execute(kLockClocksOfOlderCalendars, {SqlParam::Int(calendar.id)}));
  CalendarChange change;
  for (PgRow row : clocks) {
    ++change.checked;
    const int64_t id = row.Int("id");
    const sambat::v1::DeadlineKind kind = ParseDeadlineKind(row.String("kind"));
    const absl::Duration used = absl::Seconds(row.Int("used_seconds")) +
                                calendar.calendar.WorkingTimeBetween(row.Time("running_since"), now);
    const absl::Duration left = absl::Seconds(row.Int("allowance_seconds")) - used;
    const absl::Time old_due = row.Time("due_at");
    if (left <= absl::ZeroDuration()) {
      // Late already: its due time is a fact (escalations fired from it), not a plan.
      if (!dry_run) {
        SKK_RETURN_IF_ERROR(
            tx.Execute(kMarkCalendar, {SqlParam::Int(id), SqlParam::Int(calendar.id)}).status());
      }
      continue;
    }
    const ClockPlan plan =
        kind == sambat::v1::DEADLINE_KIND_CLOSE
            ? policies_.PlanClose(calendar.calendar, now, left)
            : policies_.Plan(calendar.calendar, row.String("category"), now, left);
    const bool moved = plan.due_at != old_due;
    if (moved) {
      change.moved.push_back({row.String("complaint_id"), row.String("ticket"),
                              row.String("agency_code"), kind, old_due, plan.due_at});
    }
    if (dry_run) continue;
    SKK_ASSIGN_OR_RETURN(
        PgResult r, tx.Execute(kReplanClock, {SqlParam::Int(id),
                                              SqlParam::Int(absl::ToInt64Seconds(used)),
                                              SqlParam::Time(now), SqlParam::Time(plan.due_at),
                                              SqlParam::Int(calendar.id)}));
    SKK_RETURN_IF_ERROR(
        tx.Execute(kCancelTimers, {SqlParam::Int(id), SqlParam::Time(now)}).status());
    SKK_ASSIGN_OR_RETURN(PgResult fired, tx.Execute(kFiredLevel, {SqlParam::Int(id)}));
    // No case event caused this: the new timers and the deadline name the clock's own cause
    // (its case_sequence), so consumers take the moved deadline as the same clock's.
    sambat::v1::Event cause;
    cause.set_event_id(NewUuid());
    cause.set_complaint_id(row.String("complaint_id"));
    cause.set_correlation_id(row.String("correlation_id"));
    cause.set_traceparent(row.String("traceparent"));
    cause.set_case_sequence(row.Int("cause_case_sequence"));
    SKK_RETURN_IF_ERROR(PlanTimers(tx, cause, id, static_cast<int>(r.Row(0).Int("generation")),
                                   kind, row.String("ticket"), row.String("agency_code"), plan,
                                   static_cast<int>(fired.Row(0).Int("level")),
                                   moved ? Announce::kMovedDeadline : Announce::kNothing));
    if (moved) {
      log::Info("deadline moved by the holiday calendar",
                {{"complaint_id", row.String("complaint_id")},
                 {"ticket", row.String("ticket")},
                 {"kind", DeadlineKindName(kind)},
                 {"old_due_at", absl::FormatTime(old_due)},
                 {"due_at", absl::FormatTime(plan.due_at)}});
    }
  }
  return change;
}

absl::Status CaseClocks::PlanTimers(PgConnection& tx, const sambat::v1::Event& cause,
                                    int64_t deadline_id, int generation,
                                    sambat::v1::DeadlineKind kind, const std::string& ticket,
                                    const std::string& agency, const ClockPlan& plan,
                                    int fired_level, Announce announce) {
  std::vector<std::pair<int64_t, absl::Time>> scheduled;
  for (const PlannedTimer& t : plan.timers) {
    // A clock that already escalated before a pause does not escalate again at that level.
    if (t.kind == TimerKind::kEscalation && t.level <= fired_level) continue;
    if (t.kind == TimerKind::kReminder && fired_level > 0) continue;
    SKK_ASSIGN_OR_RETURN(
        PgResult r,
        tx.Execute(kInsertTimer,
                   {SqlParam::Int(deadline_id), SqlParam::Text(cause.complaint_id()),
                    SqlParam::Text(ticket), SqlParam::Text(agency), SqlParam::Int(t.level),
                    SqlParam::Time(t.due_at), SqlParam::Text(cause.correlation_id()),
                    SqlParam::Text(cause.event_id()),
                    SqlParam::Text(TimerKindName(t.kind)),
                    SqlParam::Int(generation), SqlParam::Text(DeadlineKindName(kind)),
                    SqlParam::Text(cause.traceparent())}));
    scheduled.emplace_back(r.Row(0).Int("id"), t.due_at);
  }
  // The first-response due time is what the queue orders by and the citizen is promised; the
  // end of the window after a resolution is until when the citizen may reopen.
  if (announce != Announce::kNothing && (kind == sambat::v1::DEADLINE_KIND_FIRST_RESPONSE ||
                                         kind == sambat::v1::DEADLINE_KIND_CLOSE)) {
    sambat::v1::Event set =
        NewEvent(kDeadlineSet, cause.complaint_id(), clock_.Now(), "sla", &cause);
    set.set_actor("system");
    auto* payload = set.mutable_deadline_set();
    payload->set_ticket(ticket);
    payload->set_agency_code(agency);
    payload->set_kind(kind);
    payload->set_cause_case_sequence(cause.case_sequence());
    *payload->mutable_starts_at() = ToProtoTime(plan.starts_at);
    *payload->mutable_due_at() = ToProtoTime(plan.due_at);
    payload->set_calendar_changed(announce == Announce::kMovedDeadline);
    SKK_RETURN_IF_ERROR(EnqueueEvent(tx, set));
  }
  // Scheduled before the commit: a timer that turns out not to exist (rolled back) is dropped
  // when claimed; one that Redis missed is added by the next reconciliation.
  timers_.Schedule(scheduled);
  log::Info("deadline set", {{"complaint_id", cause.complaint_id()},
                             {"ticket", ticket},
                             {"kind", DeadlineKindName(kind)},
                             {"agency", agency},
                             {"due_at", absl::FormatTime(plan.due_at)}});
  return absl::OkStatus();
}

}  // namespace skk::sla

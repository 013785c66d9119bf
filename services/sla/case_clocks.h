#pragma once

// The SLA clocks of every case, moved by routing's case.* events (docs/sla-rules.md):
//   case.routed          starts the first-response clock of the agency
//   case.info_requested  pauses every running clock of the case (waiting for the citizen)
//   case.citizen_answered resumes them with the working time that was left
//   case.responded       stops the first-response clock and starts the resolution clock
//   case.forwarded       stops the old agency's clocks, starts the new agency's first response
//   case.reopened        stops what is open and starts a new first-response clock
//   case.resolved        stops every clock and starts the citizen's window (a CLOSE clock):
//                        a reminder to the citizen, then sla.close_due at its end
//   case.rejected, .closed, .handed_off stop every clock of the case
// Each change runs in the consumer's transaction: it rewrites the clock row, cancels the
// timers planned for the old state, plans new ones (tagged with the clock's new generation)
// and emits sla.deadline_set for every first-response clock that starts or resumes and every
// CLOSE clock (its kind tells them apart), naming
// the case event that started or resumed it (cause_case_sequence), so that the consumers of
// deadlines can tell the newest of a case's deadlines whatever order they arrive in. The new
// timers go to the Redis schedule through Timers. An officer's action that arrives before the
// case's case.routed was applied is retried, not lost.
//
// A case's events are applied strictly in the case's order (routing's case_sequence and
// previous_case_sequence, table case_sequences): one that arrives before its predecessor was
// applied is retried (UNAVAILABLE, as for case.routed above), one already passed (a replay
// from the dead-letter queue, a duplicate) is ignored. Consumers run in parallel, and applied
// in arrival order an answer before its request for information, or a replayed resolution after
// a reopen, would silently leave a deadline paused or stopped. The decision is the platform's
// TakeCaseTurn (case_order.h), shared with intake and notification. The event's type says what
// happens to the clocks; whose clock it is (ticket, agency, category) comes from the case after
// the transition (Event.case_after), never from the payload.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/pg.h"
#include "services/sla/policy.h"
#include "services/sla/timers.h"

namespace skk::sla {

// The event types the sla service consumes.
std::vector<std::string> ConsumedEvents();

class CaseClocks {
 public:
  CaseClocks(const SlaPolicies& policies, Clock& clock, Timers& timers)
      : policies_(policies), clock_(clock), timers_(timers) {}

  EventHandlers Handlers();

  // Applies one case event inside `tx` (the consumer's transaction), in its case's order:
  // OK and nothing changed for a stale event; UNAVAILABLE (retried) for one that is early.
  absl::Status Apply(PgConnection& tx, const sambat::v1::Event& event);

  // A running clock whose due time a new calendar moves.
  struct MovedClock {
    std::string complaint_id;
    std::string ticket;
    std::string agency;
    sambat::v1::DeadlineKind kind = sambat::v1::DEADLINE_KIND_FIRST_RESPONSE;
    absl::Time old_due;
    absl::Time new_due;
  };
  struct CalendarChange {
    int checked = 0;  // running clocks planned by an older calendar
    std::vector<MovedClock> moved;  // earliest old due time first
  };
  // Moves every running clock planned by a calendar older than `calendar` onto it, in `tx`:
  // the working time used so far is counted up to now (by `calendar`), and the clock runs on
  // with what it had left: a new due time, its pending timers cancelled and planned again
  // (escalation levels that fired stay fired). A clock already past its due time keeps it and
  // its escalations. sla.deadline_set (calendar_changed) goes out for each first-response
  // clock and citizen's window whose due time moved. With `dry_run` nothing is written.
  absl::StatusOr<CalendarChange> FollowCalendar(PgConnection& tx, const ActiveCalendar& calendar,
                                                bool dry_run);

 private:
  struct OpenClock;

  // What the event does to the case's clocks, once its turn has come.
  absl::Status Change(PgConnection& tx, const sambat::v1::Event& event);

  // UNAVAILABLE (retried by the consumer) when the case has no clock yet: its case.routed is
  // still on the way.
  absl::Status RequireRouted(PgConnection& tx, const sambat::v1::Event& event);
  absl::StatusOr<std::vector<OpenClock>> LockOpenClocks(PgConnection& tx,
                                                        const std::string& complaint_id);
  absl::Status Start(PgConnection& tx, const sambat::v1::Event& cause,
                     sambat::v1::DeadlineKind kind, const std::string& ticket,
                     const std::string& agency, const std::string& category, absl::Time at);
  absl::Status Stop(PgConnection& tx, const OpenClock& clock, absl::Time at,
                    const std::string& reason);
  absl::Status Pause(PgConnection& tx, const OpenClock& clock, absl::Time at);
  absl::Status Resume(PgConnection& tx, const sambat::v1::Event& cause, const OpenClock& clock,
                      absl::Time at);
  // Stores the plan's timers for a clock generation, skipping escalation levels that already
  // fired for the clock; emits sla.deadline_set for a first-response clock or a citizen's
  // window, as `announce` says.
  // What PlanTimers tells the consumers of deadlines.
  enum class Announce { kDeadline, kMovedDeadline, kNothing };
  absl::Status PlanTimers(PgConnection& tx, const sambat::v1::Event& cause, int64_t deadline_id,
                          int generation, sambat::v1::DeadlineKind kind,
                          const std::string& ticket, const std::string& agency,
                          const ClockPlan& plan, int fired_level, Announce announce);

  absl::Status StopAll(PgConnection& tx, const std::string& complaint_id, absl::Time at,
                       const std::string& reason);

  const SlaPolicies& policies_;
  Clock& clock_;
  Timers& timers_;
};

std::string DeadlineKindName(sambat::v1::DeadlineKind kind);
sambat::v1::DeadlineKind ParseDeadlineKind(const std::string& name);

}  // namespace skk::sla

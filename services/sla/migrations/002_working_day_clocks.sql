-- Working-day clocks (issue 5). A row of `deadlines` is one clock of one case at one agency:
-- the first response, or the resolution after it. It runs, pauses while the case waits for the
-- citizen, and stops for good (answered, resolved, forwarded, reopened, ...). Every change of
-- a clock bumps its generation; a timer fires only for the generation it was planned for, so
-- a reminder planned before a pause or a forward never fires late and stale.
ALTER TABLE deadlines
  ADD COLUMN category           text NOT NULL DEFAULT '',
  ADD COLUMN state              text NOT NULL DEFAULT 'running'
                                CHECK (state IN ('running', 'paused', 'stopped')),
  ADD COLUMN generation         integer NOT NULL DEFAULT 1,
  -- The working time the clock was given, and how much of it was used before running_since.
  ADD COLUMN allowance_seconds  bigint NOT NULL DEFAULT 0,
  ADD COLUMN used_seconds       bigint NOT NULL DEFAULT 0,
  ADD COLUMN running_since      timestamptz,
  ADD COLUMN paused_at          timestamptz,
  -- responded, resolved, rejected, closed, forwarded, reopened, handed_off, rerouted
  ADD COLUMN stop_reason        text;
CREATE INDEX deadlines_open ON deadlines (complaint_id) WHERE state <> 'stopped';
CREATE INDEX deadlines_by_agency ON deadlines (agency_code, starts_at);

-- Reminders (to the humas) and escalations are both timers now.
ALTER TABLE timers
  ADD COLUMN kind          text NOT NULL DEFAULT 'escalation'
                           CHECK (kind IN ('reminder', 'escalation')),
  ADD COLUMN generation    integer NOT NULL DEFAULT 1,
  ADD COLUMN deadline_kind text NOT NULL DEFAULT 'FIRST_RESPONSE';

-- Every timer that was claimed and decided, once: fired (its event is in the outbox of the
-- same transaction) or stale (its clock had changed; nothing sent). The primary key is what
-- makes a second claim, after Redis lost or replayed the schedule, do nothing.
CREATE TABLE firings (
  timer_id  bigint PRIMARY KEY REFERENCES timers (id),
  fired_at  timestamptz NOT NULL,
  outcome   text NOT NULL CHECK (outcome IN ('fired', 'stale')),
  -- How long after its due time (business clock) the timer fired.
  late_by_ms bigint NOT NULL
);

-- What leadership sees of an escalation, and who acknowledged it.
ALTER TABLE escalations
  ADD COLUMN deadline_kind        text NOT NULL DEFAULT 'FIRST_RESPONSE',
  ADD COLUMN ticket               text NOT NULL DEFAULT '',
  ADD COLUMN deadline_due_at      timestamptz,
  ADD COLUMN acknowledged_at      timestamptz,
  ADD COLUMN acknowledged_by      text,
  ADD COLUMN acknowledged_by_name text,
  ADD COLUMN acknowledgement_note text;
CREATE INDEX escalations_by_level ON escalations (level, fired_at);

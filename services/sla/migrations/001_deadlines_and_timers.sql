-- A clock started for a case: when the agency must answer by. The truth about deadlines lives
-- here; Redis holds only the schedule of the timers below and can be rebuilt from this table.
CREATE TABLE deadlines (
  id           bigserial PRIMARY KEY,
  complaint_id uuid NOT NULL,
  ticket       text NOT NULL,
  agency_code  text NOT NULL,
  kind         text NOT NULL,
  starts_at    timestamptz NOT NULL,
  due_at       timestamptz NOT NULL,
  created_at   timestamptz NOT NULL,
  -- Set when the answer came or the case moved on; its pending timers are cancelled with it.
  stopped_at   timestamptz
);
CREATE INDEX deadlines_by_complaint ON deadlines (complaint_id);

-- What must happen at an instant if the deadline is still open: an escalation at a level.
CREATE TABLE timers (
  id             bigserial PRIMARY KEY,
  deadline_id    bigint NOT NULL REFERENCES deadlines (id),
  complaint_id   uuid NOT NULL,
  ticket         text NOT NULL,
  agency_code    text NOT NULL,
  level          integer NOT NULL,
  due_at         timestamptz NOT NULL,
  correlation_id text NOT NULL,
  cause_event_id uuid NOT NULL,
  fired_at       timestamptz,
  cancelled_at   timestamptz
);
-- The reconciliation scan reads exactly the pending timers.
CREATE INDEX timers_pending ON timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Escalations that fired. One per timer, enforced here: a timer never fires twice.
CREATE TABLE escalations (
  id           bigserial PRIMARY KEY,
  timer_id     bigint NOT NULL UNIQUE REFERENCES timers (id),
  complaint_id uuid NOT NULL,
  agency_code  text NOT NULL,
  level        integer NOT NULL,
  due_at       timestamptz NOT NULL,
  fired_at     timestamptz NOT NULL
);
CREATE INDEX escalations_by_agency ON escalations (agency_code, fired_at);

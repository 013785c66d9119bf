-- The officers' work on a case: who holds it, the deadline its queue is ordered by, how often
-- it was forwarded, the complaint's facts an officer reads, and the citizen's rating.
ALTER TABLE cases
  ADD COLUMN agency_name        text NOT NULL DEFAULT '',
  ADD COLUMN address            text NOT NULL DEFAULT '',
  ADD COLUMN media_ids          text[] NOT NULL DEFAULT '{}',
  ADD COLUMN anonymous          boolean NOT NULL DEFAULT false,
  ADD COLUMN confidential       boolean NOT NULL DEFAULT false,
  ADD COLUMN submitted_at       timestamptz,
  -- The officer holding the case (IN_PROGRESS, WAITING_CITIZEN); NULL when nobody does.
  ADD COLUMN holder_id          text,
  ADD COLUMN holder_name        text,
  ADD COLUMN claimed_at         timestamptz,
  -- When the current agency's clock started (routed, forwarded, reopened): a deadline the sla
  -- service set for an earlier clock is ignored.
  ADD COLUMN clock_started_at   timestamptz,
  -- The current deadline, copied from sla.deadline_set. 'infinity' until one is set, so the
  -- queue's keyset ordering needs no NULL handling and undated cases sort last.
  ADD COLUMN due_at             timestamptz NOT NULL DEFAULT 'infinity',
  -- The first answer to the citizen since the clock started; NULL until then.
  ADD COLUMN first_responded_at timestamptz,
  ADD COLUMN forward_count      integer NOT NULL DEFAULT 0,
  ADD COLUMN rating             integer,
  ADD COLUMN rating_comment     text;

UPDATE cases SET clock_started_at = created_at WHERE clock_started_at IS NULL;

-- The queue: one agency, one state, by deadline then id. A page of 50 is an index scan.
DROP INDEX cases_by_agency_state;
CREATE INDEX cases_queue ON cases (agency_code, state, due_at, complaint_id);
-- The queue an officer opens: all open states of one agency, in one ordered index scan (the
-- predicate is repeated word for word by the statements that use it).
CREATE INDEX cases_open_queue ON cases (agency_code, due_at, complaint_id)
  WHERE state IN ('ROUTED', 'IN_PROGRESS', 'WAITING_CITIZEN', 'REOPENED');
-- Leadership's views across agencies: one state, or all open ones.
CREATE INDEX cases_queue_all ON cases (state, due_at, complaint_id);
CREATE INDEX cases_open_queue_all ON cases (due_at, complaint_id)
  WHERE state IN ('ROUTED', 'IN_PROGRESS', 'WAITING_CITIZEN', 'REOPENED');
-- "Duplicate of ticket ..." names a ticket.
CREATE INDEX cases_by_ticket ON cases (ticket);

ALTER TABLE case_history
  ADD COLUMN action      text NOT NULL DEFAULT '',
  ADD COLUMN actor_name  text NOT NULL DEFAULT '',
  ADD COLUMN agency_code text NOT NULL DEFAULT '';
UPDATE case_history SET action = 'route' WHERE action = '' AND to_state = 'ROUTED';

-- SP4N-LAPOR (docs/lapor.md). A complaint linked to LAPOR: one filed here that is exported
-- (pending until LAPOR answers with its tracking number), or one LAPOR disposed to the city
-- (linked from the start). Written in the transaction that stores the complaint, so a crash
-- after the citizen got their ticket cannot lose the export.
CREATE TABLE lapor_links (
  complaint_id    uuid PRIMARY KEY REFERENCES complaints (complaint_id) ON DELETE CASCADE,
  direction       text NOT NULL CHECK (direction IN ('export', 'import')),
  state           text NOT NULL CHECK (state IN ('pending', 'linked', 'refused')),
  tracking_id     text UNIQUE,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,  -- business time
  leased_until    timestamptz,           -- the database's own time
  last_error      text NOT NULL DEFAULT '',
  linked_at       timestamptz
);
CREATE INDEX lapor_links_due ON lapor_links (next_attempt_at) WHERE state = 'pending';

-- What LAPOR is told of a linked complaint: the agency's answers, its resolution, a rejection,
-- a closing. One row per case event (applied in the case's order), sent in that order once
-- the complaint has its tracking number.
CREATE TABLE lapor_followups (
  id              bigserial PRIMARY KEY,
  complaint_id    uuid NOT NULL REFERENCES complaints (complaint_id) ON DELETE CASCADE,
  event_id        text NOT NULL UNIQUE,
  status          text NOT NULL,
  text            text NOT NULL,
  occurred_at     timestamptz NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  leased_until    timestamptz,
  last_error      text NOT NULL DEFAULT '',
  sent_at         timestamptz
);
CREATE INDEX lapor_followups_due ON lapor_followups (next_attempt_at) WHERE state = 'pending';
CREATE INDEX lapor_followups_of_complaint ON lapor_followups (complaint_id, id);

-- Where the next read of LAPOR's dispositions starts, and when it is due (business time).
CREATE TABLE lapor_import_cursor (
  only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  cursor       text NOT NULL DEFAULT '',
  next_read_at timestamptz NOT NULL,
  leased_until timestamptz,
  last_error   text NOT NULL DEFAULT ''
);

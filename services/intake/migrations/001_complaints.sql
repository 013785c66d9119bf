-- Ticket numbers need not be gap-free; a sequence keeps them unique across replicas.
CREATE SEQUENCE ticket_seq;

-- A complaint as the citizen sent it, with the status the citizen is shown. Status columns are
-- updated from routing's and sla's events; everything else is never changed after submission.
CREATE TABLE complaints (
  complaint_id          uuid PRIMARY KEY,
  ticket                text NOT NULL UNIQUE,
  -- The client's key for this submission: a retried request returns the same complaint.
  idempotency_key       text UNIQUE,
  category              text NOT NULL,
  description           text NOT NULL,
  latitude              double precision NOT NULL,
  longitude             double precision NOT NULL,
  submitted_at          timestamptz NOT NULL,
  state                 text NOT NULL DEFAULT 'SUBMITTED',
  agency_code           text,
  agency_name           text,
  first_response_due_at timestamptz,
  escalation_level      integer NOT NULL DEFAULT 0,
  updated_at            timestamptz NOT NULL
);

-- What happened to a complaint, in the citizen's words, oldest first.
CREATE TABLE complaint_timeline (
  id           bigserial PRIMARY KEY,
  complaint_id uuid NOT NULL REFERENCES complaints (complaint_id),
  at           timestamptz NOT NULL,
  kind         text NOT NULL,
  text         text NOT NULL
);
CREATE INDEX complaint_timeline_by_complaint ON complaint_timeline (complaint_id, id);

-- The agency's handling of a complaint. One case per complaint.
CREATE TABLE cases (
  complaint_id   uuid PRIMARY KEY,
  ticket         text NOT NULL,
  category       text NOT NULL,
  description    text NOT NULL,
  latitude       double precision NOT NULL,
  longitude      double precision NOT NULL,
  agency_code    text NOT NULL,
  -- The rule that chose the agency; NULL when the case fell back to the verifier's triage.
  rule_id        text,
  state          text NOT NULL,
  correlation_id text NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX cases_by_agency_state ON cases (agency_code, state);

-- The audit trail: every transition of a case, with who, when and why.
CREATE TABLE case_history (
  id           bigserial PRIMARY KEY,
  complaint_id uuid NOT NULL REFERENCES cases (complaint_id),
  at           timestamptz NOT NULL,
  from_state   text,
  to_state     text NOT NULL,
  actor        text NOT NULL,
  reason       text NOT NULL
);
CREATE INDEX case_history_by_case ON case_history (complaint_id, id);

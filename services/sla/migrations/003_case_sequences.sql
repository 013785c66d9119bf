-- Order-safe clocks (issue 13). The case_sequence of the last case event applied to each
-- complaint's clocks. Case events are applied strictly in their case's order: an event whose
-- previous_case_sequence is not this one arrived early and is retried; one whose
-- case_sequence is not above it is stale (a replay) and changes nothing. The consumer locks
-- the row, so two replicas holding events of one case apply them one at a time. A case with
-- clocks but no row here is older than this table: its first sequenced event starts the chain.
CREATE TABLE case_sequences (
  complaint_id  uuid PRIMARY KEY,
  last_sequence bigint NOT NULL,
  updated_at    timestamptz NOT NULL
);

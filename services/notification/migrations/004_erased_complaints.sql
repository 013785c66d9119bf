-- Complaints whose citizen's personal data notification erased (complaint.erasure_requested,
-- UU 27/2022 PDP): the fact of the erasure and nothing of the data. Later events of the
-- complaint find it here: a late complaint.reporter_contact is ignored, nothing is held for
-- the citizen or sent to them, and staff messages carry kErasedText for the citizen's words.
CREATE TABLE erased_complaints (
  complaint_id uuid PRIMARY KEY,
  erasure_id   text NOT NULL,         -- intake's audit record (intake.erasures) of who and why
  erased_at    timestamptz NOT NULL   -- business time of the first erasure applied
);

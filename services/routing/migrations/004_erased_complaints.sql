-- Complaints whose citizen's personal data was erased (complaint.erasure_requested, UU 27/2022
-- PDP): the fact of the erasure, never the data. An event of the complaint that comes later (a
-- late complaint.info_added, a replayed complaint.submitted) is erased before it is applied:
-- it still moves the case, but brings no words back.
CREATE TABLE erased_complaints (
  complaint_id uuid PRIMARY KEY,
  -- intake's record of the first erasure (intake.erasures), which says who asked and why.
  erasure_id   text NOT NULL,
  -- The citizen's photo ids went too (once any erasure of the complaint asked for them).
  photos       boolean NOT NULL,
  erased_at    timestamptz NOT NULL
);

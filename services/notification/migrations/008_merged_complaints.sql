-- A complaint an officer merged into another (case.rejected with duplicate_of_ticket): its
-- citizen hears the other's first answer and its resolution (docs/duplicates.md). Tickets and
-- ids only; the citizen's address stays in citizen_contacts, which an erasure clears.
CREATE TABLE merged_complaints (
  complaint_id    uuid PRIMARY KEY,
  ticket          text NOT NULL,
  original_ticket text NOT NULL,
  merged_at       timestamptz NOT NULL
);
CREATE INDEX merged_complaints_by_original ON merged_complaints (original_ticket);

-- What complaint.submitted says that changes how notification words its messages: whether the
-- complaint is confidential (rahasia). Never the citizen's words, which notification does not
-- keep. A complaint with no row here (submitted before this table, or its complaint.submitted
-- not applied yet) is treated as confidential.
CREATE TABLE complaints (
  complaint_id uuid PRIMARY KEY,
  ticket       text NOT NULL,
  confidential boolean NOT NULL,
  recorded_at  timestamptz NOT NULL
);

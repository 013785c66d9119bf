-- Case events carry the case after their transition (Event.case_after, issue 14), applied in
-- the case's order: the citizen's view takes the state and agency from it. The state is kept
-- as routing's CaseState enum number (sambat.v1.CaseState in proto/sambat/v1/common.proto),
-- the one vocabulary of the case's states, not a second copy of its names. agency_sequence
-- (the agency's own newest transition) has nothing left to decide: every snapshot names the
-- agency.
DROP INDEX complaints_to_retire;
ALTER TABLE complaints ALTER COLUMN state DROP DEFAULT;
ALTER TABLE complaints ALTER COLUMN state TYPE smallint USING
  CASE state
    WHEN 'SUBMITTED' THEN 1 WHEN 'ROUTED' THEN 2 WHEN 'IN_PROGRESS' THEN 3
    WHEN 'WAITING_CITIZEN' THEN 4 WHEN 'RESOLVED' THEN 5 WHEN 'CLOSED' THEN 6
    WHEN 'REJECTED' THEN 7 WHEN 'MERGED' THEN 8 WHEN 'REOPENED' THEN 9
    WHEN 'HANDED_OFF' THEN 10
  END;
ALTER TABLE complaints ALTER COLUMN state SET DEFAULT 1,
                       ADD CONSTRAINT complaints_state_known CHECK (state BETWEEN 1 AND 10),
                       DROP COLUMN agency_sequence;
-- Finished complaints (RESOLVED, CLOSED, REJECTED, MERGED) whose citizen data is due for erasure.
CREATE INDEX complaints_to_retire ON complaints (state_changed_at)
  WHERE erased_at IS NULL AND state IN (5, 6, 7, 8);

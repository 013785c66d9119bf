-- The sequence numbers of the case transitions (routing's case_history ids) the citizen's view
-- reflects: events of one case are applied by parallel consumers in any order, and the state
-- and agency shown follow the newest transition that set them, not the last event to arrive.
-- The agency has its own: a resolution applied before an older transfer must not hide who has
-- the case. 0: none yet.
ALTER TABLE complaints ADD COLUMN case_sequence bigint NOT NULL DEFAULT 0,
                       ADD COLUMN agency_sequence bigint NOT NULL DEFAULT 0;

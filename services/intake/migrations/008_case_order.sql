-- Case events are applied in their case's order (issue 13): case_sequence is now the last
-- one applied, and an event comes only after its predecessor (previous_case_sequence).
-- sla's deadlines are not in that chain: the deadline shown is the one whose clock was
-- started by the newest case event (sla.deadline_set's cause_case_sequence). 0: none yet, or
-- only deadlines from an sla older than that field.
ALTER TABLE complaints ADD COLUMN deadline_sequence bigint NOT NULL DEFAULT 0;

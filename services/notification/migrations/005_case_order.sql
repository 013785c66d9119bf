-- A case's events are applied in the case's order (issue 13): case_sequence is the
-- case_sequence of the last case event applied (0: none with a sequence, as for every row
-- from before this migration); an event comes only after its predecessor
-- (previous_case_sequence), and one already passed changes nothing. Applied in arrival order,
-- a late case.routed set a resolved case open again and a late deadline of the first agency
-- moved a forwarded case back to it. due_sequence is the case event that last set or cleared
-- due_at (a forward, a first answer, a resolution; or, for a deadline, the case event that
-- started its clock, sla.deadline_set's cause_case_sequence): a deadline of an earlier clock
-- arriving late is ignored.
ALTER TABLE cases ADD COLUMN case_sequence bigint NOT NULL DEFAULT 0,
                  ADD COLUMN due_sequence bigint NOT NULL DEFAULT 0;

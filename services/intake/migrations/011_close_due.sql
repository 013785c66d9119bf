-- Silence closes a case (issue 19): the end of the citizen's window after a resolution, from
-- sla's CLOSE clock (sla.deadline_set of kind DEADLINE_KIND_CLOSE). The citizen may reopen
-- until then; the case closes by itself at that time. NULL until sla has set it (then, and for
-- a city that never closes cases by itself, the window is the service's --reopen_window).
ALTER TABLE complaints ADD COLUMN close_due_at timestamptz;

-- The first-response due time follows the newest first-response clock, on a sequence of its
-- own. Shared with the citizen's window (deadline_sequence), a first-response deadline that
-- reached intake after the CLOSE deadline of the case's resolution (redelivered after a crash,
-- or taken by the slower of two consumers) was dropped as old, and the complaint kept no due
-- time or another agency's. The fault storm found it.
ALTER TABLE complaints ADD COLUMN first_response_sequence bigint NOT NULL DEFAULT 0;

-- What was shown so far stays shown: its clock was the newest one intake had applied.
UPDATE complaints SET first_response_sequence = deadline_sequence
WHERE first_response_due_at IS NOT NULL;

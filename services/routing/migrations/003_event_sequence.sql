-- The case_sequence of the last event routing emitted about the case (issue 13, order-safe
-- consumers). The next event carries it as previous_case_sequence, so a consumer can tell the
-- next event of a case from one that arrived early. Not the latest case_history id: releasing
-- a claim and a citizen's rating write history but emit no event, and a consumer must not wait
-- for an event that never comes. 0 for cases that existed before: their next event carries 0,
-- which the sla service accepts as the start of the chain (docs/reliability.md).
ALTER TABLE cases ADD COLUMN event_sequence bigint NOT NULL DEFAULT 0;

-- A delivery changes state three or four times on its way to the wire (pending, queued,
-- sending, sent). The two partial indexes named `state` in their predicates, so PostgreSQL
-- could make none of those updates HOT: every one wrote a new entry into all six indexes of
-- the table, and that index and WAL traffic was the largest cost of a delivery (measured,
-- docs/performance.md). The indexes now cover columns derived from the state that change only
-- when a delivery is dispatched or dies; the updates in between can stay on their page, which
-- the fill factor leaves room for.
ALTER TABLE deliveries
  ADD COLUMN dispatch_at timestamptz
    GENERATED ALWAYS AS (CASE WHEN state = 'pending' THEN not_before END) STORED,
  ADD COLUMN dead_since timestamptz
    GENERATED ALWAYS AS (CASE WHEN state = 'dead' THEN created_at END) STORED;
ALTER TABLE deliveries SET (fillfactor = 75);
DROP INDEX deliveries_to_dispatch;
DROP INDEX deliveries_dead;
CREATE INDEX deliveries_to_dispatch ON deliveries (dispatch_at) WHERE dispatch_at IS NOT NULL;
CREATE INDEX deliveries_dead ON deliveries (dead_since, id) WHERE dead_since IS NOT NULL;
-- An attempt's row is written when it starts and grows when it ends (outcome, what the server
-- said): room on its page keeps that update HOT too.
ALTER TABLE delivery_attempts SET (fillfactor = 80);

-- Publishing is mandatory: an event the broker returns because no queue is bound for it (a
-- consuming service not deployed yet, a binding removed by mistake) stays in the outbox, set
-- aside until `retry_at`, while the events behind it go on. `unroutable_count` says how often
-- it came back; an operator sees these rows with
--   SELECT event_id, routing_key, unroutable_count, retry_at FROM outbox WHERE retry_at IS NOT NULL
ALTER TABLE outbox
  ADD COLUMN unroutable_count integer NOT NULL DEFAULT 0,
  ADD COLUMN retry_at timestamptz;

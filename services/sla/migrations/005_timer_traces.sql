-- The trace of the event that planned a timer (W3C traceparent, docs/tracing.md), so the
-- reminder or escalation it fires days later continues the complaint's trace. Empty for
-- timers planned before it was recorded.
ALTER TABLE timers ADD COLUMN traceparent text NOT NULL DEFAULT '';

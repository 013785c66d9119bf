-- An erasure rewrites a complaint's unpublished events (EraseOutboxPersonalData): found by
-- complaint, not by a scan of a backlog that grows while RabbitMQ is away.
CREATE INDEX outbox_by_complaint ON outbox (complaint_id);

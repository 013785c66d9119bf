-- Events waiting to be published (transactional outbox). A row is written in the same
-- transaction as the change it announces and deleted once RabbitMQ confirmed it.
CREATE TABLE outbox (
  id             bigserial PRIMARY KEY,
  event_id       uuid NOT NULL UNIQUE,
  routing_key    text NOT NULL,
  complaint_id   text NOT NULL,
  correlation_id text NOT NULL,
  payload        bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Events this service has applied, recorded in the same transaction as their effect, so a
-- redelivered event changes nothing.
CREATE TABLE applied_events (
  event_id   uuid PRIMARY KEY,
  event_type text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

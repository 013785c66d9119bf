-- Every notification the service decided to send, and to whom. A notification's identity is
-- (event, address, channel): a redelivered event records nothing twice.
CREATE TABLE notifications (
  id             bigserial PRIMARY KEY,
  event_id       uuid NOT NULL,
  complaint_id   uuid NOT NULL,
  recipient_role text NOT NULL,
  recipient_name text NOT NULL,
  channel        text NOT NULL,
  address        text NOT NULL,
  subject        text NOT NULL,
  body           text NOT NULL,
  recorded_at    timestamptz NOT NULL,
  UNIQUE (event_id, address, channel)
);
CREATE INDEX notifications_by_complaint ON notifications (complaint_id, id);

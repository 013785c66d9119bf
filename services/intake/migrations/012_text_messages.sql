-- Complaints by SMS and WhatsApp (docs/text-messages.md).

-- Every message a citizen's number sent through a text gateway, with the reply it got, so the
-- gateway's retry of a message (the same gateway and id) is answered alike and kept once, and
-- so a number's messages per hour can be counted. Personal data (the number, the words):
-- erased with the number's complaints, and dropped after 30 days (TextDesk::SubmitGathered).
CREATE TABLE text_messages (
  gateway     text NOT NULL,
  message_id  text NOT NULL,
  phone       text,
  received_at timestamptz NOT NULL,
  outcome     text NOT NULL,
  reply       text NOT NULL,
  ticket      text,
  PRIMARY KEY (gateway, message_id)
);
CREATE INDEX text_messages_by_phone ON text_messages (phone, received_at) WHERE phone IS NOT NULL;
CREATE INDEX text_messages_by_age ON text_messages (received_at);

-- A complaint being gathered from one number's messages, until the number has been quiet for
-- gather_seconds; then it is submitted (idempotency key "text:<draft_id>") and the row goes.
CREATE TABLE text_drafts (
  draft_id        uuid PRIMARY KEY,
  phone           text NOT NULL,
  channel         text NOT NULL,
  body            text NOT NULL,
  started_at      timestamptz NOT NULL,
  last_message_at timestamptz NOT NULL
);
CREATE INDEX text_drafts_by_phone ON text_drafts (phone, last_message_at);
CREATE INDEX text_drafts_by_quiet ON text_drafts (last_message_at);

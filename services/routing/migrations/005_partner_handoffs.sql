-- The outbound adapter's record of each case handed to an external partner (docs/partners.md).
-- Written in the transaction that hands the case off, so no hand-off is lost between the case's
-- change and the partner's endpoint; then sent, retried while the partner is away, and, for an
-- Open311 partner, asked for its status until the partner closes or refuses the case.
CREATE TABLE partner_handoffs (
  complaint_id      uuid PRIMARY KEY,
  agency_code       text NOT NULL,
  -- The trail's reason for the hand-off (the routing rule's, or the officer's words).
  reason            text NOT NULL,
  handed_off_at     timestamptz NOT NULL,
  -- pending: the partner's endpoint has not taken it yet; sent: it has; done: the partner
  -- closed or refused it, or it went to the verifier: nothing more to send or ask.
  state             text NOT NULL CHECK (state IN ('pending', 'sent', 'done')),
  -- Sends tried (pending only).
  attempts          integer NOT NULL DEFAULT 0,
  -- Business time of the next send (pending) or status question (sent, Open311); 'infinity'
  -- for a webhook partner, which reports by itself.
  next_attempt_at   timestamptz NOT NULL,
  -- Database time until which one routing replica is sending or asking: the others leave it.
  leased_until      timestamptz,
  -- Why the last send or question failed, for the operator (never shown to the citizen).
  last_error        text NOT NULL DEFAULT '',
  sent_at           timestamptz,
  -- The partner's own id of the case, and its last word, so a repeated report changes nothing.
  partner_reference text NOT NULL DEFAULT '',
  partner_status    text NOT NULL DEFAULT '',
  partner_note      text NOT NULL DEFAULT ''
);
CREATE INDEX partner_handoffs_due ON partner_handoffs (next_attempt_at) WHERE state <> 'done';

-- The optional second factor of a staff sign-in (docs/staff-auth.md): a TOTP secret (RFC 6238),
-- on once the account confirms a code from its authenticator app. The pending secret waits for
-- that confirmation; the last accepted time step refuses a code used twice. An administrator's
-- password reset turns the factor off (a lost phone).
ALTER TABLE staff_accounts
  ADD COLUMN totp_secret         bytea,
  ADD COLUMN totp_pending_secret bytea,
  ADD COLUMN totp_enabled_at     timestamptz,
  ADD COLUMN totp_last_step      bigint NOT NULL DEFAULT 0,
  ADD CHECK ((totp_enabled_at IS NULL) = (totp_secret IS NULL));

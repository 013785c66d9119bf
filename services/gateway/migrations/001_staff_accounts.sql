-- Staff accounts, their sign-in sessions (docs/staff-auth.md). Only the gateway reads these;
-- a service learns who calls from the short-lived token the gateway mints per call.
CREATE TABLE staff_accounts (
  username              text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
  name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role                  text NOT NULL CHECK (role IN ('officer', 'agency_head', 'leadership', 'admin')),
  -- Officers and agency heads act for one agency; leadership and admins for none.
  agency_code           text NOT NULL DEFAULT '',
  -- Argon2id, in its encoded form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
  password_hash         text NOT NULL,
  -- Set at creation and by an administrator's reset: the next sign-in must choose a password.
  must_change_password  boolean NOT NULL DEFAULT true,
  disabled_at           timestamptz,
  -- Consecutive failed sign-ins; at the limit the account is locked until locked_until.
  failed_sign_ins       integer NOT NULL DEFAULT 0,
  locked_until          timestamptz,
  created_at            timestamptz NOT NULL,
  created_by            text NOT NULL,
  CHECK ((role IN ('officer', 'agency_head')) = (agency_code <> ''))
);

-- A session is known by the SHA-256 of its cookie: a copy of this table opens no session.
CREATE TABLE staff_sessions (
  session_hash  bytea PRIMARY KEY,
  username      text NOT NULL REFERENCES staff_accounts ON DELETE CASCADE,
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL
);
CREATE INDEX staff_sessions_by_username ON staff_sessions (username);

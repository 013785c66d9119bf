-- Keys for machine clients (docs/staff-auth.md, docs/open311.md): a partner's 311 app that
-- submits through Open311 ("open311"), or an agency's own system that calls the staff API as an
-- officer or head of one agency ("staff"). An administrator issues and revokes them; the key
-- itself is shown once and only its SHA-256 is kept.
CREATE TABLE api_keys (
  key_id        text PRIMARY KEY,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  purpose       text NOT NULL CHECK (purpose IN ('open311', 'staff')),
  role          text NOT NULL DEFAULT '' CHECK (role IN ('', 'officer', 'agency_head')),
  agency_code   text NOT NULL DEFAULT '',
  key_hash      bytea NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL,
  created_by    text NOT NULL,
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  CHECK ((purpose = 'staff') = (role <> '')),
  CHECK ((purpose = 'staff') = (agency_code <> ''))
);

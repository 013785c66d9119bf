-- Erasing a citizen's personal data (UU 27/2022 PDP): the audit record of each erasure, which
-- says who asked, why and which complaints, never the data itself.
CREATE TABLE erasures (
  erasure_id   uuid PRIMARY KEY,
  requested_at timestamptz NOT NULL,  -- business time
  requested_by text NOT NULL,         -- the administrator's token subject, or 'retention'
  reason       text NOT NULL,
  basis        text NOT NULL CHECK (basis IN ('request', 'retention')),
  photos       boolean NOT NULL,
  tickets      text[] NOT NULL
);
CREATE INDEX erasures_newest ON erasures (requested_at DESC);

ALTER TABLE complaints
  -- Set once the complaint's personal data is erased; photos_erased once its photos are too.
  ADD COLUMN erased_at timestamptz,
  ADD COLUMN photos_erased boolean NOT NULL DEFAULT false;

-- Finding a citizen's complaints by the contact they gave.
CREATE INDEX reporters_by_phone ON reporters (phone) WHERE phone IS NOT NULL;
CREATE INDEX reporters_by_email ON reporters (lower(email)) WHERE email IS NOT NULL;
-- Retention: finished complaints not yet erased, oldest first.
CREATE INDEX complaints_to_retire ON complaints (state_changed_at)
  WHERE erased_at IS NULL AND state IN ('RESOLVED', 'CLOSED', 'REJECTED', 'MERGED');

-- What a citizen sends beyond the first description, and what lets only them follow it.
ALTER TABLE complaints
  ALTER COLUMN latitude DROP NOT NULL,
  ALTER COLUMN longitude DROP NOT NULL,
  ADD COLUMN address text,
  ADD COLUMN channel text NOT NULL DEFAULT 'CHANNEL_APP',
  ADD COLUMN volunteer_id text,
  ADD COLUMN anonymous boolean NOT NULL DEFAULT false,
  ADD COLUMN confidential boolean NOT NULL DEFAULT false,
  -- When the state shown to the citizen last changed (business time): an older event arriving
  -- late never moves the state back.
  ADD COLUMN state_changed_at timestamptz,
  ADD COLUMN resolved_at timestamptz,
  ADD COLUMN rating integer,
  ADD COLUMN rating_comment text;

-- The reporter's contact, apart from the complaint so it can be purged on its own and never
-- leaves this table but towards the notification service.
CREATE TABLE reporters (
  complaint_id uuid PRIMARY KEY REFERENCES complaints (complaint_id),
  name         text,
  phone        text,
  email        text
);

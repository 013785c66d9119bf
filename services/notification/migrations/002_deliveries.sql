-- Notifications that reach people: recipients and their preferences, the citizen's contact,
-- what notification knows of each case (for the daily digest), and one delivery per
-- (event, recipient, channel) with its state before and after each attempt.

-- The backbone's log of decided notifications is replaced by deliveries.
DROP TABLE notifications;

-- Officers and leaders who hear of cases. Configured contacts are synced at start
-- (source 'config'); more are added with the admin RPC (source 'admin').
CREATE TABLE recipients (
  id            text PRIMARY KEY,
  role          text NOT NULL CHECK (role IN ('humas', 'head', 'leadership')),
  agency_code   text NOT NULL DEFAULT '',
  name          text NOT NULL,
  email         text NOT NULL DEFAULT '',
  phone         text NOT NULL DEFAULT '',
  whatsapp      text NOT NULL DEFAULT '',
  staff_subject text NOT NULL DEFAULT '',
  locale        text NOT NULL DEFAULT 'id',
  channels      text[] NOT NULL,
  quiet_start   integer NOT NULL DEFAULT -1,  -- minutes after midnight, city time; -1: none
  quiet_end     integer NOT NULL DEFAULT -1,
  digest_only   boolean NOT NULL DEFAULT false,
  daily_digest  boolean NOT NULL DEFAULT true,
  active        boolean NOT NULL DEFAULT true,
  source        text NOT NULL CHECK (source IN ('config', 'admin')),
  -- Preferences changed through the admin RPC survive a config sync.
  prefs_set     boolean NOT NULL DEFAULT false,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX recipients_by_audience ON recipients (role, agency_code) WHERE active;
CREATE INDEX recipients_by_subject ON recipients (staff_subject) WHERE staff_subject <> '';

-- How to reach the citizen of a complaint: only here, never in another service's schema.
CREATE TABLE citizen_contacts (
  complaint_id uuid PRIMARY KEY,
  ticket       text NOT NULL,
  name         text NOT NULL,
  email        text NOT NULL,
  phone        text NOT NULL,
  recorded_at  timestamptz NOT NULL
);

-- Citizen-facing events that arrived before the citizen's contact (consumers run in
-- parallel): told once the contact arrives; kept (small) when the citizen gave none.
CREATE TABLE citizen_backlog (
  complaint_id uuid NOT NULL,
  event_id     text NOT NULL,
  event        bytea NOT NULL,  -- serialized sambat.v1.Event
  PRIMARY KEY (complaint_id, event_id)
);

-- What the events said about each case, enough for the daily digest.
CREATE TABLE cases (
  complaint_id uuid PRIMARY KEY,
  ticket       text NOT NULL,
  agency_code  text NOT NULL,
  state        text NOT NULL,  -- open, waiting, resolved, rejected, closed
  due_at       timestamptz,    -- the pending deadline, NULL once answered
  updated_at   timestamptz NOT NULL
);
CREATE INDEX cases_open_by_agency ON cases (agency_code) WHERE state IN ('open', 'waiting');

-- One message to one recipient on one channel. (event_id, recipient_id, channel) is its
-- identity: a redelivered event, or a second replica, decides nothing twice.
CREATE TABLE deliveries (
  id             uuid PRIMARY KEY,
  event_id       text NOT NULL,      -- the event's id, or "digest:<day>"
  complaint_id   uuid,
  ticket         text NOT NULL DEFAULT '',
  recipient_id   text NOT NULL,      -- recipients.id, or "citizen:<complaint id>"
  recipient_role text NOT NULL,      -- "citizen", "humas:dlh", "head:dlh", "leadership"
  recipient_name text NOT NULL,
  channel        text NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp', 'inbox')),
  address        text NOT NULL,
  subject        text NOT NULL,
  body           text NOT NULL,
  -- pending: waits for not_before; queued: on the channel's work queue; sending: an attempt
  -- holds it until lease_until; retrying: waits in a retry queue; sent; dead.
  state          text NOT NULL CHECK (state IN ('pending', 'queued', 'sending', 'retrying',
                                                'sent', 'dead')),
  not_before     timestamptz NOT NULL,  -- business time (quiet hours)
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text NOT NULL DEFAULT '',
  lease_until    timestamptz,           -- real time
  created_at     timestamptz NOT NULL,  -- business time
  finished_at    timestamptz,           -- business time of sent or dead
  read_at        timestamptz,           -- inbox only
  UNIQUE (event_id, recipient_id, channel)
);
CREATE INDEX deliveries_to_dispatch ON deliveries (not_before) WHERE state = 'pending';
CREATE INDEX deliveries_dead ON deliveries (created_at) WHERE state = 'dead';
CREATE INDEX deliveries_by_complaint ON deliveries (complaint_id, created_at);
CREATE INDEX deliveries_inbox ON deliveries (recipient_id, created_at DESC) WHERE channel = 'inbox';

-- Every attempt at the wire, for the operator. A replay starts counting attempts again.
CREATE TABLE delivery_attempts (
  id          bigserial PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES deliveries (id),
  attempt     integer NOT NULL,
  started_at  timestamptz NOT NULL,  -- real time
  finished_at timestamptz,
  outcome     text,                  -- sent, retry, dead
  detail      text NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, id);

-- The daily digest of one recipient for one day in the city's time: claimed once, by one
-- replica, in the transaction that creates its deliveries.
CREATE TABLE digests (
  recipient_id text NOT NULL,
  day          date NOT NULL,
  claimed_at   timestamptz NOT NULL,
  PRIMARY KEY (recipient_id, day)
);

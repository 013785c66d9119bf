-- Citizens' photos. The bytes live in a content-addressed store on a volume
-- (<media_dir>/<first two hex digits>/<media_id>, and <media_id>.thumb.jpg); this is what is
-- known about them. A row is inserted only after its files are durable, so every row has its
-- files; a file without a row (an interrupted upload) is garbage that may be removed.
CREATE TABLE media (
  -- SHA-256 of the stored bytes: the re-encoded photo without metadata.
  media_id      text PRIMARY KEY CHECK (media_id ~ '^[0-9a-f]{64}$'),
  -- SHA-256 of the bytes as uploaded, so the same upload again is found without decoding it.
  -- The first upload that produced this photo; another that strips to the same bytes finds
  -- the row through media_id instead.
  upload_sha256 text NOT NULL UNIQUE CHECK (upload_sha256 ~ '^[0-9a-f]{64}$'),
  -- What is stored: image/jpeg, image/png or image/webp.
  content_type  text NOT NULL,
  size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
  width         integer NOT NULL CHECK (width > 0),
  height        integer NOT NULL CHECK (height > 0),
  -- When the file was stored (infrastructure time, not the business clock).
  stored_at     timestamptz NOT NULL DEFAULT now(),
  -- The complaint the photo belongs to, once one references it; a photo belongs to one
  -- complaint at most. Deferred, so the complaint row and its photos may be written in either
  -- order within one transaction.
  complaint_id  uuid REFERENCES complaints (complaint_id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX media_by_complaint ON media (complaint_id) WHERE complaint_id IS NOT NULL;

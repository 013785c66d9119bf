-- Photos that no complaint ever referenced are removed after a configurable age, and the bytes
-- one address may keep unattached are capped, so uploads alone cannot fill the volume.
-- uploaded_at is the business clock's time of the upload (tests move it by days);
-- uploader is the address it came from, kept only while the photo is unattached (Attach
-- clears it). Rows from before this migration have neither and age from stored_at.
ALTER TABLE media ADD COLUMN uploaded_at timestamptz;
ALTER TABLE media ADD COLUMN uploader text;
CREATE INDEX media_unattached ON media (uploaded_at) WHERE complaint_id IS NULL;
CREATE INDEX media_unattached_by_uploader ON media (uploader) WHERE complaint_id IS NULL;

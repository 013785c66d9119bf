-- "Already reported nearby" (docs/duplicates.md) shows the same public view of a complaint as
-- the public listing. The view holds that view once: what anyone may see (never a confidential
-- complaint, nothing of the reporter), the agency's latest answer to the citizen and the first
-- photo unless the photos were erased. PostgreSQL flattens it into each query, so a filter on
-- its columns still uses the table's indexes, and the answer and photo are read only for the
-- rows returned.
CREATE VIEW public_complaints AS
  SELECT c.ticket, c.category, c.description, c.latitude, c.longitude, c.address,
         c.submitted_at, c.updated_at, c.state, c.state IN (5, 6, 7, 8) AS finished,
         c.agency_code, c.agency_name, c.first_response_due_at,
         (SELECT t.text FROM complaint_timeline t
          WHERE t.complaint_id = c.complaint_id
            AND t.kind IN ('responded', 'info_requested', 'resolved', 'rejected')
          ORDER BY t.at DESC, t.id DESC LIMIT 1) AS status_notes,
         CASE WHEN c.photos_erased THEN NULL
              ELSE (SELECT m.media_id FROM media m WHERE m.complaint_id = c.complaint_id
                    ORDER BY m.stored_at, m.media_id LIMIT 1) END AS media_id
  FROM complaints c
  WHERE NOT c.confidential;

-- The nearby search reads one category's public complaints in a box around a point.
CREATE INDEX complaints_nearby ON complaints (category, latitude, longitude)
  WHERE NOT confidential AND latitude IS NOT NULL;

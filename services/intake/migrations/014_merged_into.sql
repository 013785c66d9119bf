-- A complaint an officer merged into another (docs/duplicates.md) shows its citizen the
-- original's progress on the tracking page: the original's ticket, set by case.rejected with
-- duplicate_of_ticket and cleared when the merge is undone.
ALTER TABLE complaints ADD COLUMN merged_into_ticket text;

-- What a partner outside city hall said of a case (docs/partners.md) is the latest answer the
-- public sees, as an agency's is.
CREATE OR REPLACE VIEW public_complaints AS
  SELECT c.ticket, c.category, c.description, c.latitude, c.longitude, c.address,
         c.submitted_at, c.updated_at, c.state, c.state IN (5, 6, 7, 8) AS finished,
         c.agency_code, c.agency_name, c.first_response_due_at,
         (SELECT t.text FROM complaint_timeline t
          WHERE t.complaint_id = c.complaint_id
            AND t.kind IN ('responded', 'info_requested', 'resolved', 'rejected',
                           'partner_update', 'partner_closed')
          ORDER BY t.at DESC, t.id DESC LIMIT 1) AS status_notes,
         CASE WHEN c.photos_erased THEN NULL
              ELSE (SELECT m.media_id FROM media m WHERE m.complaint_id = c.complaint_id
                    ORDER BY m.stored_at, m.media_id LIMIT 1) END AS media_id
  FROM complaints c
  WHERE NOT c.confidential;

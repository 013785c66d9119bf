-- The public listing (ListPublicComplaints, Open311's GET requests) reads the newest public
-- complaints of a window; confidential ones are never listed, so never indexed.
CREATE INDEX complaints_public_by_time ON complaints (submitted_at DESC, ticket DESC)
  WHERE NOT confidential;

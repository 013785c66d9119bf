-- What counts as a first response, and as one in time, written once for every figure that
-- counts them (leadership.cc: AgencyStats, Dashboard, PublicStats): an answer, a resolution
-- or a rejection each answer the citizen; in time is by the clock's due time.
CREATE VIEW first_responses AS
  SELECT *,
         stop_reason IN ('responded', 'resolved', 'rejected') AS answered,
         stop_reason IN ('responded', 'resolved', 'rejected') AND stopped_at <= due_at AS in_time
  FROM deadlines WHERE kind = 'FIRST_RESPONSE';

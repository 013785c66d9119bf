-- A complaint an officer merged into another is the same problem: the figures count the
-- original once, and not the duplicate as a complaint received and answered by a rejection
-- (docs/duplicates.md). Its clocks stop with the reason 'merged'.
-- Dropped and made again: the table has gained columns since the view was first made, and
-- the view's own come after them.
DROP VIEW first_responses;
CREATE VIEW first_responses AS
  SELECT *,
         stop_reason IN ('responded', 'resolved', 'rejected') AS answered,
         stop_reason IN ('responded', 'resolved', 'rejected') AND stopped_at <= due_at AS in_time
  FROM deadlines WHERE kind = 'FIRST_RESPONSE' AND stop_reason IS DISTINCT FROM 'merged';

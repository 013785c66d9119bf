-- Silence closes a case (issue 19). After a resolution a CLOSE clock runs for the citizen's
-- window (CityConfig.auto_close_working_days): a reminder to the citizen before its end, and a
-- 'close' timer at its end that emits sla.close_due, on which routing closes the case if it is
-- still the resolution that started the window. The clock's cause is recorded so that event
-- can name it.
ALTER TABLE timers DROP CONSTRAINT timers_kind_check;
ALTER TABLE timers ADD CONSTRAINT timers_kind_check
  CHECK (kind IN ('reminder', 'escalation', 'close'));
-- The case_sequence of the case event that started the clock (0 for clocks started before
-- this column, and for causes without one).
ALTER TABLE deadlines ADD COLUMN cause_case_sequence bigint NOT NULL DEFAULT 0;

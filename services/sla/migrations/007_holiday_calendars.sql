-- The calendar follows the decree (issue 19). Holiday calendars an administrator loaded while
-- the system runs (SlaAdminService.ReplaceHolidayCalendar), newest in force; none: the city
-- configuration's holiday_calendar_file. Kept whole, in sambat.v1.HolidayCalendar text format,
-- with the decree it came from and who loaded it, for the audit.
CREATE TABLE holiday_calendars (
  id        bigserial PRIMARY KEY,
  loaded_at timestamptz NOT NULL,
  loaded_by text NOT NULL,
  decree    text NOT NULL,
  calendar  text NOT NULL
);
-- The calendar each clock was last planned by (0: the file's). A clock of an older calendar
-- than the one in force is moved onto it (CaseClocks::FollowCalendar), by whichever replica
-- learns of the new calendar first.
ALTER TABLE deadlines ADD COLUMN calendar_id bigint NOT NULL DEFAULT 0;

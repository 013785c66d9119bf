#pragma once

// sambatctl's commands for the holiday calendar the working days are counted by, backed by the
// sla service's SlaAdminService (docs/sla-rules.md, "The calendar follows the decree"):
//
//   sambatctl calendar show                                  the calendar in force, its decree
//   sambatctl calendar replace <file> --decree D [--dry_run] put a signed decree's calendar in
//                                                            force; says which deadlines move
//
// <file> is a sambat.v1.HolidayCalendar in text format, as deploy/config's. Both need a staff
// token (--staff_token or $SKK_STAFF_TOKEN; replace: an administrator's) and reach sla at --sla.

#include <vector>

namespace skk::sambatctl {

// Runs `calendar ...` and returns its exit code; -1 for any other command.
int RunCalendarCommand(const std::vector<char*>& args);

}  // namespace skk::sambatctl

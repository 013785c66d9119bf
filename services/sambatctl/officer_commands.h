#pragma once

// sambatctl's officer commands, against routing's OfficerService with the caller's staff token
// (--staff_token or SKK_STAFF_TOKEN; see staff_calls.h):
//   queue [--states=ROUTED,IN_PROGRESS] [--page_size=50] [--page_token=T] [--queue_agency=A]
//   case <complaint id>
//   claim <id> | release <id> [--reason=R]
//   respond <id> --message=M | ask <id> --question=Q
//   forward <id> --to=AGENCY --reason=R
//   resolve <id> --note=N [--proof=<media id>,...]
//   reject <id> --reject_reason=spam|duplicate|not_city_authority|insufficient_information
//          [--duplicate_of=TICKET] [--note=N]
//   unmerge <id> --reason=R   (a merged case was not a duplicate: back to its agency)

#include <string>
#include <vector>

namespace skk::sambatctl {

bool IsOfficerCommand(const std::string& command);

// Runs the command in args[1] (args as main received them); returns the exit code.
int RunOfficerCommand(const std::vector<char*>& args);

}  // namespace skk::sambatctl

#pragma once

// sambatctl's commands for the city's data protection officer, backed by intake's
// CitizenDataService (docs/security.md, "Citizens' data"):
//
//   sambatctl erase <ticket> --reason R [--photos]       one complaint
//   sambatctl erase --phone P | --email E --reason R      every complaint of that citizen
//   sambatctl erasures                                    the erasures recorded, newest first
//
// Both need an administrator's staff token (--staff_token or $SKK_STAFF_TOKEN) and reach intake
// at --intake.

#include <vector>

namespace skk::sambatctl {

// Runs the command named by args[1] if it is one of the above and returns its exit code;
// returns -1 for any other command.
int RunCitizenDataCommand(const std::vector<char*>& args);

}  // namespace skk::sambatctl

#pragma once

// sambatctl's operator commands for notifications, backed by notification's admin RPCs:
//
//   sambatctl dead-letters                 deliveries that failed for good, oldest first
//   sambatctl replay <delivery id>|--all   send them again
//
// Both need an administrator's staff token (--staff_token or $SKK_STAFF_TOKEN, e.g. from
// `sambatctl token --role admin`), and reach the service at --notification.

#include <vector>

namespace skk::sambatctl {

// Runs the command named by args[1] if it is one of the above and returns its exit code;
// returns -1 for any other command.
int RunNotificationCommand(const std::vector<char*>& args);

}  // namespace skk::sambatctl

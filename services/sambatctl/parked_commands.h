#pragma once

// sambatctl's operator commands for parked events: what a service's consumer gave up on, in
// RabbitMQ's "<service>.events.dead" queue (docs/parked-events.md):
//
//   sambatctl parked <service> [--limit N]                  list them, oldest first; moves nothing
//   sambatctl replay-parked <service> --event_id ID | --all   move them back to <service>.events
//
// <service> is intake, routing, sla or notification. Both talk to RabbitMQ directly, at
// --amqp_uri, else $SKK_AMQP_URI, else the dev stack's broker.

#include <vector>

namespace skk::sambatctl {

// Runs the command named by args[1] if it is one of the above and returns its exit code;
// returns -1 for any other command.
int RunParkedCommand(const std::vector<char*>& args);

}  // namespace skk::sambatctl

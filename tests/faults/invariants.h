#pragma once

// The fault suite's checker: after a run, reads every service's tables (and what reached the
// fake SMTP server and gateway) and compares them with what the clients were told (ledger.h).
// One line per invariant, with counts; a line is BROKEN on any difference. Every count is one
// set-based query over whole tables, so a run of thousands of complaints checks in seconds.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/faults/ledger.h"
#include "tests/support/fake_receivers.h"
#include "tests/support/system.h"

namespace skk::faults {

struct InvariantLine {
  std::string name;
  bool held = false;
  std::string counts;  // e.g. "2143 acknowledged, 2143 stored, 0 missing, 0 duplicated"
};

// Poison messages the suite parked on purpose, per dead queue, e.g. {"routing.events.dead": 1}.
// A notification channel's dead queue ("notification.email.events.dead", ".sms.", ".whatsapp.")
// is expected by default to hold one message per delivery of that channel in state dead (an
// entry here overrides that); every other dead queue must be empty.
struct ExpectedParked {
  std::map<std::string, int> per_queue;
  // Dead queues that must hold at least this many (a broker crash between parking and its ack
  // may leave a second copy: never a loss), when the exact count is known only once quiet.
  std::map<std::string, int> at_least;
};

// Waits (real time) until the system is quiet: every outbox (intake, routing, sla) empty,
// every queue of the world's vhost empty except the dead queues (which must hold exactly what
// `parked` says, and the notification channels' one message per dead delivery), no
// notification delivery due and not yet final, no sla timer due by the business clock left
// unfired, every acknowledged complaint routed. Quiet must be seen twice in a row with no event
// applied in between. A backlog after a storm drains at the speed of this machine, which a
// test must not guess: the wait goes on while events are applied or messages leave the queues,
// and gives up after `stall` without progress, or after `limit` in all. Returns OK, or
// DEADLINE_EXCEEDED naming what is still busy with its counts; a failure to read a table or
// the broker is returned as it is.
absl::Status WaitUntilQuiet(skk::testing::System& system, const ClientLedger& ledger,
                            const ExpectedParked& parked, absl::Duration stall,
                            absl::Duration limit);

// Every invariant, one line each. A line whose query failed is BROKEN with the error.
std::vector<InvariantLine> CheckInvariants(skk::testing::System& system,
                                           const ClientLedger& ledger,
                                           const ExpectedParked& parked,
                                           const skk::testing::FakeReceiver& smtp,
                                           const skk::testing::FakeReceiver& gateway);

// "invariant <name>: held|BROKEN — <counts>"
std::string Format(const InvariantLine& line);

// The messages of each queue of `vhost` (rabbitmqctl list_queues). An error if the command
// fails or prints what cannot be parsed: never an empty map in its place.
absl::StatusOr<std::map<std::string, long long>> ListQueues(const std::string& vhost);

}  // namespace skk::faults

#pragma once

// Applying a case's events in the case's order, whatever order they arrive in (issue 13,
// docs/reliability.md). routing stamps each event about a case with its case_sequence and the
// previous_case_sequence of the event it emitted before about the same case. A consumer that
// keeps per-case state records the case_sequence it applied last, in the transaction that
// applies the event and under a lock of the case, and asks TakeCaseTurn what to do with each
// event. The sla, intake and notification consumers all decide the same way.

#include <cstdint>

#include "absl/status/statusor.h"
#include "sambat/v1/events.pb.h"

namespace skk {

// Whether `event` is the next of its case for a consumer that applied the case's events up to
// `last_applied` (its case_sequence; 0: none yet):
//   true: apply it now, then record its case_sequence as the last applied;
//   false: already passed (a duplicate under a new id, a replay from the dead-letter queue):
//     change nothing and acknowledge it; logged as "stale case event ignored";
//   EarlierEventPending (consumer.h): its predecessor has not been applied yet; the consumer
//     sets it aside and brings it back without spending an attempt.
// An event with case_sequence 0 (not a case transition, or from a producer older than the
// field) is always true: nothing orders it. previous_case_sequence 0 (a case's first event, or
// a routing older than that field) starts the chain when it is newer than what was applied.
// `began_unsequenced`: the consumer holds state of this case from before it recorded sequences
// (last_applied is then 0); the first sequenced event starts the chain whatever predecessor it
// names, since that one was applied unsequenced or will never come. Never true for a case the
// consumer first heard of with sequences, or an early event would be taken for the start.
absl::StatusOr<bool> TakeCaseTurn(const sambat::v1::Event& event, int64_t last_applied,
                                  bool began_unsequenced);

}  // namespace skk

#pragma once

// Applying a case's events in the case's order, whatever order they arrive in (issue 13,
// docs/reliability.md). routing stamps each event about a case with its case_sequence and the
// previous_case_sequence of the event it emitted before about the same case. A consumer that
// keeps per-case state records the case_sequence it applied last, in the transaction that
// applies the event and under a lock of the case, and asks TakeCaseTurn what to do with each
// event. The sla, intake and notification consumers all decide the same way.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "sambat/v1/events.pb.h"

namespace skk {

// Whether a `case.*` event is the next of its case for a consumer that applied the case's
// events up to `last_applied` (its case_sequence; 0: none yet):
//   true: apply it now, then record its case_sequence as the last applied, and take the case's
//     facts from its case_after (the case after the transition), never from its payload type;
//   false: already passed (a duplicate under a new id, a replay from the dead-letter queue):
//     change nothing and acknowledge it; logged as "stale case event ignored";
//   EarlierEventPending (consumer.h): its predecessor has not been applied yet; the consumer
//     sets it aside and brings it back without spending an attempt;
//   INVALID_ARGUMENT (parked for an operator): a case event without its case_sequence or its
//     case_after, which routing sets on every one; applied, it would leave the view without
//     the case's facts or out of order.
// previous_case_sequence 0 (a case's first event) starts the chain when it is newer than what
// was applied. Events that are not `case.*` (sla's, intake's) are not in the chain: true.
absl::StatusOr<bool> TakeCaseTurn(const sambat::v1::Event& event, int64_t last_applied);

// Whether `type` names an event of routing's case chain ("case.*").
bool IsCaseEvent(const std::string& type);

}  // namespace skk

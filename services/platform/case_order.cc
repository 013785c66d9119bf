#include "services/platform/case_order.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/consumer.h"
#include "services/platform/log.h"

namespace skk {

bool IsCaseEvent(const std::string& type) { return absl::StartsWith(type, "case."); }

absl::StatusOr<bool> TakeCaseTurn(const sambat::v1::Event& event, int64_t last_applied) {
  if (!IsCaseEvent(event.type())) return true;
  const int64_t sequence = event.case_sequence();
  if (sequence <= 0 || !event.has_case_after()) {
    return absl::InvalidArgumentError(absl::StrCat(
        event.type(), " ", event.event_id(), " of ", event.complaint_id(),
        " carries no case_sequence or no case_after: a case event names its place in the "
        "case's order and the case after it"));
  }
  if (sequence <= last_applied) {
    // Applying it would act on a case that has moved on (stop a reopened clock, show a
    // resolved case as routed, tell the citizen twice).
    log::Info("stale case event ignored",
              {{"complaint_id", event.complaint_id()},
               {"event_id", event.event_id()},
               {"type", event.type()},
               {"case_sequence", static_cast<long long>(sequence)},
               {"last_applied", static_cast<long long>(last_applied)}});
    return false;
  }
  const int64_t previous = event.previous_case_sequence();
  if (previous == 0 || previous == last_applied) return true;
  // Early: its predecessor is still on the way (another thread, a retry, the dead-letter
  // queue). Once the predecessor applies, so does this one.
  return EarlierEventPending(absl::StrCat(
      event.type(), " of ", event.complaint_id(), " with case_sequence ", sequence,
      " arrived before case event ", previous, " was applied (last applied ", last_applied,
      "): not applied yet"));
}

}  // namespace skk

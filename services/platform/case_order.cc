#include "services/platform/case_order.h"

#include "absl/strings/str_cat.h"
#include "services/platform/consumer.h"
#include "services/platform/log.h"

namespace skk {

absl::StatusOr<bool> TakeCaseTurn(const sambat::v1::Event& event, int64_t last_applied,
                                  bool began_unsequenced) {
  const int64_t sequence = event.case_sequence();
  if (sequence <= 0) return true;
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
  if (began_unsequenced && last_applied == 0) {
    log::Info("case sequence tracking starts mid-case",
              {{"complaint_id", event.complaint_id()},
               {"type", event.type()},
               {"case_sequence", static_cast<long long>(sequence)}});
    return true;
  }
  // Early: its predecessor is still on the way (another thread, a retry, the dead-letter
  // queue). Once the predecessor applies, so does this one.
  return EarlierEventPending(absl::StrCat(
      event.type(), " of ", event.complaint_id(), " with case_sequence ", sequence,
      " arrived before case event ", previous, " was applied (last applied ", last_applied,
      "): not applied yet"));
}

}  // namespace skk

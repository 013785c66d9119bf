#pragma once

// Erasing a citizen's personal data from notification's tables (complaint.erasure_requested,
// UU 27/2022 PDP), and the tombstone (erased_complaints) that keeps it erased against the
// complaint's later events. The case stays: ticket, agency, states, who was told what kind of
// message when, and the subjects (which carry the ticket, the agency and the category only).

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/platform/pg.h"

namespace skk::notification {

// Inside `tx`, which must hold the complaint's lock (the one its events are applied under):
//  - records the tombstone (the first erasure's id and time stay);
//  - deletes the complaint's citizen contact and the citizen events held for it;
//  - empties the citizen's address and name on each of the complaint's deliveries, puts
//    kErasedText in place of every delivery's body (staff messages quote the citizen too) and
//    empties what the servers answered (deliveries.last_error, delivery_attempts.detail),
//    which may echo the address or the text;
//  - finishes the citizen's deliveries that have not gone out (pending, queued, retrying,
//    sending) as dead with last_error "erased", so nothing goes to an address that is gone.
// Applied again it changes nothing more (no row is rewritten). Returns whether this was the
// complaint's first erasure.
absl::StatusOr<bool> EraseCitizenData(PgConnection& tx, const std::string& complaint_id,
                                      const std::string& erasure_id, absl::Time now);

}  // namespace skk::notification

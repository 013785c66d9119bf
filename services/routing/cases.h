#pragma once

// Cases in routing's PostgreSQL schema, as events move them: a complaint.submitted event
// becomes a case with the responsible agency (case.routed) or an external partner
// (case.handed_off); the citizen's follow-ups move it (complaint.info_added,
// complaint.reopen_requested) or are recorded (complaint.rated); sla.deadline_set gives the
// queue its order; sla.close_due closes a resolved case its citizen left silent;
// complaint.erasure_requested erases the citizen's personal data (erasure.h), and the
// citizen's events of an erased complaint are applied erased.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"
#include "services/routing/officer_work.h"
#include "services/routing/routing_config.h"

namespace skk {
const std::vector<Migration>& routing_migrations();
}  // namespace skk

namespace skk::routing {

std::vector<std::string> ConsumedEvents();

class Cases {
 public:
  // Each complaint is routed by the rules `config` has in force when it arrives.
  Cases(Clock& clock, const RoutingConfig& config) : clock_(clock), config_(config) {}

  EventHandlers Handlers();

  // Creates the case for a submitted complaint and emits case.routed (or case.handed_off for
  // an external partner, or case.rejected with `joined` for a citizen who joined a complaint
  // found nearby), in `tx`.
  absl::Status OnComplaintSubmitted(PgConnection& tx, const sambat::v1::Event& event);
  // The citizen answered the agency's question: back in progress, case.citizen_answered.
  absl::Status OnInfoAdded(PgConnection& tx, const sambat::v1::Event& event);
  // The citizen reopened the resolved case: back with the agency, case.reopened.
  absl::Status OnReopenRequested(PgConnection& tx, const sambat::v1::Event& event);
  // The citizen's rating, recorded on the case and in its audit trail.
  absl::Status OnRated(PgConnection& tx, const sambat::v1::Event& event);
  // The sla service's deadline, copied for the queue's order.
  absl::Status OnDeadlineSet(PgConnection& tx, const sambat::v1::Event& event);
  // The citizen's window after a resolution ended in silence (sla.close_due): the case closes
  // (case.closed) if it is still that resolution; otherwise nothing happens.
  absl::Status OnCloseDue(PgConnection& tx, const sambat::v1::Event& event);
  // The citizen's personal data of the complaint erased from routing's tables and outbox.
  absl::Status OnErasureRequested(PgConnection& tx, const sambat::v1::Event& event);

 private:
  // Whether a citizen may still join this case: neither merged, rejected nor confidential.
  static bool Joinable(const CaseRow& c);
  // Creates `row`'s case merged into `joined` from the start (docs/duplicates.md, "Joining").
  absl::Status Join(PgConnection& tx, const sambat::v1::Event& event, CaseRow& row,
                    const CaseRow& joined, absl::Time now);

  Clock& clock_;
  const RoutingConfig& config_;
};

}  // namespace skk::routing

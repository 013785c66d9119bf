#pragma once

// What officers do to cases, and what the citizen's follow-ups do to them. Each operation runs
// in one transaction: lock the case, check who may do it (access.h), move it through the state
// machine (CaseStore::Apply, which records the audit trail) and write the event it causes to
// the outbox with the caller as the envelope's actor.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/events.pb.h"
#include "sambat/v1/routing.pb.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"
#include "services/routing/case_store.h"
#include "services/routing/queue_cursor.h"
#include "services/routing/routing_config.h"

namespace skk::routing {

class OfficerWork {
 public:
  // `config` gives the agencies, the verifier and the forward limit in force at each call.
  OfficerWork(PgPool& pool, Clock& clock, const RoutingConfig& config, QueueCursorCodec cursors)
      : pool_(pool), clock_(clock), config_(config), cursors_(std::move(cursors)) {}

  absl::StatusOr<sambat::v1::ListQueueResponse> ListQueue(const Caller& caller,
                                                          const sambat::v1::ListQueueRequest& r);
  absl::StatusOr<sambat::v1::CaseMapResponse> CaseMap(const Caller& caller,
                                                      const sambat::v1::CaseMapRequest& r);
  absl::StatusOr<sambat::v1::Case> GetCase(const Caller& caller, const std::string& complaint_id);
  absl::StatusOr<sambat::v1::Case> Claim(const Caller& caller, const sambat::v1::ClaimRequest& r);
  absl::StatusOr<sambat::v1::Case> Release(const Caller& caller,
                                           const sambat::v1::ReleaseRequest& r);
  absl::StatusOr<sambat::v1::Case> Respond(const Caller& caller,
                                           const sambat::v1::RespondRequest& r);
  absl::StatusOr<sambat::v1::Case> RequestInfo(const Caller& caller,
                                               const sambat::v1::RequestInfoRequest& r);
  absl::StatusOr<sambat::v1::Case> Forward(const Caller& caller,
                                           const sambat::v1::ForwardRequest& r);
  absl::StatusOr<sambat::v1::Case> Resolve(const Caller& caller,
                                           const sambat::v1::ResolveRequest& r);
  absl::StatusOr<sambat::v1::Case> Reject(const Caller& caller,
                                          const sambat::v1::RejectRequest& r);
  absl::StatusOr<sambat::v1::Case> Unmerge(const Caller& caller,
                                           const sambat::v1::UnmergeRequest& r);

 private:
  using Body = std::function<absl::StatusOr<CaseRow>(PgConnection& tx, const CaseRow& before,
                                                     const Actor& actor, absl::Time now)>;
  // Runs `body` on the locked case after the access checks for `action`, and returns the case
  // as it is after the transaction, with its history.
  absl::StatusOr<sambat::v1::Case> Act(const Caller& caller, const std::string& complaint_id,
                                       CaseAction action, const Body& body);

  PgPool& pool_;
  Clock& clock_;
  const RoutingConfig& config_;
  QueueCursorCodec cursors_;
};

// An event about `row` from routing, in the case's correlation chain, with its actor.
// `cause` (may be null) is the event that led to it. `row` is the case after the transition:
// the event carries the transition's case_sequence, the case as it stands after it
// (case_after) and, as previous_case_sequence, the sequence of the case's last emitted event
// (row.event_sequence). Write it with
// EnqueueCaseEvent, never EnqueueEvent, or the case's next event names the wrong predecessor.
sambat::v1::Event CaseEvent(const std::string& type, const CaseRow& row, absl::Time now,
                            const Actor& actor, const sambat::v1::Event* cause);

// Writes a CaseEvent to the outbox in `tx` and records its case_sequence on the case as the
// predecessor of the case's next event. One event per transition.
absl::Status EnqueueCaseEvent(PgConnection& tx, const sambat::v1::Event& event);

// Moves a case to an external partner and writes case.handed_off (the record of the outbound
// hand-off) in `tx`. `before` must be locked (or just created).
absl::StatusOr<CaseRow> HandOff(PgConnection& tx, const CaseRow& before,
                                const sambat::v1::Agency& partner, const Actor& actor,
                                const std::string& reason, absl::Time now,
                                const sambat::v1::Event* cause);

}  // namespace skk::routing

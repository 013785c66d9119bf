#pragma once

// routing's outbound adapter (docs/partners.md): every case handed to an external partner
// reaches the partner's endpoint, and the partner's word comes back into the case.
//  - A hand-off writes a row of partner_handoffs in the transaction that moves the case
//    (EnqueuePartnerHandOff), so it survives any crash after the commit.
//  - PartnerDesk::RunOnce sends due hand-offs (one replica per row, by a lease in the
//    database's time), retries a partner that is down (30 s doubling to an hour), and sends a
//    case the partner's system refuses, or that could not be delivered for hours, to the
//    verifier, so that no case waits on a partner that will never have it.
//  - An Open311 partner is asked for the status of each open request every poll interval; a
//    webhook partner reports through the gateway (ReportPartnerStatus). Both land in Apply:
//    a trail entry and case.partner_updated, CLOSED when the partner finished, and ROUTED to
//    the verifier (case.forwarded) when it refused.

#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/routing.pb.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/http_call.h"
#include "services/platform/pg.h"
#include "services/routing/case_store.h"
#include "services/routing/partners.h"
#include "services/routing/routing_config.h"

namespace skk::routing {

// Deliveries that failed this many times in a row send the case to the verifier (about five
// hours of a partner that answers nothing, with OutboundRetryDelay).
inline constexpr int kMaxHandOffAttempts = 12;

// Records that `after` (just moved to HANDED_OFF) must reach its partner, in `tx`. A case
// handed off before (and returned) is handed off afresh.
absl::Status EnqueuePartnerHandOff(PgConnection& tx, const CaseRow& after,
                                   const std::string& reason, absl::Time now);

class PartnerDesk {
 public:
  PartnerDesk(PgPool& pool, Clock& clock, const RoutingConfig& config,
              std::map<std::string, PartnerEndpoint> endpoints,
              HttpPerformer perform = PerformHttpCall)
      : pool_(pool),
        clock_(clock),
        config_(config),
        endpoints_(std::move(endpoints)),
        perform_(std::move(perform)) {}

  // Sends the hand-offs and asks the statuses that are due now. Returns how many it handled.
  absl::StatusOr<int> RunOnce();
  // RunOnce until `stop`, resting a little when nothing was due.
  void Run(const std::atomic<bool>& stop);

  // A partner's report through the gateway (the caller holds a partner pass).
  absl::StatusOr<sambat::v1::ReportPartnerStatusResponse> Report(
      const Caller& caller, const sambat::v1::ReportPartnerStatusRequest& r);

 private:
  struct Due;
  absl::Status Send(const Due& due);
  absl::Status Poll(const Due& due);
  // Records a failed send or question: the next try, or (a send failed kMaxHandOffAttempts
  // times, or refused for good) the case to the verifier.
  absl::Status Failed(const Due& due, const std::string& error, bool for_good);
  // The report applied to the locked case, which must be with `partner`. `text` is the trail's
  // and the citizen's words. Returns whether anything changed.
  absl::StatusOr<bool> Apply(PgConnection& tx, const std::string& complaint_id,
                             const PartnerEndpoint& partner, const PartnerReport& report,
                             const std::string& text, absl::Time now, CaseState* state_after);

  PgPool& pool_;
  Clock& clock_;
  const RoutingConfig& config_;
  std::map<std::string, PartnerEndpoint> endpoints_;
  HttpPerformer perform_;
};

}  // namespace skk::routing

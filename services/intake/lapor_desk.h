#pragma once

// intake's link to SP4N-LAPOR (docs/lapor.md), the national complaints channel:
//  - Export: a complaint filed here is stored with a pending export (lapor_links, in the
//    transaction that stores it); the desk sends it and keeps LAPOR's tracking number, shown
//    to the citizen in their timeline and on the tracking page.
//  - Import: every poll interval the desk reads LAPOR's new dispositions to the city and files
//    each as a complaint (channel LAPOR) for the agency it was disposed to, under the tracking
//    number as its idempotency key; the cursor moves only once the whole page is stored.
//  - Follow-ups: the agencies' answers, resolutions, rejections and closings of a linked
//    complaint (written by the case events' consumer) are sent to LAPOR in the case's order.
// Every row is sent by one replica at a time (a five-minute lease in the database's own time,
// longer than a batch's calls can take); a LAPOR
// that is down is retried (30 s doubling to an hour) for as long as it takes, logged with the
// complaint id, as an error from the fifth attempt; a call LAPOR refuses (4xx) is not repeated
// and stays in the table with LAPOR's words.

#include <atomic>

#include "absl/status/statusor.h"
#include "sambat/v1/config.pb.h"
#include "services/intake/complaints.h"
#include "services/intake/lapor.h"
#include "services/intake/validation.h"
#include "services/platform/clock.h"
#include "services/platform/http_call.h"
#include "services/platform/pg.h"

namespace skk::intake {

class LaporDesk {
 public:
  LaporDesk(PgPool& pool, Clock& clock, const sambat::v1::CityConfig& city, Complaints& complaints,
            SubmissionRules rules, LaporEndpoint lapor, HttpPerformer perform = PerformHttpCall);

  // Sends the exports and follow-ups that are due and reads the dispositions when their time
  // has come. Returns how many rows it handled.
  absl::StatusOr<int> RunOnce();
  // RunOnce until `stop`, resting a little when nothing was due.
  void Run(const std::atomic<bool>& stop);

 private:
  absl::StatusOr<int> SendExports();
  absl::StatusOr<int> SendFollowups();
  absl::StatusOr<int> ImportDispositions();

  PgPool& pool_;
  Clock& clock_;
  const sambat::v1::CityConfig& city_;
  Complaints& complaints_;
  SubmissionRules rules_;
  LaporEndpoint lapor_;
  HttpPerformer perform_;
  bool cursor_ready_ = false;  // its row exists (made at the first read)
};

}  // namespace skk::intake

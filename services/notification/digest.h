#pragma once

// The daily digest: each recipient who wants one gets, once per day in the city's time, what
// is open and overdue for them (their agency, or the whole city for leadership). A scheduled
// job on the injected clock; several replicas run it, and the (recipient, day) row in
// PostgreSQL decides which one sends. A day missed while no replica ran is caught up (up to a
// week back).

#include <atomic>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/notification/notifications.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"

namespace skk::notification {

// The latest day whose digest is due at `now`: today from digest_hour on, else yesterday.
absl::CivilDay DigestDayAt(absl::Time now, absl::TimeZone zone, int digest_hour);

class DigestJob {
 public:
  DigestJob(PgPool& pool, Clock& clock, NotificationDesk& desk)
      : pool_(pool), clock_(clock), desk_(desk) {}
  // Claims and decides every digest due and not yet claimed. Returns how many were claimed.
  absl::StatusOr<int> RunOnce();
  // Runs every `poll` of real time; a new day is noticed within one poll.
  void Run(const std::atomic<bool>& stop, absl::Duration poll);

 private:
  PgPool& pool_;
  Clock& clock_;
  NotificationDesk& desk_;
  std::optional<absl::CivilDay> done_through_;
};

}  // namespace skk::notification

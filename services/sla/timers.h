#pragma once

// Timers that fire once. PostgreSQL holds the truth (clocks, timers, firings); a Redis sorted
// set holds the schedule (member: timer id, score: due time in ms), key
// "<redis prefix>sla:timers". A due timer is claimed from Redis atomically (one EVAL of
// ZRANGEBYSCORE + ZREM), then decided in one PostgreSQL transaction that records the firing
// (primary key timer_id: a second claim after Redis lost or replayed the schedule does
// nothing) and writes its event to the outbox. So each timer fires once with any number of
// replicas. A timer whose clock changed since it was planned (cancelled, or of an older
// generation) is recorded as stale and sends nothing. The schedule is rebuilt from PostgreSQL
// on start and every reconcile interval, so a flushed or lost Redis loses no deadline, and a
// timer claimed by a replica that crashed before deciding it is put back.

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/platform/clock.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"
#include "services/platform/redis.h"
#include "services/sla/policy.h"

namespace skk {
const std::vector<Migration>& sla_migrations();
}  // namespace skk

namespace skk::sla {

class Timers {
 public:
  struct Options {
    std::string redis_addr;
    std::string redis_prefix;
    // Timers claimed per round.
    int claim_batch = 200;
    // How often the timer loop looks for due timers (real time).
    absl::Duration poll_interval = absl::Milliseconds(100);
    // How often the Redis schedule is rebuilt from PostgreSQL (real time).
    absl::Duration reconcile_interval = absl::Seconds(30);
  };

  // `policies` gives the holiday calendar in force when a reminder says how much working
  // time is left.
  Timers(PgPool& pool, Clock& clock, const SlaPolicies& policies, Options options);

  // Adds timers (id, due) to the Redis schedule. A failure is logged, not returned: the
  // next reconciliation adds what Redis missed.
  void Schedule(const std::vector<std::pair<int64_t, absl::Time>>& timers);

  // Fires every timer due at the clock's now, up to claim_batch of them in one transaction.
  // Returns how many fired (stale ones excluded).
  absl::StatusOr<int> FireDue();

  // Puts every pending timer of PostgreSQL into the Redis schedule. Returns how many.
  // Safe to run beside FireDue on other threads and replicas: a timer put back while another
  // replica decides it is found decided when claimed again.
  absl::StatusOr<int> Reconcile();

  // Fires due timers every poll interval until `stop` (a full batch goes again at once).
  // Never waits on Redis alone: RunReconciler is the backstop for a missed or lost schedule.
  void Run(const std::atomic<bool>& stop);

  // Reconciles at once (on start), then every reconcile interval, until `stop`. Its own
  // thread, so rebuilding a large schedule never delays a firing.
  void RunReconciler(const std::atomic<bool>& stop);

  std::string ScheduleKey() const;

 private:
  struct Outcome {
    bool fired = false;  // false: gone (rolled back), decided before, or stale
    std::string complaint_id;
    std::string kind;    // "reminder", "escalation" or "close"
    int level = 0;       // an escalation's level
    absl::Duration late = absl::ZeroDuration();  // how long after its due time it fired
    // Claimed before its due time (a schedule entry older than the row: the database was
    // restored to an earlier point and the id taken again, or replicas' clocks differ): not
    // fired, and put back in the schedule at this time.
    std::optional<absl::Time> not_yet;
  };
  // Decides one claimed timer inside `tx`.
  absl::StatusOr<Outcome> Fire(PgConnection& tx, int64_t timer_id, absl::Time now);

  PgPool& pool_;
  Clock& clock_;
  const SlaPolicies& policies_;
  Options options_;
  // Consumer threads schedule new timers; the client is not thread-safe.
  std::mutex schedule_mu_;
  RedisClient schedule_client_;
  RedisClient loop_client_;
  RedisClient reconcile_client_;
};

}  // namespace skk::sla

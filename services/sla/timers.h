#pragma once

// Deadlines and their timers. PostgreSQL holds the truth (deadlines, timers, escalations);
// a Redis sorted set holds the schedule (member: timer id, score: due time in ms). A timer
// fires by being claimed from Redis atomically and then marked fired in PostgreSQL with a
// guard (fired_at IS NULL) in the same transaction that writes the escalation and its event,
// so it fires once even with several replicas. The schedule is rebuilt from PostgreSQL on
// start and periodically, so a flushed or lost Redis loses no deadline.

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"
#include "services/platform/redis.h"
#include "services/sla/policy.h"

namespace skk {
const std::vector<Migration>& sla_migrations();
}  // namespace skk

namespace skk::sla {

std::vector<std::string> ConsumedEvents();

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

  Timers(PgPool& pool, Clock& clock, SlaPolicies policies, Options options);

  EventHandlers Handlers();

  // Starts the first-response clock of a routed case: stores the deadline and its timers,
  // emits sla.deadline_set, and schedules the timers in Redis.
  absl::Status OnCaseRouted(PgConnection& tx, const sambat::v1::Event& event);

  // Fires every timer due at the clock's now. Returns how many fired.
  absl::StatusOr<int> FireDue();

  // Puts every pending timer of PostgreSQL into the Redis schedule. Returns how many.
  absl::StatusOr<int> Reconcile();

  // Reconciles, then fires due timers every poll interval until `stop`; reconciles again
  // every reconcile interval. Never waits on Redis alone: the periodic scan is the backstop.
  void Run(const std::atomic<bool>& stop);

 private:
  std::string ScheduleKey() const;
  // Fires one claimed timer in its own transaction; false if it was fired or cancelled before.
  absl::StatusOr<bool> Fire(int64_t timer_id, absl::Time now);
  void Schedule(const std::vector<std::pair<int64_t, absl::Time>>& timers);

  PgPool& pool_;
  Clock& clock_;
  SlaPolicies policies_;
  Options options_;
  // Consumer threads schedule new timers; the client is not thread-safe.
  std::mutex schedule_mu_;
  RedisClient schedule_client_;
  RedisClient loop_client_;
};

}  // namespace skk::sla

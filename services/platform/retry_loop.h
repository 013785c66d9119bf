#pragma once

// The loops a service runs until it stops (relaying the outbox, consuming a queue, firing
// timers, dispatching): one round after another, backing off while what a round needs
// (PostgreSQL, RabbitMQ, Redis) is away. Waits are real steady time, never the business Clock,
// and wake within a tenth of a second of a stop (SleepUnlessStopped).

#include <atomic>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/platform/log.h"

namespace skk {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(10);
  // Draws each wait from [0.5, 1.5) of itself, so a fleet of replicas does not retry in
  // lockstep after a broker restart.
  bool jitter = false;
};

// The waits between consecutive failed tries: `initial`, doubled after each, up to `max`.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy) : policy_(policy), next_(policy.initial) {}

  // The wait the next Sleep takes, before jitter (what a log line reports).
  absl::Duration next() const { return next_; }
  // Returns the wait to take now (jittered if asked) and doubles the next one, up to max.
  absl::Duration Take();
  // Sleeps Take() unless `stop` is set. Returns false if stopped.
  bool Sleep(const std::atomic<bool>& stop);
  void Reset() { next_ = policy_.initial; }

 private:
  BackoffPolicy policy_;
  absl::Duration next_;
  absl::BitGen jitter_;
};

struct RetryLoopOptions {
  // The warning logged after a failed round, with the error and retry_in_ms, e.g.
  // "outbox relay failed, will retry".
  std::string failure_message{};
  // What the loop serves, named in that warning (e.g. {"service", "routing"}); left out while
  // its key is empty.
  log::Field about{"", ""};
  BackoffPolicy backoff{};
};

// One round's outcome: how long to rest before the next round (zero: go again at once), or
// why it failed.
using RoundResult = absl::StatusOr<absl::Duration>;

// Runs `round` until `stop` is set. After a failure it logs the failure and sleeps the next
// backoff step; after a success it resets the backoff and rests as the round asked. A round in
// flight when `stop` is set is finished, never interrupted; a failure of that last round is
// not logged (it is usually the shutdown closing a connection under it).
void RunUntilStopped(const std::atomic<bool>& stop, const RetryLoopOptions& options,
                     absl::FunctionRef<RoundResult()> round);

}  // namespace skk

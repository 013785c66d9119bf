#include "services/platform/retry_loop.h"

#include <algorithm>
#include <string>

#include "services/platform/wait.h"

namespace skk {

absl::Duration Backoff::Take() {
  const absl::Duration wait =
      policy_.jitter ? next_ * absl::Uniform(jitter_, 0.5, 1.5) : next_;
  next_ = std::min(next_ * 2, policy_.max);
  return wait;
}

bool Backoff::Sleep(const std::atomic<bool>& stop) { return SleepUnlessStopped(stop, Take()); }

void RunUntilStopped(const std::atomic<bool>& stop, const RetryLoopOptions& options,
                     absl::FunctionRef<RoundResult()> round) {
  Backoff backoff(options.backoff);
  while (!stop.load()) {
    const RoundResult rest = round();
    if (rest.ok()) {
      backoff.Reset();
      if (*rest > absl::ZeroDuration()) SleepUnlessStopped(stop, *rest);
      continue;
    }
    if (stop.load()) return;
    const std::string error(rest.status().message());
    const auto retry_in_ms = static_cast<long long>(absl::ToInt64Milliseconds(backoff.next()));
    if (options.about.key.empty()) {
      log::Warn(options.failure_message, {{"error", error}, {"retry_in_ms", retry_in_ms}});
    } else {
      log::Warn(options.failure_message,
                {options.about, {"error", error}, {"retry_in_ms", retry_in_ms}});
    }
    backoff.Sleep(stop);
  }
}

}  // namespace skk

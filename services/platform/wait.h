#pragma once

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/time/time.h"

namespace skk {

// Sleeps for `d` in real time, waking early when `stop` is set, so a backoff never delays
// a shutdown by more than a tenth of a second. Returns false if stopped.
inline bool SleepUnlessStopped(const std::atomic<bool>& stop, absl::Duration d) {
  const absl::Duration step = absl::Milliseconds(100);
  while (d > absl::ZeroDuration()) {
    if (stop.load()) return false;
    const absl::Duration nap = std::min(d, step);
    std::this_thread::sleep_for(absl::ToChronoMicroseconds(nap));
    d -= nap;
  }
  return !stop.load();
}

}  // namespace skk

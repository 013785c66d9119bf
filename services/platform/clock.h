#pragma once

// Business time (deadlines, occurred-at, escalations) always comes from a Clock that is handed
// in, so seven working days can pass in milliseconds in a test. Infrastructure waits (polling,
// backoff) use real steady time and never this clock.

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace skk {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock a test sets by hand, within one process.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override;
  void Set(absl::Time t);
  void Advance(absl::Duration d);

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

// A clock shared by several processes through a file holding one RFC 3339 instant, e.g.
// "2026-03-02T09:00:00+07:00". Tests and the local scenario move it with WriteClockFile so
// every service sees the same business time. Time stands still between writes.
class FileClock final : public Clock {
 public:
  explicit FileClock(std::string path) : path_(std::move(path)) {}
  absl::Time Now() const override;

 private:
  std::string path_;
  mutable std::mutex mu_;
  mutable absl::Time cached_ = absl::InfinitePast();
  mutable std::string last_error_;
};

// Atomically replaces the clock file's content (write to a temporary file, then rename).
absl::Status WriteClockFile(const std::string& path, absl::Time t);

// Builds a clock from its configuration: "real" or "file:<path>".
absl::StatusOr<std::unique_ptr<Clock>> MakeClock(const std::string& spec);

}  // namespace skk

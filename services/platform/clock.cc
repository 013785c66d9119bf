#include "services/platform/clock.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/platform/log.h"

namespace skk {

absl::Time ManualClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

void ManualClock::Set(absl::Time t) {
  std::lock_guard lock(mu_);
  now_ = t;
}

void ManualClock::Advance(absl::Duration d) {
  std::lock_guard lock(mu_);
  now_ += d;
}

absl::Time FileClock::Now() const {
  std::lock_guard lock(mu_);
  // Read on every call: the file is a few bytes, and no metadata (mtime, size, inode) reliably
  // tells two quick writes apart on every file system.
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  const std::string value = text.str();
  absl::Time t;
  std::string err;
  if (in && absl::ParseTime(absl::RFC3339_full, absl::StripAsciiWhitespace(value), &t, &err)) {
    cached_ = t;
    last_error_.clear();
    return cached_;
  }
  // A clock that cannot be read must not invent a time; keep the last one, say so once.
  const std::string problem = in ? "clock file holds no RFC 3339 time" : "clock file unreadable";
  if (problem != last_error_) {
    log::Error(problem + ", keeping last time", {{"path", path_}});
    last_error_ = problem;
  }
  return cached_;
}

absl::Status WriteClockFile(const std::string& path, absl::Time t) {
  // A temporary file per writer: two writers never interleave their bytes, the last rename wins.
  static std::atomic<int> counter{0};
  std::string tmp = absl::StrCat(path, ".tmp.", ::getpid(), ".", counter++);
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone()) << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write clock file ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot replace clock file ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Clock>> MakeClock(const std::string& spec) {
  if (spec.empty() || spec == "real") return std::make_unique<RealClock>();
  if (absl::StartsWith(spec, "file:")) {
    std::string path = spec.substr(5);
    if (path.empty()) return absl::InvalidArgumentError("clock: file: needs a path");
    auto clock = std::make_unique<FileClock>(path);
    if (clock->Now() == absl::InfinitePast()) {
      return absl::InvalidArgumentError(
          absl::StrCat("clock: file ", path, " must exist and hold an RFC 3339 time"));
    }
    return clock;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("clock: unknown kind '", spec, "' (want real or file:<path>)"));
}

}  // namespace skk

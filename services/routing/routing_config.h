#pragma once

// The routing rules in force, read from the city configuration file, and their reload while
// the service runs: an administrator edits the file, and the service picks it up on SIGHUP or
// when it sees the file change. A file that fails validation never replaces the rules in
// force.

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "services/routing/rules.h"

namespace skk::routing {

class RoutingConfig {
 public:
  // Reads and validates `path` (LoadCityConfig). An invalid file is an error, naming its
  // file and line: the service does not start on it.
  static absl::StatusOr<std::unique_ptr<RoutingConfig>> Load(const std::string& path);
  // From a configuration the caller already loaded from `path` and validated; Reload re-reads
  // `path`.
  RoutingConfig(std::string path, const sambat::v1::CityConfig& loaded);

  // The rules in force. Hold the pointer for the whole of one decision: a reload meanwhile
  // never changes the rules under it, and they stay alive while held. Thread-safe.
  std::shared_ptr<const RoutingRules> Current() const;
  // The whole configuration those rules came from (agencies' contacts, SLA policies).
  std::shared_ptr<const sambat::v1::CityConfig> CurrentCity() const;

  // Re-reads and validates the file. On success its rules are in force for every later
  // Current(). On error the last good rules stay in force and the error is returned
  // ("<path>:<line>: <what>"). Thread-safe.
  absl::Status Reload();

  const std::string& path() const { return path_; }

 private:
  struct Snapshot {
    std::shared_ptr<const sambat::v1::CityConfig> city;
    std::shared_ptr<const RoutingRules> rules;
  };
  static Snapshot Build(sambat::v1::CityConfig city);

  const std::string path_;
  absl::Mutex reload_mu_;  // one reload at a time, so an older file never lands last
  mutable absl::Mutex mu_;
  Snapshot current_ ABSL_GUARDED_BY(mu_);
};

// Reloads a RoutingConfig when the process receives SIGHUP and when the file's modification
// time or size changes, and logs each outcome. Constructing one installs the SIGHUP handler
// for the process (SIGHUP would otherwise end it).
class ReloadWatch {
 public:
  explicit ReloadWatch(RoutingConfig& config, absl::Duration interval = absl::Seconds(3));

  // One look: reloads if SIGHUP arrived or the file changed since the last look. Returns the
  // outcome of the reload, or nullopt when there was nothing to reload.
  std::optional<absl::Status> CheckOnce();

  // CheckOnce every `interval` (within a tenth of a second after a SIGHUP) until `stop`;
  // the body of a ServiceHost background loop.
  void Run(const std::atomic<bool>& stop);

 private:
  struct FileState {
    bool exists = false;
    long long mtime_ns = 0;
    long long size = 0;
    bool operator==(const FileState&) const = default;
  };
  FileState Look() const;

  RoutingConfig& config_;
  const absl::Duration interval_;
  FileState last_seen_;
};

}  // namespace skk::routing

#pragma once

// The load generator of the fault suite: citizens submitting complaints (some with photos,
// some anonymous, some through a KIM volunteer) at a steady rate, officers working their
// queues, and the business clock moving forward so deadlines pass. Every acknowledgement goes
// into the ClientLedger; a failed call is retried as the real client would (same idempotency
// key), and the number of retries is counted, because under faults they are the point.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "tests/faults/ledger.h"
#include "tests/support/officer.h"
#include "tests/support/system.h"

namespace skk::faults {

struct LoadOptions {
  double complaints_per_second = 15;
  int citizen_threads = 6;
  // One complaint in `photo_every` carries a photo, one in `anonymous_every` is anonymous and
  // one in `assisted_every` comes through a volunteer.
  int photo_every = 25;
  int photos = 200;  // distinct pictures made up front; photo complaints beyond them go without
  int anonymous_every = 7;
  int assisted_every = 10;
  // Agencies whose officers claim, answer and resolve cases during the run.
  std::vector<std::string> officer_agencies = {"dpuprpkp", "dlh", "dishub"};
  absl::Duration officer_pause = absl::Milliseconds(300);
  // Every `clock_every` of real time the business clock moves `clock_step` forward.
  absl::Duration clock_every = absl::Seconds(2);
  absl::Duration clock_step = absl::Hours(4);
  // How long a citizen keeps retrying one complaint before giving up (and saying so).
  absl::Duration give_up_after = absl::Minutes(3);
  // One complaint in `http_every` goes over HTTP through the gateway's replicas (when any
  // runs), the rest over gRPC straight to intake's.
  int http_every = 3;
};

struct LoadCounts {
  long long submitted = 0;     // complaints acknowledged
  long long with_photo = 0;
  long long anonymous = 0;
  long long assisted = 0;
  long long through_gateway = 0;  // acknowledged over HTTP
  long long given_up = 0;      // complaints a citizen stopped retrying (must be 0)
  long long citizen_retries = 0;
  long long officer_actions = 0;
  long long officer_failures = 0;  // calls that failed (service down) and were retried later
  long long clock_steps = 0;
  // The first few submissions intake refused outright (not a transient error), with why.
  std::vector<std::string> refusals;
};

class LoadGenerator {
 public:
  // Ports are taken now: services come back on the same port after a restart, and the
  // System's maps are not to be read from other threads while the fault schedule runs.
  LoadGenerator(skk::testing::System& system, ClientLedger& ledger, LoadOptions options);
  ~LoadGenerator();

  void Start();
  // Stops submitting new complaints and officer work, lets every citizen finish (retrying) the
  // complaint in hand, and stops the clock. Idempotent.
  void Stop();
  LoadCounts counts() const;

 private:
  void Citizen(int index);
  void Officer(const std::string& agency);
  void ClockMover();

  skk::testing::System& system_;
  ClientLedger& ledger_;
  LoadOptions options_;
  std::vector<int> intake_ports_;
  std::vector<int> gateway_ports_;  // HTTP
  class OfficerCalls;
  int routing_port_ = 0;
  std::vector<std::string> photos_;
  std::atomic<bool> stop_{false};
  std::atomic<long long> sequence_{0};
  absl::Time started_;
  std::vector<std::thread> threads_;
  mutable std::mutex refusals_mu_;
  std::vector<std::string> refusals_;

  std::atomic<long long> submitted_{0}, with_photo_{0}, anonymous_{0}, assisted_{0},
      through_gateway_{0}, given_up_{0}, citizen_retries_{0}, officer_actions_{0}, officer_failures_{0},
      clock_steps_{0};
};

}  // namespace skk::faults

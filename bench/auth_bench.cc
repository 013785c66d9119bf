// auth_bench: what the staff-token check costs per call, in one process, no network.
// Prints the time of TokenVerifier::Verify (ES256) (what the interceptor runs once per protected
// call) and of Mint, single-threaded and on --threads threads at once.
//
//   build/dev/bin/auth_bench [--seconds 2] [--threads 2]

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/platform/auth.h"
#include "services/platform/testing/keys.h"

ABSL_FLAG(double, seconds, 2, "how long each measurement runs");
ABSL_FLAG(int, threads, 2, "threads verifying at once in the second measurement");

namespace {

// Runs `op` on `threads` threads for the configured time; returns operations per second.
template <class Op>
double Rate(int threads, Op op) {
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::vector<std::thread> workers;
  const absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      long n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        op();
        ++n;
      }
      done += n;
    });
  }
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_seconds)));
  stop = true;
  for (auto& w : workers) w.join();
  return static_cast<double>(done.load()) / absl::ToDoubleSeconds(absl::Now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const skk::testing::KeyPair keys = skk::testing::NewEcKeyPair();
  const skk::TokenRules rules{.issuer = "bench", .audience = "bench/staff"};
  auto issuer = skk::TokenIssuer::Create({"bench-1", keys.private_pem}, rules);
  auto verifier = skk::TokenVerifier::Create({{"bench-1", keys.public_pem}}, rules);
  if (!issuer.ok() || !verifier.ok()) return 1;
  const absl::Time now = absl::FromUnixSeconds(1772416800);
  const skk::Caller caller{.subject = "budi.dpuprpkp", .name = "Budi Santoso",
                           .role = skk::StaffRole::kOfficer, .agency_code = "dpuprpkp"};
  const std::string token = *issuer->Mint(caller, now, absl::Hours(8));
  const std::string forged = token.substr(0, token.size() - 2) + "xx";

  const int threads = absl::GetFlag(FLAGS_threads);
  const double verify = Rate(1, [&] { (void)verifier->Verify(token, now); });
  const double verify_bad = Rate(1, [&] { (void)verifier->Verify(forged, now); });
  const double verify_n = Rate(threads, [&] { (void)verifier->Verify(token, now); });
  const double mint = Rate(1, [&] { (void)issuer->Mint(caller, now, absl::Hours(8)); });
  std::printf("verify good token, 1 thread:   %9.0f/s  %6.2f us each\n", verify, 1e6 / verify);
  std::printf("verify bad signature, 1 thread:%9.0f/s  %6.2f us each\n", verify_bad,
              1e6 / verify_bad);
  std::printf("verify good token, %d threads:  %9.0f/s\n", threads, verify_n);
  std::printf("mint, 1 thread:                %9.0f/s  %6.2f us each\n", mint, 1e6 / mint);
  return 0;
}

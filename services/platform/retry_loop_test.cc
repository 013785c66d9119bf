// Backoff and RunUntilStopped: the waits of a loop that retries until its service stops. Real
// time is measured only from below (a loaded machine makes waits longer, never shorter).

#include "services/platform/retry_loop.h"

#include <catch2/catch.hpp>
#include <atomic>
#include <vector>

#include "absl/status/status.h"

namespace skk {
namespace {

TEST_CASE("a backoff doubles from its first wait up to its longest and starts over on reset",
          "[retry_loop]") {
  Backoff backoff({.initial = absl::Milliseconds(100), .max = absl::Milliseconds(500)});
  std::vector<absl::Duration> waits;
  for (int i = 0; i < 5; ++i) waits.push_back(backoff.Take());
  CHECK(waits == std::vector<absl::Duration>{absl::Milliseconds(100), absl::Milliseconds(200),
                                             absl::Milliseconds(400), absl::Milliseconds(500),
                                             absl::Milliseconds(500)});
  backoff.Reset();
  CHECK(backoff.next() == absl::Milliseconds(100));
  CHECK(backoff.Take() == absl::Milliseconds(100));
}

TEST_CASE("a jittered backoff waits between half and one and a half times each step",
          "[retry_loop]") {
  Backoff backoff({.initial = absl::Seconds(1), .max = absl::Seconds(4), .jitter = true});
  for (const absl::Duration step : {absl::Seconds(1), absl::Seconds(2), absl::Seconds(4)}) {
    CHECK(backoff.next() == step);
    const absl::Duration wait = backoff.Take();
    CHECK(wait >= step / 2);
    CHECK(wait < step * 3 / 2);
  }
}

TEST_CASE("a backoff's sleep returns at once, false, when the loop is stopped",
          "[retry_loop]") {
  std::atomic<bool> stop{true};
  Backoff backoff({.initial = absl::Hours(1), .max = absl::Hours(1)});
  const absl::Time start = absl::Now();
  CHECK_FALSE(backoff.Sleep(stop));
  CHECK(absl::Now() - start < absl::Minutes(1));
}

TEST_CASE("the loop backs off after each failure and starts over after a success",
          "[retry_loop]") {
  std::atomic<bool> stop{false};
  // Fails twice (waits 20 ms, then 40 ms), succeeds, fails once more (20 ms again), then stops.
  const std::vector<bool> fails = {true, true, false, true, false};
  size_t rounds = 0;
  const absl::Time start = absl::Now();
  RunUntilStopped(stop, {.failure_message = "test round failed",
                         .backoff = {.initial = absl::Milliseconds(20),
                                     .max = absl::Seconds(1)}},
                  [&]() -> RoundResult {
                    const bool fail = fails[rounds++];
                    if (rounds == fails.size()) stop = true;
                    if (fail) return absl::UnavailableError("away");
                    return absl::ZeroDuration();
                  });
  CHECK(rounds == fails.size());
  CHECK(absl::Now() - start >= absl::Milliseconds(80));
}

TEST_CASE("the loop rests after a round as long as the round asks", "[retry_loop]") {
  std::atomic<bool> stop{false};
  int rounds = 0;
  const absl::Time start = absl::Now();
  RunUntilStopped(stop, {.failure_message = "test round failed"}, [&]() -> RoundResult {
    if (++rounds == 3) stop = true;
    return absl::Milliseconds(30);
  });
  CHECK(rounds == 3);
  CHECK(absl::Now() - start >= absl::Milliseconds(60));
}

TEST_CASE("a round that fails as the loop is stopped ends it without a wait", "[retry_loop]") {
  std::atomic<bool> stop{false};
  int rounds = 0;
  const absl::Time start = absl::Now();
  RunUntilStopped(stop,
                  {.failure_message = "test round failed",
                   .about = {"service", "test"},
                   .backoff = {.initial = absl::Hours(1), .max = absl::Hours(1)}},
                  [&]() -> RoundResult {
                    ++rounds;
                    stop = true;
                    return absl::UnavailableError("closed under us");
                  });
  CHECK(rounds == 1);
  CHECK(absl::Now() - start < absl::Minutes(1));
}

TEST_CASE("a loop that is stopped before it starts runs no round", "[retry_loop]") {
  std::atomic<bool> stop{true};
  int rounds = 0;
  RunUntilStopped(stop, {.failure_message = "test round failed"}, [&]() -> RoundResult {
    ++rounds;
    return absl::ZeroDuration();
  });
  CHECK(rounds == 0);
}

}  // namespace
}  // namespace skk

// list_queue_bench: latency of the officers' queue (OfficerService.ListQueue) with a city's
// worth of open cases.
//
// Starts a real skk-routing on a private database of the dev stack (tests/support/system.h),
// bulk-inserts --open_cases open cases spread over --agencies agencies (plus as many closed
// ones, which the queue must skip), then calls ListQueue through gRPC with a staff token, one
// page of 50 at a time, from --clients threads, and prints p50/p99/p99.9 per kind of page:
//   first   the first page of an agency's open queue (what an officer sees on opening it)
//   deep    the 10th page, reached with the page token of the 9th
//   state   the first page filtered to one state (IN_PROGRESS)
//   city    leadership's first page across every agency
//
// A Catch2 binary so it can reuse the test harness; it is not registered with ctest (a
// benchmark asserts nothing about time). Run it with the dev stack's environment:
//   source .run/dev/stack.env && build/dev/bin/list_queue_bench
// Output: one "name value" line per figure.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/support/officer.h"
#include "tests/support/staff_tokens.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

struct Figures {
  std::vector<double> ms;
  void Print(const std::string& name) {
    if (ms.empty()) return;  // the warm-up times nothing
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
    std::printf("%s_calls %zu\n%s_p50_ms %.2f\n%s_p99_ms %.2f\n%s_p999_ms %.2f\n%s_max_ms %.2f\n",
                name.c_str(), ms.size(), name.c_str(), at(0.50), name.c_str(), at(0.99),
                name.c_str(), at(0.999), name.c_str(), ms.back());
    std::fflush(stdout);
  }
};

}  // namespace

TEST_CASE("list_queue_bench", "[bench]") {
  const int open_cases = EnvInt("BENCH_OPEN_CASES", 100000);
  const int agencies = EnvInt("BENCH_AGENCIES", 40);
  const int calls = EnvInt("BENCH_CALLS", 2000);
  const int clients = EnvInt("BENCH_CLIENTS", 4);

  System system("qbench", {"routing"});
  const absl::Time now = system.Now();
  std::vector<std::string> codes;
  for (int i = 1; i <= agencies; ++i) codes.push_back(absl::StrFormat("opd-%02d", i));
  const auto load_start = std::chrono::steady_clock::now();
  {
    auto admin = system.world().Admin();
    // Open cases: deadlines from three days ago (overdue) to two months ahead, every tenth
    // without one yet.
    InsertCases(*admin, {.count = open_cases, .agencies = codes,
                         .states = {"ROUTED", "IN_PROGRESS", "WAITING_CITIZEN", "REOPENED"},
                         .first_due = now - absl::Hours(72), .undated_every = 10, .seed = 1},
                now);
    InsertCases(*admin, {.count = open_cases, .agencies = codes,
                         .states = {"RESOLVED", "CLOSED", "REJECTED"},
                         .first_due = now - absl::Hours(24 * 90), .seed = 2},
                now);
  }
  std::printf("cases_open %d\ncases_closed %d\nagencies %d\nclients %d\nload_seconds %.1f\n",
              open_cases, open_cases, agencies, clients,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());

  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", system.Port("routing")),
                                     grpc::InsecureChannelCredentials());
  std::vector<std::string> tokens;
  for (const auto& code : codes) tokens.push_back(StaffToken(StaffRole::kOfficer, code, now));
  const std::string leader = StaffToken(StaffRole::kLeadership, "", now);

  // One kind of page, `calls` times over `clients` threads; each call timed alone.
  auto run = [&](const std::string& name, const std::function<void(int, Figures&)>& one) {
    std::vector<Figures> per_thread(clients);
    std::atomic<int> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < clients; ++t) {
      threads.emplace_back([&, t] {
        for (int i = next++; i < calls; i = next++) one(i, per_thread[t]);
      });
    }
    for (auto& th : threads) th.join();
    Figures all;
    for (auto& f : per_thread) all.ms.insert(all.ms.end(), f.ms.begin(), f.ms.end());
    all.Print(name);
  };
  auto stub = sambat::v1::OfficerService::NewStub(channel);
  std::atomic<int> errors{0};
  std::string first_error;
  auto call = [&](const std::string& token, const sambat::v1::ListQueueRequest& request,
                  sambat::v1::ListQueueResponse* response) {
    grpc::ClientContext context;
    AuthorizeAs(context, token);
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status status = stub->ListQueue(&context, request, response);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    // Catch2's assertions are not for other threads: count failures, report them at the end.
    if (!status.ok()) {
      if (errors++ == 0) first_error = absl::StrCat(status.error_code(), " ", status.error_message());
    }
    return ms;
  };

  std::atomic<int> short_pages{0};
  // Warm up: connections, prepared statements, the index in the buffer cache.
  run("warmup", [&](int i, Figures&) {
    sambat::v1::ListQueueResponse r;
    call(tokens[i % agencies], sambat::v1::ListQueueRequest(), &r);
  });
  run("first", [&](int i, Figures& f) {
    sambat::v1::ListQueueRequest q;
    q.set_page_size(50);
    sambat::v1::ListQueueResponse r;
    f.ms.push_back(call(tokens[i % agencies], q, &r));
    if (r.cases_size() != 50) ++short_pages;
  });
  run("deep", [&](int i, Figures& f) {
    sambat::v1::ListQueueRequest q;
    q.set_page_size(50);
    sambat::v1::ListQueueResponse r;
    for (int page = 0; page < 10; ++page) {
      const double ms = call(tokens[i % agencies], q, &r);
      if (page == 9) f.ms.push_back(ms);
      q.set_page_token(r.next_page_token());
    }
  });
  run("state", [&](int i, Figures& f) {
    sambat::v1::ListQueueRequest q;
    q.set_page_size(50);
    q.add_states(sambat::v1::CASE_STATE_IN_PROGRESS);
    sambat::v1::ListQueueResponse r;
    f.ms.push_back(call(tokens[i % agencies], q, &r));
  });
  run("city", [&](int, Figures& f) {
    sambat::v1::ListQueueRequest q;
    q.set_page_size(50);
    sambat::v1::ListQueueResponse r;
    f.ms.push_back(call(leader, q, &r));
  });
  std::printf("errors %d\nshort_pages %d\n", errors.load(), short_pages.load());
  // For a look at the plans: BENCH_HOLD_SECONDS keeps the database (named here) a while.
  if (const int hold = EnvInt("BENCH_HOLD_SECONDS", 0); hold > 0) {
    std::printf("database %s\n", system.world().database().c_str());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(hold));
  }
  if (errors > 0) std::printf("first_error %s\n", first_error.c_str());
  CHECK(errors == 0);
}

}  // namespace skk::testing

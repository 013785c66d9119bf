// console_bench: the console's heaviest screens with a city's worth of cases (issue 17's
// targets: the officer's queue with 200 open cases ready in under 300 ms, leadership's
// dashboard over 100,000 cases in under 1 s).
//
// Starts every service and the gateway serving the built console on private databases of the
// dev stack (tests/support/browser_run.h), bulk-inserts BENCH_CASES cases (default 100,000)
// over the city's agencies straight into routing's and sla's tables, 200 of them open at
// DPUPRPKP for the officer, their first-response clocks spread over 13 weeks (most answered,
// some late, one in twelve escalated), then times:
//   api_queue_200        GET /api/v1/staff/queue?page_size=200 as the officer
//   api_dashboard        GET /api/v1/staff/dashboard over the 13 weeks as leadership
//   api_case_map         GET /api/v1/staff/case-map as leadership (every agency)
//   api_report_csv       GET /api/v1/staff/report.csv over the 13 weeks
//   queue_200_cases_ready, dashboard_ready: the same screens in Chromium, from navigation to
//                        their data on screen (bench/console_bench.mjs)
// A Catch2 binary so it can reuse the test harness; not registered with ctest (a benchmark
// asserts nothing about time). Run it with bash bench/console_bench.sh.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/support/browser_run.h"
#include "tests/support/http_client.h"
#include "tests/support/officer.h"

namespace skk::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

// `calls` timings of `one` after a warm-up call; prints p50, p99 and max in milliseconds.
void Time(const std::string& name, int calls, const std::function<void()>& one) {
  one();
  std::vector<double> ms;
  for (int i = 0; i < calls; ++i) {
    const auto start = std::chrono::steady_clock::now();
    one();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
  std::printf("%s_p50_ms %.1f\n%s_p99_ms %.1f\n%s_max_ms %.1f\n", name.c_str(), at(0.5),
              name.c_str(), at(0.99), name.c_str(), ms.back());
  std::fflush(stdout);
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

}  // namespace

TEST_CASE("console_bench", "[bench]") {
  const int cases = EnvInt("BENCH_CASES", 100000);
  const int calls = EnvInt("BENCH_CALLS", 30);
  BrowserCity city("console_bench");
  System& system = city.system;
  const absl::Time now = system.Now();

  Console admin(system.HttpPort());
  REQUIRE(admin.SignIn("admin", kAdministratorPassword).status == 200);
  const std::string temporary = CreateAccount(admin, "sekda", "leadership", "");
  Console sekda(system.HttpPort());
  sekda.FirstSignIn("sekda", temporary, "rapat-senin-pagi-2026");
  Console budi(system.HttpPort());
  REQUIRE(budi.SignIn(kBrowserOfficer, kBrowserOfficerPassword).status == 200);

  const auto load_start = std::chrono::steady_clock::now();
  {
    auto db = system.world().Admin();
    InsertCases(*db, {.count = 200, .agencies = {"dpuprpkp"},
                      .states = {"ROUTED", "IN_PROGRESS", "WAITING_CITIZEN", "REOPENED"},
                      .first_due = now - absl::Hours(48), .seed = 1},
                now);
    const std::vector<std::string> others = {
        "dlh", "dishub", "dispendukcapil", "dinkes", "disdikbud", "dinsos-p3ap2kb", "dpmptsp",
        "satpol-pp", "bpbd", "diskominfo", "bagian-pemerintahan", "dpuprpkp"};
    InsertCases(*db, {.count = cases * 8 / 10 - 200, .agencies = others,
                      .states = {"RESOLVED", "CLOSED", "REJECTED"},
                      .first_due = now - absl::Hours(24 * 91), .seed = 2},
                now);
    InsertCases(*db, {.count = cases - cases * 8 / 10, .agencies = others,
                      .states = {"ROUTED", "IN_PROGRESS", "WAITING_CITIZEN", "REOPENED"},
                      .first_due = now - absl::Hours(24 * 14), .seed = 3},
                now);
    // Spread over the city, and their first-response clocks over 13 weeks: finished cases were
    // answered (one in six late), open ones run (those past due are overdue); one in twelve
    // escalated.
    const std::string at = absl::FormatTime("%Y-%m-%d %H:%M:%S+00", now, absl::UTCTimeZone());
    const absl::Status loaded = db->ExecuteScript(absl::StrFormat(R"sql(
      UPDATE routing.cases SET latitude = -7.93 - random() * 0.09,
                               longitude = 112.58 + random() * 0.1;
      INSERT INTO sla.deadlines (complaint_id, ticket, agency_code, kind, starts_at, due_at,
          created_at, stopped_at, category, state, allowance_seconds, used_seconds,
          running_since, stop_reason)
      SELECT complaint_id, ticket, agency_code, 'FIRST_RESPONSE', s, s + interval '7 days', s,
             CASE WHEN open THEN NULL
                  WHEN n %% 6 = 0 THEN s + interval '9 days' ELSE s + interval '2 days' END,
             category, CASE WHEN open THEN 'running' ELSE 'stopped' END, 40 * 3600,
             CASE WHEN open THEN 0 ELSE (3600 + (n %% 97) * 1800) END,
             CASE WHEN open THEN s END, CASE WHEN open THEN NULL ELSE 'responded' END
      FROM (SELECT *, row_number() OVER () AS n,
                   state IN ('ROUTED', 'IN_PROGRESS', 'WAITING_CITIZEN', 'REOPENED') AS open,
                   '%s'::timestamptz - (random() * 91) * interval '1 day' AS s
            FROM routing.cases) c;
      WITH fired AS (
        INSERT INTO sla.timers (deadline_id, complaint_id, ticket, agency_code, level, due_at,
                                correlation_id, cause_event_id, fired_at)
        SELECT id, complaint_id, ticket, agency_code, 1, due_at, 'bench', gen_random_uuid(),
               due_at
        FROM sla.deadlines WHERE id %% 12 = 0
        RETURNING id, complaint_id, ticket, agency_code, due_at)
      INSERT INTO sla.escalations (timer_id, complaint_id, agency_code, level, due_at, fired_at,
                                   ticket, deadline_due_at)
      SELECT id, complaint_id, agency_code, 1, due_at, due_at, ticket, due_at FROM fired;
      ANALYZE routing.cases; ANALYZE sla.deadlines; ANALYZE sla.escalations;)sql",
                                                                  at));
    INFO(loaded.ToString());
    REQUIRE(loaded.ok());
  }
  std::printf("cases %d\nopen_at_officers_agency %lld\nescalations %lld\nload_seconds %.1f\n",
              cases,
              system.Count("SELECT count(*) FROM routing.cases WHERE agency_code = 'dpuprpkp' "
                           "AND state IN ('ROUTED', 'IN_PROGRESS', 'WAITING_CITIZEN', 'REOPENED')"),
              system.Count("SELECT count(*) FROM sla.escalations"),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());

  const absl::Time from = now - absl::Hours(24 * 91);
  const absl::Time to = now + absl::Hours(1);
  const std::string period = absl::StrCat("from=", Rfc3339(from), "&to=", Rfc3339(to));
  Time("api_queue_200", calls, [&] {
    const HttpAnswer a = budi.Get("/api/v1/staff/queue?page_size=200");
    REQUIRE(a.status == 200);
  });
  Time("api_dashboard", calls, [&] {
    const HttpAnswer a = sekda.Get(absl::StrCat("/api/v1/staff/dashboard?", period));
    REQUIRE(a.status == 200);
  });
  Time("api_case_map", calls, [&] {
    const HttpAnswer a = sekda.Get("/api/v1/staff/case-map");
    REQUIRE(a.status == 200);
  });
  Time("api_report_csv", calls, [&] {
    const HttpAnswer a = sekda.Get(absl::StrCat("/api/v1/staff/report.csv?", period));
    REQUIRE(a.status == 200);
  });

  const BrowserRun run = RunBrowserScript(system, SKK_BENCH_SCRIPT,
                                          {{"SKK_LEADER_USER", "sekda"},
                                           {"SKK_LEADER_PASSWORD", "rapat-senin-pagi-2026"},
                                           {"SKK_FROM", Rfc3339(from)},
                                           {"SKK_TO", Rfc3339(to)}});
  std::printf("%s", run.output.c_str());
  REQUIRE(run.exit_code == 0);
}

}  // namespace skk::testing

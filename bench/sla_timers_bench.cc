// sla_timers_bench: the sla timer machinery at a city's scale, against the real PostgreSQL
// and Redis of the environment (SKK_* variables, as the tests use; a private database and
// Redis prefix, removed at the end). It stores --timers pending timers, measures what they
// cost in PostgreSQL and Redis and how long rebuilding the Redis schedule from PostgreSQL
// takes, then lets --burst of them fall due at one real instant and measures how fast
// --replicas firing loops (each its own connection pool and Redis client, as replicas are)
// fire them and how late each firing was, and finally a steady --steady_rate per second for
// --steady_seconds for the lateness of firing under an ordinary load. Prints the figures.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/platform/clock.h"
#include "services/platform/migrations.h"
#include "services/platform/redis.h"
#include "services/platform/testing/test_env.h"
#include "services/sla/timers.h"

ABSL_FLAG(int, timers, 1000000, "pending timers to store (four per case)");
ABSL_FLAG(int, burst, 20000, "timers that fall due at the same instant");
ABSL_FLAG(int, replicas, 2, "firing loops, each with its own pool and Redis client");
ABSL_FLAG(int, steady_rate, 100, "timers falling due per second in the steady phase");
ABSL_FLAG(int, steady_seconds, 20, "length of the steady phase");

namespace {

using skk::PgConnection;
using skk::testing::QueryInt;

void Exec(PgConnection& conn, const std::string& sql) {
  absl::Status st = conn.ExecuteScript(sql);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    std::exit(1);
  }
}

long long RedisUsedMemory(skk::RedisClient& redis) {
  auto info = redis.Command({"INFO", "memory"});
  if (!info.ok()) return -1;
  for (absl::string_view line : absl::StrSplit(info->str, "\r\n")) {
    if (absl::ConsumePrefix(&line, "used_memory:")) {
      long long v = 0;
      if (absl::SimpleAtoi(line, &v)) return v;
    }
  }
  return -1;
}

// Cases whose four timers (two reminders, two escalations) are due from `first` on, one
// case every `spacing`; `cases` cases from case number `from`.
std::string InsertCases(long long from, long long cases, absl::Time first,
                        absl::Duration spacing) {
  const std::string t0 = absl::FormatTime(first);
  const std::string step = absl::StrCat(absl::ToDoubleMilliseconds(spacing), " milliseconds");
  return absl::StrCat(R"sql(
    WITH d AS (
      INSERT INTO sla.deadlines (complaint_id, ticket, agency_code, kind, starts_at, due_at,
                                 created_at, category, state, generation, allowance_seconds,
                                 running_since)
      SELECT gen_random_uuid(), 'SKK-B-' || g, 'dlh', 'FIRST_RESPONSE', now(),
             ')sql", t0, "'::timestamptz + (g - ", from, ") * interval '", step, R"sql(',
             now(), 'sampah', 'running', 1, 432000, now()
      FROM generate_series()sql", from, ", ", from + cases - 1, R"sql() g
      RETURNING id, complaint_id, ticket, due_at)
    INSERT INTO sla.timers (deadline_id, complaint_id, ticket, agency_code, level, due_at,
                            correlation_id, cause_event_id, kind, generation, deadline_kind)
    SELECT d.id, d.complaint_id, d.ticket, 'dlh', k.level, d.due_at, 'bench',
           gen_random_uuid(), k.kind, 1, 'FIRST_RESPONSE'
    FROM d CROSS JOIN (VALUES (0, 'reminder'), (0, 'reminder'), (1, 'escalation'),
                              (2, 'escalation')) AS k(level, kind);)sql");
}

// Schedules the timers stored after `after_id` as the consumer does when it plans them.
void ScheduleNewTimers(PgConnection& admin, skk::sla::Timers& timers, long long after_id) {
  static constexpr skk::SqlStatement kNew{"bench_new_timers",
                                          "SELECT id, due_at FROM sla.timers WHERE id > $1"};
  auto rows = admin.Execute(kNew, {skk::SqlParam::Int(after_id)});
  if (!rows.ok()) std::exit(1);
  std::vector<std::pair<int64_t, absl::Time>> batch;
  for (int i = 0; i < rows->rows(); ++i) {
    const skk::PgRow timer = rows->Row(i);
    batch.emplace_back(timer.Int("id"), timer.Time("due_at"));
    if (batch.size() == 5000 || i + 1 == rows->rows()) {
      timers.Schedule(batch);
      batch.clear();
    }
  }
}

struct Replica {
  std::unique_ptr<skk::PgPool> pool;
  std::unique_ptr<skk::sla::Timers> timers;
};

// Runs the firing loops (and one reconciler, as a replica would) until `done` says so.
void RunLoops(std::vector<Replica>& replicas, const std::function<bool()>& done) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& r : replicas) {
    threads.emplace_back([&stop, &r] { r.timers->Run(stop); });
  }
  threads.emplace_back([&stop, &replicas] { replicas[0].timers->RunReconciler(stop); });
  while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop = true;
  for (auto& t : threads) t.join();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int n_timers = absl::GetFlag(FLAGS_timers);
  const int burst = absl::GetFlag(FLAGS_burst);
  skk::testing::IsolatedWorld world("slabench");
  auto admin = world.Admin();
  {
    auto conn = PgConnection::Connect(world.PgUri("sla"), "sla");
    if (!conn.ok() || !skk::ApplyMigrations(**conn, "platform", skk::platform_migrations()).ok() ||
        !skk::ApplyMigrations(**conn, "sla", skk::sla_migrations()).ok()) {
      std::fprintf(stderr, "cannot migrate\n");
      return 1;
    }
  }
  Exec(*admin, "CREATE EXTENSION IF NOT EXISTS pgcrypto");
  auto calendar = skk::sla::WorkingCalendar::Load(
      "Asia/Jakarta", skk::testing::SourcePath("deploy/config/holidays-indonesia.textproto"));
  // The shipped policies with that calendar: a reminder names the working time left by it.
  const skk::sla::SlaPolicies policies(skk::testing::ShippedCityConfig(), *calendar);
  skk::RealClock clock;
  skk::RedisClient redis(skk::testing::Stack().redis_addr);
  const std::string key = world.redis_prefix() + "sla:timers";
  auto make_replica = [&] {
    Replica r;
    r.pool = std::make_unique<skk::PgPool>(
        skk::PgPool::Options{.uri = world.PgUri("sla"), .schema = "sla", .size = 2});
    r.timers = std::make_unique<skk::sla::Timers>(
        *r.pool, clock, policies,
        skk::sla::Timers::Options{.redis_addr = skk::testing::Stack().redis_addr,
                                  .redis_prefix = world.redis_prefix(),
                                  .poll_interval = absl::Milliseconds(100),
                                  .reconcile_interval = absl::Seconds(30)});
    return r;
  };

  // 1. A million pending timers, due over the coming year.
  auto t = absl::Now();
  const long long cases = n_timers / 4;
  for (long long from = 0; from < cases; from += 50000) {
    Exec(*admin, InsertCases(from, std::min<long long>(50000, cases - from),
                             absl::Now() + absl::Hours(24 * 30), absl::Seconds(60)));
  }
  Exec(*admin, "ANALYZE sla.timers; ANALYZE sla.deadlines");
  std::printf("stored %lld pending timers (%lld cases) in %.1f s\n",
              QueryInt(*admin, "SELECT count(*) FROM sla.timers"), cases,
              absl::ToDoubleSeconds(absl::Now() - t));
  std::printf("postgresql: timers %.1f MB, deadlines %.1f MB (tables with indexes)\n",
              QueryInt(*admin, "SELECT pg_total_relation_size('sla.timers')") / 1e6,
              QueryInt(*admin, "SELECT pg_total_relation_size('sla.deadlines')") / 1e6);

  // 2. Rebuilding the schedule from PostgreSQL into an empty Redis.
  (void)redis.Command({"DEL", key});
  const long long before = RedisUsedMemory(redis);
  Replica first = make_replica();
  t = absl::Now();
  auto n = first.timers->Reconcile();
  const double reconcile_s = absl::ToDoubleSeconds(absl::Now() - t);
  if (!n.ok()) {
    std::fprintf(stderr, "%s\n", n.status().ToString().c_str());
    return 1;
  }
  const long long after = RedisUsedMemory(redis);
  auto usage = redis.Command({"MEMORY", "USAGE", key, "SAMPLES", "0"});
  std::printf("reconcile: %d timers into redis in %.2f s (%.0f timers/s)\n", *n, reconcile_s,
              *n / reconcile_s);
  std::printf("redis: MEMORY USAGE %.1f MB (%.0f bytes/timer), used_memory grew %.1f MB\n",
              usage.ok() ? usage->integer / 1e6 : -1.0,
              usage.ok() ? static_cast<double>(usage->integer) / *n : -1.0,
              (after - before) / 1e6);

  // 3. A burst: `burst` timers due at one real instant, fired by the replicas.
  std::vector<Replica> replicas;
  replicas.push_back(std::move(first));
  for (int i = 1; i < absl::GetFlag(FLAGS_replicas); ++i) replicas.push_back(make_replica());
  const absl::Time burst_at = absl::Now() + absl::Seconds(5);
  long long last_id = QueryInt(*admin, "SELECT max(id) FROM sla.timers");
  Exec(*admin, InsertCases(cases, burst / 4, burst_at, absl::ZeroDuration()));
  ScheduleNewTimers(*admin, *replicas[0].timers, last_id);
  RunLoops(replicas, [&] {
    return QueryInt(*admin, "SELECT count(*) FROM sla.firings") >= (burst / 4) * 4;
  });
  const double burst_s = QueryInt(*admin, "SELECT (extract(epoch FROM max(f.fired_at) - min(t.due_at)) "
                                          "* 1000)::bigint FROM sla.firings f JOIN sla.timers t "
                                          "ON t.id = f.timer_id") / 1000.0;
  std::printf("burst: %d timers due at once fired by %zu replicas in %.1f s (%.0f firings/s); "
              "lateness p50 %lld ms, p99 %lld ms, max %lld ms; fired twice: %lld\n",
              (burst / 4) * 4, replicas.size(), burst_s, (burst / 4) * 4 / burst_s,
              QueryInt(*admin, "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY late_by_ms) "
                               "FROM sla.firings"),
              QueryInt(*admin, "SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY late_by_ms) "
                               "FROM sla.firings"),
              QueryInt(*admin, "SELECT max(late_by_ms) FROM sla.firings"),
              QueryInt(*admin, "SELECT count(*) - count(DISTINCT timer_id) FROM sla.escalations"));

  // 4. Steady: timers falling due evenly, the lateness an ordinary day sees.
  const int rate = absl::GetFlag(FLAGS_steady_rate);
  const int seconds = absl::GetFlag(FLAGS_steady_seconds);
  const long long steady_cases = static_cast<long long>(rate) * seconds / 4;
  const absl::Time steady_at = absl::Now() + absl::Seconds(5);
  Exec(*admin, "TRUNCATE sla.firings");
  last_id = QueryInt(*admin, "SELECT max(id) FROM sla.timers");
  Exec(*admin, InsertCases(cases + burst / 4, steady_cases, steady_at,
                           absl::Seconds(1) * 4 / rate));
  ScheduleNewTimers(*admin, *replicas[0].timers, last_id);
  RunLoops(replicas, [&] {
    return QueryInt(*admin, "SELECT count(*) FROM sla.firings") >= steady_cases * 4;
  });
  std::printf("steady: %d timers/s for %d s: lateness p50 %lld ms, p99 %lld ms, max %lld ms\n",
              rate, seconds,
              QueryInt(*admin, "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY late_by_ms) "
                               "FROM sla.firings"),
              QueryInt(*admin, "SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY late_by_ms) "
                               "FROM sla.firings"),
              QueryInt(*admin, "SELECT max(late_by_ms) FROM sla.firings"));
  (void)redis.Command({"DEL", key});
  return 0;
}

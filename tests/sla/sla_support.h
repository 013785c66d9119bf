#pragma once

// An in-process sla for tests: its clocks and timers on a private database and Redis prefix,
// with a hand-set business clock, and short forms of the case event builders
// (tests/support/case_order.h) for a case of a complaint id.

#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/migrations.h"
#include "services/platform/redis.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/case_order.h"
#include "tests/support/city_time.h"
#include "services/sla/case_clocks.h"
#include "services/sla/policy.h"
#include "services/sla/timers.h"

namespace skk::testing {

inline sla::WorkingCalendar IndonesianCalendar() {
  auto c = sla::WorkingCalendar::Load(
      "Asia/Jakarta", SourcePath("deploy/config/holidays-indonesia.textproto"));
  REQUIRE(c.ok());
  return *c;
}

// The case of complaint `id` as routing names it on its events (tests/support/case_order.h
// builds them).
inline CaseRef SlaCase(const std::string& id, const std::string& category = "jalan-rusak") {
  return {.complaint_id = id, .ticket = "SKK-2026-" + id.substr(0, 6), .category = category};
}

inline sambat::v1::Event Routed(const std::string& id, const std::string& category,
                                const std::string& agency, absl::Time at) {
  return Routed(SlaCase(id, category), agency, agency, at);
}

inline sambat::v1::Event Forwarded(const std::string& id, const std::string& from,
                                   const std::string& to, const std::string& category,
                                   absl::Time at) {
  return Forwarded(SlaCase(id, category), from, to, to, at);
}

inline sambat::v1::Event Reopened(const std::string& id, const std::string& agency,
                                  const std::string& category, absl::Time at) {
  return Reopened(SlaCase(id, category), agency, "masih rusak", at);
}

// case.info_requested, .citizen_answered, .responded, .resolved, .rejected, .closed.
inline sambat::v1::Event CaseEvent(const std::string& id, const std::string& type,
                                   const std::string& agency, absl::Time at) {
  const CaseRef c = SlaCase(id);
  if (type == kCaseInfoRequested) return InfoRequested(c, agency, at);
  if (type == kCaseCitizenAnswered) return CitizenAnswered(c, agency, at);
  if (type == kCaseResponded) return Responded(c, agency, "", at);
  if (type == kCaseResolved) return Resolved(c, agency, "", at);
  if (type == kCaseRejected) return Rejected(c, agency, at);
  if (type == kCaseClosed) return Closed(c, agency, at);
  FAIL("no builder for " << type);
  return {};
}

// The sla's clocks and timers on a private world. Events are applied as the consumer would
// (one transaction each); emitted events stay in the outbox (no relay runs) for inspection.
struct SlaWorld {
  struct Replica {
    std::unique_ptr<PgPool> pool;
    std::unique_ptr<sla::Timers> timers;
  };

  SlaWorld(const std::string& name, absl::Time start)
      : world(name), clock(start), policies(ShippedCityConfig(), IndonesianCalendar()) {
    pool = MigratedPool(world, "sla", sla_migrations());
    admin = world.Admin();
    StartTimers();
  }
  ~SlaWorld() { DeleteSchedule(); }

  sla::Timers::Options TimerOptions() const {
    return {.redis_addr = Stack().redis_addr, .redis_prefix = world.redis_prefix()};
  }

  // A fresh Timers, as a restarted process builds it.
  void StartTimers() {
    clocks.reset();
    timers = std::make_unique<sla::Timers>(*pool, clock, policies, TimerOptions());
    clocks = std::make_unique<sla::CaseClocks>(policies, clock, *timers);
  }

  Replica NewReplica() {
    Replica r;
    r.pool = std::make_unique<PgPool>(
        PgPool::Options{.uri = world.PgUri("sla"), .schema = "sla", .size = 2});
    r.timers =
        std::make_unique<sla::Timers>(*r.pool, clock, policies, TimerOptions());
    return r;
  }

  // Applies `event` as the consumer would; a case event built without its place in the case's
  // chain gets the next one (StandInRouting).
  void Apply(sambat::v1::Event e) {
    StandInRouting().Stamp(e);
    const absl::Status st =
        pool->Transact([&](PgConnection& tx) { return clocks->Apply(tx, e); });
    INFO(st.ToString());
    REQUIRE(st.ok());
  }

  // A new complaint's case of `category`, routed to `agency` at the business clock's time and
  // applied as the consumer would; returns its complaint id.
  std::string RouteNewCase(const std::string& category, const std::string& agency) {
    const std::string id = NewUuid();
    Apply(Routed(id, category, agency, clock.Now()));
    return id;
  }

  int FireDue() {
    auto n = timers->FireDue();
    INFO(n.status().ToString());
    REQUIRE(n.ok());
    return *n;
  }

  long long Count(const std::string& sql) {
    std::lock_guard lock(mu);
    auto conn = pool->Acquire();
    REQUIRE(conn.ok());
    return QueryInt(**conn, sql);
  }

  void AdminExec(const std::string& sql) { REQUIRE(admin->ExecuteScript(sql).ok()); }

  // Events of `type` in sla's outbox, oldest first.
  std::vector<sambat::v1::Event> Outbox(const std::string& type) {
    static constexpr SqlStatement kRows{"test_outbox_rows",
                                        "SELECT payload FROM sla.outbox WHERE routing_key = $1 "
                                        "ORDER BY id"};
    auto r = admin->Execute(kRows, {SqlParam::Text(type)});
    REQUIRE(r.ok());
    std::vector<sambat::v1::Event> events;
    for (skk::PgRow row : *r) {
      sambat::v1::Event e;
      REQUIRE(e.ParseFromString(row.Bytes("payload")));
      events.push_back(std::move(e));
    }
    return events;
  }

  std::string Key() const { return world.redis_prefix() + "sla:timers"; }

  long long ScheduleSize() {
    std::lock_guard lock(mu);
    auto r = redis.Command({"ZCARD", Key()});
    return r.ok() ? r->integer : -1;
  }

  // Loses the schedule: this test's key only, never the whole Redis.
  void DeleteSchedule() {
    std::lock_guard lock(mu);
    (void)redis.Command({"DEL", Key()});
  }

  // Puts every timer ever planned back into the schedule, as a Redis restored from an old
  // snapshot would.
  void ReplayAllTimers() {
    auto r = admin->Execute({"test_all_timers", "SELECT id FROM sla.timers"});
    REQUIRE(r.ok());
    std::vector<std::string> zadd = {"ZADD", Key()};
    for (skk::PgRow timer : *r) {
      zadd.push_back("0");
      zadd.push_back(timer.String("id"));
    }
    std::lock_guard lock(mu);
    REQUIRE(redis.Command(zadd).ok());
  }

  IsolatedWorld world;
  ManualClock clock;
  sla::SlaPolicies policies;
  std::unique_ptr<PgPool> pool;
  std::unique_ptr<PgConnection> admin;
  std::unique_ptr<sla::Timers> timers;
  std::unique_ptr<sla::CaseClocks> clocks;
  std::mutex mu;
  RedisClient redis{Stack().redis_addr};
};

}  // namespace skk::testing

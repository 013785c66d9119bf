#pragma once

// An in-process sla for tests: its clocks and timers on a private database and Redis prefix,
// with a hand-set business clock, and builders of the case events routing emits.

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

inline sambat::v1::Event Routed(const std::string& id, const std::string& category,
                                const std::string& agency, absl::Time at) {
  sambat::v1::Event e = NewEvent(kCaseRouted, id, at, "routing", nullptr);
  auto* p = e.mutable_case_routed();
  p->set_ticket("SKK-2026-" + id.substr(0, 6));
  p->set_category(category);
  p->set_agency_code(agency);
  p->set_agency_name(agency);
  *p->mutable_routed_at() = ToProtoTime(at);
  return e;
}

inline sambat::v1::Event Forwarded(const std::string& id, const std::string& from,
                                   const std::string& to, const std::string& category,
                                   absl::Time at) {
  sambat::v1::Event e = NewEvent(kCaseForwarded, id, at, "routing", nullptr);
  auto* p = e.mutable_case_forwarded();
  p->set_ticket("SKK-2026-" + id.substr(0, 6));
  p->set_from_agency_code(from);
  p->set_to_agency_code(to);
  p->set_category(category);
  *p->mutable_forwarded_at() = ToProtoTime(at);
  p->set_forward_count(1);
  return e;
}

inline sambat::v1::Event Reopened(const std::string& id, const std::string& agency,
                                  const std::string& category, absl::Time at) {
  sambat::v1::Event e = NewEvent(kCaseReopened, id, at, "routing", nullptr);
  auto* p = e.mutable_case_reopened();
  p->set_ticket("SKK-2026-" + id.substr(0, 6));
  p->set_agency_code(agency);
  p->set_category(category);
  p->set_reason("masih rusak");
  return e;
}

// case.info_requested, .citizen_answered, .responded, .resolved, .rejected, .closed.
inline sambat::v1::Event CaseEvent(const std::string& id, const std::string& type,
                                   const std::string& agency, absl::Time at) {
  sambat::v1::Event e = NewEvent(type, id, at, "routing", nullptr);
  const std::string ticket = "SKK-2026-" + id.substr(0, 6);
  if (type == kCaseInfoRequested) {
    e.mutable_case_info_requested()->set_ticket(ticket);
    e.mutable_case_info_requested()->set_agency_code(agency);
  } else if (type == kCaseCitizenAnswered) {
    e.mutable_case_citizen_answered()->set_ticket(ticket);
    e.mutable_case_citizen_answered()->set_agency_code(agency);
  } else if (type == kCaseResponded) {
    e.mutable_case_responded()->set_ticket(ticket);
    e.mutable_case_responded()->set_agency_code(agency);
    e.mutable_case_responded()->set_first_response(true);
  } else if (type == kCaseResolved) {
    e.mutable_case_resolved()->set_ticket(ticket);
    e.mutable_case_resolved()->set_agency_code(agency);
  } else if (type == kCaseRejected) {
    e.mutable_case_rejected()->set_ticket(ticket);
    e.mutable_case_rejected()->set_agency_code(agency);
  } else if (type == kCaseClosed) {
    e.mutable_case_closed()->set_ticket(ticket);
    e.mutable_case_closed()->set_agency_code(agency);
  } else {
    FAIL("no builder for " << type);
  }
  return e;
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
    pool = std::make_unique<PgPool>(
        PgPool::Options{.uri = world.PgUri("sla"), .schema = "sla", .size = 4});
    auto conn = pool->Acquire();
    REQUIRE(conn.ok());
    REQUIRE(ApplyMigrations(**conn, "platform", platform_migrations()).ok());
    REQUIRE(ApplyMigrations(**conn, "sla", sla_migrations()).ok());
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
    timers = std::make_unique<sla::Timers>(*pool, clock, policies.calendar(), TimerOptions());
    clocks = std::make_unique<sla::CaseClocks>(policies, clock, *timers);
  }

  Replica NewReplica() {
    Replica r;
    r.pool = std::make_unique<PgPool>(
        PgPool::Options{.uri = world.PgUri("sla"), .schema = "sla", .size = 2});
    r.timers =
        std::make_unique<sla::Timers>(*r.pool, clock, policies.calendar(), TimerOptions());
    return r;
  }

  void Apply(const sambat::v1::Event& e) {
    const absl::Status st =
        pool->Transact([&](PgConnection& tx) { return clocks->Apply(tx, e); });
    INFO(st.ToString());
    REQUIRE(st.ok());
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
    for (int i = 0; i < r->rows(); ++i) {
      sambat::v1::Event e;
      REQUIRE(e.ParseFromString(r->GetBytes(i, 0)));
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
    for (int i = 0; i < r->rows(); ++i) {
      zadd.push_back("0");
      zadd.push_back(r->GetString(i, 0));
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

#pragma once

// Delivering a case's events in every order (issue 13): what the order tests of sla, intake
// and notification share. Events go through the idempotent applier the consumer uses, one
// transaction each; one refused as early (EarlierEventPending) goes back to the queue, as the
// consumer sends it through the retry queues, and comes again after the others. Each order
// runs on a case of its own, and its view must equal the view of delivery in order.
//
// Also the one set of builders of the case events routing emits (and of sla's deadline_set),
// one a type, every one made by NewCaseEvent: what routing puts on every event of a case is
// written in one place.

#include <catch2/catch.hpp>
#include <algorithm>
#include <deque>
#include <memory>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/consumer.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/city_time.h"

namespace skk::testing {

// A complaint id that ForComplaint fills in.
constexpr char kNoComplaint[] = "00000000-0000-4000-8000-000000000000";
constexpr char kOrderTicket[] = "SKK-2026-000321";

// What routing writes on every event of one case: the complaint, its ticket and category, and
// the event's place in the case's chain (case_sequence, previous_case_sequence; 0: none).
struct CaseRef {
  std::string complaint_id = kNoComplaint;
  std::string ticket = kOrderTicket;
  std::string category = "jalan-rusak";
  int64_t sequence = 0;
  int64_t previous = 0;
};

// Stamps an event with its place in the case's chain, as routing does.
inline sambat::v1::Event Sequenced(sambat::v1::Event e, int64_t sequence, int64_t previous) {
  e.set_case_sequence(sequence);
  e.set_previous_case_sequence(previous);
  return e;
}

// Every builder below starts here: an event of `type` by routing at `at`, stamped with the
// case's complaint id and the event's place in its chain.
inline sambat::v1::Event NewCaseEvent(const std::string& type, const CaseRef& c, absl::Time at) {
  return Sequenced(NewEvent(type, c.complaint_id, at, "routing", nullptr), c.sequence,
                   c.previous);
}

inline sambat::v1::Event Routed(const CaseRef& c, const std::string& agency,
                                const std::string& agency_name, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseRouted, c, at);
  auto* p = e.mutable_case_routed();
  p->set_ticket(c.ticket);
  p->set_category(c.category);
  p->set_agency_code(agency);
  p->set_agency_name(agency_name);
  *p->mutable_routed_at() = ToProtoTime(at);
  return e;
}

inline sambat::v1::Event Claimed(const CaseRef& c, const std::string& agency, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseClaimed, c, at);
  auto* p = e.mutable_case_claimed();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_officer_id("officer-1");
  return e;
}

inline sambat::v1::Event InfoRequested(const CaseRef& c, const std::string& agency,
                                       absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseInfoRequested, c, at);
  auto* p = e.mutable_case_info_requested();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_question("Di sisi jalan yang mana lubangnya?");
  return e;
}

inline sambat::v1::Event CitizenAnswered(const CaseRef& c, const std::string& agency,
                                         absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseCitizenAnswered, c, at);
  auto* p = e.mutable_case_citizen_answered();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_text("Sisi utara, dekat tiang listrik 12.");
  return e;
}

// The agency's first response.
inline sambat::v1::Event Responded(const CaseRef& c, const std::string& agency,
                                   const std::string& message, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseResponded, c, at);
  auto* p = e.mutable_case_responded();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_message(message);
  p->set_first_response(true);
  return e;
}

inline sambat::v1::Event Resolved(const CaseRef& c, const std::string& agency,
                                  const std::string& note, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseResolved, c, at);
  auto* p = e.mutable_case_resolved();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_note(note);
  return e;
}

inline sambat::v1::Event Rejected(const CaseRef& c, const std::string& agency, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseRejected, c, at);
  e.mutable_case_rejected()->set_ticket(c.ticket);
  e.mutable_case_rejected()->set_agency_code(agency);
  return e;
}

inline sambat::v1::Event Closed(const CaseRef& c, const std::string& agency, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseClosed, c, at);
  e.mutable_case_closed()->set_ticket(c.ticket);
  e.mutable_case_closed()->set_agency_code(agency);
  return e;
}

inline sambat::v1::Event Reopened(const CaseRef& c, const std::string& agency,
                                  const std::string& reason, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseReopened, c, at);
  auto* p = e.mutable_case_reopened();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_category(c.category);
  p->set_reason(reason);
  return e;
}

// The first forward of the case, to an agency of `c.category`.
inline sambat::v1::Event Forwarded(const CaseRef& c, const std::string& from,
                                   const std::string& to, const std::string& to_name,
                                   absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseForwarded, c, at);
  auto* p = e.mutable_case_forwarded();
  p->set_ticket(c.ticket);
  p->set_from_agency_code(from);
  p->set_to_agency_code(to);
  p->set_to_agency_name(to_name);
  p->set_category(c.category);
  p->set_reason("saluran, bukan jalan");
  *p->mutable_forwarded_at() = ToProtoTime(at);
  p->set_forward_count(1);
  return e;
}

// sla's first-response deadline for the clock the case event with sequence `cause` started,
// announced a minute after it. Not a case event: no place in the chain of its own.
inline sambat::v1::Event DeadlineSet(const CaseRef& c, const std::string& agency, int64_t cause,
                                     absl::Time cause_at, absl::Time due) {
  sambat::v1::Event e = NewEvent(kDeadlineSet, c.complaint_id, cause_at + absl::Minutes(1), "sla",
                                 nullptr);
  e.set_actor("system");
  auto* p = e.mutable_deadline_set();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_kind(sambat::v1::DEADLINE_KIND_FIRST_RESPONSE);
  *p->mutable_starts_at() = ToProtoTime(cause_at);
  *p->mutable_due_at() = ToProtoTime(due);
  p->set_cause_case_sequence(cause);
  return e;
}

// The same events with another complaint id and new event ids, so each order runs on a case of
// its own in one world.
inline std::vector<sambat::v1::Event> ForComplaint(const std::vector<sambat::v1::Event>& events,
                                                   const std::string& id) {
  std::vector<sambat::v1::Event> out;
  for (sambat::v1::Event e : events) {
    e.set_complaint_id(id);
    e.set_event_id(NewUuid());
    out.push_back(std::move(e));
  }
  return out;
}

// A pool of four connections as `service` on `world`'s database, with the platform's tables
// and `migrations` applied to the service's schema. With `commit_without_waiting`, the
// database does not wait for the disk at each commit: for thousands of one-event transactions
// (it changes nothing a test can see short of a crash of the server).
inline std::unique_ptr<PgPool> MigratedPool(const IsolatedWorld& world, const std::string& service,
                                            const std::vector<Migration>& migrations,
                                            bool commit_without_waiting = false) {
  if (commit_without_waiting) {
    REQUIRE(world.Admin()
                ->ExecuteScript(absl::StrCat("ALTER DATABASE \"", world.database(),
                                             "\" SET synchronous_commit = off"))
                .ok());
  }
  auto pool = std::make_unique<PgPool>(
      PgPool::Options{.uri = world.PgUri(service), .schema = service, .size = 4});
  auto conn = pool->Acquire();
  REQUIRE(conn.ok());
  REQUIRE(ApplyMigrations(**conn, "platform", platform_migrations()).ok());
  REQUIRE(ApplyMigrations(**conn, service, migrations).ok());
  return pool;
}

// routed, claimed, (a release: no event), info requested, answered, responded, resolved: a
// case of DPUPRPKP, named `agency_name` on the routed event.
inline std::vector<sambat::v1::Event> LifeOfACase(const std::string& agency_name) {
  const std::string a = "dpuprpkp";
  return {
      Routed({.sequence = 11}, a, agency_name, Wib(2026, 3, 2, 9)),
      Claimed({.sequence = 12, .previous = 11}, a, Wib(2026, 3, 2, 10)),
      InfoRequested({.sequence = 14, .previous = 12}, a, Wib(2026, 3, 3, 9)),
      CitizenAnswered({.sequence = 15, .previous = 14}, a, Wib(2026, 3, 4, 9)),
      Responded({.sequence = 17, .previous = 15}, a, "Perbaikan dijadwalkan Kamis.",
                Wib(2026, 3, 5, 9)),
      Resolved({.sequence = 18, .previous = 17}, a, "Lubang sudah ditambal.", Wib(2026, 3, 6, 9)),
  };
}

// Delivers `events` in the given order as the consumer does. Returns how many deliveries were
// refused as early and retried; fails the test on any other refusal, and if events never
// become applicable. `before_each` (if set) runs before every delivery, e.g. to move the
// business clock on.
inline int DeliverAsConsumer(PgPool& pool, const EventHandlers& handlers,
                             const std::vector<sambat::v1::Event>& events,
                             const std::function<void()>& before_each = nullptr) {
  PgIdempotentApplier applier(pool);
  std::deque<sambat::v1::Event> queue(events.begin(), events.end());
  int retries = 0;
  while (!queue.empty()) {
    sambat::v1::Event e = queue.front();
    queue.pop_front();
    // The consumer acknowledges and ignores a type it has no handler for.
    const auto handler = handlers.find(e.type());
    if (handler == handlers.end()) continue;
    if (before_each) before_each();
    const absl::StatusOr<bool> applied = applier.Apply(e, handler->second);
    if (applied.ok()) {
      if (!*applied) FAIL("event " << e.type() << " counted as applied before");
      continue;
    }
    if (!IsEarlierEventPending(applied.status())) {
      FAIL(e.type() << ": " << applied.status().ToString());
    }
    if (++retries > 100) FAIL("events never became applicable");
    queue.push_back(std::move(e));
  }
  return retries;
}

// Runs `run` on every order of `events`, the order as given first; `run` delivers them on a
// case of its own and returns that case's view (without ids). Every view must equal the first.
// Returns the number of orders run.
inline int EveryOrderAsInOrder(
    const std::vector<sambat::v1::Event>& events,
    const std::function<std::string(const std::vector<sambat::v1::Event>&)>& run) {
  std::vector<int> order(events.size());
  std::iota(order.begin(), order.end(), 0);
  const std::string expected = run(events);
  int orders = 0;
  int mismatches = 0;
  // The first few mismatches, reported with the one check: a broken order would flood the
  // report otherwise.
  std::string report;
  while (std::next_permutation(order.begin(), order.end())) {
    std::vector<sambat::v1::Event> delivered;
    for (int i : order) delivered.push_back(events[i]);
    const std::string got = run(delivered);
    ++orders;
    if (got != expected && ++mismatches <= 3) {
      std::vector<std::string> types;
      for (const sambat::v1::Event& e : delivered) types.push_back(e.type());
      report += "delivered " + absl::StrJoin(types, ", ") + "\ngot\n" + got + "\n\n";
    }
  }
  WARN(orders + 1 << " orders, " << mismatches << " not as in order");
  INFO(report << "expected (in order)\n" << expected);
  CHECK(mismatches == 0);
  return orders + 1;
}

}  // namespace skk::testing

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
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/case_order.h"
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
// case's complaint id, the event's place in its chain and the case after it (`state`, with the
// agency that has the case then), as routing's CaseEvent does.
inline sambat::v1::Event NewCaseEvent(const std::string& type, const CaseRef& c, absl::Time at,
                                      sambat::v1::CaseState state, const std::string& agency,
                                      const std::string& agency_name) {
  sambat::v1::Event e = Sequenced(NewEvent(type, c.complaint_id, at, "routing", nullptr),
                                  c.sequence, c.previous);
  sambat::v1::CaseSnapshot* after = e.mutable_case_after();
  after->set_ticket(c.ticket);
  after->set_category(c.category);
  after->set_state(state);
  after->set_agency_code(agency);
  after->set_agency_name(agency_name);
  return e;
}

inline sambat::v1::Event Routed(const CaseRef& c, const std::string& agency,
                                const std::string& agency_name, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseRouted, c, at,
                                     sambat::v1::CASE_STATE_ROUTED, agency, agency_name);
  auto* p = e.mutable_case_routed();
  p->set_ticket(c.ticket);
  p->set_category(c.category);
  p->set_agency_code(agency);
  p->set_agency_name(agency_name);
  *p->mutable_routed_at() = ToProtoTime(at);
  return e;
}

inline sambat::v1::Event Claimed(const CaseRef& c, const std::string& agency, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseClaimed, c, at,
                                     sambat::v1::CASE_STATE_IN_PROGRESS, agency, agency);
  auto* p = e.mutable_case_claimed();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_officer_id("officer-1");
  return e;
}

inline sambat::v1::Event InfoRequested(const CaseRef& c, const std::string& agency,
                                       absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseInfoRequested, c, at,
                                     sambat::v1::CASE_STATE_WAITING_CITIZEN, agency, agency);
  auto* p = e.mutable_case_info_requested();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_question("Di sisi jalan yang mana lubangnya?");
  return e;
}

inline sambat::v1::Event CitizenAnswered(const CaseRef& c, const std::string& agency,
                                         absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseCitizenAnswered, c, at,
                                     sambat::v1::CASE_STATE_IN_PROGRESS, agency, agency);
  auto* p = e.mutable_case_citizen_answered();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_text("Sisi utara, dekat tiang listrik 12.");
  return e;
}

// The agency's first response.
inline sambat::v1::Event Responded(const CaseRef& c, const std::string& agency,
                                   const std::string& message, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseResponded, c, at,
                                     sambat::v1::CASE_STATE_IN_PROGRESS, agency, agency);
  auto* p = e.mutable_case_responded();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_message(message);
  p->set_first_response(true);
  return e;
}

inline sambat::v1::Event Resolved(const CaseRef& c, const std::string& agency,
                                  const std::string& note, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseResolved, c, at,
                                     sambat::v1::CASE_STATE_RESOLVED, agency, agency);
  auto* p = e.mutable_case_resolved();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_note(note);
  return e;
}

inline sambat::v1::Event Rejected(const CaseRef& c, const std::string& agency, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseRejected, c, at,
                                     sambat::v1::CASE_STATE_REJECTED, agency, agency);
  e.mutable_case_rejected()->set_ticket(c.ticket);
  e.mutable_case_rejected()->set_agency_code(agency);
  return e;
}

inline sambat::v1::Event Closed(const CaseRef& c, const std::string& agency, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseClosed, c, at,
                                     sambat::v1::CASE_STATE_CLOSED, agency, agency);
  e.mutable_case_closed()->set_ticket(c.ticket);
  e.mutable_case_closed()->set_agency_code(agency);
  return e;
}

inline sambat::v1::Event Reopened(const CaseRef& c, const std::string& agency,
                                  const std::string& reason, absl::Time at) {
  sambat::v1::Event e = NewCaseEvent(kCaseReopened, c, at,
                                     sambat::v1::CASE_STATE_REOPENED, agency, agency);
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
  sambat::v1::Event e = NewCaseEvent(kCaseForwarded, c, at,
                                     sambat::v1::CASE_STATE_ROUTED, to, to_name);
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

// sla's deadline (first-response unless `kind` says otherwise) for the clock the case event
// with sequence `cause` started, announced a minute after it. Not a case event: no place in
// the chain of its own.
inline sambat::v1::Event DeadlineSet(
    const CaseRef& c, const std::string& agency, int64_t cause, absl::Time cause_at,
    absl::Time due, sambat::v1::DeadlineKind kind = sambat::v1::DEADLINE_KIND_FIRST_RESPONSE) {
  sambat::v1::Event e = NewEvent(kDeadlineSet, c.complaint_id, cause_at + absl::Minutes(1), "sla",
                                 nullptr);
  e.set_actor("system");
  auto* p = e.mutable_deadline_set();
  p->set_ticket(c.ticket);
  p->set_agency_code(agency);
  p->set_kind(kind);
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

// Stands in for routing where a test builds a case event by hand, without its place in the
// case's chain or the case after it (both of which routing's CaseEvent always sets): gives it
// the next place in its case's chain and the case after it, taken from its payload and the
// case's earlier events. An event that has its place already is left as it is, so a copy of a
// stamped event published again is the stale duplicate it is meant to be. One case's events
// are stamped in the order the test builds them.
class RoutingStandIn {
 public:
  void Stamp(sambat::v1::Event& e) {
    if (!IsCaseEvent(e.type()) || e.case_sequence() > 0) return;
    int64_t& last = last_[e.complaint_id()];
    e.set_previous_case_sequence(last);
    e.set_case_sequence(++last);
    sambat::v1::CaseSnapshot& c = cases_[e.complaint_id()];
    c.set_state(StateAfter(e.type(), c.state()));
    const auto payload = Payload(e);
    const std::string ticket = payload("ticket");
    const std::string category = payload("category");
    std::string agency = payload("to_agency_code");
    std::string agency_name = payload("to_agency_name");
    if (agency.empty()) agency = payload("agency_code");
    if (agency_name.empty()) agency_name = payload("agency_name");
    if (!ticket.empty()) c.set_ticket(ticket);
    if (!category.empty()) c.set_category(category);
    if (!agency.empty() && agency != c.agency_code()) {
      c.set_agency_code(agency);
      c.clear_agency_name();  // a name routing would know; consumers fall back to the code
    }
    if (!agency_name.empty()) c.set_agency_name(agency_name);
    *e.mutable_case_after() = c;
  }

 private:
  static sambat::v1::CaseState StateAfter(const std::string& type,
                                          sambat::v1::CaseState before) {
    static const auto* states = new std::map<std::string, sambat::v1::CaseState>{
        {kCaseRouted, sambat::v1::CASE_STATE_ROUTED},
        {kCaseForwarded, sambat::v1::CASE_STATE_ROUTED},
        {kCaseHandedOff, sambat::v1::CASE_STATE_HANDED_OFF},
        {kCaseClaimed, sambat::v1::CASE_STATE_IN_PROGRESS},
        {kCaseResponded, sambat::v1::CASE_STATE_IN_PROGRESS},
        {kCaseCitizenAnswered, sambat::v1::CASE_STATE_IN_PROGRESS},
        {kCaseInfoRequested, sambat::v1::CASE_STATE_WAITING_CITIZEN},
        {kCaseResolved, sambat::v1::CASE_STATE_RESOLVED},
        {kCaseRejected, sambat::v1::CASE_STATE_REJECTED},
        {kCaseReopened, sambat::v1::CASE_STATE_REOPENED},
        {kCaseClosed, sambat::v1::CASE_STATE_CLOSED}};
    const auto it = states->find(type);
    return it == states->end() ? before : it->second;
  }

  // A string field of the event's payload by name; empty when the payload has none.
  static std::function<std::string(const std::string&)> Payload(const sambat::v1::Event& e) {
    const google::protobuf::Reflection* r = e.GetReflection();
    const google::protobuf::FieldDescriptor* set = r->GetOneofFieldDescriptor(
        e, e.GetDescriptor()->FindOneofByName("payload"));
    return [&e, r, set](const std::string& name) -> std::string {
      if (set == nullptr) return "";
      const google::protobuf::Message& payload = r->GetMessage(e, set);
      const google::protobuf::FieldDescriptor* f = payload.GetDescriptor()->FindFieldByName(name);
      if (f == nullptr || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING) return "";
      return payload.GetReflection()->GetString(payload, f);
    };
  }

  std::map<std::string, int64_t> last_;
  std::map<std::string, sambat::v1::CaseSnapshot> cases_;
};

// The one stand-in of a test process: complaint ids are new in every test.
inline RoutingStandIn& StandInRouting() {
  static RoutingStandIn* routing = new RoutingStandIn();
  return *routing;
}

}  // namespace skk::testing

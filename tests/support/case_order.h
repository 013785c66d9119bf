#pragma once

// Delivering a case's events in every order (issue 13): what the order tests of sla, intake
// and notification share. Events go through the idempotent applier the consumer uses, one
// transaction each; one refused as early (EarlierEventPending) goes back to the queue, as the
// consumer sends it through the retry queues, and comes again after the others. Each order
// runs on a case of its own, and its view must equal the view of delivery in order.

#include <catch2/catch.hpp>
#include <algorithm>
#include <deque>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/consumer.h"
#include "services/platform/ids.h"
#include "services/platform/pg.h"

namespace skk::testing {

// Stamps an event with its place in the case's chain, as routing does.
inline sambat::v1::Event Sequenced(sambat::v1::Event e, int64_t sequence, int64_t previous) {
  e.set_case_sequence(sequence);
  e.set_previous_case_sequence(previous);
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

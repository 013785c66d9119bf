// TakeCaseTurn: the one decision every consumer with per-case state makes about a case event.

#include "services/platform/case_order.h"

#include <catch2/catch.hpp>

#include "services/platform/consumer.h"
#include "services/platform/events.h"

namespace skk {
namespace {

sambat::v1::Event Sequenced(int64_t sequence, int64_t previous) {
  sambat::v1::Event e =
      NewEvent(kCaseClaimed, "6f1c2a7e-0000-4000-8000-000000000001", absl::Now(), "routing",
               nullptr);
  e.set_case_sequence(sequence);
  e.set_previous_case_sequence(previous);
  return e;
}

TEST_CASE("a case event applies when it names the last applied event as its predecessor",
          "[unit]") {
  CHECK(*TakeCaseTurn(Sequenced(5, 3), 3, false));
  CHECK(*TakeCaseTurn(Sequenced(1, 0), 0, false));
}

TEST_CASE("a case event already passed is ignored, not retried", "[unit]") {
  const absl::StatusOr<bool> same = TakeCaseTurn(Sequenced(5, 3), 5, false);
  REQUIRE(same.ok());
  CHECK_FALSE(*same);
  const absl::StatusOr<bool> older = TakeCaseTurn(Sequenced(3, 1), 5, false);
  REQUIRE(older.ok());
  CHECK_FALSE(*older);
  // Also the first event of a case, replayed after later ones.
  CHECK_FALSE(*TakeCaseTurn(Sequenced(1, 0), 5, false));
}

TEST_CASE("a case event whose predecessor is not applied yet waits for it", "[unit]") {
  CHECK(IsEarlierEventPending(TakeCaseTurn(Sequenced(7, 5), 3, false).status()));
  // A case first heard of with sequences never takes an early event for its start.
  CHECK(IsEarlierEventPending(TakeCaseTurn(Sequenced(2, 1), 0, false).status()));
}

TEST_CASE("events without a sequence or predecessor, and cases older than sequences, go on",
          "[unit]") {
  CHECK(*TakeCaseTurn(Sequenced(0, 0), 9, false));
  // A routing older than previous_case_sequence: applied if newer.
  CHECK(*TakeCaseTurn(Sequenced(9, 0), 5, false));
  // The case was known before sequences were kept: its first sequenced event starts the chain.
  CHECK(*TakeCaseTurn(Sequenced(7, 5), 0, true));
  CHECK(IsEarlierEventPending(TakeCaseTurn(Sequenced(9, 8), 7, true).status()));
}

}  // namespace
}  // namespace skk

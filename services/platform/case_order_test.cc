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
  e.mutable_case_after()->set_state(sambat::v1::CASE_STATE_IN_PROGRESS);
  return e;
}

TEST_CASE("a case event applies when it names the last applied event as its predecessor",
          "[unit]") {
  CHECK(*TakeCaseTurn(Sequenced(5, 3), 3));
  CHECK(*TakeCaseTurn(Sequenced(1, 0), 0));
}

TEST_CASE("a case event already passed is ignored, not retried", "[unit]") {
  const absl::StatusOr<bool> same = TakeCaseTurn(Sequenced(5, 3), 5);
  REQUIRE(same.ok());
  CHECK_FALSE(*same);
  const absl::StatusOr<bool> older = TakeCaseTurn(Sequenced(3, 1), 5);
  REQUIRE(older.ok());
  CHECK_FALSE(*older);
  // Also the first event of a case, replayed after later ones.
  CHECK_FALSE(*TakeCaseTurn(Sequenced(1, 0), 5));
}

TEST_CASE("a case event whose predecessor is not applied yet waits for it", "[unit]") {
  CHECK(IsEarlierEventPending(TakeCaseTurn(Sequenced(7, 5), 3).status()));
  // A case first heard of with sequences never takes an early event for its start.
  CHECK(IsEarlierEventPending(TakeCaseTurn(Sequenced(2, 1), 0).status()));
}

TEST_CASE("a case's first event starts its chain", "[unit]") {
  CHECK(*TakeCaseTurn(Sequenced(9, 0), 5));
}

TEST_CASE("a case event without its sequence or the case after it is refused for an operator",
          "[unit]") {
  CHECK(absl::IsInvalidArgument(TakeCaseTurn(Sequenced(0, 0), 9).status()));
  sambat::v1::Event bare = Sequenced(7, 5);
  bare.clear_case_after();
  CHECK(absl::IsInvalidArgument(TakeCaseTurn(bare, 5).status()));
}

TEST_CASE("events outside the case chain are not ordered by it", "[unit]") {
  sambat::v1::Event deadline =
      NewEvent(kDeadlineSet, "6f1c2a7e-0000-4000-8000-000000000001", absl::Now(), "sla", nullptr);
  CHECK(*TakeCaseTurn(deadline, 9));
}

}  // namespace
}  // namespace skk

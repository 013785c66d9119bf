// DeliveryProcessor and DecideAfterFailure: what becomes of each delivery, with an in-memory
// applier standing in for the PostgreSQL one (whose transactions are tested in integration).

#include "services/platform/consumer.h"

#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/platform/events.h"

namespace skk {
namespace {

// Remembers which event ids were applied, like applied_events. A new id is recorded (and
// reported as applied) unless `fail_with` is set, in which case nothing is recorded, as when
// the transaction rolls back. It never calls the handler: there is no PgConnection here.
class FakeApplier final : public IdempotentApplier {
 public:
  absl::StatusOr<bool> Apply(const sambat::v1::Event& event, const EventHandler&) override {
    calls.push_back(event.event_id());
    if (fail_with.has_value()) return *fail_with;
    if (failing.contains(event.event_id())) return absl::InvalidArgumentError("never applies");
    return applied.insert(event.event_id()).second;
  }
  absl::Status CheckReachable() override { return store_down.value_or(absl::OkStatus()); }
  absl::StatusOr<std::vector<absl::StatusOr<bool>>> ApplyBatch(
      const std::vector<BatchedEvent>& batch) override {
    batches.push_back(batch.size());
    if (batch_fails_with.has_value()) return *batch_fails_with;
    return IdempotentApplier::ApplyBatch(batch);
  }

  std::optional<absl::Status> fail_with;
  std::set<std::string> failing;  // event ids that can never apply
  std::optional<absl::Status> batch_fails_with;
  std::vector<size_t> batches;
  std::optional<absl::Status> store_down;
  std::vector<std::string> calls;
  std::set<std::string> applied;
};

constexpr int kMaxAttempts = 4;

EventHandlers Handlers() {
  EventHandlers handlers;
  handlers[kComplaintSubmitted] = [](PgConnection&, const sambat::v1::Event&) {
    return absl::OkStatus();
  };
  return handlers;
}

sambat::v1::Event SubmittedEvent() {
  sambat::v1::Event event =
      NewEvent(kComplaintSubmitted, "c-0001", absl::FromUnixSeconds(1772416800), "intake",
               nullptr);
  auto* p = event.mutable_complaint_submitted();
  p->set_ticket("SKK-2026-000001");
  p->set_category("jalan-rusak");
  p->set_description("Jalan berlubang di depan pasar");
  return event;
}

AmqpDelivery DeliveryOf(const sambat::v1::Event& event, int attempt = 0) {
  AmqpDelivery d;
  d.delivery_tag = 1;
  d.routing_key = event.type();
  d.message = ToAmqpMessage(event, kEventsExchange);
  d.message.attempt = attempt;
  return d;
}

TEST_CASE("an event applied for the first time is acknowledged", "[consumer]") {
  FakeApplier applier;
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  const sambat::v1::Event event = SubmittedEvent();

  const ProcessResult r = *processor.Process(DeliveryOf(event));
  CHECK(r.disposition == Disposition::kAck);
  CHECK(applier.calls == std::vector<std::string>{event.event_id()});
}

TEST_CASE("a redelivered event is applied once and acknowledged both times", "[consumer]") {
  FakeApplier applier;
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  const sambat::v1::Event event = SubmittedEvent();

  AmqpDelivery again = DeliveryOf(event);
  again.delivery_tag = 2;
  again.redelivered = true;
  CHECK(processor.Process(DeliveryOf(event))->disposition == Disposition::kAck);
  CHECK(processor.Process(again)->disposition == Disposition::kAck);
  CHECK(applier.applied == std::set<std::string>{event.event_id()});

  // A different event is still applied.
  const sambat::v1::Event other = SubmittedEvent();
  CHECK(processor.Process(DeliveryOf(other))->disposition == Disposition::kAck);
  CHECK(applier.applied.size() == 2);
}

TEST_CASE("an event the applier reports as already applied is acknowledged", "[consumer]") {
  FakeApplier applier;
  const sambat::v1::Event event = SubmittedEvent();
  applier.applied.insert(event.event_id());  // applied before a crash lost the ack
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);

  const ProcessResult r = *processor.Process(DeliveryOf(event, /*attempt=*/0));
  CHECK(r.disposition == Disposition::kAck);
  CHECK(r.error.empty());
}

TEST_CASE("an undecodable message is dead-lettered without being applied", "[consumer]") {
  FakeApplier applier;
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);

  SECTION("garbage bytes") {
    AmqpDelivery d;
    d.message.message_id = "m-1";
    d.message.body = std::string("\xff\xff\xff\xff garbage", 12);
    const ProcessResult r = *processor.Process(d);
    CHECK(r.disposition == Disposition::kDeadLetter);
    CHECK_FALSE(r.error.empty());
  }
  SECTION("an envelope that breaks the contract") {
    sambat::v1::Event event = SubmittedEvent();
    event.set_complaint_id("");
    const ProcessResult r = *processor.Process(DeliveryOf(event));
    CHECK(r.disposition == Disposition::kDeadLetter);
    CHECK_THAT(r.error, Catch::Contains("complaint_id"));
  }
  CHECK(applier.calls.empty());
}

TEST_CASE("an event type the service has no handler for is acknowledged and ignored",
          "[consumer]") {
  FakeApplier applier;
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  sambat::v1::Event event =
      NewEvent(kCaseRouted, "c-0001", absl::FromUnixSeconds(1772416800), "routing", nullptr);
  event.mutable_case_routed()->set_ticket("SKK-2026-000001");

  const ProcessResult r = *processor.Process(DeliveryOf(event));
  CHECK(r.disposition == Disposition::kAck);
  CHECK(applier.calls.empty());
}

TEST_CASE("a transient failure is retried until the last attempt, then dead-lettered",
          "[consumer]") {
  FakeApplier applier;
  applier.fail_with = absl::UnavailableError("postgres is away");
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  const sambat::v1::Event event = SubmittedEvent();

  for (int attempt = 0; attempt < kMaxAttempts - 1; ++attempt) {
    INFO("attempt " << attempt);
    const ProcessResult r = *processor.Process(DeliveryOf(event, attempt));
    CHECK(r.disposition == Disposition::kRetry);
    CHECK_THAT(r.error, Catch::Contains("postgres is away"));
  }
  const ProcessResult last = *processor.Process(DeliveryOf(event, kMaxAttempts - 1));
  CHECK(last.disposition == Disposition::kDeadLetter);
  CHECK_THAT(last.error, Catch::Contains("postgres is away"));
  CHECK(applier.applied.empty());
}

TEST_CASE("an event that can never apply is dead-lettered at once", "[consumer]") {
  FakeApplier applier;
  applier.fail_with = absl::InvalidArgumentError("no such category");
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);

  const ProcessResult r = *processor.Process(DeliveryOf(SubmittedEvent(), /*attempt=*/0));
  CHECK(r.disposition == Disposition::kDeadLetter);
  CHECK_THAT(r.error, Catch::Contains("no such category"));
}

TEST_CASE("transient failures are retried, permanent ones dead-lettered", "[consumer]") {
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kAborted,
        absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kResourceExhausted,
        absl::StatusCode::kInternal}) {
    INFO(absl::StatusCodeToString(code));
    const absl::Status st(code, "x");
    CHECK(DecideAfterFailure(st, 0, kMaxAttempts) == Disposition::kRetry);
    CHECK(DecideAfterFailure(st, kMaxAttempts - 2, kMaxAttempts) == Disposition::kRetry);
    CHECK(DecideAfterFailure(st, kMaxAttempts - 1, kMaxAttempts) == Disposition::kDeadLetter);
    // A message that somehow went past the limit is never retried forever.
    CHECK(DecideAfterFailure(st, kMaxAttempts + 5, kMaxAttempts) == Disposition::kDeadLetter);
  }
  for (absl::StatusCode code :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kNotFound, absl::StatusCode::kAlreadyExists,
        absl::StatusCode::kPermissionDenied, absl::StatusCode::kOutOfRange,
        absl::StatusCode::kUnimplemented, absl::StatusCode::kDataLoss}) {
    INFO(absl::StatusCodeToString(code));
    CHECK(DecideAfterFailure(absl::Status(code, "x"), 0, kMaxAttempts) ==
          Disposition::kDeadLetter);
  }
}

TEST_CASE("with a single allowed attempt a transient failure is dead-lettered at once",
          "[consumer]") {
  CHECK(DecideAfterFailure(absl::UnavailableError("x"), 0, 1) == Disposition::kDeadLetter);
}

}  // namespace
}  // namespace skk

namespace skk {
namespace {

TEST_CASE("an event that failed while the database is down waits and keeps its attempts",
          "[consumer]") {
  FakeApplier applier;
  applier.fail_with = absl::UnavailableError("postgresql connect: connection refused");
  applier.store_down = absl::UnavailableError("postgresql connect: connection refused");
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  // Even on its last attempt: an outage longer than the retry schedule parks nothing.
  const ProcessResult result = *processor.Process(DeliveryOf(SubmittedEvent(), kMaxAttempts - 1));
  CHECK(result.disposition == Disposition::kWaitForStore);
  // The database is back: the same delivery applies.
  applier.fail_with.reset();
  applier.store_down.reset();
  CHECK(processor.Process(DeliveryOf(SubmittedEvent(), kMaxAttempts - 1))->disposition ==
        Disposition::kAck);
  CHECK(applier.applied.size() == 1);
}

TEST_CASE("a transient failure with the database up still spends its attempts", "[consumer]") {
  FakeApplier applier;
  applier.fail_with = absl::UnavailableError("case.routed not applied yet");
  DeliveryProcessor processor("sla", Handlers(), applier, kMaxAttempts);
  CHECK(processor.Process(DeliveryOf(SubmittedEvent(), 0))->disposition == Disposition::kRetry);
  CHECK(processor.Process(DeliveryOf(SubmittedEvent(), kMaxAttempts - 1))->disposition ==
        Disposition::kDeadLetter);
}

TEST_CASE("an event that came before an earlier event of its case waits without spending "
          "attempts",
          "[consumer]") {
  FakeApplier applier;
  applier.fail_with = EarlierEventPending("case.citizen_answered before case.info_requested");
  DeliveryProcessor processor("sla", Handlers(), applier, kMaxAttempts, /*max_waits=*/10);
  // On its last attempt, an early event is still set aside rather than parked: its predecessor
  // is late, not the event wrong.
  AmqpDelivery late = DeliveryOf(SubmittedEvent(), kMaxAttempts - 1);
  late.message.waits = 3;
  const ProcessResult r = *processor.Process(late);
  CHECK(r.disposition == Disposition::kWaitForEarlier);
  CHECK_THAT(r.error, Catch::Contains("before case.info_requested"));
  // The predecessor came: the same delivery applies.
  applier.fail_with.reset();
  CHECK(processor.Process(late)->disposition == Disposition::kAck);
}

TEST_CASE("an event that waited its last time for an earlier event is parked, saying why",
          "[consumer]") {
  FakeApplier applier;
  applier.fail_with = EarlierEventPending("case.responded before case.routed");
  DeliveryProcessor processor("sla", Handlers(), applier, kMaxAttempts, /*max_waits=*/10);
  AmqpDelivery last = DeliveryOf(SubmittedEvent(), 0);
  last.message.waits = 9;
  const ProcessResult r = *processor.Process(last);
  CHECK(r.disposition == Disposition::kDeadLetter);
  CHECK_THAT(r.error, Catch::Contains("waited 10 times"));
}

TEST_CASE("only a marked UNAVAILABLE is an earlier event pending", "[consumer]") {
  CHECK(IsEarlierEventPending(EarlierEventPending("x")));
  CHECK(absl::IsUnavailable(EarlierEventPending("x")));
  CHECK_FALSE(IsEarlierEventPending(absl::UnavailableError("x")));
  CHECK_FALSE(IsEarlierEventPending(absl::OkStatus()));
}

TEST_CASE("a permanent failure is parked even while the database is down", "[consumer]") {
  FakeApplier applier;
  applier.fail_with = absl::InvalidArgumentError("payload has no ticket");
  applier.store_down = absl::UnavailableError("postgresql connect: connection refused");
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  CHECK(processor.Process(DeliveryOf(SubmittedEvent(), 0))->disposition ==
        Disposition::kDeadLetter);
}

ServiceQueues RoutingQueues() {
  TopologyOptions topology;
  topology.service = "routing";
  return QueuesFor(topology);  // three retry queues
}

TEST_CASE("a failed event is parked in the retry queue of its attempt, then the longest one",
          "[consumer]") {
  const ServiceQueues queues = RoutingQueues();
  const AmqpMessage first =
      ParkedCopy(DeliveryOf(SubmittedEvent(), 0), {Disposition::kRetry, "deadlock"}, queues);
  CHECK(first.exchange.empty());
  CHECK(first.routing_key == "routing.events.retry.1");
  CHECK(first.attempt == 1);
  CHECK(first.waits == 0);
  CHECK(first.last_error == "deadlock");
  CHECK(first.original_routing_key == kComplaintSubmitted);
  CHECK(ParkedCopy(DeliveryOf(SubmittedEvent(), 1), {Disposition::kRetry, "x"}, queues)
            .routing_key == "routing.events.retry.2");
  CHECK(ParkedCopy(DeliveryOf(SubmittedEvent(), 7), {Disposition::kRetry, "x"}, queues)
            .routing_key == "routing.events.retry.3");
}

TEST_CASE("a dead-lettered event goes to the dead queue with its attempt counted",
          "[consumer]") {
  const AmqpMessage dead = ParkedCopy(DeliveryOf(SubmittedEvent(), 3),
                                      {Disposition::kDeadLetter, "no ticket"}, RoutingQueues());
  CHECK(dead.routing_key == "routing.events.dead");
  CHECK(dead.attempt == 4);
  CHECK(dead.last_error == "no ticket");
}

TEST_CASE("a processor that counts its own attempts picks the retry queue by its count",
          "[consumer]") {
  // A notification delivery message: its attempts are counted in the database, not the header.
  const AmqpMessage retry = ParkedCopy(DeliveryOf(SubmittedEvent(), 0),
                                       {Disposition::kRetry, "500", 2}, RoutingQueues());
  CHECK(retry.routing_key == "routing.events.retry.2");
  CHECK(retry.attempt == 2);
  const AmqpMessage dead = ParkedCopy(DeliveryOf(SubmittedEvent(), 0),
                                      {Disposition::kDeadLetter, "550", 4}, RoutingQueues());
  CHECK(dead.routing_key == "routing.events.dead");
  CHECK(dead.attempt == 4);
}

TEST_CASE("an event waiting for an earlier one counts a wait, not an attempt", "[consumer]") {
  AmqpDelivery late = DeliveryOf(SubmittedEvent(), 1);
  late.message.waits = 1;
  const AmqpMessage parked =
      ParkedCopy(late, {Disposition::kWaitForEarlier, "earlier pending"}, RoutingQueues());
  CHECK(parked.routing_key == "routing.events.retry.2");
  CHECK(parked.waits == 2);
  CHECK(parked.attempt == 1);
}

TEST_CASE("work another worker holds is revisited after the longest wait, nothing counted",
          "[consumer]") {
  const AmqpMessage later =
      ParkedCopy(DeliveryOf(SubmittedEvent(), 1), {Disposition::kRevisitLater}, RoutingQueues());
  CHECK(later.routing_key == "routing.events.retry.3");
  CHECK(later.attempt == 1);
  CHECK(later.waits == 0);
  CHECK(later.last_error.empty());
}

TEST_CASE("with no retry queues a failed event goes to the dead queue", "[consumer]") {
  TopologyOptions topology;
  topology.service = "routing";
  topology.retry_delays.clear();
  const AmqpMessage parked = ParkedCopy(DeliveryOf(SubmittedEvent(), 0),
                                        {Disposition::kRetry, "x"}, QueuesFor(topology));
  CHECK(parked.routing_key == "routing.events.dead");
}

TEST_CASE("a batch is applied together, each event decided as alone, and undecodable and unhandled "
          "messages stay out of it",
          "[consumer]") {
  FakeApplier applier;
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  sambat::v1::Event first = SubmittedEvent();
  sambat::v1::Event second = SubmittedEvent();
  AmqpDelivery garbage = DeliveryOf(first);
  garbage.message.body = "not an event";
  sambat::v1::Event unhandled = NewEvent("case.routed", "c-0002", absl::FromUnixSeconds(1), "routing", nullptr);
  applier.applied.insert(second.event_id());  // a redelivery
  auto results = processor.ProcessBatch(
      {DeliveryOf(first), garbage, DeliveryOf(second), DeliveryOf(unhandled)});
  REQUIRE(results.ok());
  REQUIRE(results->size() == 4);
  CHECK((*results)[0].disposition == Disposition::kAck);
  CHECK((*results)[1].disposition == Disposition::kDeadLetter);
  CHECK((*results)[2].disposition == Disposition::kAck);
  CHECK((*results)[3].disposition == Disposition::kAck);
  CHECK(applier.batches == std::vector<size_t>{2});
  CHECK(applier.calls == std::vector<std::string>{first.event_id(), second.event_id()});
}

TEST_CASE("a batch is applied in the order of its complaints, each complaint's events in their "
          "own order, and each message gets its own event's decision",
          "[consumer]") {
  FakeApplier applier;
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  auto submitted = [](const std::string& complaint_id) {
    sambat::v1::Event event = NewEvent(kComplaintSubmitted, complaint_id,
                                       absl::FromUnixSeconds(1772416800), "intake", nullptr);
    *event.mutable_complaint_submitted() = SubmittedEvent().complaint_submitted();
    return event;
  };
  const sambat::v1::Event third = submitted("c-0003");
  const sambat::v1::Event first_a = submitted("c-0001");
  const sambat::v1::Event second = submitted("c-0002");
  const sambat::v1::Event first_b = submitted("c-0001");
  applier.failing.insert(third.event_id());
  auto results = processor.ProcessBatch(
      {DeliveryOf(third), DeliveryOf(first_a), DeliveryOf(second), DeliveryOf(first_b)});
  REQUIRE(results.ok());
  // Two consumers whose batches lock the same complaints in one order cannot deadlock.
  CHECK(applier.calls == std::vector<std::string>{first_a.event_id(), first_b.event_id(),
                                                  second.event_id(), third.event_id()});
  CHECK((*results)[0].disposition == Disposition::kDeadLetter);
  CHECK((*results)[1].disposition == Disposition::kAck);
  CHECK((*results)[2].disposition == Disposition::kAck);
  CHECK((*results)[3].disposition == Disposition::kAck);
}

TEST_CASE("a batch that fails as a whole is applied one by one, each getting its own decision",
          "[consumer]") {
  FakeApplier applier;
  applier.batch_fails_with = absl::UnavailableError("connection lost during COMMIT");
  DeliveryProcessor processor("routing", Handlers(), applier, kMaxAttempts);
  sambat::v1::Event first = SubmittedEvent();
  sambat::v1::Event second = SubmittedEvent();
  auto results = processor.ProcessBatch({DeliveryOf(first), DeliveryOf(second)});
  REQUIRE(results.ok());
  CHECK((*results)[0].disposition == Disposition::kAck);
  CHECK((*results)[1].disposition == Disposition::kAck);
  CHECK(applier.applied.size() == 2);
  // With the database down, each waits for it, its attempts untouched.
  FakeApplier down;
  down.batch_fails_with = absl::UnavailableError("connection refused");
  down.fail_with = absl::UnavailableError("connection refused");
  down.store_down = absl::UnavailableError("connection refused");
  DeliveryProcessor waiting("routing", Handlers(), down, kMaxAttempts);
  auto held = waiting.ProcessBatch({DeliveryOf(first), DeliveryOf(second)});
  REQUIRE(held.ok());
  CHECK((*held)[0].disposition == Disposition::kWaitForStore);
  CHECK((*held)[1].disposition == Disposition::kWaitForStore);
}

TEST_CASE("a parked copy keeps the routing key it was first published with", "[consumer]") {
  AmqpDelivery back = DeliveryOf(SubmittedEvent(), 1);
  back.routing_key = "routing.events";  // dead-lettered back from a retry queue
  back.message.original_routing_key = kComplaintSubmitted;
  CHECK(ParkedCopy(back, {Disposition::kRetry, "x"}, RoutingQueues()).original_routing_key ==
        kComplaintSubmitted);
}

}  // namespace
}  // namespace skk

// The event envelope: ids and correlation, the checks a consumer relies on, the AMQP mapping
// and protobuf time conversion.

#include "services/platform/events.h"

#include <catch2/catch.hpp>
#include <string>

#include "services/platform/ids.h"

namespace skk {
namespace {

const absl::Time kOccurred = absl::FromUnixSeconds(1772416800) + absl::Milliseconds(250);

sambat::v1::Event Submitted(const sambat::v1::Event* cause = nullptr) {
  sambat::v1::Event event = NewEvent(kComplaintSubmitted, "c-0001", kOccurred, "intake", cause);
  auto* p = event.mutable_complaint_submitted();
  p->set_ticket("SKK-2026-000001");
  p->set_category("jalan-rusak");
  return event;
}

sambat::v1::Event Routed(const sambat::v1::Event& cause) {
  sambat::v1::Event event = NewEvent(kCaseRouted, "c-0001", kOccurred, "routing", &cause);
  event.mutable_case_routed()->set_ticket("SKK-2026-000001");
  event.mutable_case_routed()->set_agency_code("dpuprpkp");
  return event;
}

TEST_CASE("a new event has a fresh UUID and starts its own correlation chain", "[events]") {
  const sambat::v1::Event a = Submitted();
  const sambat::v1::Event b = Submitted();
  CHECK(IsUuid(a.event_id()));
  CHECK(a.event_id() != b.event_id());
  CHECK(a.type() == kComplaintSubmitted);
  CHECK(a.complaint_id() == "c-0001");
  CHECK(a.producer() == "intake");
  CHECK(FromProtoTime(a.occurred_at()) == kOccurred);
  CHECK(a.correlation_id() == a.event_id());
  CHECK(a.causation_id().empty());
}

TEST_CASE("an event caused by another carries its correlation id down the chain", "[events]") {
  const sambat::v1::Event submitted = Submitted();
  const sambat::v1::Event routed = Routed(submitted);
  CHECK(routed.correlation_id() == submitted.event_id());
  CHECK(routed.causation_id() == submitted.event_id());

  sambat::v1::Event escalated = NewEvent(kEscalated, "c-0001", kOccurred, "sla", &routed);
  CHECK(escalated.correlation_id() == submitted.event_id());
  CHECK(escalated.causation_id() == routed.event_id());
  CHECK(escalated.event_id() != routed.event_id());
}

TEST_CASE("a cause without a correlation id starts the chain from itself", "[events]") {
  sambat::v1::Event old_style = Submitted();
  old_style.clear_correlation_id();
  const sambat::v1::Event routed = Routed(old_style);
  CHECK(routed.correlation_id() == old_style.event_id());
  CHECK(routed.causation_id() == old_style.event_id());
}

TEST_CASE("a well-formed envelope parses back to the same event", "[events]") {
  const sambat::v1::Event event = Routed(Submitted());
  auto parsed = ParseEvent(event.SerializeAsString());
  REQUIRE(parsed.ok());
  CHECK(parsed->event_id() == event.event_id());
  CHECK(parsed->type() == kCaseRouted);
  CHECK(parsed->case_routed().agency_code() == "dpuprpkp");
  CHECK(parsed->correlation_id() == event.correlation_id());
}

TEST_CASE("an envelope a consumer could never apply is rejected as invalid", "[events]") {
  auto expect_invalid = [](const std::string& body, const std::string& words) {
    auto parsed = ParseEvent(body);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(parsed.status().message()), Catch::Contains(words));
  };
  SECTION("garbage bytes") {
    expect_invalid(std::string("\xff\xff\xff\xff\x0f", 5), "not a sambat.v1.Event");
  }
  SECTION("no event id") {
    sambat::v1::Event e = Submitted();
    e.clear_event_id();
    expect_invalid(e.SerializeAsString(), "event_id");
  }
  SECTION("an event id that is not a UUID") {
    sambat::v1::Event e = Submitted();
    e.set_event_id("event-42");
    expect_invalid(e.SerializeAsString(), "event_id");
  }
  SECTION("no complaint id") {
    sambat::v1::Event e = Submitted();
    e.clear_complaint_id();
    expect_invalid(e.SerializeAsString(), "complaint_id");
  }
  SECTION("no occurred-at time") {
    sambat::v1::Event e = Submitted();
    e.clear_occurred_at();
    expect_invalid(e.SerializeAsString(), "occurred_at");
  }
  SECTION("a type that does not match the payload") {
    sambat::v1::Event e = Submitted();
    e.set_type(kCaseRouted);
    expect_invalid(e.SerializeAsString(), "payload complaint.submitted");
  }
}

TEST_CASE("an envelope with a payload from a newer producer is accepted", "[events]") {
  sambat::v1::Event e =
      NewEvent("case.claimed", "c-0001", kOccurred, "routing-v2", nullptr);
  // Field 99 (length-delimited) is a payload this binary does not know.
  const std::string unknown_payload = std::string("\x9a\x06\x03", 3) + "abc";
  auto parsed = ParseEvent(e.SerializeAsString() + unknown_payload);
  REQUIRE(parsed.ok());
  CHECK(parsed->type() == "case.claimed");
  CHECK(parsed->payload_case() == sambat::v1::Event::PAYLOAD_NOT_SET);
  CHECK(PayloadType(*parsed).empty());
}

TEST_CASE("each payload names the routing key it travels under", "[events]") {
  sambat::v1::Event e;
  CHECK(PayloadType(e).empty());
  e.mutable_complaint_submitted();
  CHECK(PayloadType(e) == "complaint.submitted");
  e.mutable_case_routed();
  CHECK(PayloadType(e) == "case.routed");
  e.mutable_deadline_set();
  CHECK(PayloadType(e) == "sla.deadline_set");
  e.mutable_escalated();
  CHECK(PayloadType(e) == "sla.escalated");
}

TEST_CASE("an event goes on the wire with its id, type and correlation id", "[events]") {
  const sambat::v1::Event submitted = Submitted();
  const sambat::v1::Event routed = Routed(submitted);
  const AmqpMessage m = ToAmqpMessage(routed, kEventsExchange);
  CHECK(m.exchange == "sambat.events");
  CHECK(m.message_id == routed.event_id());
  CHECK(m.routing_key == "case.routed");
  CHECK(m.type == "case.routed");
  CHECK(m.correlation_id == submitted.event_id());
  CHECK(m.timestamp == kOccurred);
  CHECK(m.attempt == 0);
  auto back = ParseEvent(m.body);
  REQUIRE(back.ok());
  CHECK(back->SerializeAsString() == routed.SerializeAsString());
}

TEST_CASE("protobuf timestamps round-trip to the nanosecond, before 1970 too", "[events]") {
  for (absl::Time t : {absl::UnixEpoch(),
                       absl::FromUnixSeconds(1772416800) + absl::Nanoseconds(123456789),
                       absl::FromUnixSeconds(1772416800) + absl::Nanoseconds(999999999),
                       absl::UnixEpoch() - absl::Nanoseconds(1),
                       absl::FromUnixSeconds(-86400) - absl::Milliseconds(1500)}) {
    INFO(absl::FormatTime(t));
    const google::protobuf::Timestamp p = ToProtoTime(t);
    // protobuf requires 0 <= nanos < 1e9, also for instants before the epoch.
    CHECK(p.nanos() >= 0);
    CHECK(p.nanos() < 1000000000);
    CHECK(FromProtoTime(p) == t);
  }
  const google::protobuf::Timestamp p = ToProtoTime(absl::UnixEpoch() - absl::Milliseconds(1));
  CHECK(p.seconds() == -1);
  CHECK(p.nanos() == 999000000);
}

}  // namespace
}  // namespace skk

// W3C trace context: what is accepted from a stranger, what is passed on, and that an event
// written during traced work carries its trace.

#include "services/platform/trace.h"

#include <catch2/catch.hpp>

#include "services/platform/events.h"

namespace skk::trace {
namespace {

constexpr const char* kExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST_CASE("a well-formed traceparent is read and written back the same", "[trace]") {
  std::optional<TraceContext> parsed = Parse(kExample);
  REQUIRE(parsed.has_value());
  CHECK(parsed->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(parsed->span_id == "00f067aa0ba902b7");
  CHECK(parsed->flags == "01");
  CHECK(Format(*parsed) == kExample);
}

TEST_CASE("a malformed traceparent is refused, and a new trace starts instead", "[trace]") {
  for (const char* bad : {"", "garbage", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                          "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"}) {
    INFO(bad);
    CHECK_FALSE(Parse(bad).has_value());
    const TraceContext fresh = Continue(bad);
    CHECK(Parse(Format(fresh)).has_value());
    CHECK(fresh.trace_id != "4bf92f3577b34da6a3ce929d0e0e4736");
  }
}

TEST_CASE("work continuing a trace keeps its id and takes a span of its own", "[trace]") {
  const TraceContext child = Continue(kExample);
  CHECK(child.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(child.span_id != "00f067aa0ba902b7");
  CHECK(Parse(Format(child)).has_value());
}

TEST_CASE("a scope makes a trace current on its thread until it ends", "[trace]") {
  CHECK(Current() == nullptr);
  CHECK(Traceparent().empty());
  {
    const Scope outer(Continue(kExample));
    REQUIRE(Current() != nullptr);
    const std::string outer_span = Current()->span_id;
    {
      const Scope inner(NewTrace());
      CHECK(Current()->trace_id != "4bf92f3577b34da6a3ce929d0e0e4736");
    }
    CHECK(Current()->span_id == outer_span);
    CHECK(Traceparent() == Format(*Current()));
  }
  CHECK(Current() == nullptr);
}

TEST_CASE("an event carries the trace of the work that writes it, else its cause's", "[trace]") {
  sambat::v1::Event cause;
  {
    const Scope traced(Continue(kExample));
    cause = NewEvent(kComplaintSubmitted, "c-1", absl::Now(), "intake", nullptr);
    CHECK(Parse(cause.traceparent())->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  }
  // A timer fires with no trace of its own: the event follows its cause.
  const sambat::v1::Event later = NewEvent(kEscalated, "c-1", absl::Now(), "sla", &cause);
  CHECK(later.traceparent() == cause.traceparent());
  // Nothing to follow: a new trace.
  const sambat::v1::Event alone = NewEvent(kEscalated, "c-2", absl::Now(), "sla", nullptr);
  CHECK(Parse(alone.traceparent()).has_value());
}

}  // namespace
}  // namespace skk::trace

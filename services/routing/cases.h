#pragma once

// Cases in routing's PostgreSQL schema: a complaint.submitted event becomes a case assigned to
// the responsible agency, recorded with its audit trail and announced as case.routed.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"
#include "services/routing/rules.h"

namespace skk {
const std::vector<Migration>& routing_migrations();
}  // namespace skk

namespace skk::routing {

std::vector<std::string> ConsumedEvents();

class Cases {
 public:
  Cases(Clock& clock, RoutingRules rules) : clock_(clock), rules_(std::move(rules)) {}

  EventHandlers Handlers();

  // Creates the case for a submitted complaint and emits case.routed, in `tx`.
  absl::Status OnComplaintSubmitted(PgConnection& tx, const sambat::v1::Event& event);

 private:
  Clock& clock_;
  RoutingRules rules_;
};

}  // namespace skk::routing

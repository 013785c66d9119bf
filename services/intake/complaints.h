#pragma once

// The complaints a citizen sent, in intake's PostgreSQL schema: submission (with its
// complaint.submitted event, in one transaction), the citizen's view, and the status updates
// that routing's and sla's events bring.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/events.pb.h"
#include "sambat/v1/intake.pb.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"

namespace skk {
const std::vector<Migration>& intake_migrations();
}  // namespace skk

namespace skk::intake {

// Event types intake consumes, to show the citizen the current status.
std::vector<std::string> ConsumedEvents();

class Complaints {
 public:
  Complaints(PgPool& pool, Clock& clock, const sambat::v1::CityConfig& city);

  // Stores a validated submission and its complaint.submitted event in one transaction.
  // A request repeating an idempotency key returns the first complaint (duplicate = true).
  absl::StatusOr<sambat::v1::SubmitComplaintResponse> Submit(
      const sambat::v1::SubmitComplaintRequest& request);

  // NOT_FOUND for an unknown or malformed id.
  absl::StatusOr<sambat::v1::Complaint> Get(const std::string& complaint_id);

  // Handlers that keep the citizen's view current.
  EventHandlers Handlers();

 private:
  absl::Status OnCaseRouted(PgConnection& tx, const sambat::v1::Event& event);
  absl::Status OnDeadlineSet(PgConnection& tx, const sambat::v1::Event& event);
  absl::Status OnEscalated(PgConnection& tx, const sambat::v1::Event& event);

  PgPool& pool_;
  Clock& clock_;
  absl::TimeZone zone_;
  std::string ticket_prefix_;
};

}  // namespace skk::intake

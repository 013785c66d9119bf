#pragma once

// What anyone may see of the city's complaints: Open311's GET requests and open data read it
// through ListPublicComplaints (docs/open311.md). A confidential complaint never appears; no
// reporter ever does, named or anonymous (nothing of the reporters table is read); the
// citizen's and the agency's words are shown with contact details masked.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.pb.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"

namespace skk::intake {

// The public view of the complaint with `ticket`, or nullopt when there is none or it is
// confidential.
absl::StatusOr<std::optional<sambat::v1::PublicComplaint>> PublicComplaintByTicket(
    PgConnection& conn, const std::string& ticket);

class PublicComplaints {
 public:
  PublicComplaints(PgPool& pool, Clock& clock, sambat::v1::CityConfig city)
      : pool_(pool), clock_(clock), city_(std::move(city)) {}

  // A validated request (ValidatePublicListing). Without a window, the 90 days before now,
  // unless tickets are named: those are found whenever they were submitted.
  absl::StatusOr<sambat::v1::ListPublicComplaintsResponse> List(
      const sambat::v1::ListPublicComplaintsRequest& request);

  // "Already reported nearby" for a validated request (ValidateNearbySearch).
  absl::StatusOr<sambat::v1::FindNearbyComplaintsResponse> Nearby(
      const sambat::v1::FindNearbyComplaintsRequest& request);

  // OK when the nearby search would offer `request.join_ticket()` for the request's category
  // and location (Nearby's rules, whatever its rank), so a citizen can join only a complaint
  // they could have seen; INVALID_ARGUMENT naming join_ticket otherwise. For a validated
  // request (ValidateSubmission) with a join_ticket.
  absl::Status RequireJoinable(const sambat::v1::SubmitComplaintRequest& request);

 private:
  PgPool& pool_;
  Clock& clock_;
  sambat::v1::CityConfig city_;
};

}  // namespace skk::intake

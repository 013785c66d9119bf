#pragma once

// Erasing a citizen's personal data (UU 27/2022 PDP), on their request or when the city's
// retention period has passed. intake holds the reporter's identity and the citizen's words
// first, so it decides which complaints an erasure covers, erases its own copy, records the
// erasure (who, why, which tickets; never the data) and emits complaint.erasure_requested for
// every other service, all in one transaction. docs/security.md, "Citizens' data", is the
// procedure for the city's data protection officer.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/media_store.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"

namespace skk::intake {

struct ErasureOptions {
  // A finished complaint's personal data is erased this long after it finished (resolved,
  // closed, rejected or merged, by the business clock). Zero turns retention off.
  absl::Duration retention = absl::Hours(24 * 730);
  // Complaints erased together in one retention transaction.
  int retention_batch = 100;
};

class CitizenData {
 public:
  CitizenData(PgPool& pool, Clock& clock, MediaStore& media, ErasureOptions options)
      : pool_(pool), clock_(clock), media_(media), options_(options) {}

  // Erases the personal data of the complaint with `ticket`, or of every complaint reported
  // with `phone` or `email`. INVALID_ARGUMENT names a missing selector or reason, or a reason
  // that repeats the phone or email; NOT_FOUND when no complaint matches. A complaint already
  // erased (with its photos, if asked) is left alone: when all are, nothing is recorded and
  // the answer has no erasure id.
  absl::StatusOr<sambat::v1::EraseCitizenDataResponse> Erase(
      const Caller& caller, const sambat::v1::EraseCitizenDataRequest& request);

  // The erasures recorded, newest first.
  absl::StatusOr<sambat::v1::ListErasuresResponse> List(
      const sambat::v1::ListErasuresRequest& request);

  // One pass of retention: erases every finished complaint older than the retention period,
  // a batch per transaction. Returns how many complaints were erased.
  absl::StatusOr<int> EraseExpired();

 private:
  struct Target {
    std::string complaint_id;
    std::string ticket;
  };
  // Erases `targets` inside `tx` and records one erasure of them; returns its id.
  absl::StatusOr<std::string> EraseIn(PgConnection& tx, const std::vector<Target>& targets,
                                      const std::string& requested_by, const std::string& reason,
                                      sambat::v1::ErasureBasis basis, bool photos, absl::Time now);

  PgPool& pool_;
  Clock& clock_;
  MediaStore& media_;
  ErasureOptions options_;
};

}  // namespace skk::intake

#pragma once

// Who may see a complaint's photos (docs/http-api.md, "Photos"): its citizen with the ticket
// and tracking token; anyone, the thumbnail of a complaint that is not confidential; the staff
// of the agency that has the case now, leadership and administrators. Everything else, like a
// photo in no complaint or one erased, is the NOT_FOUND of an unknown id: a stranger learns
// nothing of which photos exist.

#include <string>

#include "absl/status/statusor.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/complaints.h"
#include "services/intake/media_store.h"
#include "services/platform/auth.h"
#include "services/platform/pg.h"

namespace skk::intake {

class PhotoAccess {
 public:
  PhotoAccess(PgPool& pool, MediaStore& media, Complaints& complaints)
      : pool_(pool), media_(media), complaints_(complaints) {}

  // Citizens and the public; a call with a ticket counts against `peer`'s tracking limit.
  absl::StatusOr<sambat::v1::MediaFile> ForPublic(const sambat::v1::GetMediaRequest& request,
                                                  const std::string& peer);
  absl::StatusOr<sambat::v1::MediaFile> ForStaff(const Caller& caller,
                                                 const sambat::v1::GetMediaRequest& request);

 private:
  struct Owner {
    std::string content_type;
    std::string complaint_id;
    std::string ticket;
    std::string agency_code;
    bool confidential = false;
  };
  // The complaint a stored, attached, not erased photo belongs to; NOT_FOUND otherwise.
  absl::StatusOr<Owner> OwnerOf(const std::string& media_id);
  absl::StatusOr<sambat::v1::MediaFile> Read(const sambat::v1::GetMediaRequest& request,
                                             const Owner& owner, bool is_public);

  PgPool& pool_;
  MediaStore& media_;
  Complaints& complaints_;
};

}  // namespace skk::intake

#include "services/intake/photo_access.h"

#include "services/intake/validation.h"
#include "services/platform/errors.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

namespace v1 = sambat::v1;

constexpr SqlStatement kPhotoOwner{"intake_photo_owner", R"sql(
  SELECT m.content_type, c.complaint_id::text AS complaint_id, c.ticket, c.agency_code,
         c.confidential
  FROM media m JOIN complaints c USING (complaint_id)
  WHERE m.media_id = $1 AND NOT c.photos_erased)sql"};

absl::Status NoSuchPhoto() { return absl::NotFoundError("no such photo"); }

absl::Status CheckId(const v1::GetMediaRequest& request) {
  if (IsMediaId(request.media_id())) return absl::OkStatus();
  return InvalidFields({{"media_id", "is not a media id (64 hex digits)"}});
}

}  // namespace

absl::StatusOr<PhotoAccess::Owner> PhotoAccess::OwnerOf(const std::string& media_id) {
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult found, conn->Execute(kPhotoOwner, {SqlParam::Text(media_id)}));
  if (found.rows() == 0) return NoSuchPhoto();
  const PgRow row = found.Row(0);
  return Owner{.content_type = row.String("content_type"),
               .complaint_id = row.String("complaint_id"),
               .ticket = row.String("ticket"),
               .agency_code = row.String("agency_code"),
               .confidential = row.Bool("confidential")};
}

absl::StatusOr<v1::MediaFile> PhotoAccess::Read(const v1::GetMediaRequest& request,
                                                const Owner& owner, bool is_public) {
  absl::StatusOr<std::string> bytes = request.thumbnail() ? media_.ReadThumbnail(request.media_id())
                                                          : media_.ReadPhoto(request.media_id());
  if (absl::IsNotFound(bytes.status())) return NoSuchPhoto();  // erased meanwhile
  SKK_RETURN_IF_ERROR(bytes.status());
  v1::MediaFile file;
  file.set_media_id(request.media_id());
  file.set_content_type(request.thumbnail() ? "image/jpeg" : owner.content_type);
  file.set_data(*std::move(bytes));
  file.set_public_(is_public);
  return file;
}

absl::StatusOr<v1::MediaFile> PhotoAccess::ForPublic(const v1::GetMediaRequest& request,
                                                     const std::string& peer) {
  SKK_RETURN_IF_ERROR(CheckId(request));
  if (!request.ticket().empty() || !request.tracking_token().empty()) {
    SKK_ASSIGN_OR_RETURN(const std::string complaint_id,
                         complaints_.Authorized(request.ticket(), request.tracking_token(), peer));
    SKK_ASSIGN_OR_RETURN(const Owner owner, OwnerOf(request.media_id()));
    if (owner.complaint_id != complaint_id) return NoSuchPhoto();
    return Read(request, owner, false);
  }
  SKK_ASSIGN_OR_RETURN(const Owner owner, OwnerOf(request.media_id()));
  if (!request.thumbnail() || owner.confidential) return NoSuchPhoto();
  return Read(request, owner, true);
}

absl::StatusOr<v1::MediaFile> PhotoAccess::ForStaff(const Caller& caller,
                                                    const v1::GetMediaRequest& request) {
  SKK_RETURN_IF_ERROR(CheckId(request));
  SKK_ASSIGN_OR_RETURN(const Owner owner, OwnerOf(request.media_id()));
  // What anyone may see, staff of any agency may too.
  const bool anyone_may = request.thumbnail() && !owner.confidential;
  if (RoleHasAgency(caller.role) && caller.agency_code != owner.agency_code && !anyone_may) {
    return NoSuchPhoto();
  }
  return Read(request, owner, anyone_may);
}

}  // namespace skk::intake

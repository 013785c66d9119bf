#include "services/intake/public_complaints.h"

#include <string>
#include <vector>

#include "services/intake/citizen_words.h"
#include "services/intake/validation.h"
#include "services/platform/events.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

namespace v1 = sambat::v1;

// Finished is RESOLVED, CLOSED, REJECTED or MERGED (sambat.v1.CaseState numbers, as in
// erasure.cc). The agency's latest answer is the newest timeline line of a kind the agency
// writes for the citizen; the photo shown is the first, unless the photos were erased.
constexpr SqlStatement kListPublic{"intake_list_public", R"sql(
  SELECT c.ticket, c.category, c.description, c.latitude, c.longitude, c.address,
         c.submitted_at, c.updated_at, c.state, c.state IN (5, 6, 7, 8) AS finished,
         c.agency_code, c.agency_name, c.first_response_due_at,
         (SELECT t.text FROM complaint_timeline t
          WHERE t.complaint_id = c.complaint_id
            AND t.kind IN ('responded', 'info_requested', 'resolved', 'rejected')
          ORDER BY t.at DESC, t.id DESC LIMIT 1) AS status_notes,
         CASE WHEN c.photos_erased THEN NULL
              ELSE (SELECT m.media_id FROM media m WHERE m.complaint_id = c.complaint_id
                    ORDER BY m.stored_at, m.media_id LIMIT 1) END AS media_id
  FROM complaints c
  WHERE NOT c.confidential
    AND c.submitted_at >= $1 AND c.submitted_at < $2
    AND (cardinality($3::text[]) = 0 OR c.ticket = ANY($3::text[]))
    AND (cardinality($4::text[]) = 0 OR c.category = ANY($4::text[]))
    AND ($5 = 0 OR ($5 = 2) = (c.state IN (5, 6, 7, 8)))
  ORDER BY c.submitted_at DESC, c.ticket DESC
  LIMIT $6)sql"};

v1::PublicComplaint PublicComplaintFromRow(const PgRow& row) {
  v1::PublicComplaint c;
  row.CopyInto(
      c, {"ticket", "category", "address", "finished", "agency_code", "agency_name", "media_id"});
  c.set_description(MaskContacts(row.String("description")));
  c.set_status_notes(MaskContacts(row.String("status_notes")));
  if (!row.IsNull("latitude")) {
    c.mutable_location()->set_latitude(row.Double("latitude"));
    c.mutable_location()->set_longitude(row.Double("longitude"));
  }
  *c.mutable_submitted_at() = ToProtoTime(row.Time("submitted_at"));
  *c.mutable_updated_at() = ToProtoTime(row.Time("updated_at"));
  c.set_state(static_cast<v1::CaseState>(row.Int("state")));
  if (const auto due = row.OptionalTime("first_response_due_at")) {
    *c.mutable_first_response_due_at() = ToProtoTime(*due);
  }
  return c;
}

}  // namespace

absl::StatusOr<v1::ListPublicComplaintsResponse> PublicComplaints::List(
    const v1::ListPublicComplaintsRequest& request) {
  const bool windowed =
      request.has_submitted_from() || request.has_submitted_until() || request.tickets().empty();
  absl::Time until = absl::InfiniteFuture();
  absl::Time from = absl::InfinitePast();
  if (windowed) {
    until = request.has_submitted_until() ? FromProtoTime(request.submitted_until())
            : request.has_submitted_from()
                ? FromProtoTime(request.submitted_from()) + kMaxPublicWindow
                : clock_.Now() + absl::Seconds(1);
    from = request.has_submitted_from() ? FromProtoTime(request.submitted_from())
                                        : until - kMaxPublicWindow;
  }
  const int limit = request.limit() == 0 ? kMaxPublicComplaints : request.limit();
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(
      PgResult rows,
      conn->Execute(kListPublic, {SqlParam::Time(from), SqlParam::Time(until),
                                  SqlParam::Array(std::vector<std::string>(
                                      request.tickets().begin(), request.tickets().end())),
                                  SqlParam::Array(std::vector<std::string>(
                                      request.categories().begin(), request.categories().end())),
                                  SqlParam::Int(request.progress()), SqlParam::Int(limit)}));
  v1::ListPublicComplaintsResponse response;
  for (PgRow row : rows) *response.add_complaints() = PublicComplaintFromRow(row);
  return response;
}

}  // namespace skk::intake

#include "services/intake/public_complaints.h"

#include <string>
#include <vector>

#include <cmath>

#include "absl/algorithm/container.h"

#include "services/intake/citizen_words.h"
#include "services/intake/nearby.h"
#include "services/intake/validation.h"
#include "services/platform/errors.h"
#include "services/platform/events.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

namespace v1 = sambat::v1;

// The view public_complaints (migration 013) is what anyone may see of a complaint.
constexpr SqlStatement kListPublic{"intake_list_public", R"sql(
  SELECT * FROM public_complaints c
  WHERE c.submitted_at >= $1 AND c.submitted_at < $2
    AND (cardinality($3::text[]) = 0 OR c.ticket = ANY($3::text[]))
    AND (cardinality($4::text[]) = 0 OR c.category = ANY($4::text[]))
    AND ($5 = 0 OR ($5 = 2) = c.finished)
  ORDER BY c.submitted_at DESC, c.ticket DESC
  LIMIT $6)sql"};

// A category's complaints in a box: open ones (neither resolved, closed, rejected nor merged:
// sambat.v1.CaseState 5 to 8), and resolved or closed ones changed since $6 (NULL: none). A rejected or
// merged complaint is not offered: there is nothing to join. The newest 200 at most; the box
// of a 1 km radius rarely holds that many of one category.
constexpr SqlStatement kNearby{"intake_nearby", R"sql(
  SELECT * FROM public_complaints c
  WHERE c.category = $1 AND c.latitude BETWEEN $2 AND $3 AND c.longitude BETWEEN $4 AND $5
    AND (NOT c.finished OR (c.state IN (5, 6) AND c.updated_at >= $6))
  ORDER BY c.submitted_at DESC
  LIMIT 200)sql"};

// The one complaint a citizen asks to join, if the nearby search could offer it ($1 ticket,
// $2 category, $3 as kNearby's $6).
constexpr SqlStatement kJoinable{"intake_joinable_complaint", R"sql(
  SELECT * FROM public_complaints c
  WHERE c.ticket = $1 AND c.category = $2
    AND (NOT c.finished OR (c.state IN (5, 6) AND c.updated_at >= $3)))sql"};

constexpr SqlStatement kByTicket{"intake_public_complaint_by_ticket", R"sql(
  SELECT * FROM public_complaints WHERE ticket = $1)sql"};

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

absl::StatusOr<std::optional<v1::PublicComplaint>> PublicComplaintByTicket(
    PgConnection& conn, const std::string& ticket) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kByTicket, {SqlParam::Text(ticket)}));
  if (r.rows() == 0) return std::nullopt;
  return PublicComplaintFromRow(r.Row(0));
}

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

absl::StatusOr<v1::FindNearbyComplaintsResponse> PublicComplaints::Nearby(
    const v1::FindNearbyComplaintsRequest& request) {
  const auto category = absl::c_find_if(
      city_.categories(), [&](const v1::Category& c) { return c.code() == request.category(); });
  if (category == city_.categories().end()) {
    return absl::InvalidArgumentError("category: is not a category of this city");
  }
  const int radius = NearbyRadiusMeters(*category);
  const GeoBox box = BoxAround(request.location(), radius);
  const absl::Time now = clock_.Now();
  // Only open ones when the city offers no resolved ones: no resolution is newer than NULL.
  const std::optional<absl::Time> resolved_since = NearbyResolvedSince(city_, now);
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(
      PgResult rows,
      conn->Execute(kNearby, {SqlParam::Text(request.category()),
                              SqlParam::Double(box.min_latitude),
                              SqlParam::Double(box.max_latitude),
                              SqlParam::Double(box.min_longitude),
                              SqlParam::Double(box.max_longitude),
                              resolved_since ? SqlParam::Time(*resolved_since) : SqlParam::Null()}));
  const MeaningfulWords asked(request.description());
  std::vector<v1::NearbyComplaint> found;
  for (PgRow row : rows) {
    v1::NearbyComplaint n;
    *n.mutable_complaint() = PublicComplaintFromRow(row);
    const double meters = DistanceMeters(request.location(), n.complaint().location());
    n.set_distance_meters(static_cast<int32_t>(std::lround(meters)));
    n.set_similarity(asked.SimilarityTo(MeaningfulWords(n.complaint().description())));
    found.push_back(std::move(n));
  }
  RankNearby(found, radius);
  v1::FindNearbyComplaintsResponse response;
  response.set_radius_meters(radius);
  for (auto& n : found) *response.add_complaints() = std::move(n);
  return response;
}

absl::Status PublicComplaints::RequireJoinable(const v1::SubmitComplaintRequest& request) {
  const auto category = absl::c_find_if(
      city_.categories(), [&](const v1::Category& c) { return c.code() == request.category(); });
  if (category == city_.categories().end()) {
    return absl::InvalidArgumentError("category: is not a category of this city");
  }
  const std::optional<absl::Time> resolved_since = NearbyResolvedSince(city_, clock_.Now());
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(
      PgResult rows,
      conn->Execute(kJoinable, {SqlParam::Text(request.join_ticket()),
                                SqlParam::Text(request.category()),
                                resolved_since ? SqlParam::Time(*resolved_since) : SqlParam::Null()}));
  const bool near = rows.rows() == 1 && !rows.Row(0).IsNull("latitude") &&
                    DistanceMeters(request.location(), PublicComplaintFromRow(rows.Row(0)).location()) <=
                        NearbyRadiusMeters(*category);
  if (!near) {
    return InvalidFields({{"join_ticket",
                           "is not a complaint of this category near this place that can still "
                           "be joined (open or recently finished, not confidential)"}});
  }
  return absl::OkStatus();
}

}  // namespace skk::intake

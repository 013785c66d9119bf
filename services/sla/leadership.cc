#include "services/sla/leadership.h"

#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/platform/errors.h"
#include "services/platform/events.h"
#include "services/platform/status_macros.h"
#include "services/sla/case_clocks.h"

namespace skk::sla {
namespace {

using sambat::v1::AcknowledgeRequest;
using sambat::v1::AgencyStatsRequest;
using sambat::v1::AgencyStatsResponse;
using sambat::v1::EscalationView;
using sambat::v1::ListEscalationsRequest;
using sambat::v1::ListEscalationsResponse;


// Whole escalations, with the deadline that was missed (older rows have only the timer's due).
constexpr SqlStatement kListEscalations{"sla_list_escalations", R"sql(
  SELECT *, coalesce(deadline_due_at, due_at) AS missed_due_at
  FROM escalations
  WHERE ($1::text = '' OR agency_code = $1::text)
    AND ($2::int = 0 OR level = $2::int)
    AND ($3::int = 0 OR ($3::int = 1) = (acknowledged_at IS NOT NULL))
    AND fired_at >= $4 AND fired_at < $5
    AND ($6::bigint = 0 OR id < $6::bigint)
  ORDER BY id DESC
  LIMIT $7)sql"};

constexpr SqlStatement kLockEscalation{"sla_lock_escalation", R"sql(
  SELECT agency_code FROM escalations WHERE id = $1 FOR UPDATE)sql"};

constexpr SqlStatement kAcknowledge{"sla_acknowledge", R"sql(
  UPDATE escalations
  SET acknowledged_at = $2, acknowledged_by = $3, acknowledged_by_name = $4,
      acknowledgement_note = $5
  WHERE id = $1 AND acknowledged_at IS NULL)sql"};

constexpr SqlStatement kGetEscalation{"sla_get_escalation", R"sql(
  SELECT *, coalesce(deadline_due_at, due_at) AS missed_due_at
  FROM escalations WHERE id = $1)sql"};

// Every figure below is grouped by agency with a grouping set for the whole city, whose row has
// city = 1 (a complaint open at two agencies counts once for the city). $1: one agency or ''.
constexpr SqlStatement kOpenCases{"sla_stats_open_v2", R"sql(
  SELECT coalesce(agency_code, '') AS agency_code, grouping(agency_code) AS city,
         count(DISTINCT complaint_id) AS open,
         count(DISTINCT complaint_id) FILTER (WHERE state = 'running' AND due_at < $2)
           AS overdue
  FROM deadlines
  WHERE state <> 'stopped' AND kind <> 'CLOSE' AND ($1::text = '' OR agency_code = $1::text)
  GROUP BY GROUPING SETS ((agency_code), ()))sql"};

// What counts as answered, and in time, is the view first_responses (migrations/004).
constexpr SqlStatement kFirstResponses{"sla_stats_first_responses", R"sql(
  SELECT coalesce(agency_code, '') AS agency_code, grouping(agency_code) AS city,
         count(*) FILTER (WHERE answered) AS answered,
         count(*) FILTER (WHERE in_time) AS answered_in_time,
         count(*) FILTER (WHERE state = 'running' AND due_at < $4) AS late_unanswered,
         coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY used_seconds)
                  FILTER (WHERE answered), 0) AS median_seconds,
         coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY used_seconds)
                  FILTER (WHERE answered), 0) AS p90_seconds
  FROM first_responses
  WHERE ($1::text = '' OR agency_code = $1::text) AND starts_at >= $2 AND starts_at < $3
  GROUP BY GROUPING SETS ((agency_code), ()))sql"};

constexpr SqlStatement kEscalationsByLevel{"sla_stats_escalations", R"sql(
  SELECT coalesce(agency_code, '') AS agency_code, grouping(agency_code) AS city, level,
         count(*) AS escalations
  FROM escalations
  WHERE ($1::text = '' OR agency_code = $1::text) AND fired_at >= $2 AND fired_at < $3
  GROUP BY GROUPING SETS ((agency_code, level), (level)))sql"};

// The weeks of a period, Monday 00:00 in the city's time zone ($4).
constexpr SqlStatement kWeeklyClocks{"sla_stats_weekly_clocks", R"sql(
  SELECT to_char(date_trunc('week', starts_at AT TIME ZONE $4), 'YYYY-MM-DD') AS week,
         agency_code, count(*) AS received,
         count(*) FILTER (WHERE answered) AS answered,
         count(*) FILTER (WHERE in_time) AS answered_in_time
  FROM first_responses
  WHERE ($1::text = '' OR agency_code = $1::text) AND starts_at >= $2 AND starts_at < $3
  GROUP BY 1, 2)sql"};

constexpr SqlStatement kWeeklyEscalations{"sla_stats_weekly_escalations", R"sql(
  SELECT to_char(date_trunc('week', fired_at AT TIME ZONE $4), 'YYYY-MM-DD') AS week,
         agency_code, count(*) AS escalations
  FROM escalations
  WHERE ($1::text = '' OR agency_code = $1::text) AND fired_at >= $2 AND fired_at < $3
  GROUP BY 1, 2)sql"};

constexpr SqlStatement kPublicFigures{"sla_stats_public", R"sql(
  SELECT agency_code, category, count(*) AS received,
         count(*) FILTER (WHERE answered) AS answered,
         count(*) FILTER (WHERE in_time) AS answered_in_time
  FROM first_responses WHERE starts_at >= $1 AND starts_at < $2
  GROUP BY 1, 2 ORDER BY 1, 2)sql"};

// A longer period is a report nobody reads at once, and a query the database should not run
// for a click.
constexpr absl::Duration kLongestPeriod = absl::Hours(24 * 366);

const absl::Time kBeginning = absl::FromUnixSeconds(0);
const absl::Time kEnd = absl::FromCivil(absl::CivilSecond(9999, 1, 1, 0, 0, 0), absl::UTCTimeZone());

EscalationView ViewOf(const PgRow& r) {
  EscalationView v;
  v.set_escalation_id(r.Int("id"));
  v.set_complaint_id(r.String("complaint_id"));
  v.set_ticket(r.String("ticket"));
  v.set_agency_code(r.String("agency_code"));
  v.set_level(static_cast<int32_t>(r.Int("level")));
  v.set_deadline_kind(ParseDeadlineKind(r.String("deadline_kind")));
  const absl::Time due = r.Time("missed_due_at");
  const absl::Time fired = r.Time("fired_at");
  *v.mutable_due_at() = ToProtoTime(due);
  *v.mutable_fired_at() = ToProtoTime(fired);
  v.set_late_by_seconds(absl::ToInt64Seconds(fired - due));
  if (const auto acknowledged = r.OptionalTime("acknowledged_at")) {
    v.set_acknowledged(true);
    *v.mutable_acknowledged_at() = ToProtoTime(*acknowledged);
  }
  v.set_acknowledged_by(r.String("acknowledged_by"));
  v.set_acknowledged_by_name(r.String("acknowledged_by_name"));
  v.set_acknowledgement_note(r.String("acknowledgement_note"));
  return v;
}

absl::Time Bound(const google::protobuf::Timestamp& t, bool set, absl::Time otherwise) {
  return set ? FromProtoTime(t) : otherwise;
}

}  // namespace

absl::StatusOr<std::string> AgencyScope(const Caller& caller, const std::string& asked) {
  switch (caller.role) {
    case StaffRole::kLeadership:
      return asked;
    case StaffRole::kAgencyHead:
      if (!asked.empty() && asked != caller.agency_code) {
        return absl::PermissionDeniedError(
            absl::StrCat("an agency head sees only their own agency (", caller.agency_code, ")"));
      }
      return caller.agency_code;
    default:
      return absl::PermissionDeniedError("only leadership and agency heads see escalations");
  }
}

absl::StatusOr<ListEscalationsResponse> Leadership::ListEscalations(
    const Caller& caller, const ListEscalationsRequest& request) {
  SKK_ASSIGN_OR_RETURN(const std::string agency, AgencyScope(caller, request.agency_code()));
  std::vector<FieldViolation> violations;
  if (request.level() < 0 || request.level() > 2) violations.push_back({"level", "must be 0, 1 or 2"});
  if (request.page_size() < 0 || request.page_size() > 500) {
    violations.push_back({"page_size", "must be 0 (default 50) to 500"});
  }
  int64_t before = 0;
  if (!request.page_token().empty() &&
      (!absl::SimpleAtoi(request.page_token(), &before) || before <= 0)) {
    violations.push_back({"page_token", "is not a token this service gave"});
  }
  SKK_RETURN_IF_ERROR(InvalidFields(violations));
  const int page = request.page_size() == 0 ? 50 : request.page_size();

  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Execute(kListEscalations,
                    {SqlParam::Text(agency), SqlParam::Int(request.level()),
                     SqlParam::Int(static_cast<int>(request.acknowledged())),
                     SqlParam::Time(Bound(request.from(), request.has_from(), kBeginning)),
                     SqlParam::Time(Bound(request.to(), request.has_to(), kEnd)),
                     SqlParam::Int(before), SqlParam::Int(page + 1)}));
  ListEscalationsResponse response;
  for (int i = 0; i < r.rows() && i < page; ++i) *response.add_escalations() = ViewOf(r.Row(i));
  if (r.rows() > page) {
    response.set_next_page_token(std::to_string(response.escalations(page - 1).escalation_id()));
  }
  return response;
}

absl::StatusOr<EscalationView> Leadership::Acknowledge(const Caller& caller,
                                                       const AcknowledgeRequest& request) {
  SKK_RETURN_IF_ERROR(AgencyScope(caller, "").status());
  std::vector<FieldViolation> violations;
  if (request.escalation_id() <= 0) violations.push_back({"escalation_id", "is required"});
  if (request.note().empty()) violations.push_back({"note", "is required"});
  if (request.note().size() > 2000) violations.push_back({"note", "is longer than 2000 bytes"});
  SKK_RETURN_IF_ERROR(InvalidFields(violations));

  EscalationView view;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(PgResult e,
                         tx.Execute(kLockEscalation, {SqlParam::Int(request.escalation_id())}));
    if (e.rows() == 0) {
      return absl::NotFoundError(absl::StrCat("no escalation ", request.escalation_id()));
    }
    SKK_RETURN_IF_ERROR(AgencyScope(caller, e.Row(0).String("agency_code")).status());
    SKK_RETURN_IF_ERROR(tx.Execute(kAcknowledge,
                                   {SqlParam::Int(request.escalation_id()),
                                    SqlParam::Time(clock_.Now()), SqlParam::Text(caller.subject),
                                    SqlParam::Text(caller.name), SqlParam::Text(request.note())})
                            .status());
    SKK_ASSIGN_OR_RETURN(PgResult r,
                         tx.Execute(kGetEscalation, {SqlParam::Int(request.escalation_id())}));
    view = ViewOf(r.Row(0));
    return absl::OkStatus();
  }));
  return view;
}

namespace {

// The figures of every agency in scope (`agency`, '' for all) and of the city (key "").
struct Figures {
  std::map<std::string, AgencyStatsResponse> agencies;
  AgencyStatsResponse city;
};

AgencyStatsResponse& RowOf(Figures& figures, const PgRow& row) {
  if (row.Int("city") == 1) return figures.city;
  AgencyStatsResponse& stats = figures.agencies[row.String("agency_code")];
  stats.set_agency_code(row.String("agency_code"));
  return stats;
}

absl::StatusOr<Figures> ReadFigures(PgConnection& conn, const std::string& agency,
                                    absl::Time from, absl::Time to, absl::Time now) {
  Figures figures;
  SKK_ASSIGN_OR_RETURN(PgResult open,
                       conn.Execute(kOpenCases, {SqlParam::Text(agency), SqlParam::Time(now)}));
  for (PgRow row : open) {
    AgencyStatsResponse& stats = RowOf(figures, row);
    stats.set_open(row.Int("open"));
    stats.set_overdue(row.Int("overdue"));
  }
  SKK_ASSIGN_OR_RETURN(PgResult first,
                       conn.Execute(kFirstResponses, {SqlParam::Text(agency), SqlParam::Time(from),
                                                      SqlParam::Time(to), SqlParam::Time(now)}));
  for (PgRow row : first) {
    AgencyStatsResponse& stats = RowOf(figures, row);
    stats.set_answered(row.Int("answered"));
    stats.set_answered_in_time(row.Int("answered_in_time"));
    // Cases still unanswered after their deadline count against the agency too.
    const int64_t measured = row.Int("answered") + row.Int("late_unanswered");
    stats.set_answered_in_time_percent(
        measured == 0 ? 0.0 : 100.0 * row.Int("answered_in_time") / measured);
    stats.set_median_first_response_working_hours(row.Double("median_seconds") / 3600.0);
    stats.set_p90_first_response_working_hours(row.Double("p90_seconds") / 3600.0);
  }
  SKK_ASSIGN_OR_RETURN(PgResult escalations,
                       conn.Execute(kEscalationsByLevel, {SqlParam::Text(agency),
                                                          SqlParam::Time(from), SqlParam::Time(to)}));
  for (PgRow row : escalations) {
    AgencyStatsResponse& stats = RowOf(figures, row);
    if (row.Int("level") == 1) stats.set_escalations_level1(row.Int("escalations"));
    if (row.Int("level") == 2) stats.set_escalations_level2(row.Int("escalations"));
  }
  return figures;
}

// Both bounds required, in order, and not too far apart; `what` names the request's fields.
std::vector<FieldViolation> CheckPeriod(bool has_from, bool has_to,
                                        const google::protobuf::Timestamp& from,
                                        const google::protobuf::Timestamp& to) {
  std::vector<FieldViolation> violations;
  if (!has_from) violations.push_back({"from", "is required"});
  if (!has_to) violations.push_back({"to", "is required"});
  if (has_from && has_to) {
    const absl::Duration length = FromProtoTime(to) - FromProtoTime(from);
    if (length <= absl::ZeroDuration()) violations.push_back({"to", "must be after from"});
    if (length > kLongestPeriod) violations.push_back({"to", "must be at most 366 days after from"});
  }
  return violations;
}

}  // namespace

absl::StatusOr<AgencyStatsResponse> Leadership::AgencyStats(const Caller& caller,
                                                            const AgencyStatsRequest& request) {
  std::vector<FieldViolation> violations =
      CheckPeriod(request.has_from(), request.has_to(), request.from(), request.to());
  if (request.agency_code().empty()) violations.insert(violations.begin(), {"agency_code", "is required"});
  SKK_ASSIGN_OR_RETURN(const std::string agency, AgencyScope(caller, request.agency_code()));
  SKK_RETURN_IF_ERROR(InvalidFields(violations));
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(Figures figures,
                       ReadFigures(*conn, agency, FromProtoTime(request.from()),
                                   FromProtoTime(request.to()), clock_.Now()));
  AgencyStatsResponse stats = figures.agencies[agency];
  stats.set_agency_code(agency);
  return stats;
}

absl::StatusOr<sambat::v1::DashboardResponse> Leadership::Dashboard(
    const Caller& caller, const sambat::v1::DashboardRequest& request) {
  SKK_ASSIGN_OR_RETURN(const std::string agency, AgencyScope(caller, request.agency_code()));
  SKK_RETURN_IF_ERROR(InvalidFields(
      CheckPeriod(request.has_from(), request.has_to(), request.from(), request.to())));
  const absl::Time from = FromProtoTime(request.from());
  const absl::Time to = FromProtoTime(request.to());
  // One snapshot for every figure: a case answered between two queries counts once.
  sambat::v1::DashboardResponse dashboard;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_RETURN_IF_ERROR(tx.ExecuteScript("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    SKK_ASSIGN_OR_RETURN(Figures figures, ReadFigures(tx, agency, from, to, clock_.Now()));
    for (auto& [code, stats] : figures.agencies) *dashboard.add_agencies() = std::move(stats);
    *dashboard.mutable_city() = std::move(figures.city);

    std::map<std::pair<std::string, std::string>, sambat::v1::WeekFigures> weeks;
    const std::vector<SqlParam> params = {SqlParam::Text(agency), SqlParam::Time(from),
                                          SqlParam::Time(to), SqlParam::Text(time_zone_)};
    auto week_of = [&weeks](const PgRow& row) -> sambat::v1::WeekFigures& {
      sambat::v1::WeekFigures& w = weeks[{row.String("week"), row.String("agency_code")}];
      w.set_week(row.String("week"));
      w.set_agency_code(row.String("agency_code"));
      return w;
    };
    SKK_ASSIGN_OR_RETURN(PgResult clocks, tx.Execute(kWeeklyClocks, params));
    for (PgRow row : clocks) {
      sambat::v1::WeekFigures& w = week_of(row);
      w.set_received(row.Int("received"));
      w.set_answered(row.Int("answered"));
      w.set_answered_in_time(row.Int("answered_in_time"));
    }
    SKK_ASSIGN_OR_RETURN(PgResult escalations, tx.Execute(kWeeklyEscalations, params));
    for (PgRow row : escalations) week_of(row).set_escalations(row.Int("escalations"));
    for (auto& [key, w] : weeks) *dashboard.add_weeks() = std::move(w);
    return absl::OkStatus();
  }));
  return dashboard;
}

absl::StatusOr<sambat::v1::PublicStatsResponse> Leadership::PublicStats(
    const sambat::v1::PublicStatsRequest& request) {
  SKK_RETURN_IF_ERROR(InvalidFields(
      CheckPeriod(request.has_from(), request.has_to(), request.from(), request.to())));
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult r, conn->Execute(kPublicFigures,
                                                 {SqlParam::Time(FromProtoTime(request.from())),
                                                  SqlParam::Time(FromProtoTime(request.to()))}));
  sambat::v1::PublicStatsResponse stats;
  for (PgRow row : r) {
    sambat::v1::PublicAgencyCategory& line = *stats.add_rows();
    line.set_agency_code(row.String("agency_code"));
    line.set_category(row.String("category"));
    line.set_received(row.Int("received"));
    line.set_answered(row.Int("answered"));
    line.set_answered_in_time(row.Int("answered_in_time"));
  }
  return stats;
}

}  // namespace skk::sla

#include "services/routing/case_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/platform/events.h"
#include "services/platform/status_macros.h"

namespace skk::routing {
namespace {

constexpr SqlStatement kInsertCase{"routing_create_case", R"sql(
  INSERT INTO cases (complaint_id, ticket, category, description, latitude, longitude,
                     agency_code, agency_name, rule_id, state, correlation_id, address,
                     media_ids, anonymous, confidential, submitted_at, clock_started_at,
                     created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text[], $14, $15, $16, $17,
          $17, $17)
  ON CONFLICT (complaint_id) DO NOTHING)sql"};

// The whole case: CaseFromRow reads its columns by name.
constexpr SqlStatement kLockCase{"routing_lock_case",
                                 "SELECT * FROM cases WHERE complaint_id = $1 FOR UPDATE"};
constexpr SqlStatement kReadCase{"routing_read_case",
                                 "SELECT * FROM cases WHERE complaint_id = $1"};

constexpr SqlStatement kUpdateCase{"routing_update_case", R"sql(
  UPDATE cases
  SET state = $2, agency_code = $3, agency_name = $4, holder_id = $5, holder_name = $6,
      claimed_at = $7, clock_started_at = $8, due_at = COALESCE($9::timestamptz, 'infinity'),
      first_responded_at = $10, forward_count = $11, rating = $12, rating_comment = $13,
      updated_at = $14
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kInsertHistory{"routing_insert_history_entry", R"sql(
  INSERT INTO case_history (complaint_id, at, from_state, to_state, actor, actor_name, action,
                            agency_code, reason)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
  RETURNING id)sql"};

constexpr SqlStatement kHistory{"routing_case_history", R"sql(
  SELECT at, action, from_state, to_state, actor, actor_name, agency_code, reason
  FROM case_history WHERE complaint_id = $1 ORDER BY id)sql"};

constexpr SqlStatement kSetDeadline{"routing_set_deadline", R"sql(
  UPDATE cases SET due_at = $4
  WHERE complaint_id = $1 AND agency_code = $2 AND clock_started_at <= $3)sql"};

constexpr SqlStatement kRecordEventSequence{"routing_record_event_sequence", R"sql(
  UPDATE cases SET event_sequence = $2 WHERE complaint_id = $1)sql"};

constexpr SqlStatement kTicketExists{"routing_ticket_exists",
                                     "SELECT 1 FROM cases WHERE ticket = $1 LIMIT 1"};

// An officer's queue, one page after a keyset position, on (due_at, complaint_id): 'infinity'
// sorts after every date, so cases without a deadline come last, and overdue ones (the earliest
// due) first. One statement per shape of query, each matching an index of 002_officer_work.sql
// so that a page is an ordered index scan that stops after the page: all open states (the
// partial indexes, whose predicate is repeated here word for word), one state, and, the one
// shape that sorts, any other set of states. $1 due_at, $2 complaint_id, $3 page size.
constexpr SqlStatement kQueueOpenOfAgency{"routing_queue_open_of_agency", R"sql(
  SELECT complaint_id, ticket, category, state, agency_code, holder_id, holder_name, due_at,
         due_at::text AS due_text, created_at, left(description, 140) AS summary
  FROM cases
  WHERE agency_code = $4 AND state IN ('ROUTED', 'IN_PROGRESS', 'WAITING_CITIZEN', 'REOPENED')
    AND (due_at, complaint_id) > ($1::timestamptz, $2::uuid)
  ORDER BY cases.due_at, cases.complaint_id LIMIT $3)sql"};

constexpr SqlStatement kQueueStateOfAgency{"routing_queue_state_of_agency", R"sql(
  SELECT complaint_id, ticket, category, state, agency_code, holder_id, holder_name, due_at,
         due_at::text AS due_text, created_at, left(description, 140) AS summary
  FROM cases WHERE agency_code = $4 AND state = $5
    AND (due_at, complaint_id) > ($1::timestamptz, $2::uuid)
  ORDER BY cases.due_at, cases.complaint_id LIMIT $3)sql"};

// The one shape that sorts: a page of any set of states (not all open, not one).
constexpr SqlStatement kQueueStatesOfAgency{"routing_queue_states_of_agency", R"sql(
  SELECT complaint_id, ticket, category, state, agency_code, holder_id, holder_name, due_at,
         due_at::text AS due_text, created_at, left(description, 140) AS summary
  FROM cases WHERE agency_code = $4 AND state = ANY($5::text[])
    AND (due_at, complaint_id) > ($1::timestamptz, $2::uuid)
  ORDER BY cases.due_at, cases.complaint_id LIMIT $3)sql"};

// The city's queue (leadership and admins): the same three shapes without the agency.
constexpr SqlStatement kQueueOpenOfCity{"routing_queue_open_of_city", R"sql(
  SELECT complaint_id, ticket, category, state, agency_code, holder_id, holder_name, due_at,
         due_at::text AS due_text, created_at, left(description, 140) AS summary
  FROM cases
  WHERE state IN ('ROUTED', 'IN_PROGRESS', 'WAITING_CITIZEN', 'REOPENED')
    AND (due_at, complaint_id) > ($1::timestamptz, $2::uuid)
  ORDER BY cases.due_at, cases.complaint_id LIMIT $3)sql"};

constexpr SqlStatement kQueueStateOfCity{"routing_queue_state_of_city", R"sql(
  SELECT complaint_id, ticket, category, state, agency_code, holder_id, holder_name, due_at,
         due_at::text AS due_text, created_at, left(description, 140) AS summary
  FROM cases WHERE state = $4 AND (due_at, complaint_id) > ($1::timestamptz, $2::uuid)
  ORDER BY cases.due_at, cases.complaint_id LIMIT $3)sql"};

constexpr SqlStatement kQueueStatesOfCity{"routing_queue_states_of_city", R"sql(
  SELECT complaint_id, ticket, category, state, agency_code, holder_id, holder_name, due_at,
         due_at::text AS due_text, created_at, left(description, 140) AS summary
  FROM cases WHERE state = ANY($4::text[])
    AND (due_at, complaint_id) > ($1::timestamptz, $2::uuid)
  ORDER BY cases.due_at, cases.complaint_id LIMIT $3)sql"};

SqlParam TimeOrNull(absl::Time t) {
  return t == absl::InfinitePast() || t == absl::InfiniteFuture() ? SqlParam::Null()
                                                                   : SqlParam::Time(t);
}

SqlParam TextOrNull(const std::string& s) {
  return s.empty() ? SqlParam::Null() : SqlParam::Text(s);
}

CaseState StateOf(const std::string& name) {
  absl::StatusOr<CaseState> state = ParseState(name);
  SKK_CHECK(state.ok(), "routing.cases holds a state the state machine does not know");
  return *state;
}

// Times not set are NULL in the table (due_at: 'infinity', which reads as InfiniteFuture).
CaseRow CaseFromRow(const PgRow& r) {
  return {.complaint_id = r.String("complaint_id"),
          .event_sequence = r.Int("event_sequence"),
          .ticket = r.String("ticket"),
          .category = r.String("category"),
          .description = r.String("description"),
          .latitude = r.Double("latitude"),
          .longitude = r.Double("longitude"),
          .address = r.String("address"),
          .media_ids = r.TextArray("media_ids"),
          .anonymous = r.Bool("anonymous"),
          .confidential = r.Bool("confidential"),
          .submitted_at = r.OptionalTime("submitted_at").value_or(absl::InfinitePast()),
          .correlation_id = r.String("correlation_id"),
          .rule_id = r.String("rule_id"),
          .state = StateOf(r.String("state")),
          .agency_code = r.String("agency_code"),
          .agency_name = r.String("agency_name"),
          .holder_id = r.String("holder_id"),
          .holder_name = r.String("holder_name"),
          .claimed_at = r.OptionalTime("claimed_at").value_or(absl::InfinitePast()),
          .clock_started_at = r.OptionalTime("clock_started_at").value_or(absl::InfinitePast()),
          .due_at = r.OptionalTime("due_at").value_or(absl::InfiniteFuture()),
          .first_responded_at =
              r.OptionalTime("first_responded_at").value_or(absl::InfinitePast()),
          .forward_count = static_cast<int>(r.Int("forward_count")),
          .rating = static_cast<int>(r.OptionalInt("rating").value_or(0)),
          .rating_comment = r.String("rating_comment"),
          .created_at = r.Time("created_at")};
}

// Returns the new entry's id: the case's sequence number for this transition.
absl::StatusOr<int64_t> InsertHistory(PgConnection& tx, const std::string& complaint_id,
                                      absl::Time at, CaseState from, CaseState to,
                                      const Actor& actor, CaseAction action,
                                      const std::string& agency_code, const std::string& reason) {
  SKK_ASSIGN_OR_RETURN(PgResult r,
                       tx.Execute(kInsertHistory,
                                  {SqlParam::Text(complaint_id), SqlParam::Time(at),
                                   SqlParam::Text(StateName(from)), SqlParam::Text(StateName(to)),
                                   SqlParam::Text(actor.id), SqlParam::Text(actor.name),
                                   SqlParam::Text(std::string(ActionName(action))),
                                   SqlParam::Text(agency_code), SqlParam::Text(reason)}));
  return r.Row(0).Int("id");
}

absl::Status NoCase(const std::string& complaint_id) {
  return absl::NotFoundError(absl::StrCat("no case ", complaint_id));
}

}  // namespace

absl::StatusOr<bool> CaseStore::Create(PgConnection& tx, CaseRow& row, CaseAction action,
                                       const Actor& actor, const std::string& reason,
                                       absl::Time now) {
  SKK_ASSIGN_OR_RETURN(row.state, NextState(sambat::v1::CASE_STATE_SUBMITTED, action));
  SKK_ASSIGN_OR_RETURN(
      PgResult inserted,
      tx.Execute(kInsertCase,
                 {SqlParam::Text(row.complaint_id), SqlParam::Text(row.ticket),
                  SqlParam::Text(row.category), SqlParam::Text(row.description),
                  SqlParam::Double(row.latitude), SqlParam::Double(row.longitude),
                  SqlParam::Text(row.agency_code), SqlParam::Text(row.agency_name),
                  TextOrNull(row.rule_id), SqlParam::Text(StateName(row.state)),
                  SqlParam::Text(row.correlation_id), SqlParam::Text(row.address),
                  SqlParam::Array(row.media_ids), SqlParam::Bool(row.anonymous),
                  SqlParam::Bool(row.confidential), TimeOrNull(row.submitted_at),
                  SqlParam::Time(now)}));
  if (inserted.affected() == 0) return false;
  SKK_ASSIGN_OR_RETURN(row.sequence,
                       InsertHistory(tx, row.complaint_id, now, sambat::v1::CASE_STATE_SUBMITTED,
                                     row.state, actor, action, row.agency_code, reason));
  return true;
}

absl::StatusOr<CaseRow> CaseStore::Lock(PgConnection& tx, const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kLockCase, {SqlParam::Text(complaint_id)}));
  if (r.rows() == 0) return NoCase(complaint_id);
  return CaseFromRow(r.Row(0));
}

absl::StatusOr<CaseRow> CaseStore::Read(PgConnection& conn, const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kReadCase, {SqlParam::Text(complaint_id)}));
  if (r.rows() == 0) return NoCase(complaint_id);
  return CaseFromRow(r.Row(0));
}

void RestartClock(CaseRow& c, absl::Time now) {
  c.clock_started_at = now;
  c.due_at = absl::InfiniteFuture();
  c.first_responded_at = absl::InfinitePast();
}

absl::StatusOr<CaseRow> CaseStore::Apply(PgConnection& tx, const CaseRow& before,
                                         CaseAction action, const Actor& actor,
                                         const std::string& reason, absl::Time now,
                                         const std::function<void(CaseRow&)>& change) {
  SKK_ASSIGN_OR_RETURN(const CaseState next, NextState(before.state, action));
  CaseRow after = before;
  if (change) change(after);
  // The machine, not the caller, decides the state.
  after.state = next;
  if (!IsHeld(next)) {
    after.holder_id.clear();
    after.holder_name.clear();
    after.claimed_at = absl::InfinitePast();
  }
  SKK_RETURN_IF_ERROR(
      tx.Execute(kUpdateCase,
                 {SqlParam::Text(after.complaint_id), SqlParam::Text(StateName(after.state)),
                  SqlParam::Text(after.agency_code), SqlParam::Text(after.agency_name),
                  TextOrNull(after.holder_id), TextOrNull(after.holder_name),
                  TimeOrNull(after.claimed_at), TimeOrNull(after.clock_started_at),
                  TimeOrNull(after.due_at), TimeOrNull(after.first_responded_at),
                  SqlParam::Int(after.forward_count),
                  after.rating > 0 ? SqlParam::Int(after.rating) : SqlParam::Null(),
                  after.rating > 0 ? SqlParam::Text(after.rating_comment) : SqlParam::Null(),
                  SqlParam::Time(now)})
          .status());
  SKK_ASSIGN_OR_RETURN(after.sequence,
                       InsertHistory(tx, after.complaint_id, now, before.state, after.state,
                                     actor, action, after.agency_code, reason));
  return after;
}

absl::StatusOr<bool> CaseStore::SetDeadline(PgConnection& tx, const std::string& complaint_id,
                                            const std::string& agency_code, absl::Time starts_at,
                                            absl::Time due_at) {
  SKK_ASSIGN_OR_RETURN(PgResult r,
                       tx.Execute(kSetDeadline, {SqlParam::Text(complaint_id),
                                                 SqlParam::Text(agency_code),
                                                 SqlParam::Time(starts_at), SqlParam::Time(due_at)}));
  return r.affected() > 0;
}

absl::Status CaseStore::RecordEventSequence(PgConnection& tx, const std::string& complaint_id,
                                            int64_t case_sequence) {
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kRecordEventSequence,
                                              {SqlParam::Text(complaint_id),
                                               SqlParam::Int(case_sequence)}));
  if (r.affected() == 0) return NoCase(complaint_id);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<sambat::v1::CaseHistoryEntry>> CaseStore::History(
    PgConnection& conn, const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kHistory, {SqlParam::Text(complaint_id)}));
  std::vector<sambat::v1::CaseHistoryEntry> entries;
  for (PgRow row : r) {
    sambat::v1::CaseHistoryEntry e;
    *e.mutable_at() = ToProtoTime(row.Time("at"));
    e.set_action(row.String("action"));
    if (!row.IsNull("from_state")) e.set_from_state(StateOf(row.String("from_state")));
    e.set_to_state(StateOf(row.String("to_state")));
    e.set_actor(row.String("actor"));
    e.set_actor_name(row.String("actor_name"));
    e.set_agency_code(row.String("agency_code"));
    e.set_reason(row.String("reason"));
    entries.push_back(std::move(e));
  }
  return entries;
}

constexpr SqlStatement kCaseOfTicket{"routing_case_of_ticket",
                                     "SELECT complaint_id FROM cases WHERE ticket = $1"};

absl::StatusOr<std::optional<CaseRow>> CaseStore::ReadByTicket(PgConnection& conn,
                                                               const std::string& ticket) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kCaseOfTicket, {SqlParam::Text(ticket)}));
  if (r.rows() == 0) return std::nullopt;
  return Read(conn, r.Row(0).String("complaint_id"));
}

absl::StatusOr<bool> CaseStore::TicketExists(PgConnection& conn, const std::string& ticket) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kTicketExists, {SqlParam::Text(ticket)}));
  return r.rows() > 0;
}

// The open states as the queue's partial indexes spell them.
constexpr SqlStatement kCaseMap{"routing_case_map", R"sql(
  SELECT avg(latitude) AS latitude, avg(longitude) AS longitude, count(*) AS open,
         count(*) FILTER (WHERE due_at < $3) AS overdue
  FROM cases
  WHERE state IN ('ROUTED', 'IN_PROGRESS', 'WAITING_CITIZEN', 'REOPENED')
    AND ($1::text = '' OR agency_code = $1::text)
  GROUP BY floor(latitude / $2::float8), floor(longitude / $2::float8))sql"};

absl::StatusOr<sambat::v1::CaseMapResponse> CaseStore::Map(PgConnection& conn,
                                                           const std::string& agency_code,
                                                           double cell_degrees, absl::Time now) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kCaseMap, {SqlParam::Text(agency_code),
                                                           SqlParam::Double(cell_degrees),
                                                           SqlParam::Time(now)}));
  sambat::v1::CaseMapResponse map;
  for (PgRow row : r) {
    sambat::v1::CaseMapCell& cell = *map.add_cells();
    cell.mutable_center()->set_latitude(row.Double("latitude"));
    cell.mutable_center()->set_longitude(row.Double("longitude"));
    cell.set_open(row.Int("open"));
    cell.set_overdue(row.Int("overdue"));
    map.set_open(map.open() + cell.open());
  }
  return map;
}

absl::StatusOr<std::vector<QueueEntry>> CaseStore::Queue(PgConnection& conn, const QueueQuery& q,
                                                         absl::Time now) {
  std::vector<std::string> states;
  for (CaseState s : q.states) states.push_back(StateName(s));
  std::vector<CaseState> sorted = q.states;
  std::sort(sorted.begin(), sorted.end());
  std::vector<CaseState> open = OpenStates();
  std::sort(open.begin(), open.end());
  const bool all_open = sorted == open;
  const bool one_state = states.size() == 1;
  const bool city = q.agency_code.empty();

  std::vector<SqlParam> params = {
      SqlParam::Text(q.after_due.empty() ? "-infinity" : q.after_due),
      SqlParam::Text(q.after_id.empty() ? "00000000-0000-0000-0000-000000000000" : q.after_id),
      SqlParam::Int(q.limit)};
  if (!city) params.push_back(SqlParam::Text(q.agency_code));
  if (one_state) params.push_back(SqlParam::Text(states[0]));
  if (!all_open && !one_state) params.push_back(SqlParam::Array(states));
  const SqlStatement& statement =
      all_open  ? (city ? kQueueOpenOfCity : kQueueOpenOfAgency)
      : one_state ? (city ? kQueueStateOfCity : kQueueStateOfAgency)
                  : (city ? kQueueStatesOfCity : kQueueStatesOfAgency);
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(statement, params));
  std::vector<QueueEntry> entries;
  entries.reserve(r.rows());
  for (PgRow row : r) {
    QueueEntry e;
    auto& s = e.summary;
    s.set_complaint_id(row.String("complaint_id"));
    s.set_ticket(row.String("ticket"));
    s.set_category(row.String("category"));
    s.set_state(StateOf(row.String("state")));
    s.set_agency_code(row.String("agency_code"));
    s.set_holder_id(row.String("holder_id"));
    s.set_holder_name(row.String("holder_name"));
    if (const absl::Time due = row.Time("due_at"); due != absl::InfiniteFuture()) {
      *s.mutable_due_at() = ToProtoTime(due);
      s.set_overdue(due < now);
    }
    e.due_text = row.String("due_text");
    *s.mutable_created_at() = ToProtoTime(row.Time("created_at"));
    s.set_summary(row.String("summary"));
    entries.push_back(std::move(e));
  }
  return entries;
}

sambat::v1::Case ToProto(const CaseRow& row, absl::Time now) {
  sambat::v1::Case c;
  c.set_complaint_id(row.complaint_id);
  c.set_ticket(row.ticket);
  c.set_category(row.category);
  c.set_description(row.description);
  c.mutable_location()->set_latitude(row.latitude);
  c.mutable_location()->set_longitude(row.longitude);
  c.set_address(row.address);
  for (const auto& id : row.media_ids) c.add_media_ids(id);
  c.set_state(row.state);
  c.set_agency_code(row.agency_code);
  c.set_agency_name(row.agency_name);
  c.set_holder_id(row.holder_id);
  c.set_holder_name(row.holder_name);
  if (row.due_at != absl::InfiniteFuture()) {
    *c.mutable_due_at() = ToProtoTime(row.due_at);
    c.set_overdue(row.due_at < now);
  }
  if (row.submitted_at != absl::InfinitePast()) {
    *c.mutable_submitted_at() = ToProtoTime(row.submitted_at);
  }
  *c.mutable_created_at() = ToProtoTime(row.created_at);
  c.set_forward_count(row.forward_count);
  c.set_anonymous(row.anonymous);
  c.set_confidential(row.confidential);
  c.set_rating(row.rating);
  c.set_rating_comment(row.rating_comment);
  return c;
}

}  // namespace skk::routing

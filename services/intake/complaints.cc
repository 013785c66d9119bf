#include "services/intake/complaints.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

constexpr SqlStatement kInsertComplaint{"intake_insert_complaint", R"sql(
  INSERT INTO complaints (complaint_id, ticket, idempotency_key, category, description,
                          latitude, longitude, submitted_at, updated_at)
  VALUES ($1, $2 || '-' || $3 || '-' || lpad(nextval('ticket_seq')::text, 6, '0'),
          $4, $5, $6, $7, $8, $9, $9)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING ticket)sql"};

constexpr SqlStatement kFindByIdempotencyKey{"intake_find_by_key", R"sql(
  SELECT complaint_id, ticket, submitted_at FROM complaints WHERE idempotency_key = $1)sql"};

constexpr SqlStatement kInsertTimeline{"intake_insert_timeline", R"sql(
  INSERT INTO complaint_timeline (complaint_id, at, kind, text) VALUES ($1, $2, $3, $4))sql"};

constexpr SqlStatement kSelectComplaint{"intake_select_complaint", R"sql(
  SELECT ticket, category, description, latitude, longitude, submitted_at, state,
         agency_code, agency_name, first_response_due_at, escalation_level
  FROM complaints WHERE complaint_id = $1)sql"};

constexpr SqlStatement kSelectTimeline{"intake_select_timeline", R"sql(
  SELECT at, kind, text FROM complaint_timeline WHERE complaint_id = $1 ORDER BY id)sql"};

// A case only moves forward in the citizen's view: a late case.routed never undoes a later
// state.
constexpr SqlStatement kApplyRouted{"intake_apply_routed", R"sql(
  UPDATE complaints
  SET state = CASE WHEN state = 'SUBMITTED' THEN 'ROUTED' ELSE state END,
      agency_code = $2, agency_name = $3, updated_at = $4
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kApplyDeadline{"intake_apply_deadline", R"sql(
  UPDATE complaints SET first_response_due_at = $2, updated_at = $3
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kApplyEscalated{"intake_apply_escalated", R"sql(
  UPDATE complaints SET escalation_level = GREATEST(escalation_level, $2), updated_at = $3
  WHERE complaint_id = $1)sql"};

sambat::v1::CaseState StateFromName(const std::string& name) {
  sambat::v1::CaseState state = sambat::v1::CASE_STATE_UNSPECIFIED;
  sambat::v1::CaseState_Parse(absl::StrCat("CASE_STATE_", name), &state);
  return state;
}

std::string StatusText(sambat::v1::CaseState state, const std::string& agency_name,
                       int escalation_level) {
  std::string text;
  switch (state) {
    case sambat::v1::CASE_STATE_SUBMITTED:
      text = "Diterima, sedang diteruskan ke dinas yang berwenang";
      break;
    case sambat::v1::CASE_STATE_ROUTED:
      text = absl::StrCat("Diteruskan ke ", agency_name, ", menunggu tanggapan");
      break;
    default:
      text = absl::StrCat("Ditangani oleh ", agency_name);
  }
  if (escalation_level >= 2) {
    absl::StrAppend(&text, "; terlambat, dilaporkan ke Sekda dan Wali Kota");
  } else if (escalation_level == 1) {
    absl::StrAppend(&text, "; terlambat, dilaporkan ke kepala dinas");
  }
  return text;
}

absl::Status AddTimeline(PgConnection& tx, const std::string& complaint_id, absl::Time at,
                         const std::string& kind, const std::string& text) {
  return tx.Execute(kInsertTimeline, {SqlParam::Text(complaint_id), SqlParam::Time(at),
                                      SqlParam::Text(kind), SqlParam::Text(text)})
      .status();
}

}  // namespace

std::vector<std::string> ConsumedEvents() { return {kCaseRouted, kDeadlineSet, kEscalated}; }

Complaints::Complaints(PgPool& pool, Clock& clock, const sambat::v1::CityConfig& city)
    : pool_(pool), clock_(clock), ticket_prefix_(city.ticket_prefix()) {
  SKK_CHECK(absl::LoadTimeZone(city.time_zone(), &zone_), "city time zone was validated");
}

absl::StatusOr<sambat::v1::SubmitComplaintResponse> Complaints::Submit(
    const sambat::v1::SubmitComplaintRequest& request) {
  sambat::v1::SubmitComplaintResponse response;
  const absl::Time now = clock_.Now();
  const std::string complaint_id = NewUuid();
  const std::string year = absl::FormatTime("%Y", now, zone_);
  const SqlParam key = request.idempotency_key().empty()
                           ? SqlParam::Null()
                           : SqlParam::Text(request.idempotency_key());

  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    response.Clear();
    SKK_ASSIGN_OR_RETURN(
        PgResult inserted,
        tx.Execute(kInsertComplaint,
                   {SqlParam::Text(complaint_id), SqlParam::Text(ticket_prefix_),
                    SqlParam::Text(year), key, SqlParam::Text(request.category()),
                    SqlParam::Text(request.description()),
                    SqlParam::Double(request.location().latitude()),
                    SqlParam::Double(request.location().longitude()), SqlParam::Time(now)}));
    if (inserted.rows() == 0) {
      // The same key was used before (or by a concurrent retry that committed first).
      SKK_ASSIGN_OR_RETURN(PgResult existing, tx.Execute(kFindByIdempotencyKey, {key}));
      if (existing.rows() != 1) return absl::AbortedError("idempotency key race, retrying");
      response.set_complaint_id(existing.GetString(0, 0));
      response.set_ticket(existing.GetString(0, 1));
      *response.mutable_submitted_at() = ToProtoTime(existing.GetTime(0, 2));
      response.set_duplicate(true);
      return absl::OkStatus();
    }
    response.set_complaint_id(complaint_id);
    response.set_ticket(inserted.GetString(0, 0));
    *response.mutable_submitted_at() = ToProtoTime(now);
    SKK_RETURN_IF_ERROR(AddTimeline(tx, complaint_id, now, "submitted",
                                    absl::StrCat("Pengaduan diterima dengan nomor tiket ",
                                                 response.ticket())));
    sambat::v1::Event event = NewEvent(kComplaintSubmitted, complaint_id, now, "intake", nullptr);
    auto* submitted = event.mutable_complaint_submitted();
    submitted->set_ticket(response.ticket());
    submitted->set_category(request.category());
    submitted->set_description(request.description());
    *submitted->mutable_location() = request.location();
    *submitted->mutable_submitted_at() = ToProtoTime(now);
    return EnqueueEvent(tx, event);
  }));
  log::Info(response.duplicate() ? "complaint resubmitted" : "complaint submitted",
            {{"complaint_id", response.complaint_id()}, {"ticket", response.ticket()},
             {"category", request.category()}});
  return response;
}

absl::StatusOr<sambat::v1::Complaint> Complaints::Get(const std::string& complaint_id) {
  if (!IsUuid(complaint_id)) {
    return absl::NotFoundError("complaint_id: no such complaint");
  }
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult row, conn->Execute(kSelectComplaint, {SqlParam::Text(complaint_id)}));
  if (row.rows() == 0) return absl::NotFoundError("complaint_id: no such complaint");
  sambat::v1::Complaint c;
  c.set_complaint_id(complaint_id);
  c.set_ticket(row.GetString(0, 0));
  c.set_category(row.GetString(0, 1));
  c.set_description(row.GetString(0, 2));
  c.mutable_location()->set_latitude(row.GetDouble(0, 3));
  c.mutable_location()->set_longitude(row.GetDouble(0, 4));
  *c.mutable_submitted_at() = ToProtoTime(row.GetTime(0, 5));
  c.set_state(StateFromName(row.GetString(0, 6)));
  if (!row.IsNull(0, 7)) c.set_agency_code(row.GetString(0, 7));
  if (!row.IsNull(0, 8)) c.set_agency_name(row.GetString(0, 8));
  if (!row.IsNull(0, 9)) *c.mutable_first_response_due_at() = ToProtoTime(row.GetTime(0, 9));
  c.set_escalation_level(static_cast<int32_t>(row.GetInt(0, 10)));
  c.set_status_text(StatusText(c.state(), c.agency_name(), c.escalation_level()));
  SKK_ASSIGN_OR_RETURN(PgResult timeline,
                       conn->Execute(kSelectTimeline, {SqlParam::Text(complaint_id)}));
  for (int i = 0; i < timeline.rows(); ++i) {
    auto* entry = c.add_timeline();
    *entry->mutable_at() = ToProtoTime(timeline.GetTime(i, 0));
    entry->set_kind(timeline.GetString(i, 1));
    entry->set_text(timeline.GetString(i, 2));
  }
  return c;
}

EventHandlers Complaints::Handlers() {
  return {
      {kCaseRouted, [this](PgConnection& tx, const sambat::v1::Event& e) {
         return OnCaseRouted(tx, e);
       }},
      {kDeadlineSet, [this](PgConnection& tx, const sambat::v1::Event& e) {
         return OnDeadlineSet(tx, e);
       }},
      {kEscalated, [this](PgConnection& tx, const sambat::v1::Event& e) {
         return OnEscalated(tx, e);
       }},
  };
}

namespace {

// An update that touched no complaint means the event names a complaint intake never stored:
// it can never apply, so it is dead-lettered for an operator rather than retried.
absl::Status RequireComplaint(const PgResult& result, const sambat::v1::Event& event) {
  if (result.affected() == 1) return absl::OkStatus();
  return absl::NotFoundError(
      absl::StrCat("event ", event.event_id(), " names unknown complaint ", event.complaint_id()));
}

}  // namespace

absl::Status Complaints::OnCaseRouted(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& routed = event.case_routed();
  const absl::Time at = FromProtoTime(event.occurred_at());
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyRouted, {SqlParam::Text(event.complaint_id()),
                                                             SqlParam::Text(routed.agency_code()),
                                                             SqlParam::Text(routed.agency_name()),
                                                             SqlParam::Time(at)}));
  SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
  return AddTimeline(tx, event.complaint_id(), at, "routed",
                     absl::StrCat("Diteruskan ke ", routed.agency_name()));
}

absl::Status Complaints::OnDeadlineSet(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& deadline = event.deadline_set();
  const absl::Time at = FromProtoTime(event.occurred_at());
  const absl::Time due = FromProtoTime(deadline.due_at());
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyDeadline, {SqlParam::Text(event.complaint_id()),
                                                               SqlParam::Time(due),
                                                               SqlParam::Time(at)}));
  SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
  return AddTimeline(tx, event.complaint_id(), at, "deadline_set",
                     absl::StrCat("Batas waktu tanggapan pertama: ",
                                  absl::FormatTime("%d-%m-%Y %H:%M %Z", due, zone_)));
}

absl::Status Complaints::OnEscalated(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& escalated = event.escalated();
  const absl::Time at = FromProtoTime(event.occurred_at());
  SKK_ASSIGN_OR_RETURN(PgResult r,
                       tx.Execute(kApplyEscalated, {SqlParam::Text(event.complaint_id()),
                                                    SqlParam::Int(escalated.level()),
                                                    SqlParam::Time(at)}));
  SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
  return AddTimeline(tx, event.complaint_id(), at, "escalated",
                     escalated.level() >= 2
                         ? "Belum ditanggapi tepat waktu; dilaporkan ke Sekda dan Wali Kota"
                         : "Belum ditanggapi tepat waktu; dilaporkan ke kepala dinas");
}

}  // namespace skk::intake

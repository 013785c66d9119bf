// How routing's and sla's events change what the citizen sees.
//
// routing's case events are applied strictly in their case's order (TakeCaseTurn,
// services/platform/case_order.h): the next one of the case applies, one that arrived before
// its predecessor waits for it, one already passed changes nothing. complaints.case_sequence is
// the last one applied. Applied in arrival order, each event's timeline entry would land in
// arrival order, a replay would add its entry again, and the first of two resolutions arriving
// last would set the reopen window. sla's events are not in the case's chain and apply on
// arrival: a deadline only when it is the newest (cause_case_sequence), the highest escalation
// level; the timeline, read in business-time order, places their entries where they happened.

#include "absl/strings/str_cat.h"
#include "services/intake/citizen_words.h"
#include "services/intake/complaints.h"
#include "services/platform/case_order.h"
#include "services/platform/events.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

// The complaint's row, locked for the event: one complaint's events apply one at a time across
// consumer threads and replicas, so the sequence read here is still the last one at commit.
constexpr SqlStatement kLockCaseOrder{"intake_lock_case_order", R"sql(
  SELECT case_sequence, state FROM complaints WHERE complaint_id = $1 FOR UPDATE)sql"};

// "Newer" for a case event with sequence $seq and time $at: routing's events carry the case's
// transition sequence, which orders them even within one clock tick; an event without one
// (0, from a routing older than the sequence) falls back to its time. Sequenced events reach
// these statements only in their case's order (TakeCaseTurn), so for them it always holds.
#define SKK_NEWER(seq, at)                                                            \
  "(CASE WHEN " seq "::bigint > 0 THEN " seq "::bigint > case_sequence "                \
  "ELSE state_changed_at IS NULL OR state_changed_at <= " at " END)"
// The same for the agency, which only routings, transfers and hand-offs set.
#define SKK_NEWER_AGENCY(seq, at)                                                     \
  "(CASE WHEN " seq "::bigint > 0 THEN " seq "::bigint > agency_sequence "              \
  "ELSE state_changed_at IS NULL OR state_changed_at <= " at " END)"

constexpr SqlStatement kApplyRouted{"intake_apply_routed", R"sql(
  UPDATE complaints
  SET state = CASE WHEN state = 'SUBMITTED' THEN 'ROUTED' ELSE state END,
      agency_code = CASE WHEN $5::bigint = 0 OR $5::bigint > agency_sequence THEN $2
                         ELSE agency_code END,
      agency_name = CASE WHEN $5::bigint = 0 OR $5::bigint > agency_sequence THEN $3
                         ELSE agency_name END,
      agency_sequence = GREATEST(agency_sequence, $5::bigint),
      case_sequence = GREATEST(case_sequence, $5::bigint),
      updated_at = $4
  WHERE complaint_id = $1)sql"};

// The deadline shown is the one of the newest clock: sla's deadlines race each other and the
// case's events, so a late deadline of the first agency must not replace the new agency's.
// Without cause_case_sequence ($4 = 0, from an sla older than it) the last to arrive wins,
// unless a sequenced one was already shown.
constexpr SqlStatement kApplyDeadline{"intake_apply_deadline", R"sql(
  UPDATE complaints
  SET first_response_due_at = CASE WHEN ($4::bigint > 0 AND $4::bigint >= deadline_sequence)
                                        OR ($4::bigint = 0 AND deadline_sequence = 0)
                                   THEN $2 ELSE first_response_due_at END,
      deadline_sequence = GREATEST(deadline_sequence, $4::bigint),
      updated_at = $3
  WHERE complaint_id = $1)sql"};

// An entry of an event that is not in the case's chain (sla's, or an unsequenced one), unless
// the same entry is there already: such an event delivered again under a new id must not show
// twice. Runs under the complaint's row lock (kLockCaseOrder).
constexpr SqlStatement kInsertTimelineOnce{"intake_insert_timeline_once", R"sql(
  INSERT INTO complaint_timeline (complaint_id, at, kind, text)
  SELECT $1, $2, $3, $4
  WHERE NOT EXISTS (SELECT 1 FROM complaint_timeline
                    WHERE complaint_id = $1 AND at = $2 AND kind = $3 AND text = $4))sql"};

constexpr SqlStatement kApplyEscalated{"intake_apply_escalated", R"sql(
  UPDATE complaints SET escalation_level = GREATEST(escalation_level, $2), updated_at = $3
  WHERE complaint_id = $1)sql"};

// A state change applies only if it is newer than the last one: events of different
// producers, parallel consumers and retries deliver out of order.
constexpr SqlStatement kApplyState{
    "intake_apply_state",
    "UPDATE complaints SET "
    "state = CASE WHEN " SKK_NEWER("$4", "$3") " THEN $2 ELSE state END, "
    "resolved_at = CASE WHEN $2 = 'RESOLVED' AND " SKK_NEWER("$4", "$3") " THEN $3 "
    "ELSE resolved_at END, " R"sql(
      case_sequence = GREATEST(case_sequence, $4::bigint),
      state_changed_at = GREATEST(state_changed_at, $3),
      updated_at = $3
  WHERE complaint_id = $1)sql"};

// Another agency takes the case (forwarded, or handed to a partner outside the city): the
// citizen sees who has it now, and the case waits for that agency's first answer.
constexpr SqlStatement kApplyNewAgency{
    "intake_apply_new_agency",
    "UPDATE complaints SET "
    "agency_code = CASE WHEN " SKK_NEWER_AGENCY("$5", "$4") " THEN $2 ELSE agency_code END, "
    "agency_name = CASE WHEN " SKK_NEWER_AGENCY("$5", "$4") " THEN $3 ELSE agency_name END, "
    "state = CASE WHEN " SKK_NEWER("$5", "$4") " THEN 'ROUTED' ELSE state END, " R"sql(
      agency_sequence = GREATEST(agency_sequence, $5::bigint),
      case_sequence = GREATEST(case_sequence, $5::bigint),
      state_changed_at = GREATEST(state_changed_at, $4),
      updated_at = $4
  WHERE complaint_id = $1)sql"};

// An update that touched no complaint means the event names a complaint intake never stored:
// it can never apply, so it is dead-lettered for an operator rather than retried.
absl::Status RequireComplaint(const PgResult& result, const sambat::v1::Event& event) {
  if (result.affected() == 1) return absl::OkStatus();
  return absl::NotFoundError(
      absl::StrCat("event ", event.event_id(), " names unknown complaint ", event.complaint_id()));
}

struct Update {
  std::string state;  // empty: the state does not change
  std::string kind;   // timeline entry kind
  std::string text;   // timeline entry text
};

// What a case event means for the citizen; nullopt for events handled elsewhere.
std::optional<Update> UpdateFor(const sambat::v1::Event& e) {
  using E = sambat::v1::Event;
  switch (e.payload_case()) {
    case E::kCaseInfoRequested:
      return Update{"WAITING_CITIZEN", "info_requested",
                    absl::StrCat("Dinas meminta informasi tambahan: ", e.case_info_requested().question())};
    case E::kCaseResponded:
      return Update{"IN_PROGRESS", "responded",
                    absl::StrCat("Tanggapan: ", e.case_responded().message())};
    case E::kCaseResolved:
      return Update{"RESOLVED", "resolved",
                    absl::StrCat("Selesai ditangani: ", e.case_resolved().note())};
    case E::kCaseRejected: {
      const auto& r = e.case_rejected();
      return Update{r.reason() == "duplicate" ? "MERGED" : "REJECTED", "rejected",
                    RejectionText(r.reason(), r.duplicate_of_ticket())};
    }
    case E::kCaseReopened:
      // The citizen's own reopening already stands in the timeline (Complaints::Reopen).
      return Update{"REOPENED", "", ""};
    case E::kCaseClaimed:
      return Update{"IN_PROGRESS", "claimed", "Petugas dinas mulai menangani pengaduan Anda"};
    case E::kCaseCitizenAnswered:
      // The citizen's own answer already stands in the timeline (Complaints::AddInfo).
      return Update{"IN_PROGRESS", "", ""};
    case E::kCaseClosed:
      return Update{"CLOSED", "closed", "Pengaduan ditutup"};
    default:
      return std::nullopt;
  }
}

}  // namespace

std::vector<std::string> ConsumedEvents() {
  // Every event of the case's chain, case.citizen_answered too: without a link, the event
  // after it would wait for its predecessor forever.
  return {kCaseRouted,    kDeadlineSet,   kEscalated,     kCaseInfoRequested,
          kCaseResponded, kCaseResolved,  kCaseRejected,  kCaseReopened,
          kCaseClosed,    kCaseClaimed,   kCaseForwarded, kCaseHandedOff,
          kCaseCitizenAnswered};
}

EventHandlers Complaints::Handlers() {
  EventHandler apply = [this](PgConnection& tx, const sambat::v1::Event& e) {
    return ApplyCaseEvent(tx, e);
  };
  EventHandlers handlers;
  for (const std::string& type : ConsumedEvents()) handlers[type] = apply;
  return handlers;
}

absl::Status Complaints::ApplyCaseEvent(PgConnection& tx, const sambat::v1::Event& event) {
  const absl::Time at = FromProtoTime(event.occurred_at());
  const std::string& id = event.complaint_id();
  SKK_ASSIGN_OR_RETURN(PgResult order, tx.Execute(kLockCaseOrder, {SqlParam::Text(id)}));
  SKK_RETURN_IF_ERROR(RequireComplaint(order, event));
  // A complaint whose case events were applied before they carried a sequence has moved on
  // from SUBMITTED with none recorded: its first sequenced event starts the chain.
  const int64_t last = order.GetInt(0, 0);
  const bool began_unsequenced = last == 0 && order.GetString(0, 1) != "SUBMITTED";
  SKK_ASSIGN_OR_RETURN(const bool turn, TakeCaseTurn(event, last, began_unsequenced));
  if (!turn) return absl::OkStatus();
  std::string kind;
  std::string text;
  if (event.has_case_routed()) {
    const auto& routed = event.case_routed();
    SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyRouted, {SqlParam::Text(id),
                                                               SqlParam::Text(routed.agency_code()),
                                                               SqlParam::Text(routed.agency_name()),
                                                               SqlParam::Time(at),
                                                               SqlParam::Int(event.case_sequence())}));
    SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
    kind = "routed";
    text = absl::StrCat("Diteruskan ke ", routed.agency_name());
  } else if (event.has_deadline_set()) {
    const absl::Time due = FromProtoTime(event.deadline_set().due_at());
    SKK_ASSIGN_OR_RETURN(
        PgResult r,
        tx.Execute(kApplyDeadline,
                   {SqlParam::Text(id), SqlParam::Time(due), SqlParam::Time(at),
                    SqlParam::Int(event.deadline_set().cause_case_sequence())}));
    SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
    kind = "deadline_set";
    text = absl::StrCat("Batas waktu tanggapan pertama: ",
                        absl::FormatTime("%d-%m-%Y %H:%M %Z", due, zone_));
  } else if (event.has_escalated()) {
    const int level = event.escalated().level();
    SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyEscalated, {SqlParam::Text(id),
                                                                  SqlParam::Int(level),
                                                                  SqlParam::Time(at)}));
    SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
    kind = "escalated";
    text = level >= 2 ? "Belum ditanggapi tepat waktu; dilaporkan ke Sekda dan Wali Kota"
                      : "Belum ditanggapi tepat waktu; dilaporkan ke kepala dinas";
  } else if (event.has_case_forwarded() || event.has_case_handed_off()) {
    const bool forwarded = event.has_case_forwarded();
    const std::string& agency_code = forwarded ? event.case_forwarded().to_agency_code()
                                               : event.case_handed_off().agency_code();
    const std::string& agency_name = forwarded ? event.case_forwarded().to_agency_name()
                                               : event.case_handed_off().agency_name();
    SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyNewAgency, {SqlParam::Text(id),
                                                                  SqlParam::Text(agency_code),
                                                                  SqlParam::Text(agency_name),
                                                                  SqlParam::Time(at),
                                                                  SqlParam::Int(event.case_sequence())}));
    SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
    kind = forwarded ? "forwarded" : "handed_off";
    text = forwarded ? absl::StrCat("Dialihkan ke ", agency_name,
                                    ", yang berwenang menangani pengaduan ini")
                     : absl::StrCat("Diserahkan ke ", agency_name,
                                    ", instansi di luar Pemerintah Kota, untuk ditindaklanjuti");
  } else if (std::optional<Update> update = UpdateFor(event)) {
    SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyState, {SqlParam::Text(id),
                                                              SqlParam::Text(update->state),
                                                              SqlParam::Time(at),
                                                              SqlParam::Int(event.case_sequence())}));
    SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
    if (update->kind.empty()) return absl::OkStatus();
    kind = update->kind;
    text = update->text;
  } else {
    return absl::OkStatus();
  }
  // A sequenced event is applied once (TakeCaseTurn); any other may come again under a new id.
  if (event.case_sequence() > 0) return AddTimeline(tx, id, at, kind, text);
  return tx.Execute(kInsertTimelineOnce, {SqlParam::Text(id), SqlParam::Time(at),
                                          SqlParam::Text(kind), SqlParam::Text(text)})
      .status();
}

}  // namespace skk::intake

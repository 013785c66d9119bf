// How routing's and sla's events change what the citizen sees.

#include "absl/strings/str_cat.h"
#include "services/intake/citizen_words.h"
#include "services/intake/complaints.h"
#include "services/platform/events.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

// "Newer" for a case event with sequence $seq and time $at: routing's events carry the case's
// transition sequence, which orders them even within one clock tick; an event without one
// (0) falls back to its time. The citizen's view never goes back to an older transition.
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

constexpr SqlStatement kApplyDeadline{"intake_apply_deadline", R"sql(
  UPDATE complaints SET first_response_due_at = $2, updated_at = $3
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kApplyEscalated{"intake_apply_escalated", R"sql(
  UPDATE complaints SET escalation_level = GREATEST(escalation_level, $2), updated_at = $3
  WHERE complaint_id = $1)sql"};

// A state change applies only if it is newer than the last one: events of different
// producers, parallel consumers and retries deliver out of order.
constexpr SqlStatement kApplyState{"intake_apply_state",
                                   "UPDATE complaints SET state = CASE WHEN " SKK_NEWER("$4", "$3")
                                   " THEN $2 ELSE state END, " R"sql(
      case_sequence = GREATEST(case_sequence, $4::bigint),
      state_changed_at = GREATEST(state_changed_at, $3),
      resolved_at = CASE WHEN $2 = 'RESOLVED' THEN $3 ELSE resolved_at END,
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
    case E::kCaseClosed:
      return Update{"CLOSED", "closed", "Pengaduan ditutup"};
    default:
      return std::nullopt;
  }
}

}  // namespace

std::vector<std::string> ConsumedEvents() {
  return {kCaseRouted,    kDeadlineSet,   kEscalated,   kCaseInfoRequested,
          kCaseResponded, kCaseResolved,  kCaseRejected, kCaseReopened,
          kCaseClosed,    kCaseClaimed,   kCaseForwarded, kCaseHandedOff};
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
    SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyDeadline, {SqlParam::Text(id),
                                                                 SqlParam::Time(due),
                                                                 SqlParam::Time(at)}));
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
  return AddTimeline(tx, id, at, kind, text);
}

}  // namespace skk::intake

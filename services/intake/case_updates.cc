// How routing's and sla's events change what the citizen sees.
//
// routing's case events are applied strictly in their case's order (TakeCaseTurn,
// services/platform/case_order.h): the next one of the case applies, one that arrived before
// its predecessor waits for it, one already passed changes nothing. complaints.case_sequence is
// the last one applied. Each carries the case after its transition (case_after): the state and
// agency the citizen sees are copied from it, never worked out from the event's type; the
// event's type and payload only say which entry the timeline gets. sla's events are not in the
// case's chain and apply on arrival: a deadline only when it is the newest
// (cause_case_sequence), the highest escalation level; the timeline, read in business-time
// order, places their entries where they happened.

#include "absl/strings/str_cat.h"
#include "services/intake/citizen_words.h"
#include "services/intake/complaints.h"
#include "services/intake/lapor.h"
#include "services/platform/case_order.h"
#include "services/platform/events.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

// The complaint's row, locked for the event: one complaint's events apply one at a time across
// consumer threads and replicas, so the sequence read here is still the last one at commit.
constexpr SqlStatement kLockCaseOrder{"intake_lock_case_order", R"sql(
  SELECT case_sequence FROM complaints WHERE complaint_id = $1 FOR UPDATE)sql"};

// The case as routing left it ($2 state as sambat.v1.CaseState, $3 agency code, $4 agency
// name) by the case event with sequence $6 at $5, the next of its case (TakeCaseTurn). A
// resolution (state 5, RESOLVED) starts the citizen's window to reopen. A resolved case that
// closes (6, CLOSED) finished at its resolution: retention (erasure.cc) counts from there.
constexpr SqlStatement kApplyCase{"intake_apply_case_v2", R"sql(
  UPDATE complaints
  SET state = $2::smallint, agency_code = $3, agency_name = $4,
      resolved_at = CASE WHEN $2::smallint = 5 THEN $5 ELSE resolved_at END,
      case_sequence = $6,
      state_changed_at = CASE WHEN state = 5 AND $2::smallint = 6 THEN state_changed_at
                              ELSE GREATEST(state_changed_at, $5) END,
      updated_at = $5
  WHERE complaint_id = $1)sql"};

// The complaint a merge joined this one to ($2 its ticket), or none ($2 empty: the merge was
// undone, or the case was rejected for another reason).
constexpr SqlStatement kApplyMergedInto{"intake_apply_merged_into", R"sql(
  UPDATE complaints SET merged_into_ticket = NULLIF($2, '') WHERE complaint_id = $1)sql"};

// The deadline shown is the one of the newest first-response clock
// (first_response_sequence): sla's deadlines race each other and the case's events, so a late
// deadline of the first agency must not replace the new agency's. Without cause_case_sequence
// ($4 = 0, from an sla older than it) the last to arrive wins, unless a sequenced one was
// already shown.
// The end of the citizen's window after a resolution (a CLOSE clock) follows the newest clock
// of either kind (deadline_sequence): a first-response clock of a later reopening has a higher
// cause and wins over it; a late one of before the resolution loses. A late first-response
// deadline of before the resolution still sets the first-response due time, which is a fact
// of its own clock.
constexpr SqlStatement kApplyCloseDue{"intake_apply_close_due", R"sql(
  UPDATE complaints
  SET close_due_at = CASE WHEN $4::bigint >= deadline_sequence THEN $2 ELSE close_due_at END,
      deadline_sequence = GREATEST(deadline_sequence, $4::bigint),
      updated_at = $3
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kApplyDeadline{"intake_apply_deadline_v2", R"sql(
  UPDATE complaints
  SET first_response_due_at =
        CASE WHEN ($4::bigint > 0 AND $4::bigint >= first_response_sequence)
               OR ($4::bigint = 0 AND first_response_sequence = 0)
             THEN $2 ELSE first_response_due_at END,
      first_response_sequence = GREATEST(first_response_sequence, $4::bigint),
      deadline_sequence = GREATEST(deadline_sequence, $4::bigint),
      updated_at = $3
  WHERE complaint_id = $1)sql"};

// An entry of sla's events, which are not in the case's chain, unless the same entry is there
// already: such an event delivered again under a new id must not show twice. Runs under the
// complaint's row lock (kLockCaseOrder).
constexpr SqlStatement kInsertTimelineOnce{"intake_insert_timeline_once", R"sql(
  INSERT INTO complaint_timeline (complaint_id, at, kind, text)
  SELECT $1, $2, $3, $4
  WHERE NOT EXISTS (SELECT 1 FROM complaint_timeline
                    WHERE complaint_id = $1 AND at = $2 AND kind = $3 AND text = $4))sql"};

constexpr SqlStatement kApplyEscalated{"intake_apply_escalated", R"sql(
  UPDATE complaints SET escalation_level = GREATEST(escalation_level, $2), updated_at = $3
  WHERE complaint_id = $1)sql"};

// What SP4N-LAPOR is to be told of a complaint linked to it (docs/lapor.md), once per case
// event; nothing for a complaint that is not linked.
constexpr SqlStatement kEnqueueLaporFollowup{"intake_enqueue_lapor_followup", R"sql(
  INSERT INTO lapor_followups (complaint_id, event_id, status, text, occurred_at,
                               next_attempt_at)
  SELECT $1, $2, $3, $4, $5, $5
  WHERE EXISTS (SELECT 1 FROM lapor_links WHERE complaint_id = $1 AND state <> 'refused')
  ON CONFLICT (event_id) DO NOTHING)sql"};

// A complaint that reaches an agency's queue after all (its citizen's join fell through, or an
// officer undid a merge) goes to SP4N-LAPOR as any other; one linked already is left alone.
constexpr SqlStatement kEnqueueLaporExport{"intake_enqueue_lapor_export", R"sql(
  INSERT INTO lapor_links (complaint_id, direction, state, next_attempt_at)
  VALUES ($1, 'export', 'pending', $2)
  ON CONFLICT (complaint_id) DO NOTHING)sql"};

// An update that touched no complaint means the event names a complaint intake never stored:
// it can never apply, so it is dead-lettered for an operator rather than retried.
absl::Status RequireComplaint(const PgResult& result, const sambat::v1::Event& event) {
  if (result.affected() == 1) return absl::OkStatus();
  return absl::NotFoundError(
      absl::StrCat("event ", event.event_id(), " names unknown complaint ", event.complaint_id()));
}

// A line of the citizen's timeline; an empty kind adds none.
struct TimelineEntry {
  std::string kind;
  std::string text;
};

// What a case event tells the citizen in their timeline. The citizen's own reopening and
// answer already stand there (Complaints::Reopen, Complaints::AddInfo).
TimelineEntry CaseEntry(const sambat::v1::Event& e) {
  using E = sambat::v1::Event;
  const std::string& agency = e.case_after().agency_name();
  switch (e.payload_case()) {
    case E::kCaseRouted:
      return {"routed", absl::StrCat("Diteruskan ke ", agency)};
    case E::kCaseForwarded:
      return {"forwarded",
              absl::StrCat("Dialihkan ke ", agency, ", yang berwenang menangani pengaduan ini")};
    case E::kCaseHandedOff:
      return {"handed_off",
              absl::StrCat("Diserahkan ke ", agency,
                           ", instansi di luar Pemerintah Kota, untuk ditindaklanjuti")};
    case E::kCasePartnerUpdated:
      // The partner's own word, with its name ("Polresta Malang Kota menerima ... (nomor 17)").
      return {e.case_partner_updated().closed() ? "partner_closed" : "partner_update",
              e.case_partner_updated().note()};
    case E::kCaseInfoRequested:
      return {"info_requested", absl::StrCat("Dinas meminta informasi tambahan: ",
                                             e.case_info_requested().question())};
    case E::kCaseResponded:
      return {"responded", absl::StrCat("Tanggapan: ", e.case_responded().message())};
    case E::kCaseResolved:
      return {"resolved", absl::StrCat("Selesai ditangani: ", e.case_resolved().note())};
    case E::kCaseRejected:
      if (e.case_rejected().joined()) {
        return {"joined", absl::StrCat("Anda mengikuti pengaduan ",
                                       e.case_rejected().duplicate_of_ticket(),
                                       " yang sama. Perkembangannya tampil di sini dan dikabarkan "
                                       "kepada Anda")};
      }
      return {"rejected", RejectionText(e.case_rejected().reason(),
                                        e.case_rejected().duplicate_of_ticket())};
    case E::kCaseClaimed:
      return {"claimed", "Petugas dinas mulai menangani pengaduan Anda"};
    case E::kCaseReopened:
      // The citizen's own reopening stands there already; an undone merge is the agency's.
      if (!e.case_reopened().unmerged()) return {};
      return {"unmerged",
              absl::StrCat("Ternyata bukan pengaduan yang sama: ditangani kembali oleh ", agency,
                           ". Alasan: ", e.case_reopened().reason())};
    case E::kCaseClosed:
      return {"closed", e.case_closed().automatic()
                            ? "Pengaduan ditutup otomatis: tidak dibuka kembali sampai batas waktu"
                            : "Pengaduan ditutup"};
    default:
      return {};
  }
}

}  // namespace

std::vector<std::string> ConsumedEvents() {
  // Every event of the case's chain, case.citizen_answered too: without a link, the event
  // after it would wait for its predecessor forever.
  return {kCaseRouted,    kDeadlineSet,   kEscalated,     kCaseInfoRequested,
          kCaseResponded, kCaseResolved,  kCaseRejected,  kCaseReopened,
          kCaseClosed,    kCaseClaimed,   kCaseForwarded, kCaseHandedOff,
          kCaseCitizenAnswered, kCasePartnerUpdated};
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
  const std::string& id = event.complaint_id();
  SKK_ASSIGN_OR_RETURN(PgResult order, tx.Execute(kLockCaseOrder, {SqlParam::Text(id)}));
  SKK_RETURN_IF_ERROR(RequireComplaint(order, event));
  SKK_ASSIGN_OR_RETURN(const bool turn, TakeCaseTurn(event, order.Row(0).Int("case_sequence")));
  if (!turn) return absl::OkStatus();
  if (event.has_deadline_set() || event.has_escalated()) return ApplyClockEvent(tx, event);
  const absl::Time at = FromProtoTime(event.occurred_at());
  const sambat::v1::CaseSnapshot& after = event.case_after();
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyCase, {SqlParam::Text(id),
                                                           SqlParam::Int(after.state()),
                                                           SqlParam::Text(after.agency_code()),
                                                           SqlParam::Text(after.agency_name()),
                                                           SqlParam::Time(at),
                                                           SqlParam::Int(event.case_sequence())}));
  SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
  if (event.has_case_rejected() || event.has_case_reopened()) {
    const std::string merged_into =
        event.has_case_rejected() ? event.case_rejected().duplicate_of_ticket() : "";
    SKK_RETURN_IF_ERROR(
        tx.Execute(kApplyMergedInto, {SqlParam::Text(id), SqlParam::Text(merged_into)}).status());
  }
  if (options_.lapor_export &&
      (event.has_case_routed() ||
       (event.has_case_reopened() && event.case_reopened().unmerged()))) {
    SKK_RETURN_IF_ERROR(
        tx.Execute(kEnqueueLaporExport, {SqlParam::Text(id), SqlParam::Time(at)}).status());
  }
  if (const std::optional<LaporFollowup> followup = FollowupOf(event)) {
    SKK_RETURN_IF_ERROR(tx.Execute(kEnqueueLaporFollowup,
                                   {SqlParam::Text(id), SqlParam::Text(event.event_id()),
                                    SqlParam::Text(followup->status),
                                    SqlParam::Text(followup->text), SqlParam::Time(at)})
                            .status());
  }
  const TimelineEntry entry = CaseEntry(event);
  if (entry.kind.empty()) return absl::OkStatus();
  // Applied once (TakeCaseTurn), so its entry is written once.
  return AddTimeline(tx, id, at, entry.kind, entry.text);
}

absl::Status Complaints::ApplyClockEvent(PgConnection& tx, const sambat::v1::Event& event) {
  const absl::Time at = FromProtoTime(event.occurred_at());
  const std::string& id = event.complaint_id();
  TimelineEntry entry;
  if (event.has_deadline_set()) {
    const auto& d = event.deadline_set();
    // The first-response due time, or the end of the citizen's window after a resolution.
    const bool window = d.kind() == sambat::v1::DEADLINE_KIND_CLOSE;
    const absl::Time due = FromProtoTime(d.due_at());
    SKK_ASSIGN_OR_RETURN(
        PgResult r, tx.Execute(window ? kApplyCloseDue : kApplyDeadline,
                               {SqlParam::Text(id), SqlParam::Time(due), SqlParam::Time(at),
                                SqlParam::Int(d.cause_case_sequence())}));
    SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
    const std::string when = absl::FormatTime("%d-%m-%Y %H:%M %Z", due, zone_);
    const char* changed = d.calendar_changed() ? "Kalender libur nasional diperbarui. " : "";
    entry = window ? TimelineEntry{"close_due_set",
                                   absl::StrCat(changed, "Bila tidak dibuka kembali, pengaduan "
                                                "ditutup otomatis pada ", when)}
                   : TimelineEntry{"deadline_set",
                                   absl::StrCat(changed, "Batas waktu tanggapan pertama: ", when)};
  } else {
    const int level = event.escalated().level();
    SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kApplyEscalated, {SqlParam::Text(id),
                                                                  SqlParam::Int(level),
                                                                  SqlParam::Time(at)}));
    SKK_RETURN_IF_ERROR(RequireComplaint(r, event));
    entry = {"escalated", level >= 2
                              ? "Belum ditanggapi tepat waktu; dilaporkan ke Sekda dan Wali Kota"
                              : "Belum ditanggapi tepat waktu; dilaporkan ke kepala dinas"};
  }
  return tx.Execute(kInsertTimelineOnce, {SqlParam::Text(id), SqlParam::Time(at),
                                          SqlParam::Text(entry.kind), SqlParam::Text(entry.text)})
      .status();
}

}  // namespace skk::intake

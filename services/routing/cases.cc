#include "services/routing/cases.h"

#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"
#include "services/routing/erasure.h"
#include "services/routing/partner_handoffs.h"

namespace skk::routing {

std::vector<std::string> ConsumedEvents() {
  return {kComplaintSubmitted, kInfoAdded, kRated, kReopenRequested, kDeadlineSet,
          kCloseDue, kErasureRequested};
}

EventHandlers Cases::Handlers() {
  auto bind = [this](absl::Status (Cases::*method)(PgConnection&, const sambat::v1::Event&)) {
    return [this, method](PgConnection& tx, const sambat::v1::Event& e) {
      return (this->*method)(tx, e);
    };
  };
  // The citizen's words of an erased complaint never come back through a late event.
  return {{kComplaintSubmitted, KeepingErasures(bind(&Cases::OnComplaintSubmitted))},
          {kInfoAdded, KeepingErasures(bind(&Cases::OnInfoAdded))},
          {kRated, KeepingErasures(bind(&Cases::OnRated))},
          {kReopenRequested, KeepingErasures(bind(&Cases::OnReopenRequested))},
          {kDeadlineSet, bind(&Cases::OnDeadlineSet)},
          {kCloseDue, bind(&Cases::OnCloseDue)},
          {kErasureRequested, bind(&Cases::OnErasureRequested)}};
}

absl::Status Cases::OnComplaintSubmitted(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& complaint = event.complaint_submitted();
  const auto rules = config_.Current();
  RoutingDecision decision = rules->Route(
      complaint.category(), PointOf(complaint.has_location(), complaint.location()));
  // SP4N-LAPOR already disposed it to one of the city's agencies (docs/lapor.md): that agency
  // has it, whatever the rules would say. An agency unknown here, or outside the city, leaves
  // it to the rules.
  if (const sambat::v1::Agency* disposed = rules->FindAgency(complaint.disposed_to_agency());
      disposed != nullptr && disposed->kind() != sambat::v1::AGENCY_KIND_EXTERNAL) {
    decision.agency_code = disposed->code();
    decision.agency_name = disposed->name();
    decision.rule_id = "lapor-disposition";
    decision.external = false;
    decision.reason = absl::StrCat("disposed to ", disposed->code(), " by SP4N-LAPOR");
  }
  const absl::Time now = clock_.Now();

  CaseRow row;
  row.complaint_id = event.complaint_id();
  row.ticket = complaint.ticket();
  row.category = complaint.category();
  row.description = complaint.description();
  row.latitude = complaint.location().latitude();
  row.longitude = complaint.location().longitude();
  row.address = complaint.address();
  row.media_ids.assign(complaint.media_ids().begin(), complaint.media_ids().end());
  row.anonymous = complaint.anonymous();
  row.confidential = complaint.confidential();
  if (complaint.has_submitted_at()) row.submitted_at = FromProtoTime(complaint.submitted_at());
  row.correlation_id = event.correlation_id();
  row.rule_id = decision.rule_id;
  row.agency_code = decision.agency_code;
  row.agency_name = decision.agency_name;

  if (!complaint.join_ticket().empty()) {
    SKK_ASSIGN_OR_RETURN(std::optional<CaseRow> joined,
                         CaseStore::ReadByTicket(tx, complaint.join_ticket()));
    // Locked: an officer's merge or rejection of it waits until this join is decided.
    if (joined.has_value()) {
      SKK_ASSIGN_OR_RETURN(joined, CaseStore::Lock(tx, joined->complaint_id));
    }
    if (joined.has_value() && Joinable(*joined)) return Join(tx, event, row, *joined, now);
    // Merged, rejected or made confidential since the citizen saw it: their complaint is
    // theirs, routed as any other, rather than lost or joined to a dead end.
    log::Warn("complaint to join can no longer be joined; routed on its own",
              {{"complaint_id", row.complaint_id}, {"join_ticket", complaint.join_ticket()}});
  }

  const std::string& reason = decision.reason;
  if (decision.external) {
    // An external partner has no officer queue here: the case goes straight to the outbound
    // adapter (SUBMITTED -> HANDED_OFF), and case.handed_off is the record of the hand-off.
    SKK_ASSIGN_OR_RETURN(bool created, CaseStore::Create(tx, row, CaseAction::kHandOff,
                                                         Actor::System(), reason, now));
    if (!created) return absl::OkStatus();
    sambat::v1::Event handed = CaseEvent(kCaseHandedOff, row, now, Actor::System(), &event);
    auto* p = handed.mutable_case_handed_off();
    p->set_ticket(row.ticket);
    p->set_agency_code(decision.agency_code);
    p->set_agency_name(decision.agency_name);
    p->set_category(row.category);
    p->set_description(row.description);
    *p->mutable_location() = complaint.location();
    p->set_address(row.address);
    SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, handed));
    SKK_RETURN_IF_ERROR(EnqueuePartnerHandOff(tx, row, reason, now));
    log::Info("case handed off", {{"complaint_id", row.complaint_id}, {"agency", decision.agency_code}});
    return absl::OkStatus();
  }

  SKK_ASSIGN_OR_RETURN(bool created, CaseStore::Create(tx, row, CaseAction::kRoute,
                                                       Actor::System(), reason, now));
  if (!created) {
    // The case exists (a second complaint.submitted with a new event id for the same
    // complaint would be a producer bug); routing twice would notify the agency twice.
    log::Warn("case already exists, not routed again", {{"complaint_id", event.complaint_id()},
                                                         {"event_id", event.event_id()}});
    return absl::OkStatus();
  }
  sambat::v1::Event routed = CaseEvent(kCaseRouted, row, now, Actor::System(), &event);
  auto* payload = routed.mutable_case_routed();
  payload->set_ticket(complaint.ticket());
  payload->set_category(complaint.category());
  payload->set_agency_code(decision.agency_code);
  payload->set_agency_name(decision.agency_name);
  payload->set_rule_id(decision.rule_id);
  *payload->mutable_routed_at() = ToProtoTime(now);
  SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, routed));
  log::Info("case routed", {{"complaint_id", event.complaint_id()},
                            {"agency", decision.agency_code}, {"rule", decision.rule_id}});
  return absl::OkStatus();
}

bool Cases::Joinable(const CaseRow& c) {
  return !c.confidential && c.state != sambat::v1::CASE_STATE_MERGED &&
         c.state != sambat::v1::CASE_STATE_REJECTED && c.state != sambat::v1::CASE_STATE_SUBMITTED;
}

absl::Status Cases::Join(PgConnection& tx, const sambat::v1::Event& event, CaseRow& row,
                         const CaseRow& joined, absl::Time now) {
  // The other complaint's agency, so that its staff see who else reported it; no clock, no
  // queue: the case is merged from its first moment, as an officer's merge leaves one.
  row.agency_code = joined.agency_code;
  row.agency_name = joined.agency_name;
  row.rule_id = "join";
  SKK_ASSIGN_OR_RETURN(bool created,
                       CaseStore::Create(tx, row, CaseAction::kJoin, Actor::Citizen(),
                                         absl::StrCat("joined ", joined.ticket), now));
  if (!created) return absl::OkStatus();
  sambat::v1::Event merged = CaseEvent(kCaseRejected, row, now, Actor::Citizen(), &event);
  auto* p = merged.mutable_case_rejected();
  p->set_ticket(row.ticket);
  p->set_agency_code(row.agency_code);
  p->set_reason("duplicate");
  p->set_duplicate_of_ticket(joined.ticket);
  p->set_joined(true);
  SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, merged));
  log::Info("complaint joined another", {{"complaint_id", row.complaint_id},
                                         {"ticket", row.ticket},
                                         {"joined_ticket", joined.ticket}});
  return absl::OkStatus();
}

absl::Status Cases::OnInfoAdded(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& info = event.info_added();
  const absl::Time now = clock_.Now();
  SKK_ASSIGN_OR_RETURN(CaseRow before, CaseStore::Lock(tx, event.complaint_id()));
  SKK_ASSIGN_OR_RETURN(CaseRow after, CaseStore::Apply(tx, before, CaseAction::kCitizenAnswer,
                                                       Actor::Citizen(), info.text(), now));
  sambat::v1::Event answered = CaseEvent(kCaseCitizenAnswered, after, now, Actor::Citizen(), &event);
  auto* p = answered.mutable_case_citizen_answered();
  p->set_ticket(after.ticket);
  p->set_agency_code(after.agency_code);
  p->set_text(info.text());
  *p->mutable_media_ids() = info.media_ids();
  return EnqueueCaseEvent(tx, answered);
}

absl::Status Cases::OnReopenRequested(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& reopen = event.reopen_requested();
  const absl::Time now = clock_.Now();
  SKK_ASSIGN_OR_RETURN(CaseRow before, CaseStore::Lock(tx, event.complaint_id()));
  SKK_ASSIGN_OR_RETURN(CaseRow after,
                       CaseStore::Apply(tx, before, CaseAction::kReopen, Actor::Citizen(),
                                        reopen.reason(), now, [&](CaseRow& c) {
                                          // Same agency, clock restarted (design.md).
                                          RestartClock(c, now);
                                        }));
  sambat::v1::Event reopened = CaseEvent(kCaseReopened, after, now, Actor::Citizen(), &event);
  auto* p = reopened.mutable_case_reopened();
  p->set_ticket(after.ticket);
  p->set_agency_code(after.agency_code);
  p->set_reason(reopen.reason());
  p->set_category(after.category);
  return EnqueueCaseEvent(tx, reopened);
}

absl::Status Cases::OnRated(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& rated = event.rated();
  SKK_ASSIGN_OR_RETURN(CaseRow before, CaseStore::Lock(tx, event.complaint_id()));
  return CaseStore::Apply(tx, before, CaseAction::kRate, Actor::Citizen(),
                          absl::StrCat(rated.stars(), "/5",
                                       rated.comment().empty() ? "" : ": ", rated.comment()),
                          clock_.Now(),
                          [&](CaseRow& c) {
                            c.rating = rated.stars();
                            c.rating_comment = rated.comment();
                          })
      .status();
}

absl::Status Cases::OnCloseDue(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& due = event.close_due();
  SKK_ASSIGN_OR_RETURN(CaseRow before, CaseStore::Lock(tx, event.complaint_id()));
  // Only the resolution that started the window closes: a case reopened since (and perhaps
  // resolved again, which starts a window of its own) has emitted newer events. A rating
  // emits none, so it does not keep the case open.
  if (before.state != sambat::v1::CASE_STATE_RESOLVED ||
      before.event_sequence != due.cause_case_sequence()) {
    log::Info("close of an earlier resolution ignored",
              {{"complaint_id", event.complaint_id()},
               {"event_id", event.event_id()},
               {"state", sambat::v1::CaseState_Name(before.state)},
               {"cause_case_sequence", static_cast<long long>(due.cause_case_sequence())},
               {"event_sequence", static_cast<long long>(before.event_sequence)}});
    return absl::OkStatus();
  }
  const absl::Time now = clock_.Now();
  SKK_ASSIGN_OR_RETURN(
      CaseRow after,
      CaseStore::Apply(tx, before, CaseAction::kClose, Actor::System(),
                       "Ditutup otomatis: pelapor tidak membuka kembali pengaduan dalam "
                       "batas waktu setelah penyelesaian",
                       now));
  sambat::v1::Event closed = CaseEvent(kCaseClosed, after, now, Actor::System(), &event);
  auto* p = closed.mutable_case_closed();
  p->set_ticket(after.ticket);
  p->set_agency_code(after.agency_code);
  p->set_automatic(true);
  SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, closed));
  log::Info("case closed by itself", {{"complaint_id", event.complaint_id()},
                                      {"ticket", after.ticket}});
  return absl::OkStatus();
}

absl::Status Cases::OnErasureRequested(PgConnection& tx, const sambat::v1::Event& event) {
  return ApplyErasure(tx, event, clock_.Now());
}

absl::Status Cases::OnDeadlineSet(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& d = event.deadline_set();
  // The end of the citizen's window after a resolution orders no queue.
  if (d.kind() == sambat::v1::DEADLINE_KIND_CLOSE) return absl::OkStatus();
  SKK_ASSIGN_OR_RETURN(bool applied,
                       CaseStore::SetDeadline(tx, event.complaint_id(), d.agency_code(),
                                              FromProtoTime(d.starts_at()),
                                              FromProtoTime(d.due_at())));
  if (!applied) {
    log::Info("deadline of an earlier clock ignored",
              {{"complaint_id", event.complaint_id()}, {"event_id", event.event_id()}});
  }
  return absl::OkStatus();
}

}  // namespace skk::routing

#include "services/routing/officer_work.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/platform/errors.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"
#include "services/routing/access.h"
#include "services/routing/officer_requests.h"
#include "services/routing/partner_handoffs.h"

namespace skk::routing {
namespace {

using sambat::v1::Case;

CaseFacts FactsOf(const CaseRow& row) {
  return {row.complaint_id, row.agency_code, row.state, row.holder_id, row.holder_name};
}

Actor ActorOf(const Caller& caller) { return {ActorId(caller), caller.name}; }

}  // namespace

sambat::v1::Event CaseEvent(const std::string& type, const CaseRow& row, absl::Time now,
                            const Actor& actor, const sambat::v1::Event* cause) {
  sambat::v1::Event event = NewEvent(type, row.complaint_id, now, "routing", cause);
  // Officers' actions have no causing event, but belong to the complaint's chain all the same.
  if (cause == nullptr && !row.correlation_id.empty()) {
    event.set_correlation_id(row.correlation_id);
  }
  event.set_actor(actor.id);
  event.set_case_sequence(row.sequence);
  event.set_previous_case_sequence(row.event_sequence);
  sambat::v1::CaseSnapshot* after = event.mutable_case_after();
  after->set_ticket(row.ticket);
  after->set_state(row.state);
  after->set_agency_code(row.agency_code);
  after->set_agency_name(row.agency_name);
  after->set_category(row.category);
  after->set_holder_id(row.holder_id);
  after->set_holder_name(row.holder_name);
  after->set_confidential(row.confidential);
  return event;
}

absl::Status EnqueueCaseEvent(PgConnection& tx, const sambat::v1::Event& event) {
  SKK_CHECK(event.case_sequence() > 0, "a case event carries its transition's sequence");
  SKK_RETURN_IF_ERROR(
      CaseStore::RecordEventSequence(tx, event.complaint_id(), event.case_sequence()));
  return EnqueueEvent(tx, event);
}

absl::StatusOr<CaseRow> HandOff(PgConnection& tx, const CaseRow& before,
                                const sambat::v1::Agency& partner, const Actor& actor,
                                const std::string& reason, absl::Time now,
                                const sambat::v1::Event* cause) {
  SKK_ASSIGN_OR_RETURN(CaseRow after,
                       CaseStore::Apply(tx, before, CaseAction::kHandOff, actor, reason, now,
                                        [&](CaseRow& c) {
                                          if (c.agency_code != partner.code()) ++c.forward_count;
                                          c.agency_code = partner.code();
                                          c.agency_name = partner.name();
                                          RestartClock(c, now);
                                        }));
  sambat::v1::Event event = CaseEvent(kCaseHandedOff, after, now, actor, cause);
  auto* p = event.mutable_case_handed_off();
  p->set_ticket(after.ticket);
  p->set_agency_code(partner.code());
  p->set_agency_name(partner.name());
  p->set_category(after.category);
  p->set_description(after.description);
  p->mutable_location()->set_latitude(after.latitude);
  p->mutable_location()->set_longitude(after.longitude);
  p->set_address(after.address);
  SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
  SKK_RETURN_IF_ERROR(EnqueuePartnerHandOff(tx, after, reason, now));
  log::Info("case handed off", {{"complaint_id", after.complaint_id}, {"agency", partner.code()}});
  return after;
}

absl::StatusOr<Case> OfficerWork::Act(const Caller& caller, const std::string& complaint_id,
                                      CaseAction action, const Body& body) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  const absl::Time now = clock_.Now();
  const Actor actor = ActorOf(caller);
  Case result;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(CaseRow before, CaseStore::Lock(tx, complaint_id));
    SKK_RETURN_IF_ERROR(MayAct(caller, action, FactsOf(before)));
    SKK_ASSIGN_OR_RETURN(CaseRow after, body(tx, before, actor, now));
    result = ToProto(after, now);
    SKK_ASSIGN_OR_RETURN(auto history, CaseStore::History(tx, complaint_id));
    for (auto& e : history) *result.add_history() = std::move(e);
    return absl::OkStatus();
  }));
  log::Info("officer action", {{"complaint_id", complaint_id},
                               {"action", std::string(ActionName(action))},
                               {"officer", caller.subject}});
  return result;
}

absl::StatusOr<sambat::v1::ListQueueResponse> OfficerWork::ListQueue(
    const Caller& caller, const sambat::v1::ListQueueRequest& r) {
  SKK_RETURN_IF_ERROR(MayReadCases(caller));
  std::vector<FieldViolation> violations;
  const std::vector<CaseState> states = QueueStates(r, violations);
  SKK_RETURN_IF_ERROR(InvalidFields(violations));
  SKK_ASSIGN_OR_RETURN(const std::string scope, QueueScope(caller, r.agency_code()));

  QueueQuery query;
  query.agency_code = scope;
  query.states = states;
  query.limit = r.page_size() == 0 ? kDefaultPageSize : r.page_size();
  if (!r.page_token().empty()) {
    SKK_ASSIGN_OR_RETURN(QueuePosition at, cursors_.Decode(r.page_token(), scope, states));
    query.after_due = at.after_due;
    query.after_id = at.after_id;
  }
  // One row more than the page tells whether another page follows.
  ++query.limit;
  SKK_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(std::vector<QueueEntry> entries,
                       CaseStore::Queue(*conn, query, clock_.Now()));
  sambat::v1::ListQueueResponse response;
  const size_t page = static_cast<size_t>(query.limit - 1);
  for (size_t i = 0; i < entries.size() && i < page; ++i) {
    *response.add_cases() = std::move(entries[i].summary);
  }
  if (entries.size() > page) {
    const QueueEntry& last = entries[page - 1];
    response.set_next_page_token(cursors_.Encode(
        {scope, states, last.due_text, response.cases(static_cast<int>(page) - 1).complaint_id()}));
  }
  return response;
}

absl::StatusOr<sambat::v1::CaseMapResponse> OfficerWork::CaseMap(
    const Caller& caller, const sambat::v1::CaseMapRequest& r) {
  SKK_RETURN_IF_ERROR(MayReadCases(caller));
  // Finer than about 50 m draws single houses; coarser than 50 km draws nothing useful.
  if (r.cell_degrees() != 0 && !(r.cell_degrees() >= 0.0005 && r.cell_degrees() <= 0.5)) {
    return InvalidFields({{"cell_degrees", "must be 0 (0.005) or 0.0005 to 0.5"}});
  }
  SKK_ASSIGN_OR_RETURN(const std::string scope, QueueScope(caller, r.agency_code()));
  SKK_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  return CaseStore::Map(*conn, scope, r.cell_degrees() == 0 ? 0.005 : r.cell_degrees(),
                        clock_.Now());
}

absl::StatusOr<Case> OfficerWork::GetCase(const Caller& caller, const std::string& complaint_id) {
  SKK_RETURN_IF_ERROR(MayReadCases(caller));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateCaseId(complaint_id)));
  SKK_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(CaseRow row, CaseStore::Read(*conn, complaint_id));
  SKK_RETURN_IF_ERROR(MayRead(caller, FactsOf(row)));
  Case result = ToProto(row, clock_.Now());
  SKK_ASSIGN_OR_RETURN(auto history, CaseStore::History(*conn, complaint_id));
  for (auto& e : history) *result.add_history() = std::move(e);
  return result;
}

absl::StatusOr<Case> OfficerWork::Claim(const Caller& caller, const sambat::v1::ClaimRequest& r) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateCaseId(r.complaint_id())));
  return Act(caller, r.complaint_id(), CaseAction::kClaim,
             [&](PgConnection& tx, const CaseRow& before, const Actor& actor,
                 absl::Time now) -> absl::StatusOr<CaseRow> {
               SKK_ASSIGN_OR_RETURN(CaseRow after,
                                    CaseStore::Apply(tx, before, CaseAction::kClaim, actor, "",
                                                     now, [&](CaseRow& c) {
                                                       c.holder_id = caller.subject;
                                                       c.holder_name = caller.name;
                                                       c.claimed_at = now;
                                                     }));
               sambat::v1::Event event = CaseEvent(kCaseClaimed, after, now, actor, nullptr);
               auto* p = event.mutable_case_claimed();
               p->set_ticket(after.ticket);
               p->set_agency_code(after.agency_code);
               p->set_officer_id(caller.subject);
               p->set_officer_name(caller.name);
               p->set_category(after.category);
               SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
               return after;
             });
}

absl::StatusOr<Case> OfficerWork::Release(const Caller& caller,
                                          const sambat::v1::ReleaseRequest& r) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateRelease(r)));
  // No event: nobody outside routing cares who holds a case; the audit trail records it.
  return Act(caller, r.complaint_id(), CaseAction::kRelease,
             [&](PgConnection& tx, const CaseRow& before, const Actor& actor, absl::Time now) {
               return CaseStore::Apply(tx, before, CaseAction::kRelease, actor, r.reason(), now);
             });
}

absl::StatusOr<Case> OfficerWork::Respond(const Caller& caller,
                                          const sambat::v1::RespondRequest& r) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateRespond(r)));
  return Act(caller, r.complaint_id(), CaseAction::kRespond,
             [&](PgConnection& tx, const CaseRow& before, const Actor& actor,
                 absl::Time now) -> absl::StatusOr<CaseRow> {
               const bool first = before.first_responded_at == absl::InfinitePast();
               SKK_ASSIGN_OR_RETURN(CaseRow after,
                                    CaseStore::Apply(tx, before, CaseAction::kRespond, actor,
                                                     r.message(), now, [&](CaseRow& c) {
                                                       if (first) c.first_responded_at = now;
                                                     }));
               sambat::v1::Event event = CaseEvent(kCaseResponded, after, now, actor, nullptr);
               auto* p = event.mutable_case_responded();
               p->set_ticket(after.ticket);
               p->set_agency_code(after.agency_code);
               p->set_message(r.message());
               p->set_first_response(first);
               SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
               return after;
             });
}

absl::StatusOr<Case> OfficerWork::RequestInfo(const Caller& caller,
                                              const sambat::v1::RequestInfoRequest& r) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateRequestInfo(r)));
  return Act(caller, r.complaint_id(), CaseAction::kRequestInfo,
             [&](PgConnection& tx, const CaseRow& before, const Actor& actor,
                 absl::Time now) -> absl::StatusOr<CaseRow> {
               SKK_ASSIGN_OR_RETURN(CaseRow after,
                                    CaseStore::Apply(tx, before, CaseAction::kRequestInfo, actor,
                                                     r.question(), now));
               sambat::v1::Event event =
                   CaseEvent(kCaseInfoRequested, after, now, actor, nullptr);
               auto* p = event.mutable_case_info_requested();
               p->set_ticket(after.ticket);
               p->set_agency_code(after.agency_code);
               p->set_question(r.question());
               SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
               return after;
             });
}

absl::StatusOr<Case> OfficerWork::Forward(const Caller& caller,
                                          const sambat::v1::ForwardRequest& r) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  std::vector<FieldViolation> violations = ValidateForward(r);
  // The rules in force for the whole of this forward, even if a reload happens meanwhile.
  const std::shared_ptr<const RoutingRules> rules = config_.Current();
  const sambat::v1::Agency* asked = rules->FindAgency(r.to_agency_code());
  if (asked == nullptr && !r.to_agency_code().empty()) {
    violations.push_back({"to_agency_code", "is not an agency of the city configuration"});
  } else if (asked != nullptr && asked->code() == caller.agency_code) {
    violations.push_back({"to_agency_code", "is the agency that has the case"});
  }
  SKK_RETURN_IF_ERROR(InvalidFields(violations));
  const bool external = asked->kind() == sambat::v1::AGENCY_KIND_EXTERNAL;
  const CaseAction action = external ? CaseAction::kHandOff : CaseAction::kForward;
  return Act(caller, r.complaint_id(), action,
             [&](PgConnection& tx, const CaseRow& before, const Actor& actor,
                 absl::Time now) -> absl::StatusOr<CaseRow> {
               if (external) return HandOff(tx, before, *asked, actor, r.reason(), now, nullptr);
               const int count = before.forward_count + 1;
               // A case passed around too often goes to the verifier, whose triage decides;
               // the verifier's own forwards are that decision and are not capped.
               const bool to_verifier = count > rules->max_forwards() &&
                                        before.agency_code != rules->verifier_code();
               const sambat::v1::Agency* verifier = rules->FindAgency(rules->verifier_code());
               SKK_CHECK(verifier != nullptr, "a validated configuration names its verifier");
               const sambat::v1::Agency& target = to_verifier ? *verifier : *asked;
               const std::string reason =
                   to_verifier ? absl::StrCat(r.reason(), " [forward ", count, " exceeds ",
                                              rules->max_forwards(),
                                              ": to the verifier instead of ", asked->code(), "]")
                               : r.reason();
               const std::string from = before.agency_code;
               SKK_ASSIGN_OR_RETURN(CaseRow after,
                                    CaseStore::Apply(tx, before, CaseAction::kForward, actor,
                                                     reason, now, [&](CaseRow& c) {
                                                       c.agency_code = target.code();
                                                       c.agency_name = target.name();
                                                       c.forward_count = count;
                                                       RestartClock(c, now);
                                                     }));
               sambat::v1::Event event = CaseEvent(kCaseForwarded, after, now, actor, nullptr);
               auto* p = event.mutable_case_forwarded();
               p->set_ticket(after.ticket);
               p->set_from_agency_code(from);
               p->set_to_agency_code(target.code());
               p->set_to_agency_name(target.name());
               p->set_reason(r.reason());
               p->set_category(after.category);
               *p->mutable_forwarded_at() = ToProtoTime(now);
               p->set_sent_to_verifier(to_verifier);
               p->set_forward_count(count);
               SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
               return after;
             });
}

absl::StatusOr<Case> OfficerWork::Resolve(const Caller& caller,
                                          const sambat::v1::ResolveRequest& r) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateResolve(r)));
  return Act(caller, r.complaint_id(), CaseAction::kResolve,
             [&](PgConnection& tx, const CaseRow& before, const Actor& actor,
                 absl::Time now) -> absl::StatusOr<CaseRow> {
               SKK_ASSIGN_OR_RETURN(CaseRow after,
                                    CaseStore::Apply(tx, before, CaseAction::kResolve, actor,
                                                     r.note(), now));
               sambat::v1::Event event = CaseEvent(kCaseResolved, after, now, actor, nullptr);
               auto* p = event.mutable_case_resolved();
               p->set_ticket(after.ticket);
               p->set_agency_code(after.agency_code);
               p->set_note(r.note());
               *p->mutable_proof_media_ids() = r.proof_media_ids();
               SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
               return after;
             });
}

absl::StatusOr<Case> OfficerWork::Reject(const Caller& caller,
                                         const sambat::v1::RejectRequest& r) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateReject(r)));
  const std::string reason = RejectReasonWord(r.reason());
  const bool duplicate = r.reason() == sambat::v1::REJECT_REASON_DUPLICATE;
  const CaseAction action = duplicate ? CaseAction::kMerge : CaseAction::kReject;
  return Act(caller, r.complaint_id(), action,
             [&](PgConnection& tx, const CaseRow& before, const Actor& actor,
                 absl::Time now) -> absl::StatusOr<CaseRow> {
               if (duplicate) {
                 SKK_ASSIGN_OR_RETURN(bool exists,
                                      CaseStore::TicketExists(tx, r.duplicate_of_ticket()));
                 if (!exists || r.duplicate_of_ticket() == before.ticket) {
                   return InvalidFields({{"duplicate_of_ticket", "is not another case's ticket"}});
                 }
               }
               const std::string why =
                   absl::StrCat(reason, duplicate ? " of " + r.duplicate_of_ticket() : "",
                                r.note().empty() ? "" : ": ", r.note());
               SKK_ASSIGN_OR_RETURN(CaseRow after,
                                    CaseStore::Apply(tx, before, action, actor, why, now));
               sambat::v1::Event event = CaseEvent(kCaseRejected, after, now, actor, nullptr);
               auto* p = event.mutable_case_rejected();
               p->set_ticket(after.ticket);
               p->set_agency_code(after.agency_code);
               p->set_reason(reason);
               p->set_note(r.note());
               p->set_duplicate_of_ticket(r.duplicate_of_ticket());
               SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
               return after;
             });
}

absl::StatusOr<Case> OfficerWork::Unmerge(const Caller& caller,
                                          const sambat::v1::UnmergeRequest& r) {
  SKK_RETURN_IF_ERROR(MayChangeCases(caller));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateUnmerge(r)));
  return Act(caller, r.complaint_id(), CaseAction::kUnmerge,
             [&](PgConnection& tx, const CaseRow& before, const Actor& actor,
                 absl::Time now) -> absl::StatusOr<CaseRow> {
               SKK_ASSIGN_OR_RETURN(
                   CaseRow after,
                   // As a reopened case: same agency, clock restarted.
                   CaseStore::Apply(tx, before, CaseAction::kUnmerge, actor, r.reason(), now,
                                    [&](CaseRow& c) { RestartClock(c, now); }));
               sambat::v1::Event event = CaseEvent(kCaseReopened, after, now, actor, nullptr);
               auto* p = event.mutable_case_reopened();
               p->set_ticket(after.ticket);
               p->set_agency_code(after.agency_code);
               p->set_reason(r.reason());
               p->set_category(after.category);
               p->set_unmerged(true);
               SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
               return after;
             });
}

}  // namespace skk::routing

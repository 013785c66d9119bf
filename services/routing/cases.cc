#include "services/routing/cases.h"

#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"

namespace skk::routing {
namespace {

constexpr SqlStatement kInsertCase{"routing_insert_case", R"sql(
  INSERT INTO cases (complaint_id, ticket, category, description, latitude, longitude,
                     agency_code, rule_id, state, correlation_id, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ROUTED', $9, $10, $10)
  ON CONFLICT (complaint_id) DO NOTHING)sql"};

constexpr SqlStatement kInsertHistory{"routing_insert_history", R"sql(
  INSERT INTO case_history (complaint_id, at, from_state, to_state, actor, reason)
  VALUES ($1, $2, $3, $4, $5, $6))sql"};

}  // namespace

std::vector<std::string> ConsumedEvents() { return {kComplaintSubmitted}; }

EventHandlers Cases::Handlers() {
  return {{kComplaintSubmitted, [this](PgConnection& tx, const sambat::v1::Event& e) {
             return OnComplaintSubmitted(tx, e);
           }}};
}

absl::Status Cases::OnComplaintSubmitted(PgConnection& tx, const sambat::v1::Event& event) {
  const auto& complaint = event.complaint_submitted();
  const RoutingDecision decision = rules_.Route(complaint.category());
  const absl::Time now = clock_.Now();
  SKK_ASSIGN_OR_RETURN(
      PgResult inserted,
      tx.Execute(kInsertCase,
                 {SqlParam::Text(event.complaint_id()), SqlParam::Text(complaint.ticket()),
                  SqlParam::Text(complaint.category()), SqlParam::Text(complaint.description()),
                  SqlParam::Double(complaint.location().latitude()),
                  SqlParam::Double(complaint.location().longitude()),
                  SqlParam::Text(decision.agency_code),
                  decision.rule_id.empty() ? SqlParam::Null() : SqlParam::Text(decision.rule_id),
                  SqlParam::Text(event.correlation_id()), SqlParam::Time(now)}));
  if (inserted.affected() == 0) {
    // The case exists (a second complaint.submitted with a new event id for the same
    // complaint would be a producer bug); routing twice would notify the agency twice.
    log::Warn("case already exists, not routed again", {{"complaint_id", event.complaint_id()},
                                                         {"event_id", event.event_id()}});
    return absl::OkStatus();
  }
  const std::string reason =
      decision.rule_id.empty()
          ? absl::StrCat("no rule for category ", complaint.category(), ": verifier triage")
          : absl::StrCat("rule ", decision.rule_id);
  SKK_RETURN_IF_ERROR(tx.Execute(kInsertHistory, {SqlParam::Text(event.complaint_id()),
                                                  SqlParam::Time(now), SqlParam::Text("SUBMITTED"),
                                                  SqlParam::Text("ROUTED"),
                                                  SqlParam::Text("system:routing"),
                                                  SqlParam::Text(reason)})
                          .status());
  sambat::v1::Event routed = NewEvent(kCaseRouted, event.complaint_id(), now, "routing", &event);
  auto* payload = routed.mutable_case_routed();
  payload->set_ticket(complaint.ticket());
  payload->set_category(complaint.category());
  payload->set_agency_code(decision.agency_code);
  payload->set_agency_name(decision.agency_name);
  payload->set_rule_id(decision.rule_id);
  *payload->mutable_routed_at() = ToProtoTime(now);
  SKK_RETURN_IF_ERROR(EnqueueEvent(tx, routed));
  log::Info("case routed", {{"complaint_id", event.complaint_id()},
                            {"agency", decision.agency_code}, {"rule", decision.rule_id}});
  return absl::OkStatus();
}

}  // namespace skk::routing

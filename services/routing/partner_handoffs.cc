#include "services/routing/partner_handoffs.h"

#include "absl/strings/str_cat.h"
#include "services/platform/errors.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/retry_loop.h"
#include "services/platform/status_macros.h"
#include "services/routing/officer_work.h"

namespace skk::routing {
namespace {

namespace v1 = sambat::v1;

constexpr int kBatch = 10;

constexpr SqlStatement kEnqueue{"routing_enqueue_partner_handoff", R"sql(
  INSERT INTO partner_handoffs (complaint_id, agency_code, reason, handed_off_at, state,
                                attempts, next_attempt_at)
  VALUES ($1, $2, $3, $4, 'pending', 0, $4)
  ON CONFLICT (complaint_id) DO UPDATE
  SET agency_code = $2, reason = $3, handed_off_at = $4, state = 'pending', attempts = 0,
      next_attempt_at = $4, leased_until = NULL, last_error = '', sent_at = NULL,
      partner_reference = '', partner_status = '', partner_note = '')sql"};

// The due rows, leased for two minutes of the database's own time (a test's business clock
// may jump; a lease must not).
constexpr SqlStatement kTakeDue{"routing_take_due_partner_handoffs", R"sql(
  WITH due AS (
    SELECT complaint_id FROM partner_handoffs
    WHERE state <> 'done' AND next_attempt_at <= $1
      AND (leased_until IS NULL OR leased_until < now())
    ORDER BY next_attempt_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
  UPDATE partner_handoffs h
  SET leased_until = now() + interval '2 minutes',
      attempts = CASE WHEN h.state = 'pending' THEN h.attempts + 1 ELSE h.attempts END
  FROM due WHERE h.complaint_id = due.complaint_id
  RETURNING h.complaint_id, h.agency_code, h.reason, h.handed_off_at, h.state, h.attempts,
            h.partner_reference)sql"};

constexpr SqlStatement kLockHandOff{"routing_lock_partner_handoff", R"sql(
  SELECT * FROM partner_handoffs WHERE complaint_id = $1 FOR UPDATE)sql"};

constexpr SqlStatement kMarkSent{"routing_partner_handoff_sent", R"sql(
  UPDATE partner_handoffs
  SET state = 'sent', sent_at = $2, next_attempt_at = $3, leased_until = NULL, last_error = ''
  WHERE complaint_id = $1 AND state = 'pending')sql"};

constexpr SqlStatement kRetryLater{"routing_partner_handoff_retry", R"sql(
  UPDATE partner_handoffs
  SET next_attempt_at = $2, leased_until = NULL, last_error = $3
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kRecordWord{"routing_partner_handoff_word", R"sql(
  UPDATE partner_handoffs
  SET partner_reference = $2, partner_status = $3, partner_note = $4,
      state = CASE WHEN $5 THEN 'done' ELSE state END,
      next_attempt_at = CASE WHEN $5 THEN 'infinity' ELSE next_attempt_at END,
      leased_until = CASE WHEN $5 THEN NULL ELSE leased_until END
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kHandedCase{"routing_case_handed_to_partner", R"sql(
  SELECT c.complaint_id FROM cases c JOIN partner_handoffs h USING (complaint_id)
  WHERE c.ticket = $1 AND h.agency_code = $2)sql"};

std::string CategoryName(const v1::CityConfig& city, const std::string& code) {
  for (const auto& c : city.categories()) {
    if (c.code() == code) return c.name();
  }
  return code;
}

}  // namespace

struct PartnerDesk::Due {
  std::string complaint_id;
  std::string agency_code;
  std::string reason;
  absl::Time handed_off_at;
  bool sent = false;
  int attempts = 0;
  std::string reference;
};

absl::Status EnqueuePartnerHandOff(PgConnection& tx, const CaseRow& after,
                                   const std::string& reason, absl::Time now) {
  return tx.Execute(kEnqueue, {SqlParam::Text(after.complaint_id), SqlParam::Text(after.agency_code),
                               SqlParam::Text(reason), SqlParam::Time(now)})
      .status();
}

absl::StatusOr<int> PartnerDesk::RunOnce() {
  const absl::Time now = clock_.Now();
  std::vector<Due> due;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(PgResult r,
                         tx.Execute(kTakeDue, {SqlParam::Time(now), SqlParam::Int(kBatch)}));
    for (int i = 0; i < r.rows(); ++i) {
      const PgRow row = r.Row(i);
      due.push_back({.complaint_id = row.String("complaint_id"),
                     .agency_code = row.String("agency_code"),
                     .reason = row.String("reason"),
                     .handed_off_at = row.Time("handed_off_at"),
                     .sent = row.String("state") == "sent",
                     .attempts = static_cast<int>(row.Int("attempts")),
                     .reference = row.String("partner_reference")});
    }
    return absl::OkStatus();
  }));
  for (const Due& d : due) {
    // One partner's trouble is logged and retried; it never holds up another's hand-offs.
    const absl::Status st = d.sent ? Poll(d) : Send(d);
    if (!st.ok()) {
      log::Warn("partner hand-off step failed", {{"complaint_id", d.complaint_id},
                                                 {"agency", d.agency_code},
                                                 {"error", std::string(st.message())}});
      if (!pool_.Ping().ok()) return st;  // the database is away: the loop backs off
    }
  }
  return static_cast<int>(due.size());
}

void PartnerDesk::Run(const std::atomic<bool>& stop) {
  RunUntilStopped(stop,
                  {.failure_message = "partner hand-offs failed, will retry",
                   .backoff = {.initial = absl::Milliseconds(200), .max = absl::Seconds(10)}},
                  [&]() -> RoundResult {
                    SKK_ASSIGN_OR_RETURN(const int handled, RunOnce());
                    return handled == 0 ? absl::Milliseconds(200) : absl::ZeroDuration();
                  });
}

absl::Status PartnerDesk::Send(const Due& due) {
  const auto endpoint = endpoints_.find(due.agency_code);
  if (endpoint == endpoints_.end()) {
    // A partner added by a reload: its secrets are read at start only.
    return Failed(due, "no partner channel loaded for this agency: restart routing", false);
  }
  const PartnerEndpoint& partner = endpoint->second;
  CaseRow c;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(c, CaseStore::Read(tx, due.complaint_id));
    return absl::OkStatus();
  }));
  const absl::Time now = clock_.Now();
  const v1::PartnerHandOff handoff =
      HandOffOf(c, CategoryName(*config_.CurrentCity(), c.category), due.reason, due.handed_off_at);
  absl::StatusOr<HttpCall> call = HandOffCall(partner, handoff, now);
  if (!call.ok()) return Failed(due, std::string(call.status().message()), true);
  const absl::StatusOr<HttpReply> reply = perform_(*call);
  if (!reply.ok()) return Failed(due, std::string(reply.status().message()), false);
  const HttpOutcome outcome = ClassifyHttpReply(reply->status);
  if (outcome != HttpOutcome::kSuccess) {
    return Failed(due, absl::StrCat("http ", reply->status), outcome == HttpOutcome::kPermanent);
  }
  PartnerReport received{.status = "received"};
  if (partner.protocol == "open311") {
    absl::StatusOr<PartnerReport> created = ReadOpen311Created(reply->body);
    // Taken, but with nothing to ask about later: the case waits on the partner's own word.
    if (!created.ok()) {
      log::Error("open311 partner took a hand-off without an id: its status cannot be asked",
                 {{"complaint_id", due.complaint_id}, {"agency", due.agency_code},
                  {"error", std::string(created.status().message())}});
    } else {
      received = *created;
    }
  }
  const bool poll = partner.protocol == "open311" && !received.reference.empty();
  return pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_RETURN_IF_ERROR(CaseStore::Lock(tx, due.complaint_id).status());
    SKK_RETURN_IF_ERROR(tx.Execute(kMarkSent, {SqlParam::Text(due.complaint_id),
                                               SqlParam::Time(now),
                                               poll ? SqlParam::Time(now + partner.poll_every)
                                                    : SqlParam::Text("infinity")})
                            .status());
    log::Info("case sent to partner", {{"complaint_id", due.complaint_id},
                                       {"agency", due.agency_code},
                                       {"reference", received.reference}});
    CaseState state;
    const absl::StatusOr<bool> applied =
        Apply(tx, due.complaint_id, partner, received,
              ReportText(partner.agency_name, received), now, &state);
    // The partner already moved the case on by its own report: what it sent stands.
    if (absl::IsFailedPrecondition(applied.status())) return absl::OkStatus();
    return applied.status();
  });
}

absl::Status PartnerDesk::Poll(const Due& due) {
  const auto endpoint = endpoints_.find(due.agency_code);
  if (endpoint == endpoints_.end() || endpoint->second.protocol != "open311") {
    return Failed(due, "no open311 partner channel loaded for this agency", false);
  }
  const PartnerEndpoint& partner = endpoint->second;
  const absl::StatusOr<HttpReply> reply = perform_(StatusCall(partner, due.reference));
  if (!reply.ok()) return Failed(due, std::string(reply.status().message()), false);
  if (ClassifyHttpReply(reply->status) != HttpOutcome::kSuccess) {
    return Failed(due, absl::StrCat("http ", reply->status), false);
  }
  absl::StatusOr<PartnerReport> report = ReadOpen311Status(reply->body);
  if (!report.ok()) return Failed(due, std::string(report.status().message()), false);
  report->reference = due.reference;
  const absl::Time now = clock_.Now();
  return pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_RETURN_IF_ERROR(CaseStore::Lock(tx, due.complaint_id).status());
    SKK_RETURN_IF_ERROR(tx.Execute(kRetryLater, {SqlParam::Text(due.complaint_id),
                                                 SqlParam::Time(now + partner.poll_every),
                                                 SqlParam::Text("")})
                            .status());
    CaseState state;
    const absl::StatusOr<bool> applied = Apply(tx, due.complaint_id, partner, *report,
                                               ReportText(partner.agency_name, *report), now,
                                               &state);
    if (absl::IsFailedPrecondition(applied.status())) return absl::OkStatus();
    return applied.status();
  });
}

absl::Status PartnerDesk::Failed(const Due& due, const std::string& error, bool for_good) {
  const absl::Time now = clock_.Now();
  const bool give_up = !due.sent && (for_good || due.attempts >= kMaxHandOffAttempts);
  const absl::Duration wait = due.sent ? absl::Minutes(15) : OutboundRetryDelay(due.attempts);
  const char* what =
      due.sent ? "partner status could not be read" : "case not yet delivered to partner";
  const std::initializer_list<log::Field> fields = {
      {"complaint_id", due.complaint_id}, {"agency", due.agency_code},
      {"attempt", absl::StrCat(due.attempts)}, {"error", error},
      {"next", give_up ? std::string("to the verifier") : absl::FormatDuration(wait)}};
  // Hours of a partner that answers nothing is an operator's business, not a passing blip.
  if (give_up || due.attempts >= 5) {
    log::Error(what, fields);
  } else {
    log::Warn(what, fields);
  }
  return pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(CaseRow before, CaseStore::Lock(tx, due.complaint_id));
    SKK_RETURN_IF_ERROR(tx.Execute(kRetryLater, {SqlParam::Text(due.complaint_id),
                                                 SqlParam::Time(now + wait),
                                                 SqlParam::Text(error)})
                            .status());
    if (!give_up) return absl::OkStatus();
    const auto endpoint = endpoints_.find(due.agency_code);
    const std::string name =
        endpoint == endpoints_.end() ? before.agency_name : endpoint->second.agency_name;
    PartnerEndpoint partner;
    partner.agency_code = due.agency_code;
    partner.agency_name = name;
    const std::string text =
        for_good ? absl::StrCat("Sistem ", name, " menolak penyerahan pengaduan ini; diteruskan "
                                "ke verifikator Pemerintah Kota")
                 : absl::StrCat("Sistem ", name, " tidak dapat dihubungi; pengaduan diteruskan "
                                "ke verifikator Pemerintah Kota");
    CaseState state;
    const absl::StatusOr<bool> applied = Apply(
        tx, due.complaint_id, partner, {.status = "refused", .note = error}, text, now, &state);
    if (absl::IsFailedPrecondition(applied.status())) return absl::OkStatus();
    return applied.status();
  });
}

absl::StatusOr<bool> PartnerDesk::Apply(PgConnection& tx, const std::string& complaint_id,
                                        const PartnerEndpoint& partner,
                                        const PartnerReport& report, const std::string& text,
                                        absl::Time now, CaseState* state_after) {
  SKK_ASSIGN_OR_RETURN(CaseRow before, CaseStore::Lock(tx, complaint_id));
  *state_after = before.state;
  SKK_ASSIGN_OR_RETURN(PgResult h, tx.Execute(kLockHandOff, {SqlParam::Text(complaint_id)}));
  if (h.rows() == 0) return absl::NotFoundError("no hand-off of this case");
  const PgRow last = h.Row(0);
  const std::string reference =
      report.reference.empty() ? last.String("partner_reference") : report.reference;
  const bool repeated = report.status == last.String("partner_status") &&
                        report.note == last.String("partner_note") &&
                        reference == last.String("partner_reference");
  if (repeated) return false;
  if (before.state != v1::CASE_STATE_HANDED_OFF || before.agency_code != partner.agency_code) {
    return absl::FailedPreconditionError(
        absl::StrCat("the case is ", StateName(before.state), " at ", before.agency_code,
                     ": the partner's word no longer moves it"));
  }
  const Actor actor{absl::StrCat("partner:", partner.agency_code), partner.agency_name};
  const bool closed = report.status == "closed";
  const bool refused = report.status == "refused";
  CaseRow after;
  if (refused) {
    const std::shared_ptr<const RoutingRules> rules = config_.Current();
    const v1::Agency* verifier = rules->FindAgency(rules->verifier_code());
    SKK_CHECK(verifier != nullptr, "a validated configuration names its verifier");
    SKK_ASSIGN_OR_RETURN(after, CaseStore::Apply(tx, before, CaseAction::kPartnerReturn, actor,
                                                 text, now, [&](CaseRow& c) {
                                                   c.agency_code = verifier->code();
                                                   c.agency_name = verifier->name();
                                                   ++c.forward_count;
                                                   RestartClock(c, now);
                                                 }));
    v1::Event event = CaseEvent(kCaseForwarded, after, now, actor, nullptr);
    auto* p = event.mutable_case_forwarded();
    p->set_ticket(after.ticket);
    p->set_from_agency_code(partner.agency_code);
    p->set_to_agency_code(verifier->code());
    p->set_to_agency_name(verifier->name());
    p->set_reason(text);
    p->set_category(after.category);
    *p->mutable_forwarded_at() = ToProtoTime(now);
    p->set_sent_to_verifier(true);
    p->set_forward_count(after.forward_count);
    SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
  } else {
    SKK_ASSIGN_OR_RETURN(after, CaseStore::Apply(tx, before,
                                                 closed ? CaseAction::kPartnerClose
                                                        : CaseAction::kPartnerUpdate,
                                                 actor, text, now));
    v1::Event event = CaseEvent(kCasePartnerUpdated, after, now, actor, nullptr);
    auto* p = event.mutable_case_partner_updated();
    p->set_ticket(after.ticket);
    p->set_agency_code(partner.agency_code);
    p->set_agency_name(partner.agency_name);
    p->set_partner_reference(reference);
    p->set_status(report.status);
    p->set_note(text);
    p->set_closed(closed);
    SKK_RETURN_IF_ERROR(EnqueueCaseEvent(tx, event));
  }
  SKK_RETURN_IF_ERROR(tx.Execute(kRecordWord, {SqlParam::Text(complaint_id),
                                               SqlParam::Text(reference),
                                               SqlParam::Text(report.status),
                                               SqlParam::Text(report.note),
                                               SqlParam::Bool(closed || refused)})
                          .status());
  log::Info("partner's word applied", {{"complaint_id", complaint_id},
                                       {"agency", partner.agency_code},
                                       {"status", report.status}});
  *state_after = after.state;
  return true;
}

absl::StatusOr<v1::ReportPartnerStatusResponse> PartnerDesk::Report(
    const Caller& caller, const v1::ReportPartnerStatusRequest& r) {
  if (caller.role != StaffRole::kPartner) {
    return absl::PermissionDeniedError("only a partner reports on a case handed to it");
  }
  SKK_RETURN_IF_ERROR(InvalidFields(ValidatePartnerReport(r)));
  const auto endpoint = endpoints_.find(caller.agency_code);
  if (endpoint == endpoints_.end()) {
    return absl::PermissionDeniedError("the caller is no partner of this city");
  }
  const PartnerReport report{.reference = r.partner_reference(), .status = r.status(),
                             .note = r.note()};
  const absl::Time now = clock_.Now();
  v1::ReportPartnerStatusResponse out;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(PgResult found, tx.Execute(kHandedCase, {SqlParam::Text(r.ticket()),
                                                                  SqlParam::Text(caller.agency_code)}));
    // Another partner's case, or none: the same answer, so a partner learns nothing of tickets
    // that are not its own.
    if (found.rows() == 0) {
      return absl::NotFoundError(absl::StrCat("no case ", r.ticket(), " was handed to ",
                                              caller.agency_code));
    }
    const std::string id = found.Row(0).String("complaint_id");
    CaseState state;
    SKK_ASSIGN_OR_RETURN(const bool changed,
                         Apply(tx, id, endpoint->second, report,
                               ReportText(endpoint->second.agency_name, report), now, &state));
    out.set_changed(changed);
    out.set_state(state);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace skk::routing

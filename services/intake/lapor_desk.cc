#include "services/intake/lapor_desk.h"

#include <initializer_list>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/platform/errors.h"
#include "services/platform/log.h"
#include "services/platform/retry_loop.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

namespace v1 = sambat::v1;

// Rows taken at once. A batch's calls (10 s each at most) end well within the lease, so no
// other replica takes a row this one is still sending.
constexpr int kBatch = 5;

// The due exports, leased for five minutes of the database's own time (a test's business clock
// may jump; a lease must not). $1 business now, $2 how many.
constexpr SqlStatement kTakeDueExports{"intake_take_due_lapor_exports", R"sql(
  WITH due AS (
    SELECT complaint_id FROM lapor_links
    WHERE state = 'pending' AND next_attempt_at <= $1
      AND (leased_until IS NULL OR leased_until < now())
    ORDER BY next_attempt_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
  UPDATE lapor_links l
  SET leased_until = now() + interval '5 minutes', attempts = l.attempts + 1
  FROM due WHERE l.complaint_id = due.complaint_id
  RETURNING l.complaint_id::text AS complaint_id, l.attempts)sql"};

constexpr SqlStatement kExportFacts{"intake_lapor_export_facts", R"sql(
  SELECT c.ticket, c.category, c.description, c.address, c.latitude, c.longitude, c.anonymous,
         c.confidential, c.submitted_at, c.erased_at, r.name AS reporter_name
  FROM complaints c LEFT JOIN reporters r USING (complaint_id)
  WHERE c.complaint_id = $1)sql"};

// $2 LAPOR's tracking number, $3 business now. Nothing when the number names another
// complaint already (LAPOR answered with a number it had disposed to the city).
constexpr SqlStatement kExportLinked{"intake_lapor_export_linked", R"sql(
  UPDATE lapor_links
  SET state = 'linked', tracking_id = $2, linked_at = $3, leased_until = NULL, last_error = ''
  WHERE complaint_id = $1 AND state = 'pending'
    AND NOT EXISTS (SELECT 1 FROM lapor_links t WHERE t.tracking_id = $2))sql"};

constexpr SqlStatement kLinkedTo{"intake_lapor_linked_to", R"sql(
  SELECT complaint_id::text AS complaint_id FROM lapor_links WHERE tracking_id = $1)sql"};

constexpr SqlStatement kInsertTimeline{"intake_lapor_timeline", R"sql(
  INSERT INTO complaint_timeline (complaint_id, at, kind, text) VALUES ($1, $2, $3, $4))sql"};

// $2 the next attempt, $3 why this one failed.
constexpr SqlStatement kExportLater{"intake_lapor_export_later", R"sql(
  UPDATE lapor_links SET next_attempt_at = $2, leased_until = NULL, last_error = $3
  WHERE complaint_id = $1)sql"};

// Refused by LAPOR, or erased before it was sent: neither the export nor its follow-ups go.
constexpr SqlStatement kExportRefused{"intake_lapor_export_refused", R"sql(
  WITH refused AS (
    UPDATE lapor_links SET state = 'refused', leased_until = NULL, last_error = $2
    WHERE complaint_id = $1 AND state = 'pending' RETURNING complaint_id)
  UPDATE lapor_followups f SET state = 'refused', last_error = 'export refused'
  FROM refused WHERE f.complaint_id = refused.complaint_id AND f.state = 'pending')sql"};

// The due follow-ups of linked complaints, the oldest of each complaint first: the next one
// waits until the one before it went.
constexpr SqlStatement kTakeDueFollowups{"intake_take_due_lapor_followups", R"sql(
  WITH due AS (
    SELECT f.id FROM lapor_followups f JOIN lapor_links l USING (complaint_id)
    WHERE f.state = 'pending' AND l.state = 'linked' AND f.next_attempt_at <= $1
      AND (f.leased_until IS NULL OR f.leased_until < now())
      AND NOT EXISTS (SELECT 1 FROM lapor_followups e
                      WHERE e.complaint_id = f.complaint_id AND e.state = 'pending'
                        AND e.id < f.id)
    ORDER BY f.next_attempt_at, f.id
    LIMIT $2
    FOR UPDATE OF f SKIP LOCKED)
  UPDATE lapor_followups f
  SET leased_until = now() + interval '5 minutes', attempts = f.attempts + 1
  FROM due, lapor_links l, complaints c
  WHERE f.id = due.id AND l.complaint_id = f.complaint_id AND c.complaint_id = f.complaint_id
  RETURNING f.id, f.complaint_id::text AS complaint_id, f.event_id, f.status, f.text,
            f.occurred_at, f.attempts, l.tracking_id, c.ticket)sql"};

constexpr SqlStatement kFollowupSent{"intake_lapor_followup_sent", R"sql(
  UPDATE lapor_followups SET state = 'sent', sent_at = $2, leased_until = NULL, last_error = ''
  WHERE id = $1)sql"};

constexpr SqlStatement kFollowupLater{"intake_lapor_followup_later", R"sql(
  UPDATE lapor_followups SET next_attempt_at = $2, leased_until = NULL, last_error = $3
  WHERE id = $1)sql"};

constexpr SqlStatement kFollowupRefused{"intake_lapor_followup_refused", R"sql(
  UPDATE lapor_followups SET state = 'refused', leased_until = NULL, last_error = $2
  WHERE id = $1)sql"};

constexpr SqlStatement kEnsureCursor{"intake_lapor_ensure_cursor", R"sql(
  INSERT INTO lapor_import_cursor (only_row, cursor, next_read_at) VALUES (true, '', $1)
  ON CONFLICT (only_row) DO NOTHING)sql"};

// The cursor when a read is due, leased to this replica.
constexpr SqlStatement kTakeCursor{"intake_lapor_take_cursor", R"sql(
  UPDATE lapor_import_cursor SET leased_until = now() + interval '5 minutes'
  WHERE next_read_at <= $1 AND (leased_until IS NULL OR leased_until < now())
  RETURNING cursor)sql"};

// $1 the cursor, $2 the next read, $3 what went wrong ('' when nothing did).
constexpr SqlStatement kCursorDone{"intake_lapor_cursor_done", R"sql(
  UPDATE lapor_import_cursor SET cursor = $1, next_read_at = $2, leased_until = NULL,
                                 last_error = $3)sql"};

// Hours of a LAPOR that answers nothing is an operator's business, not a passing blip.
void LogFailure(const char* what, int attempts, std::initializer_list<log::Field> fields) {
  if (attempts >= 5) {
    log::Error(what, fields);
  } else {
    log::Warn(what, fields);
  }
}

// LAPOR's failure in words, for the log and the table.
std::string FailureOf(const absl::StatusOr<HttpReply>& reply) {
  if (!reply.ok()) return ReplyExcerpt(std::string(reply.status().message()));
  return absl::StrCat("http ", reply->status, ": ", ReplyExcerpt(reply->body));
}

}  // namespace

LaporDesk::LaporDesk(PgPool& pool, Clock& clock, const v1::CityConfig& city, Complaints& complaints,
                     SubmissionRules rules, LaporEndpoint lapor, HttpPerformer perform)
    : pool_(pool),
      clock_(clock),
      city_(city),
      complaints_(complaints),
      rules_(std::move(rules)),
      lapor_(std::move(lapor)),
      perform_(std::move(perform)) {}

absl::StatusOr<int> LaporDesk::RunOnce() {
  // Each part on its own: a failure of one (the database away, a row that cannot be written)
  // does not hold up the others.
  int handled = 0;
  absl::Status first_error;
  for (absl::StatusOr<int> (LaporDesk::*part)() :
       {&LaporDesk::SendExports, &LaporDesk::SendFollowups, &LaporDesk::ImportDispositions}) {
    absl::StatusOr<int> done = (this->*part)();
    if (done.ok()) {
      handled += *done;
    } else if (first_error.ok()) {
      first_error = done.status();
    }
  }
  if (!first_error.ok()) return first_error;
  return handled;
}

void LaporDesk::Run(const std::atomic<bool>& stop) {
  RunUntilStopped(stop,
                  {.failure_message = "SP4N-LAPOR link failed, will retry",
                   .backoff = {.initial = absl::Milliseconds(200), .max = absl::Seconds(10)}},
                  [&]() -> RoundResult {
                    SKK_ASSIGN_OR_RETURN(const int handled, RunOnce());
                    return handled == 0 ? absl::Milliseconds(200) : absl::ZeroDuration();
                  });
}

absl::StatusOr<int> LaporDesk::SendExports() {
  if (!lapor_.channel.export_complaints()) return 0;
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult due, conn->Execute(kTakeDueExports, {SqlParam::Time(clock_.Now()),
                                                                     SqlParam::Int(kBatch)}));
  int handled = 0;
  for (PgRow row : due) {
    const std::string id = row.String("complaint_id");
    const int attempts = static_cast<int>(row.Int("attempts"));
    SKK_ASSIGN_OR_RETURN(PgResult facts, conn->Execute(kExportFacts, {SqlParam::Text(id)}));
    if (facts.rows() == 0) continue;
    const PgRow f = facts.Row(0);
    if (!f.IsNull("erased_at")) {
      // The citizen's data was erased before LAPOR had it: it never goes.
      SKK_RETURN_IF_ERROR(
          conn->Execute(kExportRefused, {SqlParam::Text(id), SqlParam::Text("erased")}).status());
      continue;
    }
    LaporExport complaint{
        .ticket = f.String("ticket"),
        .category = f.String("category"),
        .category_name = f.String("category"),
        .description = f.String("description"),
        .address = f.IsNull("address") ? "" : f.String("address"),
        .anonymous = f.Bool("anonymous"),
        .confidential = f.Bool("confidential"),
        .reporter_name = f.IsNull("reporter_name") ? "" : f.String("reporter_name"),
        .submitted_at = f.Time("submitted_at")};
    for (const v1::Category& c : city_.categories()) {
      if (c.code() == complaint.category) complaint.category_name = c.name();
    }
    if (!f.IsNull("latitude") && !f.IsNull("longitude")) {
      complaint.latitude = f.Double("latitude");
      complaint.longitude = f.Double("longitude");
    }
    const absl::StatusOr<HttpReply> reply = perform_(ExportCall(lapor_, complaint));
    const HttpOutcome outcome = reply.ok() ? ClassifyHttpReply(reply->status) : HttpOutcome::kRetry;
    absl::StatusOr<std::string> tracking = outcome == HttpOutcome::kSuccess
                                               ? ReadTrackingId(lapor_, reply->body)
                                               : absl::UnavailableError(FailureOf(reply));
    const absl::Time now = clock_.Now();
    ++handled;
    if (tracking.ok()) {
      bool taken = false;
      SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
        SKK_ASSIGN_OR_RETURN(PgResult linked, tx.Execute(kExportLinked, {SqlParam::Text(id),
                                                                         SqlParam::Text(*tracking),
                                                                         SqlParam::Time(now)}));
        if (linked.affected() == 0) {
          SKK_ASSIGN_OR_RETURN(PgResult other, tx.Execute(kLinkedTo, {SqlParam::Text(*tracking)}));
          taken = other.rows() > 0 && other.Row(0).String("complaint_id") != id;
          return absl::OkStatus();
        }
        return tx
            .Execute(kInsertTimeline,
                     {SqlParam::Text(id), SqlParam::Time(now), SqlParam::Text("lapor_linked"),
                      SqlParam::Text(absl::StrCat(
                          "Diteruskan juga ke SP4N-LAPOR! dengan nomor pelacakan ", *tracking))})
            .status();
      }));
      if (taken) {
        // Never two complaints on one number: an operator settles it with LAPOR.
        const std::string error = absl::StrCat("LAPOR answered with tracking number ", *tracking,
                                               ", already linked to another complaint");
        log::Error("SP4N-LAPOR export not linked",
                   {{"complaint_id", id}, {"ticket", complaint.ticket}, {"error", error}});
        SKK_RETURN_IF_ERROR(
            conn->Execute(kExportRefused, {SqlParam::Text(id), SqlParam::Text(error)}).status());
        continue;
      }
      log::Info("complaint exported to SP4N-LAPOR",
                {{"complaint_id", id}, {"ticket", complaint.ticket}, {"tracking_id", *tracking}});
      continue;
    }
    const std::string error = std::string(tracking.status().message());
    if (outcome == HttpOutcome::kPermanent) {
      log::Error("SP4N-LAPOR refused a complaint's export",
                 {{"complaint_id", id}, {"ticket", complaint.ticket}, {"error", error}});
      SKK_RETURN_IF_ERROR(
          conn->Execute(kExportRefused, {SqlParam::Text(id), SqlParam::Text(error)}).status());
      continue;
    }
    // Down, or an answer without a tracking number: asked again later.
    const absl::Duration wait = OutboundRetryDelay(attempts);
    LogFailure("complaint not yet exported to SP4N-LAPOR", attempts,
               {{"complaint_id", id},
                {"ticket", complaint.ticket},
                {"attempt", absl::StrCat(attempts)},
                {"error", error},
                {"next", absl::FormatDuration(wait)}});
    SKK_RETURN_IF_ERROR(conn->Execute(kExportLater, {SqlParam::Text(id), SqlParam::Time(now + wait),
                                                     SqlParam::Text(error)})
                            .status());
  }
  return handled;
}

absl::StatusOr<int> LaporDesk::SendFollowups() {
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult due, conn->Execute(kTakeDueFollowups, {SqlParam::Time(clock_.Now()),
                                                                       SqlParam::Int(kBatch)}));
  int handled = 0;
  for (PgRow row : due) {
    ++handled;
    const int64_t followup_id = row.Int("id");
    const std::string id = row.String("complaint_id");
    const int attempts = static_cast<int>(row.Int("attempts"));
    const absl::StatusOr<HttpReply> reply =
        perform_(FollowupCall(lapor_, row.String("tracking_id"), row.String("ticket"),
                              {.status = row.String("status"), .text = row.String("text")},
                              row.Time("occurred_at"), row.String("event_id")));
    const HttpOutcome outcome = reply.ok() ? ClassifyHttpReply(reply->status) : HttpOutcome::kRetry;
    const absl::Time now = clock_.Now();
    if (outcome == HttpOutcome::kSuccess) {
      SKK_RETURN_IF_ERROR(
          conn->Execute(kFollowupSent, {SqlParam::Int(followup_id), SqlParam::Time(now)}).status());
      log::Info("follow-up sent to SP4N-LAPOR", {{"complaint_id", id},
                                                 {"status", row.String("status")},
                                                 {"tracking_id", row.String("tracking_id")}});
      continue;
    }
    const std::string error = FailureOf(reply);
    if (outcome == HttpOutcome::kPermanent) {
      log::Error("SP4N-LAPOR refused a follow-up",
                 {{"complaint_id", id}, {"status", row.String("status")}, {"error", error}});
      SKK_RETURN_IF_ERROR(
          conn->Execute(kFollowupRefused, {SqlParam::Int(followup_id), SqlParam::Text(error)})
              .status());
      continue;
    }
    const absl::Duration wait = OutboundRetryDelay(attempts);
    LogFailure("follow-up not yet sent to SP4N-LAPOR", attempts,
               {{"complaint_id", id},
                {"status", row.String("status")},
                {"attempt", absl::StrCat(attempts)},
                {"error", error},
                {"next", absl::FormatDuration(wait)}});
    SKK_RETURN_IF_ERROR(
        conn->Execute(kFollowupLater, {SqlParam::Int(followup_id), SqlParam::Time(now + wait),
                                       SqlParam::Text(error)})
            .status());
  }
  return handled;
}

absl::StatusOr<int> LaporDesk::ImportDispositions() {
  const absl::Time now = clock_.Now();
  std::string cursor;
  {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    if (!cursor_ready_) {
      SKK_RETURN_IF_ERROR(conn->Execute(kEnsureCursor, {SqlParam::Time(now)}).status());
      cursor_ready_ = true;
    }
    SKK_ASSIGN_OR_RETURN(PgResult taken, conn->Execute(kTakeCursor, {SqlParam::Time(now)}));
    if (taken.rows() == 0) return 0;
    cursor = taken.Row(0).String("cursor");
  }
  const absl::Duration every = absl::Minutes(lapor_.channel.poll_minutes());
  auto done = [&](const std::string& at, absl::Time next, const std::string& error) {
    return pool_.Transact([&](PgConnection& tx) {
      return tx
          .Execute(kCursorDone, {SqlParam::Text(at), SqlParam::Time(next), SqlParam::Text(error)})
          .status();
    });
  };
  const absl::StatusOr<HttpReply> reply = perform_(DispositionsCall(lapor_, cursor));
  absl::StatusOr<LaporDispositionPage> page =
      !reply.ok() || ClassifyHttpReply(reply->status) != HttpOutcome::kSuccess
          ? absl::UnavailableError(FailureOf(reply))
          : ReadDispositions(lapor_, reply->body);
  if (!page.ok()) {
    log::Warn(
        "SP4N-LAPOR dispositions not read, will ask again",
        {{"error", std::string(page.status().message())}, {"next", absl::FormatDuration(every)}});
    SKK_RETURN_IF_ERROR(done(cursor, now + every, std::string(page.status().message())));
    return 0;
  }
  if (page->unusable > 0) {
    // Nothing to answer them by: they cannot become complaints. LAPOR's page says which.
    log::Error("SP4N-LAPOR dispositions without a usable tracking number left out",
               {{"count", absl::StrCat(page->unusable)}, {"cursor", cursor}});
  }
  int stored = 0;
  for (const LaporDisposition& d : page->items) {
    // Already here: imported before, or a complaint the city exported that LAPOR disposed back.
    {
      SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
      SKK_ASSIGN_OR_RETURN(PgResult linked,
                           conn->Execute(kLinkedTo, {SqlParam::Text(d.tracking_id)}));
      if (linked.rows() > 0) continue;
    }
    const LaporImport import = ImportOf(lapor_, city_, d);
    absl::Status filed = InvalidFields(ValidateSubmission(import.request, rules_));
    absl::StatusOr<v1::SubmitComplaintResponse> response =
        filed.ok()
            ? complaints_.Submit(import.request, "",
                                 {.tracking_id = d.tracking_id, .agency_code = import.agency_code})
            : absl::StatusOr<v1::SubmitComplaintResponse>(filed);
    if (!response.ok()) {
      // Never skipped: the cursor stays before it, and the operator reads why in the log and in
      // lapor_import_cursor.last_error until it is fixed.
      const std::string error =
          absl::StrCat("disposition ", d.tracking_id, ": ", response.status().message());
      log::Error("SP4N-LAPOR disposition not filed, will try again",
                 {{"tracking_id", d.tracking_id}, {"error", error}});
      SKK_RETURN_IF_ERROR(done(cursor, now + every, error));
      return stored;
    }
    if (!response->duplicate()) {
      ++stored;
      log::Info("SP4N-LAPOR disposition filed", {{"complaint_id", response->complaint_id()},
                                                 {"ticket", response->ticket()},
                                                 {"tracking_id", d.tracking_id},
                                                 {"agency", import.agency_code}});
    }
  }
  // A full page may have more behind it: read on at once until LAPOR has nothing new.
  const bool more =
      !page->items.empty() && !page->next_cursor.empty() && page->next_cursor != cursor;
  SKK_RETURN_IF_ERROR(
      done(page->next_cursor.empty() ? cursor : page->next_cursor, more ? now : now + every, ""));
  return stored + (more ? 1 : 0);
}

}  // namespace skk::intake

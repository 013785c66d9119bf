#include "services/notification/store.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/notification/escaping.h"
#include "services/notification/messages.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/status_macros.h"

namespace skk::notification {
namespace {

// One recipient's deliveries of one event (a row per channel) in one statement. An inbox
// delivery is stored as sent: the inbox is the destination.
constexpr SqlStatement kInsertDeliveries{"ntf_deliveries_insert", R"sql(
  INSERT INTO deliveries (id, event_id, complaint_id, ticket, recipient_id, recipient_role,
                          recipient_name, channel, address, subject, body, state, not_before,
                          created_at, finished_at)
  SELECT d.id, $2, NULLIF($3::text, '')::uuid, $4, $5, $6, $7, d.channel, d.address, d.subject,
         d.body, d.state, d.not_before, $8::timestamptz,
         CASE WHEN d.state = 'sent' THEN $8::timestamptz END
  FROM unnest($1::uuid[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
              $14::timestamptz[]) AS d(id, channel, address, subject, body, state, not_before)
  ON CONFLICT (event_id, recipient_id, channel) DO NOTHING
  RETURNING id)sql"};

constexpr SqlStatement kSaveContact{"ntf_contact_save", R"sql(
  INSERT INTO citizen_contacts (complaint_id, ticket, name, email, phone, recorded_at, by_text)
  VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (complaint_id) DO NOTHING)sql"};

constexpr SqlStatement kLoadContact{"ntf_contact_load_v2", R"sql(
  SELECT ticket, name, email, phone, by_text FROM citizen_contacts WHERE complaint_id = $1)sql"};

constexpr SqlStatement kNoteComplaint{"ntf_complaint_note", R"sql(
  INSERT INTO complaints (complaint_id, ticket, confidential, recorded_at)
  VALUES ($1, $2, $3, $4) ON CONFLICT (complaint_id) DO NOTHING)sql"};

// Privacy and the contact in one round trip: nearly every event that tells someone tells the
// citizen.
constexpr SqlStatement kLoadComplaintFacts{"ntf_complaint_facts_v2", R"sql(
  SELECT COALESCE((SELECT confidential FROM complaints WHERE complaint_id = $1),
                  true) AS confidential,
         EXISTS (SELECT 1 FROM erased_complaints WHERE complaint_id = $1) AS erased,
         c.complaint_id IS NOT NULL AS has_contact, c.ticket, c.name, c.email, c.phone,
         c.by_text
  FROM (SELECT 1) AS one LEFT JOIN citizen_contacts c ON c.complaint_id = $1)sql"};

constexpr SqlStatement kHold{"ntf_backlog_hold", R"sql(
  INSERT INTO citizen_backlog (complaint_id, event_id, event) VALUES ($1, $2, $3)
  ON CONFLICT DO NOTHING)sql"};

constexpr SqlStatement kTakeHeld{"ntf_backlog_take", R"sql(
  DELETE FROM citizen_backlog WHERE complaint_id = $1 RETURNING event)sql"};

// $8: the event's case_sequence (0 without one, which records nothing of the order).
constexpr SqlStatement kNoteCase{"ntf_case_note", R"sql(
  INSERT INTO cases (complaint_id, ticket, agency_code, state, due_at, updated_at,
                     case_sequence, due_sequence)
  VALUES ($1, $2, $3, COALESCE(NULLIF($4::text, ''), 'open'),
          CASE WHEN $5::boolean THEN $6::timestamptz END, $7,
          $8::bigint, CASE WHEN $5::boolean THEN $8::bigint ELSE 0 END)
  ON CONFLICT (complaint_id) DO UPDATE SET
    agency_code = COALESCE(NULLIF(EXCLUDED.agency_code, ''), cases.agency_code),
    ticket = COALESCE(NULLIF(EXCLUDED.ticket, ''), cases.ticket),
    state = COALESCE(NULLIF($4::text, ''), cases.state),
    due_at = CASE WHEN $5::boolean THEN $6::timestamptz ELSE cases.due_at END,
    case_sequence = CASE WHEN $8::bigint > 0 THEN $8::bigint ELSE cases.case_sequence END,
    due_sequence = CASE WHEN $5::boolean AND $8::bigint > 0 THEN $8::bigint
                        ELSE cases.due_sequence END,
    updated_at = EXCLUDED.updated_at)sql"};

constexpr SqlStatement kNoteDeadline{"ntf_case_deadline", R"sql(
  UPDATE cases SET due_at = $2, due_sequence = GREATEST(due_sequence, $3::bigint),
                   updated_at = $4
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kCaseOrder{"ntf_case_order", R"sql(
  SELECT case_sequence, due_sequence FROM cases WHERE complaint_id = $1)sql"};


// Whole recipients: RecipientFromRow reads the columns it needs by name.
constexpr SqlStatement kRecipientsFor{"ntf_recipients_for", R"sql(
  SELECT * FROM recipients WHERE active AND role = $1 AND agency_code = $2 ORDER BY id)sql"};

constexpr SqlStatement kDigestRecipients{"ntf_recipients_digest", R"sql(
  SELECT * FROM recipients WHERE active AND daily_digest ORDER BY id)sql"};

constexpr SqlStatement kLoadRecipient{"ntf_recipient_load",
                                      "SELECT * FROM recipients WHERE id = $1"};
constexpr SqlStatement kAllRecipients{"ntf_recipient_all", "SELECT * FROM recipients ORDER BY id"};

constexpr SqlStatement kWriteConfigRecipient{"ntf_recipient_config", R"sql(
  INSERT INTO recipients (id, role, agency_code, name, email, phone, whatsapp, staff_subject,
                          locale, channels, quiet_start, quiet_end, digest_only, daily_digest,
                          active, source, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11, $12, $13, $14, true, 'config',
          $15)
  ON CONFLICT (id) DO UPDATE SET
    role = EXCLUDED.role, agency_code = EXCLUDED.agency_code, name = EXCLUDED.name,
    email = EXCLUDED.email, phone = EXCLUDED.phone, active = true,
    staff_subject = CASE WHEN recipients.prefs_set THEN recipients.staff_subject
                         ELSE EXCLUDED.staff_subject END,
    locale = CASE WHEN recipients.prefs_set THEN recipients.locale ELSE EXCLUDED.locale END,
    channels = CASE WHEN recipients.prefs_set THEN recipients.channels
                    ELSE EXCLUDED.channels END,
    quiet_start = CASE WHEN recipients.prefs_set THEN recipients.quiet_start
                       ELSE EXCLUDED.quiet_start END,
    quiet_end = CASE WHEN recipients.prefs_set THEN recipients.quiet_end
                     ELSE EXCLUDED.quiet_end END,
    updated_at = EXCLUDED.updated_at
  WHERE recipients.source = 'config')sql"};

constexpr SqlStatement kWriteAdminRecipient{"ntf_recipient_admin", R"sql(
  INSERT INTO recipients (id, role, agency_code, name, email, phone, whatsapp, staff_subject,
                          locale, channels, quiet_start, quiet_end, digest_only, daily_digest,
                          active, source, prefs_set, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11, $12, $13, $14, $15, 'admin',
          true, $16)
  ON CONFLICT (id) DO UPDATE SET
    role = EXCLUDED.role, agency_code = EXCLUDED.agency_code, name = EXCLUDED.name,
    email = EXCLUDED.email, phone = EXCLUDED.phone, whatsapp = EXCLUDED.whatsapp,
    staff_subject = EXCLUDED.staff_subject, locale = EXCLUDED.locale,
    channels = EXCLUDED.channels, quiet_start = EXCLUDED.quiet_start,
    quiet_end = EXCLUDED.quiet_end, digest_only = EXCLUDED.digest_only,
    daily_digest = EXCLUDED.daily_digest, active = EXCLUDED.active, prefs_set = true,
    updated_at = EXCLUDED.updated_at)sql"};

constexpr SqlStatement kDeactivateConfig{"ntf_recipient_deactivate", R"sql(
  UPDATE recipients SET active = false
  WHERE source = 'config' AND active AND NOT (id = ANY($1::text[])))sql"};

constexpr SqlStatement kClaimDue{"ntf_claim_due", R"sql(
  SELECT id, channel FROM deliveries
  WHERE dispatch_at <= $1
  ORDER BY dispatch_at LIMIT $2 FOR UPDATE SKIP LOCKED)sql"};

constexpr SqlStatement kMarkQueued{"ntf_mark_queued", R"sql(
  UPDATE deliveries SET state = 'queued' WHERE id = ANY($1::uuid[]) AND state = 'pending')sql"};

// Locks the deliveries a batch of messages names, in id order so two workers never wait on
// each other. FOR UPDATE waits for a dispatcher still holding a row (its message may arrive
// before its commit) and then reads the committed state.
constexpr SqlStatement kLockDeliveries{"ntf_lock_deliveries", R"sql(
  SELECT id, state, COALESCE(lease_until < now(), true) AS lease_expired FROM deliveries
  WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)sql"};

constexpr SqlStatement kBeginAttempts{"ntf_begin_attempts", R"sql(
  UPDATE deliveries SET state = 'sending', attempts = attempts + 1,
                        lease_until = now() + $2::interval
  WHERE id = ANY($1::uuid[])
  RETURNING *)sql"};

constexpr SqlStatement kRecordAttemptStarts{"ntf_attempt_starts", R"sql(
  INSERT INTO delivery_attempts (delivery_id, attempt, started_at)
  SELECT d, a, now() FROM unnest($1::uuid[], $2::int[]) AS t(d, a))sql"};

// FinishAttempts' first step: waits for an erasure holding a delivery, so the next statement
// sees it committed; an erasure that comes later waits for this attempt and clears it.
constexpr SqlStatement kLockFinished{"ntf_finish_lock", R"sql(
  SELECT 1 FROM deliveries WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)sql"};

constexpr SqlStatement kErasedDeliveries{"ntf_finish_erased", R"sql(
  SELECT d.id FROM deliveries d JOIN erased_complaints e ON e.complaint_id = d.complaint_id
  WHERE d.id = ANY($1::uuid[]))sql"};

constexpr SqlStatement kFinishDeliveries{"ntf_finish", R"sql(
  UPDATE deliveries SET
    state = CASE f.outcome WHEN 'sent' THEN 'sent' WHEN 'dead' THEN 'dead' ELSE 'retrying' END,
    last_error = f.error, lease_until = NULL,
    finished_at = CASE WHEN f.outcome IN ('sent', 'dead') THEN $5::timestamptz END
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS f(id, outcome, error, attempt)
  WHERE deliveries.id = f.id AND deliveries.state = 'sending'
    AND deliveries.attempts = f.attempt)sql"};

constexpr SqlStatement kRecordAttemptEnds{"ntf_attempt_ends", R"sql(
  UPDATE delivery_attempts a SET finished_at = now(), outcome = f.outcome, detail = f.said
  FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS f(id, attempt, outcome, said)
  WHERE a.id = (SELECT max(id) FROM delivery_attempts
                WHERE delivery_id = f.id AND attempt = f.attempt))sql"};

constexpr SqlStatement kCountCases{"ntf_count_cases", R"sql(
  SELECT count(*) AS open,
         count(*) FILTER (WHERE due_at < $2::timestamptz) AS overdue,
         COALESCE((SELECT string_agg(ticket, ',' ORDER BY due_at)
                   FROM (SELECT ticket, due_at FROM cases
                         WHERE state IN ('open', 'waiting') AND due_at < $2::timestamptz
                               AND ($1::text = '' OR agency_code = $1::text)
                         ORDER BY due_at LIMIT 20) late), '') AS overdue_tickets
  FROM cases WHERE state IN ('open', 'waiting') AND ($1::text = '' OR agency_code = $1::text))sql"};

constexpr SqlStatement kClaimDigest{"ntf_claim_digest", R"sql(
  INSERT INTO digests (recipient_id, day, claimed_at) VALUES ($1, $2::date, $3)
  ON CONFLICT DO NOTHING)sql"};

constexpr SqlStatement kLastDigest{"ntf_last_digest", R"sql(
  SELECT max(day)::text AS day FROM digests WHERE recipient_id = $1)sql"};


// Whole deliveries: NotificationFromRow reads the columns it needs by name.
constexpr SqlStatement kListByComplaint{"ntf_list_complaint", R"sql(
  SELECT * FROM deliveries WHERE complaint_id = $1 ORDER BY created_at, recipient_id, channel
  LIMIT 1000)sql"};

constexpr SqlStatement kCaseAgency{"ntf_case_agency", R"sql(
  SELECT agency_code FROM cases WHERE complaint_id = $1)sql"};

constexpr SqlStatement kListDead{"ntf_list_dead", R"sql(
  SELECT * FROM deliveries d
  WHERE dead_since IS NOT NULL AND NOT (recipient_role = 'citizen' AND EXISTS (
    SELECT 1 FROM erased_complaints e WHERE e.complaint_id = d.complaint_id))
  ORDER BY dead_since, id LIMIT $1)sql"};

// A citizen's delivery of an erased complaint is dead for good: its address is gone.
constexpr SqlStatement kReplayOne{"ntf_replay_one", R"sql(
  UPDATE deliveries d SET state = 'pending', attempts = 0, not_before = $2, finished_at = NULL
  WHERE id = $1 AND state = 'dead' AND NOT (recipient_role = 'citizen' AND EXISTS (
    SELECT 1 FROM erased_complaints e WHERE e.complaint_id = d.complaint_id)))sql"};

constexpr SqlStatement kReplayAll{"ntf_replay_all", R"sql(
  UPDATE deliveries d SET state = 'pending', attempts = 0, not_before = $1, finished_at = NULL
  WHERE dead_since IS NOT NULL AND NOT (recipient_role = 'citizen' AND EXISTS (
    SELECT 1 FROM erased_complaints e WHERE e.complaint_id = d.complaint_id)))sql"};

constexpr SqlStatement kListInbox{"ntf_inbox", R"sql(
  SELECT d.id, d.complaint_id, d.ticket, d.subject, d.body, d.created_at,
         d.read_at IS NOT NULL AS read
  FROM deliveries d JOIN recipients r ON r.id = d.recipient_id
  WHERE d.channel = 'inbox' AND r.staff_subject = $1 AND ($2::boolean = false OR d.read_at IS NULL)
  ORDER BY d.created_at DESC, d.id LIMIT $3)sql"};

constexpr SqlStatement kCountUnread{"ntf_inbox_unread", R"sql(
  SELECT count(*) AS unread FROM deliveries d JOIN recipients r ON r.id = d.recipient_id
  WHERE d.channel = 'inbox' AND r.staff_subject = $1 AND d.read_at IS NULL)sql"};

constexpr SqlStatement kMarkRead{"ntf_inbox_read", R"sql(
  UPDATE deliveries d SET read_at = COALESCE(d.read_at, $3)
  FROM recipients r
  WHERE r.id = d.recipient_id AND d.channel = 'inbox' AND r.staff_subject = $1
        AND d.id = ANY($2::uuid[]))sql"};

sambat::v1::Recipient RecipientFromRow(const PgRow& r) {
  sambat::v1::Recipient out;
  r.CopyInto(out, {"id", "role", "agency_code", "name", "email", "phone", "whatsapp",
                   "staff_subject", "locale", "digest_only", "daily_digest", "active"});
  for (const std::string& c : r.TextArray("channels")) out.add_channels(c);
  out.set_quiet_start(FormatClockMinute(static_cast<int>(r.Int("quiet_start"))));
  out.set_quiet_end(FormatClockMinute(static_cast<int>(r.Int("quiet_end"))));
  return out;
}

absl::StatusOr<std::vector<sambat::v1::Recipient>> Recipients(PgConnection& conn,
                                                              const SqlStatement& statement,
                                                              const std::vector<SqlParam>& p) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(statement, p));
  std::vector<sambat::v1::Recipient> out;
  for (PgRow row : r) out.push_back(RecipientFromRow(row));
  return out;
}

// A row of deliveries (complaint_id NULL for a digest, read as "").
sambat::v1::Notification NotificationFromRow(const PgRow& r) {
  sambat::v1::Notification n;
  r.CopyInto(n, {"event_id", "complaint_id", "recipient_id", "recipient_role", "recipient_name",
                 "channel", "address", "subject", "body", "state", "attempts", "last_error"});
  n.set_delivery_id(r.String("id"));
  *n.mutable_recorded_at() = ToProtoTime(r.Time("created_at"));
  return n;
}

absl::StatusOr<std::vector<sambat::v1::Notification>> Notifications(
    PgConnection& conn, const SqlStatement& statement, const std::vector<SqlParam>& p) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(statement, p));
  std::vector<sambat::v1::Notification> out;
  for (PgRow row : r) out.push_back(NotificationFromRow(row));
  return out;
}

int Minute(const std::string& text) {
  int m = -1;
  if (!text.empty() && !ParseClockMinute(text, &m)) return -1;
  return m;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> InsertDeliveries(PgConnection& tx,
                                                          const std::vector<Delivery>& deliveries) {
  if (deliveries.empty()) return std::vector<std::string>();
  const Delivery& first = deliveries.front();
  std::vector<std::string> ids, channels, addresses, subjects, bodies, states, not_before;
  for (const Delivery& d : deliveries) {
    if (d.event_id != first.event_id || d.recipient_id != first.recipient_id) {
      return absl::InvalidArgumentError("deliveries of one event to one recipient only");
    }
    ids.push_back(d.id);
    channels.push_back(d.channel);
    addresses.push_back(d.address);
    subjects.push_back(d.subject);
    bodies.push_back(d.body);
    states.push_back(d.state);
    not_before.push_back(*SqlParam::Time(d.not_before).value);
  }
  SKK_ASSIGN_OR_RETURN(
      PgResult r,
      tx.Execute(kInsertDeliveries,
                 {SqlParam::Array(ids), SqlParam::Text(first.event_id),
                  SqlParam::Text(first.complaint_id), SqlParam::Text(first.ticket),
                  SqlParam::Text(first.recipient_id), SqlParam::Text(first.recipient_role),
                  SqlParam::Text(first.recipient_name), SqlParam::Time(first.created_at),
                  SqlParam::Array(channels), SqlParam::Array(addresses),
                  SqlParam::Array(subjects), SqlParam::Array(bodies), SqlParam::Array(states),
                  SqlParam::Array(not_before)}));
  std::vector<std::string> inserted;
  for (int i = 0; i < r.rows(); ++i) inserted.push_back(r.Row(i).String("id"));
  return inserted;
}

absl::Status SaveContact(PgConnection& tx, const std::string& complaint_id,
                         const CitizenContact& c, absl::Time now) {
  return tx.Execute(kSaveContact, {SqlParam::Text(complaint_id), SqlParam::Text(c.ticket),
                                   SqlParam::Text(c.name), SqlParam::Text(c.email),
                                   SqlParam::Text(c.phone), SqlParam::Time(now),
                                   SqlParam::Bool(c.by_text)})
      .status();
}

absl::StatusOr<std::optional<CitizenContact>> LoadContact(PgConnection& tx,
                                                          const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kLoadContact, {SqlParam::Text(complaint_id)}));
  if (r.rows() == 0) return std::optional<CitizenContact>();
  const PgRow contact = r.Row(0);
  return std::optional<CitizenContact>(CitizenContact{
      .ticket = contact.String("ticket"), .name = contact.String("name"),
      .email = contact.String("email"), .phone = contact.String("phone"),
      .by_text = contact.Bool("by_text")});
}

absl::Status NoteComplaint(PgConnection& tx, const std::string& complaint_id,
                           const std::string& ticket, bool confidential, absl::Time now) {
  return tx.Execute(kNoteComplaint, {SqlParam::Text(complaint_id), SqlParam::Text(ticket),
                                     SqlParam::Bool(confidential), SqlParam::Time(now)})
      .status();
}

absl::StatusOr<ComplaintFacts> LoadComplaintFacts(PgConnection& conn,
                                                  const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r,
                       conn.Execute(kLoadComplaintFacts, {SqlParam::Text(complaint_id)}));
  const PgRow row = r.Row(0);
  ComplaintFacts facts;
  facts.privacy = ComplaintPrivacy{.confidential = row.Bool("confidential"),
                                   .erased = row.Bool("erased")};
  if (row.Bool("has_contact")) {
    facts.contact = CitizenContact{.ticket = row.String("ticket"), .name = row.String("name"),
                                   .email = row.String("email"), .phone = row.String("phone"),
                                   .by_text = row.Bool("by_text")};
  }
  return facts;
}

absl::Status HoldForContact(PgConnection& tx, const sambat::v1::Event& event) {
  return tx.Execute(kHold, {SqlParam::Text(event.complaint_id()), SqlParam::Text(event.event_id()),
                            SqlParam::Bytes(event.SerializeAsString())})
      .status();
}

absl::StatusOr<std::vector<sambat::v1::Event>> TakeHeldForContact(
    PgConnection& tx, const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kTakeHeld, {SqlParam::Text(complaint_id)}));
  std::vector<sambat::v1::Event> out;
  for (PgRow held : r) {
    sambat::v1::Event e;
    if (!e.ParseFromString(held.Bytes("event"))) {
      return absl::DataLossError(absl::StrCat("citizen_backlog: undecodable event for ", complaint_id));
    }
    out.push_back(std::move(e));
  }
  // Events of one instant in their case's order (they were held in it).
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(FromProtoTime(a.occurred_at()), a.case_sequence(), a.event_id()) <
           std::make_tuple(FromProtoTime(b.occurred_at()), b.case_sequence(), b.event_id());
  });
  return out;
}

absl::Status NoteCase(PgConnection& tx, const std::string& complaint_id,
                      const std::string& ticket, const std::string& agency_code,
                      const std::string& state, std::optional<absl::Time> due_at,
                      int64_t case_sequence, absl::Time now) {
  const bool set_due = due_at.has_value();
  const bool clear = set_due && *due_at == absl::InfinitePast();
  return tx.Execute(kNoteCase,
                    {SqlParam::Text(complaint_id), SqlParam::Text(ticket),
                     SqlParam::Text(agency_code), SqlParam::Text(state), SqlParam::Bool(set_due),
                     set_due && !clear ? SqlParam::Time(*due_at) : SqlParam::Null(),
                     SqlParam::Time(now), SqlParam::Int(case_sequence)})
      .status();
}

absl::Status NoteDeadline(PgConnection& tx, const std::string& complaint_id, absl::Time due_at,
                          int64_t cause_case_sequence, absl::Time now) {
  return tx.Execute(kNoteDeadline, {SqlParam::Text(complaint_id), SqlParam::Time(due_at),
                                    SqlParam::Int(cause_case_sequence), SqlParam::Time(now)})
      .status();
}

absl::StatusOr<CaseOrder> LoadCaseOrder(PgConnection& tx, const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kCaseOrder, {SqlParam::Text(complaint_id)}));
  CaseOrder order;
  if (r.rows() == 0) return order;
  order.known = true;
  order.last_applied = r.Row(0).Int("case_sequence");
  order.due_sequence = r.Row(0).Int("due_sequence");
  return order;
}

absl::StatusOr<std::vector<sambat::v1::Recipient>> RecipientsFor(PgConnection& conn,
                                                                 const std::string& role,
                                                                 const std::string& agency_code) {
  return Recipients(conn, kRecipientsFor, {SqlParam::Text(role), SqlParam::Text(agency_code)});
}

absl::StatusOr<std::vector<sambat::v1::Recipient>> DigestRecipients(PgConnection& conn) {
  return Recipients(conn, kDigestRecipients, {});
}

absl::StatusOr<std::optional<sambat::v1::Recipient>> LoadRecipient(PgConnection& conn,
                                                                   const std::string& id) {
  SKK_ASSIGN_OR_RETURN(auto list, Recipients(conn, kLoadRecipient, {SqlParam::Text(id)}));
  if (list.empty()) return std::optional<sambat::v1::Recipient>();
  return std::optional<sambat::v1::Recipient>(list[0]);
}

absl::StatusOr<std::vector<sambat::v1::Recipient>> AllRecipients(PgConnection& conn) {
  return Recipients(conn, kAllRecipients, {});
}

absl::Status WriteRecipient(PgConnection& tx, const sambat::v1::Recipient& r, bool from_config,
                            absl::Time now) {
  std::vector<std::string> channels(r.channels().begin(), r.channels().end());
  std::vector<SqlParam> p = {
      SqlParam::Text(r.id()),          SqlParam::Text(r.role()),
      SqlParam::Text(r.agency_code()), SqlParam::Text(r.name()),
      SqlParam::Text(r.email()),       SqlParam::Text(r.phone()),
      SqlParam::Text(r.whatsapp()),    SqlParam::Text(r.staff_subject()),
      SqlParam::Text(r.locale()),      SqlParam::Array(channels),
      SqlParam::Int(Minute(r.quiet_start())), SqlParam::Int(Minute(r.quiet_end())),
      SqlParam::Bool(r.digest_only()), SqlParam::Bool(r.daily_digest())};
  if (from_config) {
    p.push_back(SqlParam::Time(now));
    return tx.Execute(kWriteConfigRecipient, p).status();
  }
  p.push_back(SqlParam::Bool(r.active()));
  p.push_back(SqlParam::Time(now));
  return tx.Execute(kWriteAdminRecipient, p).status();
}

absl::Status DeactivateConfigRecipientsExcept(PgConnection& tx,
                                              const std::vector<std::string>& keep) {
  return tx.Execute(kDeactivateConfig, {SqlParam::Array(keep)}).status();
}

constexpr SqlStatement kRecordMerge{"ntf_record_merge", R"sql(
  INSERT INTO merged_complaints (complaint_id, ticket, original_ticket, merged_at)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (complaint_id) DO UPDATE
    SET original_ticket = EXCLUDED.original_ticket, merged_at = EXCLUDED.merged_at)sql"};

constexpr SqlStatement kMergedInto{"ntf_merged_into", R"sql(
  SELECT complaint_id::text AS complaint_id, ticket FROM merged_complaints
  WHERE original_ticket = $1 ORDER BY merged_at, complaint_id)sql"};

absl::Status RecordMerge(PgConnection& tx, const std::string& complaint_id,
                         const std::string& ticket, const std::string& original_ticket,
                         absl::Time now) {
  return tx
      .Execute(kRecordMerge, {SqlParam::Text(complaint_id), SqlParam::Text(ticket),
                              SqlParam::Text(original_ticket), SqlParam::Time(now)})
      .status();
}

absl::Status ForgetMerge(PgConnection& tx, const std::string& complaint_id) {
  static constexpr SqlStatement kForgetMerge{
      "ntf_forget_merge", "DELETE FROM merged_complaints WHERE complaint_id = $1"};
  return tx.Execute(kForgetMerge, {SqlParam::Text(complaint_id)}).status();
}

absl::StatusOr<std::vector<MergedComplaint>> MergedInto(PgConnection& tx,
                                                       const std::string& original_ticket) {
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kMergedInto, {SqlParam::Text(original_ticket)}));
  std::vector<MergedComplaint> out;
  for (PgRow row : r) out.push_back({row.String("complaint_id"), row.String("ticket")});
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ClaimDue(PgConnection& tx,
                                                                         absl::Time now,
                                                                         int limit) {
  SKK_ASSIGN_OR_RETURN(PgResult r,
                       tx.Execute(kClaimDue, {SqlParam::Time(now), SqlParam::Int(limit)}));
  std::vector<std::pair<std::string, std::string>> out;
  for (PgRow due : r) out.emplace_back(due.String("id"), due.String("channel"));
  return out;
}

absl::Status MarkQueued(PgConnection& tx, const std::vector<std::string>& ids) {
  return tx.Execute(kMarkQueued, {SqlParam::Array(ids)}).status();
}

absl::StatusOr<std::vector<AttemptStart>> BeginAttempts(PgPool& pool,
                                                       const std::vector<std::string>& ids,
                                                       absl::Duration lease) {
  std::vector<AttemptStart> out;
  SKK_RETURN_IF_ERROR(pool.Transact([&](PgConnection& tx) -> absl::Status {
    out.assign(ids.size(), AttemptStart{});
    // A body that is not a delivery id names no delivery (and must not fail the others).
    // PostgreSQL spells a uuid in lower case; a message may not.
    std::vector<std::string> keys, wellformed;
    for (const std::string& id : ids) {
      keys.push_back(absl::AsciiStrToLower(id));
      if (IsUuid(id)) wellformed.push_back(keys.back());
    }
    if (wellformed.empty()) return absl::OkStatus();
    SKK_ASSIGN_OR_RETURN(PgResult locked, tx.Execute(kLockDeliveries, {SqlParam::Array(wellformed)}));
    absl::flat_hash_map<std::string, std::pair<std::string, bool>> found;  // id -> state, expired
    for (int i = 0; i < locked.rows(); ++i) {
      const PgRow row = locked.Row(i);
      found[row.String("id")] = {row.String("state"), row.Bool("lease_expired")};
    }
    // Who may send: the first message naming a delivery that is queued, retrying, or sending
    // under an expired lease (its sender died). A second copy in the same batch finds it taken.
    absl::flat_hash_map<std::string, size_t> sending;  // id -> index in ids
    std::vector<std::string> starting;
    for (size_t i = 0; i < keys.size(); ++i) {
      const auto it = found.find(keys[i]);
      if (it == found.end()) continue;
      out[i].state = it->second.first;
      if (sending.contains(keys[i])) {
        out[i].state = "sending";
        continue;
      }
      const bool may_send = out[i].state == "queued" || out[i].state == "retrying" ||
                            (out[i].state == "sending" && it->second.second);
      if (!may_send) continue;
      sending[keys[i]] = i;
      starting.push_back(keys[i]);
    }
    if (starting.empty()) return absl::OkStatus();
    SKK_ASSIGN_OR_RETURN(
        PgResult r,
        tx.Execute(kBeginAttempts, {SqlParam::Array(starting),
                                    SqlParam::Text(absl::StrCat(absl::ToInt64Milliseconds(lease),
                                                                " milliseconds"))}));
    if (r.rows() != static_cast<int>(starting.size())) {
      return absl::InternalError("a delivery vanished while locked");
    }
    std::vector<std::string> attempt_ids, attempt_numbers;
    for (int i = 0; i < r.rows(); ++i) {
      const PgRow row = r.Row(i);
      Delivery d;
      d.id = row.String("id");
      d.event_id = row.String("event_id");
      d.complaint_id = row.String("complaint_id");
      d.ticket = row.String("ticket");
      d.recipient_id = row.String("recipient_id");
      d.recipient_role = row.String("recipient_role");
      d.recipient_name = row.String("recipient_name");
      d.channel = row.String("channel");
      d.address = row.String("address");
      d.subject = row.String("subject");
      d.body = row.String("body");
      d.attempts = static_cast<int>(row.Int("attempts"));
      d.state = "sending";
      attempt_ids.push_back(d.id);
      attempt_numbers.push_back(std::to_string(d.attempts));
      AttemptStart& start = out[sending.at(d.id)];
      start.state = "sending";
      start.delivery = std::move(d);
    }
    return tx.Execute(kRecordAttemptStarts,
                      {SqlParam::Array(attempt_ids), SqlParam::Array(attempt_numbers)})
        .status();
  }));
  return out;
}

absl::Status FinishAttempts(PgPool& pool, const std::vector<FinishedAttempt>& finished,
                            absl::Time now) {
  if (finished.empty()) return absl::OkStatus();
  std::vector<std::string> ids, attempts, outcomes;
  for (const FinishedAttempt& f : finished) {
    ids.push_back(f.delivery->id);
    attempts.push_back(std::to_string(f.delivery->attempts));
    outcomes.push_back(f.outcome);
  }
  return pool.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_RETURN_IF_ERROR(tx.Execute(kLockFinished, {SqlParam::Array(ids)}).status());
    SKK_ASSIGN_OR_RETURN(PgResult erased, tx.Execute(kErasedDeliveries, {SqlParam::Array(ids)}));
    absl::flat_hash_set<std::string> erased_ids;
    for (int i = 0; i < erased.rows(); ++i) erased_ids.insert(erased.Row(i).String("id"));
    std::vector<std::string> errors, said;
    for (const FinishedAttempt& f : finished) {
      // What the server said may echo the address or the text: not kept once they are erased.
      said.push_back(erased_ids.contains(f.delivery->id) ? "" : f.detail.substr(0, 1000));
      errors.push_back(f.outcome == "sent" ? "" : said.back());
    }
    SKK_RETURN_IF_ERROR(tx.Execute(kFinishDeliveries,
                                   {SqlParam::Array(ids), SqlParam::Array(outcomes),
                                    SqlParam::Array(errors), SqlParam::Array(attempts),
                                    SqlParam::Time(now)})
                            .status());
    return tx.Execute(kRecordAttemptEnds, {SqlParam::Array(ids), SqlParam::Array(attempts),
                                           SqlParam::Array(outcomes), SqlParam::Array(said)})
        .status();
  });
}

absl::StatusOr<CaseCounts> CountCases(PgConnection& conn, const std::string& agency_code,
                                      absl::Time now) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kCountCases, {SqlParam::Text(agency_code),
                                                              SqlParam::Time(now)}));
  CaseCounts out;
  out.open = static_cast<int>(r.Row(0).Int("open"));
  out.overdue = static_cast<int>(r.Row(0).Int("overdue"));
  const std::string tickets = r.Row(0).String("overdue_tickets");
  if (!tickets.empty()) out.overdue_tickets = absl::StrSplit(tickets, ',');
  return out;
}

absl::StatusOr<bool> ClaimDigest(PgConnection& tx, const std::string& recipient_id,
                                 absl::CivilDay day, absl::Time now) {
  SKK_ASSIGN_OR_RETURN(PgResult r,
                       tx.Execute(kClaimDigest, {SqlParam::Text(recipient_id),
                                                 SqlParam::Text(absl::FormatCivilTime(day)),
                                                 SqlParam::Time(now)}));
  return r.affected() == 1;
}

absl::StatusOr<std::optional<absl::CivilDay>> LastDigestDay(PgConnection& conn,
                                                            const std::string& recipient_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kLastDigest, {SqlParam::Text(recipient_id)}));
  if (r.rows() == 0 || r.Row(0).IsNull("day")) return std::optional<absl::CivilDay>();
  const std::string text = r.Row(0).String("day");
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) {
    return absl::InternalError(absl::StrCat("digests.day: cannot parse ", text));
  }
  return std::optional<absl::CivilDay>(day);
}

absl::StatusOr<std::vector<sambat::v1::Notification>> ListByComplaint(
    PgConnection& conn, const std::string& complaint_id) {
  return Notifications(conn, kListByComplaint, {SqlParam::Text(complaint_id)});
}

absl::StatusOr<std::optional<std::string>> CaseAgency(PgConnection& conn,
                                                      const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kCaseAgency, {SqlParam::Text(complaint_id)}));
  if (r.rows() == 0) return std::nullopt;
  return r.Row(0).String("agency_code");
}

absl::StatusOr<std::vector<sambat::v1::Notification>> ListDead(PgConnection& conn, int limit) {
  return Notifications(conn, kListDead, {SqlParam::Int(limit)});
}

absl::StatusOr<int> Replay(PgConnection& tx, const std::string& delivery_id, bool all,
                           absl::Time now) {
  if (all) {
    SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kReplayAll, {SqlParam::Time(now)}));
    return static_cast<int>(r.affected());
  }
  SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kReplayOne, {SqlParam::Text(delivery_id),
                                                           SqlParam::Time(now)}));
  return static_cast<int>(r.affected());
}

absl::StatusOr<sambat::v1::ListInboxResponse> ListInbox(PgConnection& conn,
                                                        const std::string& subject,
                                                        bool unread_only, int limit) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kListInbox, {SqlParam::Text(subject),
                                                             SqlParam::Bool(unread_only),
                                                             SqlParam::Int(limit)}));
  sambat::v1::ListInboxResponse out;
  for (PgRow row : r) {
    auto* m = out.add_messages();
    m->set_id(row.String("id"));
    m->set_complaint_id(row.String("complaint_id"));
    m->set_ticket(row.String("ticket"));
    m->set_subject(row.String("subject"));
    m->set_body(row.String("body"));
    *m->mutable_received_at() = ToProtoTime(row.Time("created_at"));
    m->set_read(row.Bool("read"));
  }
  SKK_ASSIGN_OR_RETURN(PgResult u, conn.Execute(kCountUnread, {SqlParam::Text(subject)}));
  out.set_unread(static_cast<int>(u.Row(0).Int("unread")));
  return out;
}

absl::StatusOr<int> MarkRead(PgConnection& tx, const std::string& subject,
                             const std::vector<std::string>& ids, absl::Time now) {
  SKK_ASSIGN_OR_RETURN(PgResult r,
                       tx.Execute(kMarkRead, {SqlParam::Text(subject),
                                              SqlParam::Array(ids), SqlParam::Time(now)}));
  return static_cast<int>(r.affected());
}

absl::StatusOr<int64_t> PruneDeliveryAttempts(PgPool& pool, absl::Time before) {
  // A whole delivery's attempts go together: a replayed dead delivery starts again, and its
  // new attempts are not finished before `before`.
  static constexpr SqlStatement kPrune{"ntf_attempts_prune", R"sql(
    DELETE FROM delivery_attempts WHERE id IN (
      SELECT a.id FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
      WHERE d.state IN ('sent', 'dead')
        AND NOT EXISTS (SELECT 1 FROM delivery_attempts newer
                        WHERE newer.delivery_id = a.delivery_id
                          AND (newer.finished_at IS NULL OR newer.finished_at >= $1))
      LIMIT $2))sql"};
  return DeleteInBatches(pool, kPrune, {SqlParam::Time(before)});
}

}  // namespace skk::notification

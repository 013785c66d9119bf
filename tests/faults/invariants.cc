#include "tests/faults/invariants.h"

#include <libpq-fe.h>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/notification/notifications.h"
#include "services/platform/pg.h"
#include "services/platform/status_macros.h"
#include "services/platform/testing/test_env.h"

namespace skk::faults {
namespace {

using skk::testing::FakeReceiver;
using skk::testing::System;

// ---------------------------------------------------------------------------------------------
// Reading the tables. Every query reads whole tables in one statement; the ledger travels as
// arrays bound to one parameter each and unnested in SQL, never one query per complaint.

using Row = std::vector<long long>;

// The one row of a query of `columns` integer columns, in the order the query lists them
// (NULL reads as 0): the checker's counts are a vector its lines index, not named columns.
absl::StatusOr<Row> OneRow(PgConnection& db, const SqlStatement& q, int columns,
                           const std::vector<SqlParam>& params = {}) {
  SKK_ASSIGN_OR_RETURN(PgResult r, db.Execute(q, params));
  if (r.rows() != 1 || PQnfields(r.raw()) != columns) {
    return absl::InternalError(absl::StrCat(std::string(q.name), ": ", r.rows(), " rows of ",
                                            PQnfields(r.raw()), " columns, expected one of ",
                                            columns));
  }
  Row out;
  for (int c = 0; c < columns; ++c) {
    long long count = 0;
    if (!PQgetisnull(r.raw(), 0, c) && !absl::SimpleAtoi(PQgetvalue(r.raw(), 0, c), &count)) {
      return absl::InternalError(absl::StrCat(std::string(q.name), ": column ", c, " is no count"));
    }
    out.push_back(count);
  }
  return out;
}

SqlParam TextArray(const std::vector<std::string>& items) {
  std::vector<std::optional<std::string>> v(items.begin(), items.end());
  return SqlParam::Array(v);
}

struct LedgerArrays {
  // One per acknowledged complaint.
  std::vector<std::string> ids, keys, tickets, categories, anonymous, assisted, photos;
  std::vector<std::string> action_ids, actions;  // one per acknowledged officer action
};

LedgerArrays Arrays(const ClientLedger& ledger) {
  LedgerArrays a;
  for (const auto& c : ledger.complaints()) {
    a.ids.push_back(c.complaint_id);
    a.keys.push_back(c.idempotency_key);
    a.tickets.push_back(c.ticket);
    a.categories.push_back(c.category);
    a.anonymous.push_back(c.anonymous ? "true" : "false");
    a.assisted.push_back(c.assisted ? "true" : "false");
    a.photos.push_back(absl::StrCat(c.photos));
  }
  for (const auto& x : ledger.actions()) {
    a.action_ids.push_back(x.complaint_id);
    a.actions.push_back(x.action);
  }
  return a;
}

InvariantLine Line(std::string name, bool held, std::string counts) {
  return InvariantLine{std::move(name), held, std::move(counts)};
}

InvariantLine Failed(std::string name, const absl::Status& status) {
  return InvariantLine{std::move(name), false,
                       absl::StrCat("could not be checked: ", status.ToString())};
}

// ---------------------------------------------------------------------------------------------
// The queries. $n parameters are the ledger's arrays or the business clock.

// $1 complaint ids, $2 idempotency keys, $3 tickets (as the clients were told them), and what
// the clients sent: $4 categories, $5 anonymous, $6 assisted, $7 photos.
constexpr SqlStatement kStored{"faults_stored", R"sql(
  WITH ack AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[],
                                    $5::boolean[], $6::boolean[], $7::int[])
                 AS a(complaint_id, idem, ticket, category, anonymous, assisted, photos)),
       media AS (SELECT complaint_id, count(*) AS n FROM intake.media
                 WHERE complaint_id IS NOT NULL GROUP BY complaint_id),
       ids AS (SELECT DISTINCT complaint_id FROM ack)
  SELECT
    (SELECT count(*) FROM ack),
    (SELECT count(*) FROM ids JOIN intake.complaints c USING (complaint_id)),
    (SELECT count(*) FROM ids WHERE NOT EXISTS
       (SELECT 1 FROM intake.complaints c WHERE c.complaint_id = ids.complaint_id)),
    -- the key the client sent is not the stored complaint's key
    (SELECT count(*) FROM ack WHERE ack.idem <> '' AND NOT EXISTS
       (SELECT 1 FROM intake.complaints c
        WHERE c.complaint_id = ack.complaint_id AND c.idempotency_key = ack.idem)),
    -- one key acknowledged with two different complaints: a retried submission stored twice
    (SELECT count(*) FROM (SELECT idem FROM ack WHERE idem <> '' GROUP BY idem
                           HAVING count(DISTINCT complaint_id) > 1) d),
    -- the ticket the client was told is not the stored one
    (SELECT count(*) FROM ack JOIN intake.complaints c USING (complaint_id)
     WHERE ack.ticket <> '' AND c.ticket <> ack.ticket),
    -- stored, but no client heard of it (it gave up after the commit)
    (SELECT count(*) FROM intake.complaints c WHERE NOT EXISTS
       (SELECT 1 FROM ids WHERE ids.complaint_id = c.complaint_id)),
    (SELECT count(*) FROM intake.complaints),
    -- stored otherwise than sent: category, anonymity, channel or number of photos
    (SELECT count(*) FROM ack JOIN intake.complaints c USING (complaint_id)
                              LEFT JOIN media m USING (complaint_id)
     WHERE c.category <> ack.category OR c.anonymous <> ack.anonymous OR
           (c.channel = 'CHANNEL_ASSISTED') <> ack.assisted OR COALESCE(m.n, 0) <> ack.photos))sql"};

// Over every stored complaint, acknowledged or not: the system committed them all.
constexpr SqlStatement kRouted{"faults_routed", R"sql(
  WITH h AS (SELECT complaint_id,
                    count(*) FILTER (WHERE from_state = 'SUBMITTED') AS created,
                    min(action) FILTER (WHERE from_state = 'SUBMITTED') AS how
             FROM routing.case_history GROUP BY complaint_id),
       t AS (SELECT complaint_id,
                    count(*) FILTER (WHERE kind = 'routed') AS routed,
                    count(*) FILTER (WHERE kind = 'handed_off') AS handed
             FROM intake.complaint_timeline GROUP BY complaint_id)
  SELECT
    (SELECT count(*) FROM intake.complaints),
    (SELECT count(*) FROM routing.cases),
    (SELECT count(*) FROM intake.complaints c WHERE NOT EXISTS
       (SELECT 1 FROM routing.cases r WHERE r.complaint_id = c.complaint_id)),
    (SELECT count(*) FROM routing.cases r WHERE NOT EXISTS
       (SELECT 1 FROM intake.complaints c WHERE c.complaint_id = r.complaint_id)),
    (SELECT count(*) FROM routing.cases r LEFT JOIN h USING (complaint_id)
     WHERE COALESCE(h.created, 0) <> 1),
    (SELECT count(*) FROM routing.cases r LEFT JOIN h USING (complaint_id)
                                          LEFT JOIN t USING (complaint_id)
     WHERE CASE WHEN h.how = 'hand_off' THEN COALESCE(t.handed, 0)
                ELSE COALESCE(t.routed, 0) END <> 1),
    (SELECT count(*) FROM routing.cases r JOIN intake.complaints c USING (complaint_id)
     WHERE c.agency_code IS DISTINCT FROM r.agency_code))sql"};

// Cases handed to a partner outside the city run no clock (sla stops every clock on
// case.handed_off), nor do those the partner then closed, so only the others are expected to
// have a deadline.
constexpr SqlStatement kDeadlines{"faults_deadlines", R"sql(
  WITH clocked AS (SELECT complaint_id FROM routing.cases c
                   WHERE state <> 'HANDED_OFF' AND NOT EXISTS
                     (SELECT 1 FROM routing.case_history h
                      WHERE h.complaint_id = c.complaint_id AND h.action = 'partner_close')),
       d AS (SELECT complaint_id, count(*) AS n, max(due_at) AS due FROM sla.deadlines
             WHERE kind = 'FIRST_RESPONSE' GROUP BY complaint_id),
       lv AS (SELECT d.id, count(DISTINCT t.level) FILTER (WHERE t.kind = 'escalation') AS levels
              FROM sla.deadlines d LEFT JOIN sla.timers t ON t.deadline_id = d.id
              WHERE d.kind = 'FIRST_RESPONSE' GROUP BY d.id),
       tl AS (SELECT complaint_id, count(*) AS n FROM intake.complaint_timeline
              WHERE kind = 'deadline_set' GROUP BY complaint_id)
  SELECT
    (SELECT count(*) FROM clocked),
    (SELECT count(*) FROM clocked JOIN d USING (complaint_id) WHERE d.n = 1),
    (SELECT count(*) FROM clocked LEFT JOIN d USING (complaint_id) WHERE d.n IS NULL),
    (SELECT count(*) FROM d WHERE d.n > 1),
    (SELECT count(*) FROM lv WHERE lv.levels < 2),
    (SELECT count(*) FROM clocked JOIN intake.complaints c USING (complaint_id)
                                  JOIN d USING (complaint_id)
     WHERE c.first_response_due_at IS DISTINCT FROM d.due),
    (SELECT count(*) FROM clocked LEFT JOIN tl USING (complaint_id)
     WHERE COALESCE(tl.n, 0) <> 1),
    (SELECT count(*) FROM routing.cases WHERE state = 'HANDED_OFF'),
    -- a partner's case must not have a running clock
    (SELECT count(*) FROM routing.cases r JOIN sla.deadlines d USING (complaint_id)
     WHERE r.state = 'HANDED_OFF' AND d.state <> 'stopped'))sql"};

// $1 the business clock.
constexpr SqlStatement kTimers{"faults_timers", R"sql(
  WITH e AS (SELECT timer_id, count(*) AS n FROM sla.escalations GROUP BY timer_id),
       f AS (SELECT timer_id, count(*) AS n, min(outcome) AS outcome FROM sla.firings
             GROUP BY timer_id),
       t AS (SELECT t.kind, t.due_at, t.fired_at, t.cancelled_at, f.outcome,
                    COALESCE(f.n, 0) AS firings, COALESCE(e.n, 0) AS escs
             FROM sla.timers t LEFT JOIN f ON f.timer_id = t.id LEFT JOIN e ON e.timer_id = t.id)
  SELECT count(*),
    count(*) FILTER (WHERE due_at <= $1),
    count(*) FILTER (WHERE fired_at IS NOT NULL),
    count(*) FILTER (WHERE outcome = 'stale'),
    count(*) FILTER (WHERE cancelled_at IS NOT NULL),
    count(*) FILTER (WHERE due_at <= $1 AND fired_at IS NULL AND cancelled_at IS NULL),
    count(*) FILTER (WHERE fired_at IS NOT NULL AND (firings <> 1 OR outcome <> 'fired')),
    count(*) FILTER (WHERE outcome = 'fired' AND fired_at IS NULL),
    count(*) FILTER (WHERE fired_at IS NOT NULL AND (due_at > $1 OR fired_at < due_at)),
    count(*) FILTER (WHERE fired_at IS NOT NULL AND cancelled_at IS NOT NULL),
    count(*) FILTER (WHERE (kind = 'escalation' AND fired_at IS NOT NULL AND escs <> 1) OR
                           ((kind <> 'escalation' OR fired_at IS NULL) AND escs <> 0))
  FROM t)sql"};

constexpr SqlStatement kEscalationLevels{"faults_escalation_levels", R"sql(
  WITH e AS (SELECT complaint_id, max(level) AS lvl, count(*) AS n FROM sla.escalations
             GROUP BY complaint_id),
       tl AS (SELECT complaint_id, count(*) AS n FROM intake.complaint_timeline
              WHERE kind = 'escalated' GROUP BY complaint_id)
  SELECT
    (SELECT count(*) FROM sla.escalations),
    (SELECT count(*) FROM intake.complaints WHERE escalation_level = 1),
    (SELECT count(*) FROM intake.complaints WHERE escalation_level >= 2),
    (SELECT count(*) FROM intake.complaints c LEFT JOIN e USING (complaint_id)
     WHERE c.escalation_level <> COALESCE(e.lvl, 0)),
    (SELECT count(*) FROM intake.complaints c LEFT JOIN e USING (complaint_id)
                                              LEFT JOIN tl USING (complaint_id)
     WHERE COALESCE(tl.n, 0) <> COALESCE(e.n, 0)),
    (SELECT count(*) FROM e WHERE NOT EXISTS
       (SELECT 1 FROM intake.complaints c WHERE c.complaint_id = e.complaint_id)))sql"};

// $1 complaint ids and $2 actions of the acknowledged officer actions.
constexpr SqlStatement kOfficerActions{"faults_officer_actions", R"sql(
  WITH la AS (SELECT complaint_id, action, count(*) AS n
              FROM unnest($1::uuid[], $2::text[]) AS a(complaint_id, action) GROUP BY 1, 2),
       h AS (SELECT complaint_id, action, count(*) AS n FROM routing.case_history
             WHERE action IN ('claim', 'respond', 'resolve') GROUP BY 1, 2),
       tl AS (SELECT complaint_id,
                     CASE kind WHEN 'claimed' THEN 'claim' WHEN 'responded' THEN 'respond'
                               ELSE 'resolve' END AS action,
                     count(*) AS n
              FROM intake.complaint_timeline WHERE kind IN ('claimed', 'responded', 'resolved')
              GROUP BY 1, 2)
  SELECT
    (SELECT COALESCE(sum(n), 0) FROM la),
    (SELECT COALESCE(sum(la.n - COALESCE(h.n, 0)), 0) FROM la LEFT JOIN h USING (complaint_id, action)
     WHERE COALESCE(h.n, 0) < la.n),
    (SELECT COALESCE(sum(h.n - COALESCE(la.n, 0)), 0) FROM h LEFT JOIN la USING (complaint_id, action)
     WHERE h.n > COALESCE(la.n, 0)),
    (SELECT count(*) FROM h FULL JOIN tl USING (complaint_id, action)
     WHERE COALESCE(h.n, 0) <> COALESCE(tl.n, 0)),
    (SELECT count(*) FROM la LEFT JOIN routing.cases r USING (complaint_id)
     WHERE la.action = 'resolve' AND r.state IS DISTINCT FROM 'RESOLVED'
           AND r.state IS DISTINCT FROM 'CLOSED' AND r.state IS DISTINCT FROM 'REOPENED'),
    (SELECT count(*) FROM la LEFT JOIN routing.cases r USING (complaint_id)
     WHERE la.action = 'respond' AND r.first_responded_at IS NULL),
    -- intake keeps the state as the sambat.v1.CaseState number (1 SUBMITTED .. 10 HANDED_OFF),
    -- copied from the case events' snapshots: it must name routing's state
    (SELECT count(*) FROM routing.cases r JOIN intake.complaints c USING (complaint_id)
     WHERE r.state <> (ARRAY['SUBMITTED', 'ROUTED', 'IN_PROGRESS', 'WAITING_CITIZEN', 'RESOLVED',
                             'CLOSED', 'REJECTED', 'MERGED', 'REOPENED', 'HANDED_OFF'])[c.state]),
    -- answered or finished, yet its first-response clock still runs (and would escalate)
    (SELECT count(*) FROM routing.cases r JOIN sla.deadlines d USING (complaint_id)
     WHERE d.kind = 'FIRST_RESPONSE' AND d.state <> 'stopped'
           AND (r.first_responded_at IS NOT NULL OR r.state IN ('RESOLVED', 'CLOSED'))))sql"};

// What each complaint should have told whom, from the facts in routing and sla, against the
// deliveries notification decided, per (complaint, event type): how many events had
// deliveries, and how many deliveries. $1 citizen channels.
constexpr SqlStatement kNotificationsExpected{"faults_notifications_expected", R"sql(
  WITH cc AS (SELECT unnest($1::text[]) AS ch),
       cit AS (SELECT c.complaint_id,
                      (SELECT count(*) FROM cc
                       WHERE (cc.ch = 'email' AND COALESCE(r.email, '') <> '') OR
                             (cc.ch IN ('sms', 'whatsapp') AND COALESCE(r.phone, '') <> ''))
                        AS pairs
               FROM intake.complaints c LEFT JOIN intake.reporters r USING (complaint_id)),
       staff AS (SELECT role, agency_code,
                        sum((SELECT count(*) FROM unnest(channels) AS ch
                             WHERE ch = 'inbox' OR (ch = 'email' AND email <> '') OR
                                   (ch = 'sms' AND phone <> '') OR
                                   (ch = 'whatsapp' AND whatsapp <> ''))) AS pairs
                 FROM notification.recipients WHERE active GROUP BY role, agency_code),
       leaders AS (SELECT COALESCE(sum(pairs), 0) AS pairs FROM staff WHERE role = 'leadership'),
       -- one row per event that should notify, per audience (citizen or staff), so a citizen
       -- left untold and a humas told twice never cancel out
       expected_each AS (
         SELECT cit.complaint_id, 'complaint.reporter_contact' AS type, 'citizen' AS audience,
                cit.pairs AS deliveries
         FROM cit WHERE cit.pairs > 0
         UNION ALL
         SELECT h.complaint_id, CASE h.action WHEN 'hand_off' THEN 'case.handed_off'
                                             ELSE 'case.routed' END, 'citizen', cit.pairs
         FROM routing.case_history h JOIN cit USING (complaint_id)
         WHERE h.from_state = 'SUBMITTED'
         UNION ALL
         SELECT h.complaint_id, CASE h.action WHEN 'hand_off' THEN 'case.handed_off'
                                             ELSE 'case.routed' END, 'staff', COALESCE(s.pairs, 0)
         FROM routing.case_history h
              LEFT JOIN staff s ON s.role = 'humas' AND s.agency_code = h.agency_code
         WHERE h.from_state = 'SUBMITTED'
         UNION ALL
         SELECT r.complaint_id, 'case.responded', 'citizen', cit.pairs
         FROM routing.cases r JOIN cit USING (complaint_id) WHERE r.first_responded_at IS NOT NULL
         UNION ALL
         SELECT h.complaint_id, 'case.resolved', 'citizen', cit.pairs
         FROM routing.case_history h JOIN cit USING (complaint_id) WHERE h.action = 'resolve'
         UNION ALL
         SELECT t.complaint_id, 'sla.reminder_due', 'staff', COALESCE(s.pairs, 0)
         FROM sla.timers t LEFT JOIN staff s ON s.role = 'humas' AND s.agency_code = t.agency_code
         WHERE t.kind = 'reminder' AND t.deadline_kind <> 'CLOSE' AND t.fired_at IS NOT NULL
         UNION ALL
         -- the end of the window after a resolution is the citizen's (issue 19)
         SELECT t.complaint_id, 'sla.reminder_due', 'citizen', cit.pairs
         FROM sla.timers t JOIN cit USING (complaint_id)
         WHERE t.kind = 'reminder' AND t.deadline_kind = 'CLOSE' AND t.fired_at IS NOT NULL
         UNION ALL
         SELECT h.complaint_id, 'case.closed', 'citizen', cit.pairs
         FROM routing.case_history h JOIN cit USING (complaint_id) WHERE h.action = 'close'
         UNION ALL
         -- a partner outside city hall finished the case (docs/partners.md)
         SELECT h.complaint_id, 'case.partner_updated', 'citizen', cit.pairs
         FROM routing.case_history h JOIN cit USING (complaint_id)
         WHERE h.action = 'partner_close'
         UNION ALL
         -- level 1 to the agency's head, or to the leadership when the agency has none
         SELECT t.complaint_id, 'sla.escalated', 'staff',
                CASE WHEN t.level <= 1 AND COALESCE(s.pairs, 0) > 0 THEN s.pairs
                     ELSE (SELECT pairs FROM leaders) END
         FROM sla.timers t LEFT JOIN staff s ON s.role = 'head' AND s.agency_code = t.agency_code
         WHERE t.kind = 'escalation' AND t.fired_at IS NOT NULL),
       expected AS (SELECT complaint_id, type, audience,
                           count(*) FILTER (WHERE deliveries > 0) AS events,
                           sum(deliveries) AS deliveries
                    FROM expected_each GROUP BY 1, 2, 3),
       actual AS (SELECT d.complaint_id, a.event_type AS type,
                         CASE WHEN d.recipient_role = 'citizen' THEN 'citizen' ELSE 'staff' END
                           AS audience,
                         count(DISTINCT d.event_id) AS events, count(*) AS deliveries
                  FROM notification.deliveries d
                  JOIN notification.applied_events a ON a.event_id::text = d.event_id
                  WHERE d.complaint_id IS NOT NULL GROUP BY 1, 2, 3),
       both_sides AS (SELECT complaint_id, type,
                             COALESCE(e.events, 0) AS e_events, COALESCE(e.deliveries, 0) AS e_deliveries,
                             COALESCE(a.events, 0) AS a_events, COALESCE(a.deliveries, 0) AS a_deliveries
                      FROM expected e FULL JOIN actual a USING (complaint_id, type, audience))
  SELECT
    (SELECT COALESCE(sum(e_events), 0) FROM both_sides),
    (SELECT COALESCE(sum(a_events), 0) FROM both_sides),
    (SELECT COALESCE(sum(e_deliveries), 0) FROM both_sides),
    (SELECT COALESCE(sum(a_deliveries), 0) FROM both_sides),
    (SELECT count(*) FROM both_sides WHERE a_events < e_events OR a_deliveries < e_deliveries),
    (SELECT count(*) FROM both_sides WHERE a_events > e_events OR a_deliveries > e_deliveries),
    -- deliveries of a complaint's event notification never recorded as applied
    (SELECT count(*) FROM notification.deliveries d
     WHERE d.complaint_id IS NOT NULL AND NOT EXISTS
       (SELECT 1 FROM notification.applied_events a WHERE a.event_id::text = d.event_id)))sql"};

constexpr SqlStatement kNotificationDuplicates{"faults_notification_duplicates", R"sql(
  SELECT
    (SELECT count(*) FROM notification.deliveries),
    (SELECT COALESCE(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM notification.deliveries
                                          GROUP BY event_id, recipient_id, channel
                                          HAVING count(*) > 1) x),
    (SELECT COALESCE(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM notification.deliveries
                                          GROUP BY event_id, address, channel
                                          HAVING count(*) > 1) y))sql"};

// $1 the business clock.
constexpr SqlStatement kDeliveryStates{"faults_delivery_states", R"sql(
  SELECT count(*),
    count(*) FILTER (WHERE state = 'sent'),
    count(*) FILTER (WHERE state = 'dead'),
    count(*) FILTER (WHERE state = 'dead' AND last_error = ''),
    count(*) FILTER (WHERE state = 'pending' AND not_before > $1),
    count(*) FILTER (WHERE state NOT IN ('sent', 'dead')
                           AND NOT (state = 'pending' AND not_before > $1)),
    count(*) FILTER (WHERE state IN ('sent', 'dead') AND finished_at IS NULL)
  FROM notification.deliveries)sql"};

constexpr SqlStatement kWireDeliveries{"faults_wire_deliveries", R"sql(
  SELECT id::text AS id, channel, state FROM notification.deliveries
  WHERE channel IN ('email', 'sms', 'whatsapp') AND state IN ('sent', 'dead'))sql"};

// Per consuming service: events applied, and how many of them twice.
constexpr SqlStatement kApplied{"faults_applied", R"sql(
  SELECT 'intake' AS consumer, count(*) AS applied, count(*) - count(DISTINCT event_id) AS twice
  FROM intake.applied_events
  UNION ALL
  SELECT 'routing', count(*), count(*) - count(DISTINCT event_id) FROM routing.applied_events
  UNION ALL
  SELECT 'sla', count(*), count(*) - count(DISTINCT event_id) FROM sla.applied_events
  UNION ALL
  SELECT 'notification', count(*), count(*) - count(DISTINCT event_id) FROM notification.applied_events)sql"};

constexpr SqlStatement kOutboxes{"faults_outboxes", R"sql(
  SELECT (SELECT count(*) FROM intake.outbox), (SELECT count(*) FROM routing.outbox),
         (SELECT count(*) FROM sla.outbox),
         -- a citizen's event held for a contact that has arrived since
         (SELECT count(*) FROM notification.citizen_backlog b WHERE EXISTS
            (SELECT 1 FROM notification.citizen_contacts c WHERE c.complaint_id = b.complaint_id)))sql"};

// The types of the citizen events held although their contact arrived, e.g. "case.routed=1".
constexpr SqlStatement kHeldTypes{"faults_held_types", R"sql(
  SELECT COALESCE(string_agg(type || '=' || n, ', ' ORDER BY type), '')
  FROM (SELECT COALESCE(a.event_type, '?') AS type, count(*) AS n
        FROM notification.citizen_backlog b
        LEFT JOIN notification.applied_events a ON a.event_id::text = b.event_id
        WHERE EXISTS (SELECT 1 FROM notification.citizen_contacts c
                      WHERE c.complaint_id = b.complaint_id)
        GROUP BY 1) x)sql"};

// Deliveries given up on, per wire channel: each was parked once in its channel's dead queue.
// A citizen's delivery finished by an erasure (last_error 'erased') was never parked.
constexpr SqlStatement kDeadDeliveries{"faults_dead_deliveries", R"sql(
  SELECT channel, count(*) AS dead FROM notification.deliveries
  WHERE state = 'dead' AND channel <> 'inbox' AND last_error <> 'erased' GROUP BY channel)sql"};

// What WaitUntilQuiet waits for. $1 the business clock, $2 acknowledged complaint ids.
constexpr SqlStatement kBusy{"faults_busy", R"sql(
  SELECT (SELECT count(*) FROM intake.outbox), (SELECT count(*) FROM routing.outbox),
         (SELECT count(*) FROM sla.outbox),
         (SELECT count(*) FROM notification.deliveries
          WHERE state IN ('queued', 'sending', 'retrying') OR
                (state = 'pending' AND not_before <= $1)),
         (SELECT count(*) FROM sla.timers
          WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= $1),
         (SELECT count(*) FROM (SELECT DISTINCT unnest($2::uuid[]) AS complaint_id) a
          WHERE NOT EXISTS (SELECT 1 FROM routing.cases r WHERE r.complaint_id = a.complaint_id)),
         (SELECT count(*) FROM intake.applied_events) + (SELECT count(*) FROM routing.applied_events) +
         (SELECT count(*) FROM sla.applied_events) +
         (SELECT count(*) FROM notification.applied_events))sql"};

// ---------------------------------------------------------------------------------------------
// The invariants.

InvariantLine StoredOnce(PgConnection& db, const LedgerArrays& a) {
  const std::string name = "acknowledged_complaints_stored_once";
  auto r = OneRow(db, kStored, 9,
                  {TextArray(a.ids), TextArray(a.keys), TextArray(a.tickets),
                   TextArray(a.categories), TextArray(a.anonymous), TextArray(a.assisted),
                   TextArray(a.photos)});
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  const bool held = v[2] == 0 && v[3] == 0 && v[4] == 0 && v[5] == 0 && v[8] == 0;
  return Line(name, held,
              absl::StrCat(v[0], " acknowledged, ", v[1], " stored, ", v[2], " missing, ", v[4],
                           " keys acknowledged with two complaints (duplicated), ", v[3],
                           " key mismatches, ", v[5], " ticket mismatches, ", v[8],
                           " stored otherwise than sent (category, anonymity, channel, photos); ",
                           v[6],
                           " stored but never acknowledged (client gave up; not a failure), ",
                           v[7], " stored in all"));
}

InvariantLine RoutedOnce(PgConnection& db) {
  const std::string name = "complaints_routed_once";
  auto r = OneRow(db, kRouted, 7);
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  const bool held = v[2] == 0 && v[3] == 0 && v[4] == 0 && v[5] == 0 && v[6] == 0;
  return Line(name, held,
              absl::StrCat(v[0], " stored, ", v[1], " cases, ", v[2], " without a case, ", v[3],
                           " cases without a complaint, ", v[4],
                           " without exactly one routing history entry, ", v[5],
                           " without exactly one 'routed' in intake's timeline, ", v[6],
                           " agency disagreements"));
}

InvariantLine DeadlinesSet(PgConnection& db) {
  const std::string name = "deadlines_set_once";
  auto r = OneRow(db, kDeadlines, 9);
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  const bool held = v[2] == 0 && v[3] == 0 && v[4] == 0 && v[5] == 0 && v[6] == 0 && v[8] == 0;
  return Line(name, held,
              absl::StrCat(v[0], " cases with a clock (", v[7],
                           " handed to partners outside the city, ", v[8],
                           " of them with a clock running), ", v[1], " with one first-response deadline, ", v[2],
                           " without, ", v[3], " with more than one, ", v[4],
                           " deadlines lacking escalation timers of levels 1 and 2, ", v[5],
                           " complaints whose due time in intake differs, ", v[6],
                           " without exactly one 'deadline_set' in intake's timeline"));
}

InvariantLine TimersFiredOnce(PgConnection& db, absl::Time now) {
  const std::string name = "due_timers_fired_once";
  auto r = OneRow(db, kTimers, 11, {SqlParam::Time(now)});
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  const bool held = v[5] == 0 && v[6] == 0 && v[7] == 0 && v[8] == 0 && v[9] == 0 && v[10] == 0;
  return Line(name, held,
              absl::StrCat(v[0], " timers, ", v[1], " due, ", v[2], " fired, ", v[3],
                           " stale (clock changed), ", v[4], " cancelled; ", v[5],
                           " due but never fired, ", v[6], " fired without one 'fired' firing, ",
                           v[7], " firings of an unmarked timer, ", v[8],
                           " fired before due, ", v[9], " both fired and cancelled, ", v[10],
                           " escalation rows not one per fired escalation timer"));
}

InvariantLine EscalationLevels(PgConnection& db) {
  const std::string name = "escalation_levels_consistent";
  auto r = OneRow(db, kEscalationLevels, 6);
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  const bool held = v[3] == 0 && v[4] == 0 && v[5] == 0;
  return Line(name, held,
              absl::StrCat(v[0], " escalations, ", v[1], " complaints at level 1, ", v[2],
                           " at level 2; ", v[3], " level disagreements with sla, ", v[4],
                           " with 'escalated' timeline entries not one per escalation, ", v[5],
                           " escalations of unknown complaints"));
}

InvariantLine OfficerActions(PgConnection& db, const LedgerArrays& a) {
  const std::string name = "officer_actions_reflected";
  auto r = OneRow(db, kOfficerActions, 8, {TextArray(a.action_ids), TextArray(a.actions)});
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  const bool held = v[1] == 0 && v[3] == 0 && v[4] == 0 && v[5] == 0 && v[6] == 0 && v[7] == 0;
  return Line(name, held,
              absl::StrCat(v[0], " acknowledged, ", v[1], " missing from routing's history, ",
                           v[2], " recorded but never acknowledged (not a failure), ", v[3],
                           " (complaint, action) with intake's timeline differing from routing, ",
                           v[4], " resolved but not RESOLVED or later, ", v[5],
                           " responded without a first response, ", v[6],
                           " complaints whose intake state differs from routing's, ", v[7],
                           " answered cases whose first-response clock still runs"));
}

InvariantLine NotificationsExpected(PgConnection& db) {
  const std::string name = "notifications_expected_once";
  absl::StatusOr<notification::Settings> settings =
      notification::SettingsFrom(skk::testing::ShippedCityConfig());
  if (!settings.ok()) return Failed(name, settings.status());
  auto r = OneRow(db, kNotificationsExpected, 7, {TextArray(settings->citizen_channels)});
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  const bool held = v[4] == 0 && v[5] == 0 && v[6] == 0;
  return Line(name, held,
              absl::StrCat(v[0], " (event, citizen or staff) expected to notify, ", v[1],
                           " notified; ", v[2],
                           " deliveries expected, ", v[3], " decided; ", v[4],
                           " (complaint, event type, citizen or staff) short of deliveries, ", v[5],
                           " with more than expected (duplicated), ", v[6],
                           " deliveries of an event not recorded as applied"));
}

InvariantLine NotificationsUnique(PgConnection& db) {
  const std::string name = "deliveries_unique";
  auto r = OneRow(db, kNotificationDuplicates, 3);
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  return Line(name, v[1] == 0 && v[2] == 0,
              absl::StrCat(v[0], " deliveries, ", v[1],
                           " duplicated (event, recipient, channel), ", v[2],
                           " duplicated (event, address, channel)"));
}

InvariantLine DeliveriesFinal(PgConnection& db, absl::Time now) {
  const std::string name = "deliveries_final";
  auto r = OneRow(db, kDeliveryStates, 7, {SqlParam::Time(now)});
  if (!r.ok()) return Failed(name, r.status());
  const Row& v = *r;
  return Line(name, v[3] == 0 && v[5] == 0 && v[6] == 0,
              absl::StrCat(v[0], " deliveries, ", v[1], " sent, ", v[2], " dead, ", v[3],
                           " dead without a reason, ", v[4],
                           " held for quiet hours (not yet due; not a failure), ", v[5],
                           " not final, ", v[6], " final without a finish time"));
}

// The id a wire record names: the SMTP Message-ID "<id@domain>", or the gateway's
// Idempotency-Key header. "" when the record has none.
std::string SmtpKey(const google::protobuf::Struct& record) {
  std::string id = skk::testing::Field(record, "message_id");
  absl::string_view v = absl::StripAsciiWhitespace(id);
  absl::ConsumePrefix(&v, "<");
  return std::string(v.substr(0, v.find('@')));
}

std::string GatewayKey(const google::protobuf::Struct& record) {
  auto it = record.fields().find("headers");
  if (it == record.fields().end() || !it->second.has_struct_value()) return "";
  const auto& headers = it->second.struct_value().fields();
  auto key = headers.find("idempotency-key");
  return key == headers.end() ? "" : key->second.string_value();
}

InvariantLine ReachedWire(PgConnection& db, const FakeReceiver& smtp,
                          const FakeReceiver& gateway) {
  const std::string name = "sent_deliveries_reached_the_wire";
  std::map<std::string, int> mails;     // Message-ID key -> accepted copies
  std::map<std::string, int> messages;  // Idempotency-Key -> copies answered 200
  int unkeyed = 0;
  for (const auto& r : smtp.Records()) {
    const std::string key = SmtpKey(r);
    if (key.empty()) ++unkeyed; else ++mails[key];
  }
  for (const auto& r : gateway.Records()) {
    if (skk::testing::Field(r, "status") != "200") continue;  // refused or hung: not received
    const std::string key = GatewayKey(r);
    if (key.empty()) ++unkeyed; else ++messages[key];
  }
  auto rows = db.Execute(kWireDeliveries);
  if (!rows.ok()) return Failed(name, rows.status());
  long long sent = 0, sent_missing = 0, dead_received = 0;
  std::set<std::string> known_mail, known_message;
  for (PgRow delivery : *rows) {
    const std::string id = delivery.String("id");
    const bool email = delivery.String("channel") == "email";
    const bool is_sent = delivery.String("state") == "sent";
    auto& seen = email ? mails : messages;
    (email ? known_mail : known_message).insert(id);
    const bool received = seen.contains(id);
    if (is_sent) {
      ++sent;
      if (!received) ++sent_missing;
    } else if (received) {
      ++dead_received;
    }
  }
  long long unknown = unkeyed, wire_duplicates = 0, duplicated_keys = 0, on_wire = 0;
  for (const auto* seen : {&mails, &messages}) {
    const auto& known = seen == &mails ? known_mail : known_message;
    for (const auto& [key, copies] : *seen) {
      on_wire += copies;
      if (!known.contains(key)) unknown += copies;
      if (copies > 1) {
        ++duplicated_keys;
        wire_duplicates += copies - 1;
      }
    }
  }
  return Line(name, sent_missing == 0 && unknown == 0,
              absl::StrCat(sent, " sent by email/SMS/WhatsApp, ", on_wire, " received on the wire, ",
                           sent_missing, " sent but never received, ", unknown,
                           " received but matching no final delivery; ", wire_duplicates,
                           " duplicate copies of ", duplicated_keys,
                           " keys (same key; not a failure), ", dead_received,
                           " dead deliveries that did reach the wire (not a failure)"));
}

InvariantLine AppliedOnce(PgConnection& db) {
  const std::string name = "events_applied_once_per_consumer";
  auto r = db.Execute(kApplied);
  if (!r.ok()) return Failed(name, r.status());
  std::vector<std::string> parts;
  bool held = true;
  for (PgRow consumer : *r) {
    if (consumer.Int("twice") != 0) held = false;
    parts.push_back(absl::StrCat(consumer.String("consumer"), " ", consumer.Int("applied"),
                                 " applied, ", consumer.Int("twice"), " twice"));
  }
  return Line(name, held, absl::StrJoin(parts, "; "));
}

// What each dead queue must hold: a notification channel's dead queue ("notification.sms.
// events.dead") one message per dead delivery of that channel, unless the suite said otherwise;
// every other dead queue what the suite parked on purpose, else nothing.
absl::StatusOr<ExpectedParked> DeadQueueExpectations(PgConnection& db,
                                                     const ExpectedParked& parked) {
  SKK_ASSIGN_OR_RETURN(PgResult r, db.Execute(kDeadDeliveries));
  ExpectedParked out;
  for (PgRow channel : r) {
    out.per_queue[absl::StrCat("notification.", channel.String("channel"), ".events.dead")] =
        static_cast<int>(channel.Int("dead"));
  }
  for (const auto& [queue, n] : parked.per_queue) out.per_queue[queue] = n;
  out.at_least = parked.at_least;
  return out;
}

std::string DescribeQueues(const std::map<std::string, long long>& queues,
                           const ExpectedParked& parked, long long* busy, long long* wrong_dead) {
  std::vector<std::string> out;
  *busy = 0;
  *wrong_dead = 0;
  for (const auto& [queue, n] : queues) {
    const bool dead = absl::EndsWith(queue, ".dead");
    if (!dead) {
      if (n != 0) {
        *busy += n;
        out.push_back(absl::StrCat(queue, "=", n));
      }
      continue;
    }
    if (auto floor = parked.at_least.find(queue); floor != parked.at_least.end()) {
      if (n < floor->second) {
        ++*wrong_dead;
        out.push_back(absl::StrCat(queue, "=", n, " (expected at least ", floor->second, ")"));
      }
      continue;
    }
    auto it = parked.per_queue.find(queue);
    const long long want = it == parked.per_queue.end() ? 0 : it->second;
    if (n != want) {
      ++*wrong_dead;
      out.push_back(absl::StrCat(queue, "=", n, " (expected ", want, ")"));
    }
  }
  for (const auto& [queue, want] : parked.per_queue) {
    if (!queues.contains(queue) && want != 0) {
      ++*wrong_dead;
      out.push_back(absl::StrCat(queue, " missing (expected ", want, ")"));
    }
  }
  return absl::StrJoin(out, ", ");
}

InvariantLine NothingStuck(PgConnection& db, const std::string& vhost,
                           const ExpectedParked& parked) {
  const std::string name = "nothing_stuck";
  auto r = OneRow(db, kOutboxes, 4);
  if (!r.ok()) return Failed(name, r.status());
  auto queues = ListQueues(vhost);
  if (!queues.ok()) return Failed(name, queues.status());
  auto expected = DeadQueueExpectations(db, parked);
  if (!expected.ok()) return Failed(name, expected.status());
  long long busy = 0, wrong_dead = 0, parked_total = 0;
  const std::string detail = DescribeQueues(*queues, *expected, &busy, &wrong_dead);
  for (const auto& [queue, n] : *queues) {
    if (absl::EndsWith(queue, ".dead")) parked_total += n;
  }
  const Row& v = *r;
  std::string held_types;
  if (v[3] != 0) {
    auto h = db.Execute(kHeldTypes);
    if (!h.ok()) return Failed(name, h.status());
    held_types = absl::StrCat(" (", h->OnlyCell(), ")");
  }
  return Line(name, v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0 && busy == 0 && wrong_dead == 0,
              absl::StrCat("outboxes intake ", v[0], ", routing ", v[1], ", sla ", v[2], "; ",
                           queues->size(), " queues, ", busy, " messages waiting, ", parked_total,
                           " parked in dead queues, ", wrong_dead,
                           " dead queues not as expected; ", v[3],
                           " citizen events held though the contact arrived", held_types,
                           detail.empty() ? "" : absl::StrCat(" [", detail, "]")));
}

}  // namespace

absl::StatusOr<std::map<std::string, long long>> ListQueues(const std::string& vhost) {
  // list_queues of a vhost that does not exist prints nothing and exits 0, which would read as
  // "no queue holds anything": the vhost is looked up first, in the same command.
  const std::string ctl = skk::testing::Stack().rabbitmqctl;
  const std::string kMarker = "--skk-queues--";
  const std::string cmd = absl::StrCat(ctl, " -q list_vhosts name 2>&1 && echo ", kMarker, " && ",
                                       ctl, " -q list_queues -p '", vhost,
                                       "' name messages 2>&1");
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run: ", cmd));
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) {
    return absl::UnavailableError(
        absl::StrCat("rabbitmqctl list_vhosts/list_queues exited with ", status, ": ", text));
  }
  const size_t marker = text.find(kMarker);
  if (marker == std::string::npos) {
    return absl::InternalError(absl::StrCat("rabbitmqctl: unexpected output:\n", text));
  }
  bool vhost_exists = false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text).substr(0, marker), '\n', absl::SkipWhitespace())) {
    if (absl::StripAsciiWhitespace(line) == vhost) vhost_exists = true;
  }
  if (!vhost_exists) {
    return absl::NotFoundError(absl::StrCat("rabbitmqctl: no vhost '", vhost, "'"));
  }
  std::map<std::string, long long> out;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text).substr(marker + kMarker.size()), '\n',
                      absl::SkipWhitespace())) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() == 2 && fields[0] == "name" && fields[1] == "messages") continue;  // header
    long long messages = 0;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[1], &messages)) {
      return absl::InternalError(absl::StrCat("rabbitmqctl list_queues: cannot parse '", line,
                                              "' in:\n", text));
    }
    out[std::string(fields[0])] = messages;
  }
  return out;
}

absl::Status WaitUntilQuiet(System& system, const ClientLedger& ledger,
                            const ExpectedParked& parked, absl::Duration stall,
                            absl::Duration limit) {
  std::unique_ptr<PgConnection> db = system.world().Admin();
  const LedgerArrays arrays = Arrays(ledger);
  const absl::Time started = absl::Now();
  absl::Time progressed_at = started;
  long long last_applied = -1, last_waiting = -1;
  long long quiet_at_applied = -1;  // the applied count when quiet was last seen; -1: not quiet
  std::string busy_text;
  while (true) {
    // One look is not enough: between reading the queues and the tables a relay may move an
    // event from an outbox into a queue. Quiet counts only when seen twice in a row with no
    // event applied anywhere in between.
    auto queues = ListQueues(system.world().vhost());
    if (!queues.ok()) return queues.status();
    auto r = OneRow(*db, kBusy, 7, {SqlParam::Time(system.Now()), TextArray(arrays.ids)});
    if (!r.ok()) return r.status();
    const Row& v = *r;
    auto expected = DeadQueueExpectations(*db, parked);
    if (!expected.ok()) return expected.status();
    long long busy_messages = 0, wrong_dead = 0;
    const std::string queue_text =
        DescribeQueues(*queues, *expected, &busy_messages, &wrong_dead);
    const bool quiet = v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0 && v[4] == 0 &&
                       v[5] == 0 && busy_messages == 0 && wrong_dead == 0;
    busy_text = absl::StrCat("outboxes intake ", v[0], ", routing ", v[1], ", sla ", v[2], "; ",
                             v[3], " deliveries due and not final; ", v[4],
                             " timers due and not fired; ", v[5],
                             " acknowledged complaints not routed; ", busy_messages,
                             " messages in queues, ", wrong_dead, " dead queues not as expected",
                             queue_text.empty() ? "" : absl::StrCat(" [", queue_text, "]"));
    if (quiet) {
      if (quiet_at_applied == v[6]) return absl::OkStatus();
      quiet_at_applied = v[6];
    } else {
      quiet_at_applied = -1;
    }
    const absl::Time now = absl::Now();
    if (v[6] != last_applied || busy_messages < last_waiting) progressed_at = now;
    last_applied = v[6];
    last_waiting = busy_messages;
    if (now - progressed_at > stall || now - started > limit) {
      return absl::DeadlineExceededError(
          absl::StrCat("not quiet after ", absl::FormatDuration(now - started), " (",
                       absl::FormatDuration(now - progressed_at), " without progress): ",
                       busy_text));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(quiet ? 500 : 200));
  }
}

std::vector<InvariantLine> CheckInvariants(System& system, const ClientLedger& ledger,
                                           const ExpectedParked& parked, const FakeReceiver& smtp,
                                           const FakeReceiver& gateway) {
  std::unique_ptr<PgConnection> db = system.world().Admin();
  const LedgerArrays arrays = Arrays(ledger);
  const absl::Time now = system.Now();
  return {
      StoredOnce(*db, arrays),
      RoutedOnce(*db),
      DeadlinesSet(*db),
      TimersFiredOnce(*db, now),
      EscalationLevels(*db),
      OfficerActions(*db, arrays),
      NotificationsExpected(*db),
      NotificationsUnique(*db),
      DeliveriesFinal(*db, now),
      ReachedWire(*db, smtp, gateway),
      AppliedOnce(*db),
      NothingStuck(*db, system.world().vhost(), parked),
  };
}

std::string Format(const InvariantLine& line) {
  return absl::StrCat("invariant ", line.name, ": ", line.held ? "held" : "BROKEN", " — ",
                      line.counts);
}

}  // namespace skk::faults

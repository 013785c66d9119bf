#pragma once

// Cases in routing's PostgreSQL schema. Apply() is the only way a case's state changes: it asks
// the state machine (case_state.h) for the next state, writes the case and its audit-trail
// entry (case_history) in the caller's transaction, and refuses what the machine refuses.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/routing.pb.h"
#include "services/platform/pg.h"
#include "services/routing/case_state.h"

namespace skk::routing {

// Who moved a case: "officer:<subject>" with the officer's name, "citizen", or "system".
struct Actor {
  std::string id;
  std::string name;

  static Actor Citizen() { return {"citizen", "Pelapor"}; }
  static Actor System() { return {"system", "Sistem"}; }
};

// A case as stored. Times that are not set are absl::InfinitePast (due_at: InfiniteFuture).
struct CaseRow {
  std::string complaint_id;
  // The id of the history entry this row's latest transition wrote (set by Create and Apply,
  // 0 on a row read back); events carry it as case_sequence.
  int64_t sequence = 0;
  // The case_sequence of the last event emitted about the case (0: none yet). The next event
  // carries it as previous_case_sequence; RecordEventSequence moves it.
  int64_t event_sequence = 0;
  std::string ticket;
  std::string category;
  std::string description;
  double latitude = 0;
  double longitude = 0;
  std::string address;
  std::vector<std::string> media_ids;
  bool anonymous = false;
  bool confidential = false;
  absl::Time submitted_at = absl::InfinitePast();
  std::string correlation_id;
  std::string rule_id;

  CaseState state = sambat::v1::CASE_STATE_SUBMITTED;
  std::string agency_code;
  std::string agency_name;
  std::string holder_id;  // empty: nobody holds the case
  std::string holder_name;
  absl::Time claimed_at = absl::InfinitePast();
  absl::Time clock_started_at = absl::InfinitePast();
  absl::Time due_at = absl::InfiniteFuture();
  absl::Time first_responded_at = absl::InfinitePast();
  int forward_count = 0;
  int rating = 0;
  std::string rating_comment;
  absl::Time created_at = absl::InfinitePast();
};

// One page of a queue.
struct QueueQuery {
  std::string agency_code;  // empty: every agency
  std::vector<CaseState> states;
  // Keyset position: the page starts after (after_due, after_id). Empty: the first page.
  std::string after_due;  // a timestamptz in PostgreSQL's text form, or "infinity"
  std::string after_id;
  int limit = 50;
};

struct QueueEntry {
  sambat::v1::CaseSummary summary;
  std::string due_text;  // the keyset position of this entry
};

// Every clock of the case starts again (forward, reopen, an undone merge): no deadline until
// sla sets one.
void RestartClock(CaseRow& c, absl::Time now);

class CaseStore {
 public:
  // Creates a case in SUBMITTED moved at once by `action` (route, hand_off or join), with its audit
  // entry. Returns false (and changes nothing) if the complaint already has a case.
  static absl::StatusOr<bool> Create(PgConnection& tx, CaseRow& row, CaseAction action,
                                     const Actor& actor, const std::string& reason,
                                     absl::Time now);

  // The case, locked until the transaction ends (concurrent actions on one case serialize
  // here). NOT_FOUND "no case <id>" when there is none.
  static absl::StatusOr<CaseRow> Lock(PgConnection& tx, const std::string& complaint_id);
  // The case without a lock; NOT_FOUND as above.
  static absl::StatusOr<CaseRow> Read(PgConnection& conn, const std::string& complaint_id);

  // Moves `before` by `action`: the next state comes from NextState (FAILED_PRECONDITION if not
  // allowed); `change` adjusts the other fields (holder, agency, rating...). Writes the case
  // and its audit entry. Returns the case as it is now.
  static absl::StatusOr<CaseRow> Apply(PgConnection& tx, const CaseRow& before, CaseAction action,
                                       const Actor& actor, const std::string& reason,
                                       absl::Time now,
                                       const std::function<void(CaseRow&)>& change = {});

  // Copies an sla deadline onto the case, unless it belongs to an earlier clock or another
  // agency (a forward or reopen started a new one since). Returns whether it applied.
  static absl::StatusOr<bool> SetDeadline(PgConnection& tx, const std::string& complaint_id,
                                          const std::string& agency_code, absl::Time starts_at,
                                          absl::Time due_at);

  // Records that the event with this case_sequence was emitted about the case: the case's next
  // event names it as its previous_case_sequence. Call in the transition's transaction, with
  // the case locked.
  static absl::Status RecordEventSequence(PgConnection& tx, const std::string& complaint_id,
                                          int64_t case_sequence);

  static absl::StatusOr<std::vector<sambat::v1::CaseHistoryEntry>> History(
      PgConnection& conn, const std::string& complaint_id);

  // The case with this ticket, unlocked; nullopt when there is none.
  static absl::StatusOr<std::optional<CaseRow>> ReadByTicket(PgConnection& conn,
                                                             const std::string& ticket);

  // True if a case has this ticket.
  static absl::StatusOr<bool> TicketExists(PgConnection& conn, const std::string& ticket);

  static absl::StatusOr<std::vector<QueueEntry>> Queue(PgConnection& conn, const QueueQuery& q,
                                                       absl::Time now);

  // The open cases of `agency_code` ('' for every agency) counted on a grid of `cell_degrees`.
  static absl::StatusOr<sambat::v1::CaseMapResponse> Map(PgConnection& conn,
                                                         const std::string& agency_code,
                                                         double cell_degrees, absl::Time now);
};

// The case as an officer reads it (history not included).
sambat::v1::Case ToProto(const CaseRow& row, absl::Time now);

}  // namespace skk::routing

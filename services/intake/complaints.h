#pragma once

// The complaints citizens send, in intake's PostgreSQL schema: submission (with its events, in
// one transaction), the citizen's view behind ticket and tracking token, the citizen's
// follow-ups (more information, rating, reopening), and the status updates that routing's and
// sla's events bring.

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/events.pb.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/media.h"
#include "services/intake/rate_limits.h"
#include "services/intake/submission_writer.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"

namespace skk {
const std::vector<Migration>& intake_migrations();
}  // namespace skk

namespace skk::intake {

// Event types intake consumes, to show the citizen the current status.
std::vector<std::string> ConsumedEvents();

// Adds an entry, in the citizen's words, to a complaint's timeline inside `tx`.
absl::Status AddTimeline(PgConnection& tx, const std::string& complaint_id, absl::Time at,
                         const std::string& kind, const std::string& text);

class Complaints {
 public:
  struct Options {
    // Signs tracking tokens: token = HMAC(secret, complaint id). Nothing about the token is
    // stored, so a copy of the database does not open anyone's complaint; changing the secret
    // invalidates every tracking link.
    std::string tracking_secret;
    // How long after resolution the citizen may reopen when sla set no close time (ReopenUntil).
    absl::Duration reopen_window = absl::Hours(24 * 10);
    // Gathers concurrent text submissions into shared commits; null: each commits alone.
    SubmissionWriter* writer = nullptr;
    // The city exports the complaints filed here to SP4N-LAPOR (docs/lapor.md): each is
    // stored with a pending export.
    bool lapor_export = false;
  };

  // A complaint intake files itself from SP4N-LAPOR's disposition (LaporDesk), not from a
  // citizen's call: counted against no limit, linked to its tracking number from the start.
  struct LaporDisposed {
    std::string tracking_id;
    std::string agency_code;  // '' for routing's rules
  };

  Complaints(PgPool& pool, Clock& clock, const sambat::v1::CityConfig& city, MediaStore& media,
             RateLimiter& limiter, Options options);

  // Stores a validated submission, its photos' attachment and its events in one transaction.
  // A request repeating an idempotency key returns the first complaint (duplicate = true),
  // with its tracking token, and counts against no limit (also when the limit is reached).
  // `peer` (PeerAddress of the call) is counted when the request names neither a contact
  // nor a device.
  absl::StatusOr<sambat::v1::SubmitComplaintResponse> Submit(
      const sambat::v1::SubmitComplaintRequest& request, const std::string& peer,
      const LaporDisposed& disposed = {});

  // The reply for a complaint already stored under `key`, if there is one.
  absl::StatusOr<std::optional<sambat::v1::SubmitComplaintResponse>> FindSubmission(
      const std::string& key);

  // The citizen's view. NOT_FOUND alike for an unknown ticket and a wrong token. Every call
  // with a ticket and token counts against `peer`'s tracking limit (RESOURCE_EXHAUSTED past
  // it), and no row is locked before the token is found to be right.
  absl::StatusOr<sambat::v1::Complaint> Track(const std::string& ticket, const std::string& token,
                                              const std::string& peer);

  // The complaint behind (ticket, token), counted against `peer`'s tracking limit like Track:
  // a citizen's right to what is theirs (their photos). NOT_FOUND alike for an unknown ticket
  // and a wrong token.
  absl::StatusOr<std::string> Authorized(const std::string& ticket, const std::string& token,
                                         const std::string& peer);

  // The tracking token of the complaint `ticket` if it was reported with `phone` (+62 form):
  // what a citizen's text message proves instead of the token (text_desk.h). NOT_FOUND alike
  // for an unknown ticket, another number's complaint and one whose contact was erased.
  absl::StatusOr<std::string> TokenForReporter(const std::string& ticket,
                                               const std::string& phone);

  // Follow-ups; each emits its event for routing. FAILED_PRECONDITION when the complaint is
  // not in a state that allows it.
  absl::StatusOr<sambat::v1::Complaint> AddInfo(const sambat::v1::AddInfoRequest& request,
                                                const std::string& peer);
  absl::StatusOr<sambat::v1::Complaint> Rate(const sambat::v1::RateRequest& request,
                                             const std::string& peer);
  absl::StatusOr<sambat::v1::Complaint> Reopen(const sambat::v1::ReopenRequest& request,
                                               const std::string& peer);

  // Handlers that keep the citizen's view current.
  EventHandlers Handlers();

 private:
  struct Locked {
    std::string complaint_id;
    sambat::v1::CaseState state = sambat::v1::CASE_STATE_UNSPECIFIED;
    absl::Time resolved_at = absl::InfinitePast();
    std::optional<absl::Time> close_due_at;
    bool rated = false;
  };
  // Until when the citizen may reopen a case resolved at `resolved`: the end of sla's window
  // (the case closes by itself then) once sla has set it for this resolution, otherwise
  // reopen_window after the resolution.
  absl::Time ReopenUntil(absl::Time resolved, std::optional<absl::Time> close_due_at) const {
    if (close_due_at.has_value() && *close_due_at > resolved) return *close_due_at;
    return resolved + options_.reopen_window;
  }
  std::string TokenFor(const std::string& complaint_id) const;
  // A new complaint's row, with its ticket and the events it emits (complaint.submitted, and
  // complaint.reporter_contact when the citizen left a way to reach them).
  SubmissionRow NewSubmission(const sambat::v1::SubmitComplaintRequest& request,
                              int64_t ticket_number, absl::Time now,
                              const LaporDisposed& disposed) const;
  static void AddSubmissionEvents(SubmissionRow& row,
                                  const sambat::v1::SubmitComplaintRequest& request,
                                  const std::string& phone);
  // Stores `row` (through the batch writer, or with its photos in one transaction): false when
  // its idempotency key was stored already.
  absl::StatusOr<bool> Store(SubmissionRow& row, const sambat::v1::SubmitComplaintRequest& request);
  // The next ticket number of this replica, from a block reserved in the database.
  absl::StatusOr<int64_t> NextTicketNumber();
  // The complaint behind (ticket, token), read without a lock: the token is checked before
  // anything waits on a row, so a stranger guessing tokens never holds up the citizen.
  absl::StatusOr<std::string> Authorize(PgConnection& conn, const std::string& ticket,
                                        const std::string& token);
  // Locks the authorized complaint in `tx` and reads what a follow-up decides on.
  absl::StatusOr<Locked> Lock(PgConnection& tx, const std::string& complaint_id);
  // The citizen's view of the complaint with `ticket` (not yet checked against a token), in one
  // statement.
  absl::StatusOr<sambat::v1::Complaint> Load(PgConnection& conn, const std::string& ticket);
  // Runs a follow-up in one transaction and returns the view after it.
  absl::StatusOr<sambat::v1::Complaint> FollowUp(
      const std::string& ticket, const std::string& token, const std::string& peer,
      const std::function<absl::Status(PgConnection&, const Locked&, absl::Time)>& body);

  // Event handlers (case_updates.cc).
  absl::Status ApplyCaseEvent(PgConnection& tx, const sambat::v1::Event& event);
  // sla.deadline_set and sla.escalated, which are not in the case's chain.
  absl::Status ApplyClockEvent(PgConnection& tx, const sambat::v1::Event& event);

  PgPool& pool_;
  Clock& clock_;
  MediaStore& media_;
  RateLimiter& limiter_;
  Options options_;
  absl::TimeZone zone_;
  std::string ticket_prefix_;
  std::mutex ticket_mu_;
  int64_t next_ticket_ = 0;
  int64_t ticket_block_end_ = 0;  // exclusive
};

}  // namespace skk::intake

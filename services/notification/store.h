#pragma once

// notification's tables (migrations/002_deliveries.sql) behind named statements: recipients,
// citizens' contacts, the case facts the digest needs, deliveries and their attempts.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "sambat/v1/notification.pb.h"
#include "services/notification/messages.h"
#include "services/platform/pg.h"

namespace skk::notification {

inline constexpr char kEmail[] = "email";
inline constexpr char kSms[] = "sms";
inline constexpr char kWhatsApp[] = "whatsapp";
inline constexpr char kInbox[] = "inbox";
// Channels that leave the building, each with its own work queue.
inline const std::vector<std::string> kWireChannels = {kEmail, kSms, kWhatsApp};

struct Delivery {
  std::string id;
  std::string event_id;
  std::string complaint_id;  // empty for a digest
  std::string ticket;
  std::string recipient_id;
  std::string recipient_role;
  std::string recipient_name;
  std::string channel;
  std::string address;
  std::string subject;
  std::string body;
  std::string state = "pending";
  absl::Time not_before;
  absl::Time created_at;
  int attempts = 0;
  std::string last_error;
};

struct CitizenContact {
  std::string ticket;
  std::string name;
  std::string email;
  std::string phone;
  // The citizen wrote by SMS or WhatsApp and holds no tracking code (ComplaintPrivacy::by_text).
  bool by_text = false;
};

// Inserts the deliveries of one event to one recipient (one per channel, in one statement),
// each unless (event, recipient, channel) already has one. Returns the ids inserted. An inbox
// delivery is stored as sent: the inbox is the destination.
absl::StatusOr<std::vector<std::string>> InsertDeliveries(PgConnection& tx,
                                                          const std::vector<Delivery>& deliveries);

absl::Status SaveContact(PgConnection& tx, const std::string& complaint_id,
                         const CitizenContact& c, absl::Time now);
absl::StatusOr<std::optional<CitizenContact>> LoadContact(PgConnection& tx,
                                                          const std::string& complaint_id);

// What complaint.submitted said of the complaint's confidentiality (kept once).
absl::Status NoteComplaint(PgConnection& tx, const std::string& complaint_id,
                           const std::string& ticket, bool confidential, absl::Time now);
// What limits the citizen's words in the complaint's messages (confidential when
// complaint.submitted has not been applied, erased when erased_complaints has it), and the
// citizen's contact as far as it has arrived.
struct ComplaintFacts {
  ComplaintPrivacy privacy;
  std::optional<CitizenContact> contact;
};
absl::StatusOr<ComplaintFacts> LoadComplaintFacts(PgConnection& conn,
                                                  const std::string& complaint_id);

// A complaint merged into the complaint whose ticket is `original_ticket` (a later merge of the
// same complaint replaces it), and the complaints merged into one, oldest merge first.
struct MergedComplaint {
  std::string complaint_id;
  std::string ticket;
};
absl::Status RecordMerge(PgConnection& tx, const std::string& complaint_id,
                         const std::string& ticket, const std::string& original_ticket,
                         absl::Time now);
// An undone merge: the complaint follows no other.
absl::Status ForgetMerge(PgConnection& tx, const std::string& complaint_id);
absl::StatusOr<std::vector<MergedComplaint>> MergedInto(PgConnection& tx,
                                                       const std::string& original_ticket);

// Citizen-facing events waiting for the citizen's contact.
absl::Status HoldForContact(PgConnection& tx, const sambat::v1::Event& event);
// Takes (returns and removes) the events held for a complaint, oldest first.
absl::StatusOr<std::vector<sambat::v1::Event>> TakeHeldForContact(PgConnection& tx,
                                                                  const std::string& complaint_id);

// Case facts for the digest from a case event. `state` empty leaves it; `due_at` nullopt leaves
// it, and InfinitePast clears it. `case_sequence` (the event's; 0 without one) becomes the
// case's last applied, and the one that last set the deadline when `due_at` is set.
absl::Status NoteCase(PgConnection& tx, const std::string& complaint_id,
                      const std::string& ticket, const std::string& agency_code,
                      const std::string& state, std::optional<absl::Time> due_at,
                      int64_t case_sequence, absl::Time now);
// The pending deadline sla set for the clock the case event `cause_case_sequence` started, on
// a case notification knows. Decide first that it is not superseded (CaseOrder).
absl::Status NoteDeadline(PgConnection& tx, const std::string& complaint_id, absl::Time due_at,
                          int64_t cause_case_sequence, absl::Time now);

// Where a case stands in its chain of events, as far as notification applied it.
struct CaseOrder {
  bool known = false;         // a case event of it was applied
  int64_t last_applied = 0;   // case_sequence of the last one; 0: none with a sequence
  int64_t due_sequence = 0;   // the case event that last set or cleared the pending deadline
};
// Read under the complaint's lock (NotificationDesk::Apply).
absl::StatusOr<CaseOrder> LoadCaseOrder(PgConnection& tx, const std::string& complaint_id);

// The agency that has the complaint's case now, as the case events said; nullopt before its
// case.routed was applied.
absl::StatusOr<std::optional<std::string>> CaseAgency(PgConnection& conn,
                                                      const std::string& complaint_id);

// Active recipients with `role` ("humas", "head", "leadership") of `agency_code` (empty for
// leadership), in id order.
absl::StatusOr<std::vector<sambat::v1::Recipient>> RecipientsFor(PgConnection& conn,
                                                                 const std::string& role,
                                                                 const std::string& agency_code);
absl::StatusOr<std::vector<sambat::v1::Recipient>> DigestRecipients(PgConnection& conn);
absl::StatusOr<std::optional<sambat::v1::Recipient>> LoadRecipient(PgConnection& conn,
                                                                   const std::string& id);
// Writes a recipient. `from_config` rows keep preferences an admin has set.
// Every recipient, active or not, by id (the administrator's list).
absl::StatusOr<std::vector<sambat::v1::Recipient>> AllRecipients(PgConnection& conn);
absl::Status WriteRecipient(PgConnection& tx, const sambat::v1::Recipient& r, bool from_config,
                            absl::Time now);
// Marks configured recipients not in `keep` inactive.
absl::Status DeactivateConfigRecipientsExcept(PgConnection& tx, const std::vector<std::string>& keep);

// Dispatch: up to `limit` pending deliveries due at `now`, locked (SKIP LOCKED) until the
// transaction ends; MarkQueued after their messages were confirmed by the broker.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ClaimDue(PgConnection& tx,
                                                                         absl::Time now,
                                                                         int limit);
absl::Status MarkQueued(PgConnection& tx, const std::vector<std::string>& ids);

// Begins the attempts a batch of work-queue messages names (`ids`, one per message, in
// order), in one transaction: a delivery may be sent when it is queued or retrying, or sending
// with an expired lease (its sender died), and only by the first message naming it. Returns,
// per message, the delivery with its attempts counted, or nullopt and the state found.
struct AttemptStart {
  std::optional<Delivery> delivery;  // set when this attempt may send
  std::string state;                 // the state found otherwise ("" if no such delivery)
};
absl::StatusOr<std::vector<AttemptStart>> BeginAttempts(PgPool& pool,
                                                       const std::vector<std::string>& ids,
                                                       absl::Duration lease);
// An attempt's outcome: "sent", "retry" or "dead", and what the server said.
struct FinishedAttempt {
  const Delivery* delivery;
  std::string outcome;
  std::string detail;
};
// Records the outcomes of attempts begun by BeginAttempts (distinct deliveries), in one
// transaction, at business time `now`.
absl::Status FinishAttempts(PgPool& pool, const std::vector<FinishedAttempt>& finished,
                            absl::Time now);

// Removes the record of attempts at deliveries that are finished (sent or dead) and whose
// last attempt ended before `before` (real time): the operator's diagnosis of a delivery is
// done by then, and the delivery itself keeps its count and last error. Returns the rows.
absl::StatusOr<int64_t> PruneDeliveryAttempts(PgPool& pool, absl::Time before);

// Open and overdue cases for the digest: of one agency, or of all (empty code).
struct CaseCounts {
  int open = 0;
  int overdue = 0;
  std::vector<std::string> overdue_tickets;
};
absl::StatusOr<CaseCounts> CountCases(PgConnection& conn, const std::string& agency_code,
                                      absl::Time now);
// Claims the digest of (recipient, day). False if another replica (or an earlier run) has it.
absl::StatusOr<bool> ClaimDigest(PgConnection& tx, const std::string& recipient_id,
                                 absl::CivilDay day, absl::Time now);
// The last day whose digest was claimed for the recipient, if any.
absl::StatusOr<std::optional<absl::CivilDay>> LastDigestDay(PgConnection& conn,
                                                            const std::string& recipient_id);

// Read side.
absl::StatusOr<std::vector<sambat::v1::Notification>> ListByComplaint(
    PgConnection& conn, const std::string& complaint_id);
absl::StatusOr<std::vector<sambat::v1::Notification>> ListDead(PgConnection& conn, int limit);
// Puts dead deliveries back to pending (attempts start again). Returns how many.
absl::StatusOr<int> Replay(PgConnection& tx, const std::string& delivery_id, bool all,
                           absl::Time now);
absl::StatusOr<sambat::v1::ListInboxResponse> ListInbox(PgConnection& conn,
                                                        const std::string& subject,
                                                        bool unread_only, int limit);
absl::StatusOr<int> MarkRead(PgConnection& tx, const std::string& subject,
                             const std::vector<std::string>& ids, absl::Time now);

}  // namespace skk::notification

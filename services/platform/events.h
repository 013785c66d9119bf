#pragma once

// The event envelope (proto/sambat/v1/events.proto) and how it maps onto AMQP messages.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/amqp.h"

namespace skk {

// Routing keys of the events. One name per event, used in code, topology and docs.
inline constexpr char kComplaintSubmitted[] = "complaint.submitted";
inline constexpr char kCaseRouted[] = "case.routed";
inline constexpr char kDeadlineSet[] = "sla.deadline_set";
inline constexpr char kEscalated[] = "sla.escalated";
inline constexpr char kReporterContact[] = "complaint.reporter_contact";
inline constexpr char kInfoAdded[] = "complaint.info_added";
inline constexpr char kRated[] = "complaint.rated";
inline constexpr char kReopenRequested[] = "complaint.reopen_requested";
inline constexpr char kCaseInfoRequested[] = "case.info_requested";
inline constexpr char kCaseResponded[] = "case.responded";
inline constexpr char kCaseResolved[] = "case.resolved";
inline constexpr char kCaseRejected[] = "case.rejected";
inline constexpr char kCaseReopened[] = "case.reopened";
inline constexpr char kCaseClosed[] = "case.closed";
inline constexpr char kCaseClaimed[] = "case.claimed";
inline constexpr char kCaseForwarded[] = "case.forwarded";
inline constexpr char kCaseHandedOff[] = "case.handed_off";
inline constexpr char kCaseCitizenAnswered[] = "case.citizen_answered";
inline constexpr char kCasePartnerUpdated[] = "case.partner_updated";
inline constexpr char kReminderDue[] = "sla.reminder_due";
inline constexpr char kCloseDue[] = "sla.close_due";
inline constexpr char kErasureRequested[] = "complaint.erasure_requested";

// What stands in a text field whose personal data was erased, so a reader (officer, auditor)
// sees that something was there and why it is gone.
inline constexpr char kErasedText[] = "[dihapus: data pribadi warga]";

inline constexpr char kEventsExchange[] = "sambat.events";

// A new envelope with a fresh event id. `cause` (may be null) is the event this one follows
// from: the new event inherits its correlation id and names it as causation.
sambat::v1::Event NewEvent(const std::string& type, const std::string& complaint_id,
                           absl::Time occurred_at, const std::string& producer,
                           const sambat::v1::Event* cause);

// The routing key an envelope's payload requires; empty when no payload is set.
std::string PayloadType(const sambat::v1::Event& event);

// Erases the citizen's personal data from `event` (complaint.erasure_requested, UU 27/2022
// PDP), for a copy of an event that a service keeps (its outbox, its dead queue, a late event
// of an erased complaint). The reporter's name, phone and email become empty; the citizen's
// own words (description, free-text address, added information, answers, rating comment,
// reopen reason) become kErasedText, unless they were empty; the ids of the citizen's photos
// are removed only when `photos`. What stays: the envelope, ticket, category, agency, location,
// times, states, the officers' own texts and their proof photos, staff names. Fields this
// binary does not know (a newer producer's) cannot be judged, so they are removed. Idempotent.
// Every string field of every payload is classified in events_test.cc: a new field fails that
// test until it is decided here.
void ErasePersonalData(sambat::v1::Event& event, bool photos);

AmqpMessage ToAmqpMessage(const sambat::v1::Event& event, const std::string& exchange);

// Parses and checks an envelope: it must have an id, a type matching its payload, a complaint
// id and an occurred-at time. INVALID_ARGUMENT otherwise (such a message can never succeed).
absl::StatusOr<sambat::v1::Event> ParseEvent(const std::string& body);

absl::Time FromProtoTime(const google::protobuf::Timestamp& t);
google::protobuf::Timestamp ToProtoTime(absl::Time t);

}  // namespace skk

#include "services/platform/events.h"

#include "absl/strings/str_cat.h"
#include "services/platform/ids.h"
#include "services/platform/trace.h"

namespace skk {

absl::Time FromProtoTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  google::protobuf::Timestamp out;
  const int64_t seconds = absl::ToUnixSeconds(t);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
  return out;
}

sambat::v1::Event NewEvent(const std::string& type, const std::string& complaint_id,
                           absl::Time occurred_at, const std::string& producer,
                           const sambat::v1::Event* cause) {
  sambat::v1::Event event;
  event.set_event_id(NewUuid());
  event.set_type(type);
  *event.mutable_occurred_at() = ToProtoTime(occurred_at);
  event.set_complaint_id(complaint_id);
  event.set_producer(producer);
  // The trace of the work that writes the event (a call, or the event being applied), else
  // the cause's, else a new one: a consumer continues it (consumer.cc).
  if (const trace::TraceContext* traced = trace::Current()) {
    event.set_traceparent(trace::Format(*traced));
  } else if (cause != nullptr && trace::Parse(cause->traceparent()).has_value()) {
    event.set_traceparent(cause->traceparent());
  } else {
    event.set_traceparent(trace::Format(trace::NewTrace()));
  }
  if (cause != nullptr) {
    event.set_correlation_id(cause->correlation_id().empty() ? cause->event_id()
                                                             : cause->correlation_id());
    event.set_causation_id(cause->event_id());
  } else {
    event.set_correlation_id(event.event_id());
  }
  return event;
}

std::string PayloadType(const sambat::v1::Event& event) {
  using E = sambat::v1::Event;
  switch (event.payload_case()) {
    case E::kComplaintSubmitted: return kComplaintSubmitted;
    case E::kCaseRouted: return kCaseRouted;
    case E::kDeadlineSet: return kDeadlineSet;
    case E::kEscalated: return kEscalated;
    case E::kReporterContact: return kReporterContact;
    case E::kInfoAdded: return kInfoAdded;
    case E::kRated: return kRated;
    case E::kReopenRequested: return kReopenRequested;
    case E::kCaseInfoRequested: return kCaseInfoRequested;
    case E::kCaseResponded: return kCaseResponded;
    case E::kCaseResolved: return kCaseResolved;
    case E::kCaseRejected: return kCaseRejected;
    case E::kCaseReopened: return kCaseReopened;
    case E::kCaseClosed: return kCaseClosed;
    case E::kCaseClaimed: return kCaseClaimed;
    case E::kCaseForwarded: return kCaseForwarded;
    case E::kCaseHandedOff: return kCaseHandedOff;
    case E::kCaseCitizenAnswered: return kCaseCitizenAnswered;
    case E::kCasePartnerUpdated: return kCasePartnerUpdated;
    case E::kReminderDue: return kReminderDue;
    case E::kCloseDue: return kCloseDue;
    case E::kComplaintErasureRequested: return kErasureRequested;
    case E::PAYLOAD_NOT_SET: return "";
  }
  return "";
}

namespace {

// A text the citizen wrote: an empty one had nothing in it to erase.
void EraseText(std::string* text) {
  if (!text->empty()) *text = kErasedText;
}

}  // namespace

void ErasePersonalData(sambat::v1::Event& event, bool photos) {
  using E = sambat::v1::Event;
  event.DiscardUnknownFields();
  switch (event.payload_case()) {
    case E::kComplaintSubmitted: {
      auto* p = event.mutable_complaint_submitted();
      EraseText(p->mutable_description());
      EraseText(p->mutable_address());
      if (photos) p->clear_media_ids();
      return;
    }
    case E::kReporterContact: {
      auto* p = event.mutable_reporter_contact();
      p->clear_name();
      p->clear_phone();
      p->clear_email();
      return;
    }
    case E::kInfoAdded: {
      auto* p = event.mutable_info_added();
      EraseText(p->mutable_text());
      if (photos) p->clear_media_ids();
      return;
    }
    case E::kRated:
      EraseText(event.mutable_rated()->mutable_comment());
      return;
    case E::kReopenRequested:
      EraseText(event.mutable_reopen_requested()->mutable_reason());
      return;
    case E::kCaseReopened:  // routing copies the citizen's reopen reason into it
      EraseText(event.mutable_case_reopened()->mutable_reason());
      return;
    case E::kCaseHandedOff: {  // the complaint's facts, for the partner
      auto* p = event.mutable_case_handed_off();
      EraseText(p->mutable_description());
      EraseText(p->mutable_address());
      return;
    }
    case E::kCaseCitizenAnswered: {
      auto* p = event.mutable_case_citizen_answered();
      EraseText(p->mutable_text());
      if (photos) p->clear_media_ids();
      return;
    }
    // Staff's words and names, codes, times: the case, not the citizen.
    case E::kCaseRouted:
    case E::kDeadlineSet:
    case E::kEscalated:
    case E::kCaseInfoRequested:
    case E::kCaseResponded:
    case E::kCaseResolved:
    case E::kCaseRejected:
    case E::kCaseClosed:
    case E::kCaseClaimed:
    case E::kCaseForwarded:
    case E::kCasePartnerUpdated:  // the partner's words, not the citizen's
    case E::kReminderDue:
    case E::kCloseDue:
    case E::kComplaintErasureRequested:
    case E::PAYLOAD_NOT_SET:
      return;
  }
}

AmqpMessage ToAmqpMessage(const sambat::v1::Event& event, const std::string& exchange) {
  AmqpMessage m;
  m.exchange = exchange;
  m.routing_key = event.type();
  m.message_id = event.event_id();
  m.type = event.type();
  m.body = event.SerializeAsString();
  m.timestamp = FromProtoTime(event.occurred_at());
  m.correlation_id = event.correlation_id();
  return m;
}

absl::StatusOr<sambat::v1::Event> ParseEvent(const std::string& body) {
  sambat::v1::Event event;
  if (!event.ParseFromString(body)) {
    return absl::InvalidArgumentError("event: body is not a sambat.v1.Event");
  }
  if (!IsUuid(event.event_id())) {
    return absl::InvalidArgumentError("event: event_id is not a UUID");
  }
  if (event.type().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("event ", event.event_id(), ": type is empty"));
  }
  if (event.complaint_id().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", event.event_id(), ": complaint_id is empty"));
  }
  if (!event.has_occurred_at()) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", event.event_id(), ": occurred_at is missing"));
  }
  // An event from a newer producer may carry a payload this binary does not know; its type
  // then has no handler here and it is ignored, not rejected.
  const std::string payload_type = PayloadType(event);
  if (!payload_type.empty() && payload_type != event.type()) {
    return absl::InvalidArgumentError(absl::StrCat("event ", event.event_id(), ": type ",
                                                   event.type(), " but payload ",
                                                   payload_type));
  }
  return event;
}

}  // namespace skk

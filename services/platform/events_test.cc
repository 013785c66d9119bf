// The event envelope: ids and correlation, the checks a consumer relies on, the AMQP mapping
// and protobuf time conversion.

#include "services/platform/events.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "services/platform/ids.h"

namespace skk {
namespace {

const absl::Time kOccurred = absl::FromUnixSeconds(1772416800) + absl::Milliseconds(250);

sambat::v1::Event Submitted(const sambat::v1::Event* cause = nullptr) {
  sambat::v1::Event event = NewEvent(kComplaintSubmitted, "c-0001", kOccurred, "intake", cause);
  auto* p = event.mutable_complaint_submitted();
  p->set_ticket("SKK-2026-000001");
  p->set_category("jalan-rusak");
  return event;
}

sambat::v1::Event Routed(const sambat::v1::Event& cause) {
  sambat::v1::Event event = NewEvent(kCaseRouted, "c-0001", kOccurred, "routing", &cause);
  event.mutable_case_routed()->set_ticket("SKK-2026-000001");
  event.mutable_case_routed()->set_agency_code("dpuprpkp");
  return event;
}

TEST_CASE("a new event has a fresh UUID and starts its own correlation chain", "[events]") {
  const sambat::v1::Event a = Submitted();
  const sambat::v1::Event b = Submitted();
  CHECK(IsUuid(a.event_id()));
  CHECK(a.event_id() != b.event_id());
  CHECK(a.type() == kComplaintSubmitted);
  CHECK(a.complaint_id() == "c-0001");
  CHECK(a.producer() == "intake");
  CHECK(FromProtoTime(a.occurred_at()) == kOccurred);
  CHECK(a.correlation_id() == a.event_id());
  CHECK(a.causation_id().empty());
}

TEST_CASE("an event caused by another carries its correlation id down the chain", "[events]") {
  const sambat::v1::Event submitted = Submitted();
  const sambat::v1::Event routed = Routed(submitted);
  CHECK(routed.correlation_id() == submitted.event_id());
  CHECK(routed.causation_id() == submitted.event_id());

  sambat::v1::Event escalated = NewEvent(kEscalated, "c-0001", kOccurred, "sla", &routed);
  CHECK(escalated.correlation_id() == submitted.event_id());
  CHECK(escalated.causation_id() == routed.event_id());
  CHECK(escalated.event_id() != routed.event_id());
}

TEST_CASE("a cause without a correlation id starts the chain from itself", "[events]") {
  sambat::v1::Event old_style = Submitted();
  old_style.clear_correlation_id();
  const sambat::v1::Event routed = Routed(old_style);
  CHECK(routed.correlation_id() == old_style.event_id());
  CHECK(routed.causation_id() == old_style.event_id());
}

TEST_CASE("a well-formed envelope parses back to the same event", "[events]") {
  const sambat::v1::Event event = Routed(Submitted());
  auto parsed = ParseEvent(event.SerializeAsString());
  REQUIRE(parsed.ok());
  CHECK(parsed->event_id() == event.event_id());
  CHECK(parsed->type() == kCaseRouted);
  CHECK(parsed->case_routed().agency_code() == "dpuprpkp");
  CHECK(parsed->correlation_id() == event.correlation_id());
}

TEST_CASE("an envelope a consumer could never apply is rejected as invalid", "[events]") {
  auto expect_invalid = [](const std::string& body, const std::string& words) {
    auto parsed = ParseEvent(body);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(parsed.status().message()), Catch::Contains(words));
  };
  SECTION("garbage bytes") {
    expect_invalid(std::string("\xff\xff\xff\xff\x0f", 5), "not a sambat.v1.Event");
  }
  SECTION("no event id") {
    sambat::v1::Event e = Submitted();
    e.clear_event_id();
    expect_invalid(e.SerializeAsString(), "event_id");
  }
  SECTION("an event id that is not a UUID") {
    sambat::v1::Event e = Submitted();
    e.set_event_id("event-42");
    expect_invalid(e.SerializeAsString(), "event_id");
  }
  SECTION("no complaint id") {
    sambat::v1::Event e = Submitted();
    e.clear_complaint_id();
    expect_invalid(e.SerializeAsString(), "complaint_id");
  }
  SECTION("no occurred-at time") {
    sambat::v1::Event e = Submitted();
    e.clear_occurred_at();
    expect_invalid(e.SerializeAsString(), "occurred_at");
  }
  SECTION("a type that does not match the payload") {
    sambat::v1::Event e = Submitted();
    e.set_type(kCaseRouted);
    expect_invalid(e.SerializeAsString(), "payload complaint.submitted");
  }
}

TEST_CASE("an envelope with a payload from a newer producer is accepted", "[events]") {
  sambat::v1::Event e =
      NewEvent("case.claimed", "c-0001", kOccurred, "routing-v2", nullptr);
  // Field 99 (length-delimited) is a payload this binary does not know.
  const std::string unknown_payload = std::string("\x9a\x06\x03", 3) + "abc";
  auto parsed = ParseEvent(e.SerializeAsString() + unknown_payload);
  REQUIRE(parsed.ok());
  CHECK(parsed->type() == "case.claimed");
  CHECK(parsed->payload_case() == sambat::v1::Event::PAYLOAD_NOT_SET);
  CHECK(PayloadType(*parsed).empty());
}

TEST_CASE("each payload names the routing key it travels under", "[events]") {
  sambat::v1::Event e;
  CHECK(PayloadType(e).empty());
  e.mutable_complaint_submitted();
  CHECK(PayloadType(e) == "complaint.submitted");
  e.mutable_case_routed();
  CHECK(PayloadType(e) == "case.routed");
  e.mutable_deadline_set();
  CHECK(PayloadType(e) == "sla.deadline_set");
  e.mutable_escalated();
  CHECK(PayloadType(e) == "sla.escalated");
}

TEST_CASE("an event goes on the wire with its id, type and correlation id", "[events]") {
  const sambat::v1::Event submitted = Submitted();
  const sambat::v1::Event routed = Routed(submitted);
  const AmqpMessage m = ToAmqpMessage(routed, kEventsExchange);
  CHECK(m.exchange == "sambat.events");
  CHECK(m.message_id == routed.event_id());
  CHECK(m.routing_key == "case.routed");
  CHECK(m.type == "case.routed");
  CHECK(m.correlation_id == submitted.event_id());
  CHECK(m.timestamp == kOccurred);
  CHECK(m.attempt == 0);
  auto back = ParseEvent(m.body);
  REQUIRE(back.ok());
  CHECK(back->SerializeAsString() == routed.SerializeAsString());
}

TEST_CASE("protobuf timestamps round-trip to the nanosecond, before 1970 too", "[events]") {
  for (absl::Time t : {absl::UnixEpoch(),
                       absl::FromUnixSeconds(1772416800) + absl::Nanoseconds(123456789),
                       absl::FromUnixSeconds(1772416800) + absl::Nanoseconds(999999999),
                       absl::UnixEpoch() - absl::Nanoseconds(1),
                       absl::FromUnixSeconds(-86400) - absl::Milliseconds(1500)}) {
    INFO(absl::FormatTime(t));
    const google::protobuf::Timestamp p = ToProtoTime(t);
    // protobuf requires 0 <= nanos < 1e9, also for instants before the epoch.
    CHECK(p.nanos() >= 0);
    CHECK(p.nanos() < 1000000000);
    CHECK(FromProtoTime(p) == t);
  }
  const google::protobuf::Timestamp p = ToProtoTime(absl::UnixEpoch() - absl::Milliseconds(1));
  CHECK(p.seconds() == -1);
  CHECK(p.nanos() == 999000000);
}

// The citizen's personal data in events (complaint.erasure_requested, UU 27/2022 PDP), field
// by field. Every string field an event can carry is either here or in kNotPersonal below: a
// field added to events.proto fails "every string field ... is decided" until someone decides
// whether it is personal (and, if so, teaches ErasePersonalData to erase it).
enum class Erased {
  kEmptied,     // the reporter's contact: nothing stands in its place
  kMarked,      // the citizen's own words: kErasedText stands in their place
  kWithPhotos,  // the citizen's photo ids: removed only when the photos are erased too
};
const std::map<std::string, Erased> kPersonal = {
    {"sambat.v1.ComplaintSubmitted.description", Erased::kMarked},
    {"sambat.v1.ComplaintSubmitted.address", Erased::kMarked},
    {"sambat.v1.ComplaintSubmitted.media_ids", Erased::kWithPhotos},
    {"sambat.v1.ReporterContact.name", Erased::kEmptied},
    {"sambat.v1.ReporterContact.phone", Erased::kEmptied},
    {"sambat.v1.ReporterContact.email", Erased::kEmptied},
    {"sambat.v1.InfoAdded.text", Erased::kMarked},
    {"sambat.v1.InfoAdded.media_ids", Erased::kWithPhotos},
    {"sambat.v1.Rated.comment", Erased::kMarked},
    {"sambat.v1.ReopenRequested.reason", Erased::kMarked},
    // routing copies the citizen's reopen reason into the case event.
    {"sambat.v1.CaseReopened.reason", Erased::kMarked},
    // The complaint's facts handed to an external partner.
    {"sambat.v1.CaseHandedOff.description", Erased::kMarked},
    {"sambat.v1.CaseHandedOff.address", Erased::kMarked},
    {"sambat.v1.CaseCitizenAnswered.text", Erased::kMarked},
    {"sambat.v1.CaseCitizenAnswered.media_ids", Erased::kWithPhotos},
};
// Not the citizen's personal data: ids, codes, categories, the case's facts, and staff's own
// words and names (officers' answers, questions, notes, forward reasons; their proof photos).
const std::set<std::string> kNotPersonal = {
    // The case after a transition: the city's facts about the case and its officer, never the
    // citizen's words or identity.
    "sambat.v1.CaseSnapshot.ticket",
    "sambat.v1.CaseSnapshot.agency_code",
    "sambat.v1.CaseSnapshot.agency_name",
    "sambat.v1.CaseSnapshot.category",
    "sambat.v1.CaseSnapshot.holder_id",
    "sambat.v1.CaseSnapshot.holder_name",
    "sambat.v1.Event.event_id",
    "sambat.v1.Event.type",
    "sambat.v1.Event.complaint_id",
    "sambat.v1.Event.correlation_id",
    "sambat.v1.Event.causation_id",
    "sambat.v1.Event.producer",
    "sambat.v1.Event.actor",  // "officer:<id>", "citizen" or "system": never a citizen's identity
    // W3C trace ids, hex only (trace.h refuses anything else): a random id, or one a client
    // chose for its own request; never read from the citizen's words.
    "sambat.v1.Event.traceparent",
    "sambat.v1.ComplaintSubmitted.ticket",
    "sambat.v1.ComplaintSubmitted.category",
    "sambat.v1.ComplaintSubmitted.channel",
    "sambat.v1.ComplaintSubmitted.volunteer_id",  // the KIM volunteer's id, not the citizen's
    "sambat.v1.ComplaintSubmitted.join_ticket",   // another complaint's ticket
    "sambat.v1.ComplaintSubmitted.disposed_to_agency",  // an agency's code, from SP4N-LAPOR
    "sambat.v1.ReporterContact.ticket",
    "sambat.v1.InfoAdded.ticket",
    "sambat.v1.Rated.ticket",
    "sambat.v1.ReopenRequested.ticket",
    "sambat.v1.CaseInfoRequested.ticket",
    "sambat.v1.CaseInfoRequested.agency_code",
    "sambat.v1.CaseInfoRequested.question",  // the officer's question
    "sambat.v1.CaseResponded.ticket",
    "sambat.v1.CaseResponded.agency_code",
    "sambat.v1.CaseResponded.message",  // the officer's answer
    "sambat.v1.CaseResolved.ticket",
    "sambat.v1.CaseResolved.agency_code",
    "sambat.v1.CaseResolved.note",             // the officer's note
    "sambat.v1.CaseResolved.proof_media_ids",  // the officer's proof photos
    "sambat.v1.CaseRejected.ticket",
    "sambat.v1.CaseRejected.agency_code",
    "sambat.v1.CaseRejected.reason",
    "sambat.v1.CaseRejected.note",  // the officer's note
    "sambat.v1.CaseRejected.duplicate_of_ticket",
    "sambat.v1.CaseReopened.ticket",
    "sambat.v1.CaseReopened.agency_code",
    "sambat.v1.CaseReopened.category",
    "sambat.v1.CaseClosed.ticket",
    "sambat.v1.CaseClosed.agency_code",
    "sambat.v1.CaseRouted.ticket",
    "sambat.v1.CaseRouted.category",
    "sambat.v1.CaseRouted.agency_code",
    "sambat.v1.CaseRouted.agency_name",
    "sambat.v1.CaseRouted.rule_id",
    "sambat.v1.DeadlineSet.ticket",
    "sambat.v1.DeadlineSet.agency_code",
    "sambat.v1.Escalated.ticket",
    "sambat.v1.Escalated.agency_code",
    "sambat.v1.CaseClaimed.ticket",
    "sambat.v1.CaseClaimed.agency_code",
    "sambat.v1.CaseClaimed.officer_id",
    "sambat.v1.CaseClaimed.officer_name",  // staff
    "sambat.v1.CaseClaimed.category",
    "sambat.v1.CaseForwarded.ticket",
    "sambat.v1.CaseForwarded.from_agency_code",
    "sambat.v1.CaseForwarded.to_agency_code",
    "sambat.v1.CaseForwarded.to_agency_name",
    "sambat.v1.CaseForwarded.reason",  // the officer's reason
    "sambat.v1.CaseForwarded.category",
    "sambat.v1.CaseHandedOff.ticket",
    "sambat.v1.CaseHandedOff.agency_code",
    // A partner's word on a case handed to it: its own, like an officer's.
    "sambat.v1.CasePartnerUpdated.ticket",
    "sambat.v1.CasePartnerUpdated.agency_code",
    "sambat.v1.CasePartnerUpdated.agency_name",
    "sambat.v1.CasePartnerUpdated.partner_reference",
    "sambat.v1.CasePartnerUpdated.status",
    "sambat.v1.CasePartnerUpdated.note",
    "sambat.v1.CaseHandedOff.agency_name",
    "sambat.v1.CaseHandedOff.category",
    "sambat.v1.CaseCitizenAnswered.ticket",
    "sambat.v1.CaseCitizenAnswered.agency_code",
    "sambat.v1.ReminderDue.ticket",
    "sambat.v1.ReminderDue.agency_code",
    "sambat.v1.CloseDue.ticket",
    "sambat.v1.CloseDue.agency_code",
    "sambat.v1.ComplaintErasureRequested.ticket",
    "sambat.v1.ComplaintErasureRequested.erasure_id",
};

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Every string (or bytes) field reachable from `d`, by full name.
void StringFields(const Descriptor* d, std::set<const Descriptor*>& seen,
                  std::vector<const FieldDescriptor*>& out) {
  if (!seen.insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) out.push_back(f);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) StringFields(f->message_type(), seen, out);
  }
}

std::vector<const FieldDescriptor*> EventStringFields() {
  std::set<const Descriptor*> seen;
  std::vector<const FieldDescriptor*> out;
  StringFields(sambat::v1::Event::descriptor(), seen, out);
  return out;
}

// Sets every field of `m` (strings to their own full name, repeated ones twice) except the
// envelope's payload oneof, which the caller chose.
void Fill(Message& m) {
  const auto* r = m.GetReflection();
  const Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->real_containing_oneof() != nullptr) continue;
    const int copies = f->is_repeated() ? 2 : 1;
    for (int n = 0; n < copies; ++n) {
      const std::string text = absl::StrCat(f->full_name(), " #", n);
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          f->is_repeated() ? r->AddString(&m, f, text) : r->SetString(&m, f, text);
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          f->is_repeated() ? r->AddInt32(&m, f, 7) : r->SetInt32(&m, f, 7);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          f->is_repeated() ? r->AddInt64(&m, f, 77) : r->SetInt64(&m, f, 77);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? r->AddBool(&m, f, true) : r->SetBool(&m, f, true);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          f->is_repeated() ? r->AddDouble(&m, f, -7.98) : r->SetDouble(&m, f, -7.98);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* value = f->enum_type()->value(f->enum_type()->value_count() - 1);
          f->is_repeated() ? r->AddEnum(&m, f, value) : r->SetEnum(&m, f, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          Fill(f->is_repeated() ? *r->AddMessage(&m, f) : *r->MutableMessage(&m, f));
          break;
        default:
          FAIL("a field type Fill does not know: " << f->full_name());
      }
    }
  }
}

// What the payload `m` must look like after erasure, from the tables above.
void ExpectErased(Message& m, bool photos) {
  const auto* r = m.GetReflection();
  const Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    auto it = kPersonal.find(f->full_name());
    if (it == kPersonal.end()) continue;
    switch (it->second) {
      case Erased::kEmptied:
        r->ClearField(&m, f);
        break;
      case Erased::kMarked:
        REQUIRE_FALSE(f->is_repeated());
        r->SetString(&m, f, kErasedText);
        break;
      case Erased::kWithPhotos:
        if (photos) r->ClearField(&m, f);
        break;
    }
  }
}

TEST_CASE("every string field an event can carry is decided: the citizen's personal data or not",
          "[events][erasure]") {
  std::set<std::string> found;
  for (const FieldDescriptor* f : EventStringFields()) {
    found.insert(f->full_name());
    INFO(f->full_name() << ": add it to kPersonal (and to ErasePersonalData) or to kNotPersonal");
    CHECK(kPersonal.contains(f->full_name()) != kNotPersonal.contains(f->full_name()));
  }
  // No stale entries: a field renamed or removed leaves the tables too.
  for (const auto& [name, how] : kPersonal) {
    INFO(name);
    CHECK(found.contains(name));
  }
  for (const std::string& name : kNotPersonal) {
    INFO(name);
    CHECK(found.contains(name));
  }
}

TEST_CASE("erasure changes exactly the personal fields of every payload, and the photos only "
          "when asked",
          "[events][erasure]") {
  const google::protobuf::OneofDescriptor* payload =
      sambat::v1::Event::descriptor()->FindOneofByName("payload");
  REQUIRE(payload != nullptr);
  for (int i = 0; i < payload->field_count(); ++i) {
    for (const bool photos : {false, true}) {
      const FieldDescriptor* field = payload->field(i);
      INFO(field->full_name() << (photos ? " with photos" : " without photos"));
      sambat::v1::Event original;
      Fill(original);
      Fill(*original.GetReflection()->MutableMessage(&original, field));
      sambat::v1::Event expected = original;
      ExpectErased(*expected.GetReflection()->MutableMessage(&expected, field), photos);

      sambat::v1::Event erased = original;
      ErasePersonalData(erased, photos);
      INFO("erased:\n" << erased.DebugString() << "expected:\n" << expected.DebugString());
      CHECK(erased.SerializeAsString() == expected.SerializeAsString());
      ErasePersonalData(erased, photos);  // again: nothing more changes
      CHECK(erased.SerializeAsString() == expected.SerializeAsString());
    }
  }
}

TEST_CASE("an erased complaint keeps its case facts, and an empty text stays empty",
          "[events][erasure]") {
  sambat::v1::Event e = Submitted();
  const sambat::v1::Event before = e;
  auto* p = e.mutable_complaint_submitted();
  p->set_description("Lubang di depan rumah Pak Darmo, Jl. Kawi Atas 17, HP 081233344455");
  p->mutable_location()->set_latitude(-7.9826);
  p->add_media_ids("5f0c3a");
  ErasePersonalData(e, /*photos=*/false);
  CHECK(p->description() == kErasedText);
  CHECK(p->address().empty());  // the citizen gave none: nothing was there to mark
  CHECK(p->media_ids_size() == 1);
  CHECK(p->ticket() == "SKK-2026-000001");
  CHECK(p->category() == "jalan-rusak");
  CHECK(p->location().latitude() == -7.9826);
  CHECK(e.event_id() == before.event_id());
  CHECK(e.correlation_id() == before.correlation_id());
  CHECK(e.occurred_at().seconds() == before.occurred_at().seconds());
  ErasePersonalData(e, /*photos=*/true);
  CHECK(p->media_ids_size() == 0);

  sambat::v1::Event contact = NewEvent(kReporterContact, "c-0001", kOccurred, "intake", nullptr);
  contact.mutable_reporter_contact()->set_name("Siti Aminah");
  contact.mutable_reporter_contact()->set_phone("081234567890");
  contact.mutable_reporter_contact()->set_email("siti@example.id");
  ErasePersonalData(contact, false);
  CHECK(contact.reporter_contact().name().empty());
  CHECK(contact.reporter_contact().phone().empty());
  CHECK(contact.reporter_contact().email().empty());
}

TEST_CASE("erasure removes what this binary cannot judge: fields of a newer producer",
          "[events][erasure]") {
  sambat::v1::Event e = NewEvent("case.claimed", "c-0001", kOccurred, "routing-v2", nullptr);
  // Field 99 (length-delimited): a payload this binary does not know.
  // Its text is not hex, so the random event id never contains it.
  const std::string unknown_payload = std::string("\x9a\x06\x03", 3) + "xyz";
  auto parsed = ParseEvent(e.SerializeAsString() + unknown_payload);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->SerializeAsString().find("xyz") != std::string::npos);
  ErasePersonalData(*parsed, false);
  CHECK(parsed->SerializeAsString().find("xyz") == std::string::npos);
  CHECK(parsed->event_id() == e.event_id());
  CHECK(parsed->type() == "case.claimed");
}

}  // namespace
}  // namespace skk

#include "services/notification/notifications.h"

#include <set>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/notification/erasure.h"
#include "services/platform/case_order.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"

namespace skk::notification {
namespace {

const std::set<std::string> kKnownChannels = {kEmail, kSms, kWhatsApp, kInbox};

// One complaint's citizen-facing events, one transaction at a time (see Apply).
constexpr SqlStatement kLockComplaint{
    "ntf_lock_complaint", "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"};

std::string AddressOn(const sambat::v1::Recipient& r, const std::string& channel) {
  if (channel == kEmail) return r.email();
  if (channel == kSms) return r.phone();
  if (channel == kWhatsApp) return r.whatsapp();
  if (channel == kInbox) return r.id();
  return "";
}

void AddConfigured(Settings& s, const sambat::v1::Contact& c, const std::string& id,
                   const std::string& role, const std::string& agency) {
  sambat::v1::Recipient r;
  r.set_id(id);
  r.set_role(role);
  r.set_agency_code(agency);
  r.set_name(c.name());
  r.set_email(c.email());
  r.set_phone(c.phone());
  r.set_locale(s.default_locale);
  for (const std::string& ch : s.staff_channels) r.add_channels(ch);
  r.set_quiet_start(FormatClockMinute(s.staff_quiet.start_minute));
  r.set_quiet_end(FormatClockMinute(s.staff_quiet.end_minute));
  r.set_daily_digest(true);
  r.set_active(true);
  s.configured.push_back(std::move(r));
}

}  // namespace

absl::StatusOr<Settings> SettingsFrom(const sambat::v1::CityConfig& city) {
  Settings s;
  const sambat::v1::NotificationConfig& n = city.notification();
  std::vector<std::string> problems;
  if (!n.default_locale().empty()) {
    if (n.default_locale() != "id" && n.default_locale() != "en") {
      problems.push_back(absl::StrCat("notification.default_locale: '", n.default_locale(),
                                      "' is neither id nor en"));
    }
    s.default_locale = n.default_locale();
  }
  auto channels = [&](const auto& list, const char* field, std::vector<std::string>& out) {
    if (list.empty()) return;
    out.assign(list.begin(), list.end());
    for (const std::string& c : out) {
      if (!kKnownChannels.contains(c)) {
        problems.push_back(absl::StrCat("notification.", field, ": unknown channel '", c, "'"));
      }
    }
  };
  channels(n.citizen_channels(), "citizen_channels", s.citizen_channels);
  channels(n.staff_channels(), "staff_channels", s.staff_channels);
  if (n.has_staff_quiet_hours()) {
    if (!ParseClockMinute(n.staff_quiet_hours().start(), &s.staff_quiet.start_minute) ||
        !ParseClockMinute(n.staff_quiet_hours().end(), &s.staff_quiet.end_minute)) {
      problems.push_back("notification.staff_quiet_hours: start and end must be HH:MM");
    }
  }
  if (n.digest_hour() < 0 || n.digest_hour() > 23) {
    problems.push_back("notification.digest_hour: must be 0 to 23");
  } else if (n.digest_hour() > 0) {
    s.digest_hour = n.digest_hour();
  }
  if (n.max_attempts() < 0) problems.push_back("notification.max_attempts: must be positive");
  if (n.max_attempts() > 0) s.max_attempts = n.max_attempts();
  if (!absl::LoadTimeZone(city.time_zone(), &s.render.zone)) s.render.zone = absl::UTCTimeZone();
  s.render.tracking_url = n.tracking_url().empty() ? "https://sambat.malangkota.go.id/lacak/{ticket}"
                                                   : n.tracking_url();
  s.render.rating_url = n.rating_url().empty() ? s.render.tracking_url : n.rating_url();
  s.city_name = city.city_name();
  for (const auto& a : city.agencies()) {
    s.render.agency_names[a.code()] = a.name();
    for (int i = 0; i < a.humas_size(); ++i) {
      AddConfigured(s, a.humas(i), absl::StrCat("humas:", a.code(), ":", i + 1), "humas", a.code());
    }
    for (int i = 0; i < a.head_size(); ++i) {
      AddConfigured(s, a.head(i), absl::StrCat("head:", a.code(), ":", i + 1), "head", a.code());
    }
  }
  for (int i = 0; i < city.leadership_size(); ++i) {
    AddConfigured(s, city.leadership(i), absl::StrCat("leadership:", i + 1), "leadership", "");
  }
  for (const auto& link : n.staff_links()) {
    bool found = false;
    for (auto& r : s.configured) {
      if (r.id() == link.recipient_id()) {
        r.set_staff_subject(link.subject());
        found = true;
      }
    }
    if (!found) {
      problems.push_back(absl::StrCat("notification.staff_links: no configured contact '",
                                      link.recipient_id(), "'"));
    }
  }
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  return s;
}

std::vector<std::string> ConsumedEvents() {
  // complaint.submitted for its confidentiality only (complaints); its words are not kept.
  return {kComplaintSubmitted, kReporterContact, kErasureRequested, kCaseRouted,
          kCaseForwarded,      kCaseHandedOff,   kCaseClaimed,      kCaseResponded,
          kCaseInfoRequested,  kCaseCitizenAnswered, kCaseResolved, kCaseRejected,
          kCaseReopened,       kCaseClosed,      kDeadlineSet,      kReminderDue,
          kEscalated,          kCasePartnerUpdated};
}

absl::Status NotificationDesk::SyncRecipients(PgPool& pool) {
  const absl::Time now = clock_.Now();
  return pool.Transact([&](PgConnection& tx) -> absl::Status {
    std::vector<std::string> keep;
    for (const auto& r : settings_.configured) {
      SKK_RETURN_IF_ERROR(WriteRecipient(tx, r, /*from_config=*/true, now));
      keep.push_back(r.id());
    }
    return DeactivateConfigRecipientsExcept(tx, keep);
  });
}

EventHandlers NotificationDesk::Handlers() {
  EventHandlers handlers;
  for (const std::string& type : ConsumedEvents()) {
    handlers[type] = [this](PgConnection& tx, const sambat::v1::Event& e) { return Apply(tx, e); };
  }
  return handlers;
}

absl::Status NotificationDesk::Apply(PgConnection& tx, const sambat::v1::Event& event) {
  if (event.has_complaint_erasure_requested()) return Erase(tx, event);
  // The end of the citizen's window after a resolution is not a deadline of the agency's, and
  // tells nobody: the citizen hears of it in the reminder before it (sla.reminder_due).
  if (event.has_deadline_set() &&
      event.deadline_set().kind() == sambat::v1::DEADLINE_KIND_CLOSE) {
    return absl::OkStatus();
  }
  const absl::Time now = clock_.Now();
  const std::vector<Notice> notices = NoticesFor(event);
  const bool tells_someone = event.has_reporter_contact() || !notices.empty();
  const bool in_case_order = IsCaseEvent(event.type()) || event.has_deadline_set();
  ComplaintPrivacy privacy;  // confidential until complaint.submitted says otherwise
  if ((tells_someone || in_case_order) && !event.complaint_id().empty()) {
    // One transaction at a time per complaint for everything that writes a contact or a
    // message. A citizen event that finds no contact is held until complaint.reporter_contact
    // arrives, which sends what is held: applied concurrently (READ COMMITTED), each would miss
    // the other's uncommitted row, and the held message would never go out (found by the fault
    // suite's checker). And an erasure applied beside an event would miss the contact or the
    // message that event is writing, and leave it behind. A case's events, too, take their
    // turn (TakeTurn) under it.
    SKK_RETURN_IF_ERROR(tx.Execute(kLockComplaint, {SqlParam::Text(event.complaint_id())}).status());
  }
  if (in_case_order) {
    SKK_ASSIGN_OR_RETURN(const bool turn, TakeTurn(tx, event));
    if (!turn) return absl::OkStatus();
  }
  // The citizen's contact as it was before this event; a contact this event brings is read
  // when it is needed (a contact is written once and never changed, so one seen stays true).
  std::optional<CitizenContact> contact;
  if (tells_someone && !event.complaint_id().empty()) {
    SKK_ASSIGN_OR_RETURN(ComplaintFacts facts, LoadComplaintFacts(tx, event.complaint_id()));
    privacy = facts.privacy;
    contact = std::move(facts.contact);
  }
  if (privacy.erased && event.has_reporter_contact()) {
    // Late, or replayed from a dead letter: the citizen's contact never comes back.
    log::Info("contact of an erased complaint ignored",
              {{"complaint_id", event.complaint_id()}, {"event_id", event.event_id()}});
    return absl::OkStatus();
  }
  SKK_RETURN_IF_ERROR(NoteCaseFacts(tx, event, now));
  for (const Notice& notice : notices) {
    if (notice.audience != Audience::kCitizen) {
      SKK_RETURN_IF_ERROR(NotifyStaff(tx, event, notice, privacy));
    } else if (!privacy.erased) {
      // An erased complaint's citizen has no address left: nothing is sent, nothing is held.
      SKK_RETURN_IF_ERROR(NotifyCitizen(tx, event, notice, privacy, contact));
    }
  }
  if (event.has_case_rejected() && !event.case_rejected().duplicate_of_ticket().empty()) {
    SKK_RETURN_IF_ERROR(RecordMerge(tx, event.complaint_id(), TicketOf(event),
                                    event.case_rejected().duplicate_of_ticket(), now));
  }
  if (event.has_case_reopened() && event.case_reopened().unmerged()) {
    SKK_RETURN_IF_ERROR(ForgetMerge(tx, event.complaint_id()));
  }
  // A confidential complaint's answer is its own citizen's: others who reported the same
  // problem see only that theirs was merged.
  if (const std::optional<MessageKind> followed = FollowedKindFor(event);
      followed.has_value() && !privacy.confidential) {
    SKK_RETURN_IF_ERROR(NotifyFollowers(tx, event, *followed));
  }
  if (event.has_reporter_contact()) {
    SKK_ASSIGN_OR_RETURN(std::vector<sambat::v1::Event> held,
                         TakeHeldForContact(tx, event.complaint_id()));
    for (const sambat::v1::Event& e : held) {
      for (const Notice& notice : NoticesFor(e)) {
        if (notice.audience == Audience::kCitizen) {
          SKK_RETURN_IF_ERROR(NotifyCitizen(tx, e, notice, privacy, contact));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status NotificationDesk::Erase(PgConnection& tx, const sambat::v1::Event& event) {
  const std::string& id = event.complaint_id();
  if (!IsUuid(id)) {
    return absl::InvalidArgumentError("complaint.erasure_requested without a complaint id");
  }
  const std::string& erasure_id = event.complaint_erasure_requested().erasure_id();
  // The lock every event that writes a contact or a message of the complaint takes (Apply).
  SKK_RETURN_IF_ERROR(tx.Execute(kLockComplaint, {SqlParam::Text(id)}).status());
  SKK_ASSIGN_OR_RETURN(const bool first, EraseCitizenData(tx, id, erasure_id, clock_.Now()));
  // Which complaint and which erasure record, never the data.
  log::Info(first ? "citizen data erased" : "citizen data erased again",
            {{"complaint_id", id}, {"erasure_id", erasure_id}});
  return absl::OkStatus();
}

absl::StatusOr<bool> NotificationDesk::TakeTurn(PgConnection& tx,
                                                const sambat::v1::Event& event) {
  SKK_ASSIGN_OR_RETURN(const CaseOrder order, LoadCaseOrder(tx, event.complaint_id()));
  if (!event.has_deadline_set()) {
    // A case's row is made by its first event (case.routed or case.handed_off), so an early
    // event never starts the chain.
    return TakeCaseTurn(event, order.last_applied);
  }
  const int64_t cause = event.deadline_set().cause_case_sequence();
  if (!order.known || cause > order.last_applied) {
    // The case event that started the clock is still on the way: applied first, the deadline
    // would be cleared by it (a forward) or be set on no case at all.
    return EarlierEventPending(absl::StrCat(
        "sla.deadline_set of ", event.complaint_id(), " set by case event ", cause,
        " arrived before it was applied (last applied ", order.last_applied, ")"));
  }
  if (cause > 0 && cause < order.due_sequence) {
    // A later case event answered, stopped or replaced that clock: a deadline nobody runs.
    log::Info("deadline of an earlier clock ignored",
              {{"complaint_id", event.complaint_id()},
               {"event_id", event.event_id()},
               {"cause_case_sequence", static_cast<long long>(cause)},
               {"due_sequence", static_cast<long long>(order.due_sequence)}});
    return false;
  }
  return true;
}

namespace {

// What the desk calls a case's state in its own table (cases.status): whether it is still
// open for the agency, waiting for the citizen, or finished and how.
std::string CaseStatus(sambat::v1::CaseState state) {
  switch (state) {
    case sambat::v1::CASE_STATE_WAITING_CITIZEN: return "waiting";
    case sambat::v1::CASE_STATE_RESOLVED: return "resolved";
    case sambat::v1::CASE_STATE_REJECTED:
    case sambat::v1::CASE_STATE_MERGED: return "rejected";
    case sambat::v1::CASE_STATE_CLOSED: return "closed";
    default: return "open";
  }
}

// Whether the case event ends the deadline the desk shows: the clock it belonged to stopped
// (answered, forwarded, handed to a partner outside the city, finished) or starts again
// (reopened). A new one arrives as sla.deadline_set.
bool EndsDeadline(const sambat::v1::Event& e) {
  switch (e.payload_case()) {
    case sambat::v1::Event::kCaseResponded: return e.case_responded().first_response();
    case sambat::v1::Event::kCaseHandedOff:
    case sambat::v1::Event::kCaseForwarded:
    case sambat::v1::Event::kCaseResolved:
    case sambat::v1::Event::kCaseRejected:
    case sambat::v1::Event::kCaseReopened:
    case sambat::v1::Event::kCaseClosed: return true;
    default: return false;
  }
}

}  // namespace

absl::Status NotificationDesk::NoteCaseFacts(PgConnection& tx, const sambat::v1::Event& e,
                                             absl::Time now) {
  const std::string& id = e.complaint_id();
  if (e.has_case_after()) {
    // Its turn was taken (TakeTurn): the case as routing left it is the newest the desk knows.
    const sambat::v1::CaseSnapshot& after = e.case_after();
    const std::optional<absl::Time> deadline =
        EndsDeadline(e) ? std::optional<absl::Time>(absl::InfinitePast()) : std::nullopt;
    return NoteCase(tx, id, after.ticket(), after.agency_code(), CaseStatus(after.state()),
                    deadline, e.case_sequence(), now);
  }
  switch (e.payload_case()) {
    case sambat::v1::Event::kComplaintSubmitted:
      return NoteComplaint(tx, id, TicketOf(e), e.complaint_submitted().confidential(), now);
    case sambat::v1::Event::kDeadlineSet:
      // Its turn was taken (TakeTurn): the case is known and this is its newest clock. The
      // agency stays as the case events say.
      return NoteDeadline(tx, id, FromProtoTime(e.deadline_set().due_at()),
                          e.deadline_set().cause_case_sequence(), now);
    case sambat::v1::Event::kReporterContact: {
      const auto& c = e.reporter_contact();
      return SaveContact(tx, id, {c.ticket(), c.name(), c.email(), c.phone(), c.by_text()}, now);
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status NotificationDesk::NotifyCitizen(PgConnection& tx, const sambat::v1::Event& event,
                                             const Notice& notice,
                                             const ComplaintPrivacy& privacy,
                                             std::optional<CitizenContact>& contact) {
  if (!contact.has_value()) {
    SKK_ASSIGN_OR_RETURN(contact, LoadContact(tx, event.complaint_id()));
  }
  // No contact yet: either the citizen gave none (they follow the complaint with the tracking
  // code), or complaint.reporter_contact is still on its way; it tells the held events.
  if (!contact.has_value()) return HoldForContact(tx, event);
  ComplaintPrivacy known = privacy;
  known.by_text = contact->by_text;
  const sambat::v1::Recipient citizen = CitizenRecipient(event.complaint_id(), *contact);
  return AddDeliveries(tx, event.event_id(), event.complaint_id(), TicketOf(event), citizen,
                       "citizen", /*urgent=*/true,
                       [&](const std::string& locale, const std::string& channel) {
                         return Render(notice, event, locale, channel, settings_.render,
                                       known);
                       });
}

sambat::v1::Recipient NotificationDesk::CitizenRecipient(const std::string& complaint_id,
                                                        const CitizenContact& contact) const {
  sambat::v1::Recipient citizen;
  citizen.set_id(absl::StrCat("citizen:", complaint_id));
  citizen.set_name(contact.name.empty() ? "Pelapor" : contact.name);
  citizen.set_email(contact.email);
  citizen.set_phone(contact.phone);
  citizen.set_whatsapp(contact.phone);
  citizen.set_locale(settings_.default_locale);
  for (const std::string& c : settings_.citizen_channels) {
    if (c != kInbox) citizen.add_channels(c);  // citizens have no staff inbox
  }
  return citizen;
}

absl::Status NotificationDesk::NotifyFollowers(PgConnection& tx, const sambat::v1::Event& event,
                                               MessageKind kind) {
  SKK_ASSIGN_OR_RETURN(const std::vector<MergedComplaint> followers,
                       MergedInto(tx, TicketOf(event)));
  for (const MergedComplaint& follower : followers) {
    // The lock every writer of that complaint's messages takes (Apply): an erasure of it
    // waits for these deliveries, then clears them with the rest.
    SKK_RETURN_IF_ERROR(
        tx.Execute(kLockComplaint, {SqlParam::Text(follower.complaint_id)}).status());
    SKK_ASSIGN_OR_RETURN(ComplaintFacts facts, LoadComplaintFacts(tx, follower.complaint_id));
    // Erased, or a citizen who left no address: nobody to tell. Never held: the merged
    // complaint's contact came long before its merge.
    if (facts.privacy.erased || !facts.contact.has_value()) continue;
    ComplaintPrivacy known = facts.privacy;
    known.by_text = facts.contact->by_text;
    const Notice notice{.audience = Audience::kCitizen,
                        .agency_code = "",
                        .kind = kind,
                        .urgent = false,
                        .follower_ticket = follower.ticket};
    SKK_RETURN_IF_ERROR(AddDeliveries(
        tx, event.event_id(), follower.complaint_id, follower.ticket,
        CitizenRecipient(follower.complaint_id, *facts.contact), "citizen", /*urgent=*/true,
        [&](const std::string& locale, const std::string& channel) {
          return Render(notice, event, locale, channel, settings_.render, known);
        }));
  }
  return absl::OkStatus();
}

absl::Status NotificationDesk::NotifyStaff(PgConnection& tx, const sambat::v1::Event& event,
                                           const Notice& notice,
                                           const ComplaintPrivacy& privacy) {
  std::string role = notice.audience == Audience::kHumas ? "humas"
                     : notice.audience == Audience::kHead ? "head"
                                                          : "leadership";
  std::string agency = notice.audience == Audience::kLeadership ? "" : notice.agency_code;
  SKK_ASSIGN_OR_RETURN(std::vector<sambat::v1::Recipient> recipients,
                       RecipientsFor(tx, role, agency));
  if (recipients.empty() && notice.kind == MessageKind::kEscalation) {
    // An escalation must reach someone: with no head to tell, the city's leadership hears of
    // it rather than nobody.
    role = "leadership";
    agency = "";
    SKK_ASSIGN_OR_RETURN(recipients, RecipientsFor(tx, role, agency));
  }
  if (recipients.empty()) {
    log::Warn("nobody to notify", {{"complaint_id", event.complaint_id()},
                                   {"event_id", event.event_id()}, {"role", role},
                                   {"agency", notice.agency_code}});
    return absl::OkStatus();
  }
  const std::string role_label = agency.empty() ? role : absl::StrCat(role, ":", agency);
  Notice resolved = notice;
  if (resolved.agency_code.empty()) resolved.agency_code = agency;
  for (const auto& r : recipients) {
    SKK_RETURN_IF_ERROR(AddDeliveries(
        tx, event.event_id(), event.complaint_id(), TicketOf(event), r, role_label,
        notice.urgent, [&](const std::string& locale, const std::string& channel) {
          return Render(resolved, event, locale, channel, settings_.render, privacy);
        }));
  }
  return absl::OkStatus();
}

absl::Status NotificationDesk::AddDeliveries(
    PgConnection& tx, const std::string& event_id, const std::string& complaint_id,
    const std::string& ticket, const sambat::v1::Recipient& recipient, const std::string& role,
    bool urgent,
    const std::function<Rendered(const std::string&, const std::string&)>& render) {
  const absl::Time now = clock_.Now();
  QuietHours quiet;
  if (!recipient.quiet_start().empty()) ParseClockMinute(recipient.quiet_start(), &quiet.start_minute);
  if (!recipient.quiet_end().empty()) ParseClockMinute(recipient.quiet_end(), &quiet.end_minute);
  const std::string locale = recipient.locale().empty() ? settings_.default_locale
                                                        : recipient.locale();
  const bool digest = event_id.rfind("digest:", 0) == 0;
  std::vector<Delivery> deliveries;
  for (const std::string& channel : recipient.channels()) {
    const std::string address = AddressOn(recipient, channel);
    if (address.empty()) continue;
    // Who chose the digest hears of single cases only in the inbox (escalations excepted).
    if (recipient.digest_only() && !urgent && !digest && channel != kInbox) continue;
    const Rendered message = render(locale, channel);
    Delivery d;
    d.id = NewUuid();
    d.event_id = event_id;
    d.complaint_id = complaint_id;
    d.ticket = ticket;
    d.recipient_id = recipient.id();
    d.recipient_role = role;
    d.recipient_name = recipient.name();
    d.channel = channel;
    d.address = address;
    d.subject = message.subject;
    d.body = message.body;
    d.created_at = now;
    d.not_before = now;
    if (channel == kInbox) {
      d.state = "sent";
    } else if (channel == kSms || channel == kWhatsApp) {
      // A phone buzzing at night: held until the recipient's quiet hours end.
      d.not_before = ReleaseTime(now, quiet, settings_.render.zone);
    }
    deliveries.push_back(std::move(d));
  }
  SKK_ASSIGN_OR_RETURN(const std::vector<std::string> inserted, InsertDeliveries(tx, deliveries));
  for (const Delivery& d : deliveries) {
    if (!absl::c_linear_search(inserted, d.id)) continue;  // decided before: a redelivery
    log::Info("notification decided",
              {{"complaint_id", complaint_id}, {"event_id", event_id}, {"delivery_id", d.id},
               {"recipient", recipient.id()}, {"channel", d.channel}});
  }
  return absl::OkStatus();
}

}  // namespace skk::notification

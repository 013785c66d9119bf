#pragma once

// Deciding who hears of an event: the consumer's handler turns each event into deliveries, in
// the transaction that records the event as applied, so an event decides its deliveries once.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/notification.pb.h"
#include "services/notification/messages.h"
#include "services/notification/store.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"

namespace skk {
const std::vector<Migration>& notification_migrations();
}  // namespace skk

namespace skk::notification {

// What notification takes from the city configuration, with defaults filled in.
struct Settings {
  std::string default_locale = "id";
  std::vector<std::string> citizen_channels = {kEmail, kSms};
  std::vector<std::string> staff_channels = {kInbox, kEmail, kSms};
  QuietHours staff_quiet;
  int digest_hour = 7;
  int max_attempts = 8;
  RenderContext render;
  std::string city_name;
  // Configured contacts as recipients ("humas:dlh:1", ...), with their staff subjects.
  std::vector<sambat::v1::Recipient> configured;
};

// INVALID_ARGUMENT naming each problem (unknown channel, bad quiet hours, a staff link to no
// configured contact) for a configuration notification cannot work with.
absl::StatusOr<Settings> SettingsFrom(const sambat::v1::CityConfig& city);

// The event types notification consumes.
std::vector<std::string> ConsumedEvents();

class NotificationDesk {
 public:
  NotificationDesk(Settings settings, Clock& clock)
      : settings_(std::move(settings)), clock_(clock) {}

  // Writes the configured contacts into the recipients table (keeping preferences an admin
  // set) and retires contacts no longer configured.
  absl::Status SyncRecipients(PgPool& pool);

  EventHandlers Handlers();
  // Records the event's facts and decides its deliveries, inside `tx`; applies an erasure.
  // A case's events in the case's order (see TakeTurn); OK and nothing done for a stale one,
  // EarlierEventPending for an early one.
  absl::Status Apply(PgConnection& tx, const sambat::v1::Event& event);

  // The deliveries of one message to one recipient on each of its channels, applying its
  // preferences (quiet hours, digest only). Inbox deliveries are complete on insert.
  absl::Status AddDeliveries(PgConnection& tx, const std::string& event_id,
                             const std::string& complaint_id, const std::string& ticket,
                             const sambat::v1::Recipient& recipient, const std::string& role,
                             bool urgent, const std::function<Rendered(const std::string& locale,
                                                                       const std::string& channel)>&
                                              render);

  const Settings& settings() const { return settings_; }

 private:
  // complaint.erasure_requested (erasure.h), under the complaint's lock.
  absl::Status Erase(PgConnection& tx, const sambat::v1::Event& event);
  // A case's events apply in the case's order (TakeCaseTurn, case_order.h): true to apply the
  // event now, false for one already passed (nothing changes, nobody is told again), or
  // EarlierEventPending. sla.deadline_set waits for the case event that started its clock and
  // is passed once a later case event answered, stopped or replaced that clock.
  absl::StatusOr<bool> TakeTurn(PgConnection& tx, const sambat::v1::Event& event);
  absl::Status NoteCaseFacts(PgConnection& tx, const sambat::v1::Event& event, absl::Time now);
  // `contact`: the citizen's contact if already read in this transaction; read (and kept
  // there) when not.
  absl::Status NotifyCitizen(PgConnection& tx, const sambat::v1::Event& event,
                             const Notice& notice, const ComplaintPrivacy& privacy,
                             std::optional<CitizenContact>& contact);
  absl::Status NotifyStaff(PgConnection& tx, const sambat::v1::Event& event,
                           const Notice& notice, const ComplaintPrivacy& privacy);
  // The citizens of the complaints merged into the event's: its first answer and resolution
  // (FollowedKindFor), each on their own complaint, with their own ticket.
  absl::Status NotifyFollowers(PgConnection& tx, const sambat::v1::Event& event,
                               MessageKind kind);
  // A citizen as a recipient: their complaint's id, their contact, the citizens' channels.
  sambat::v1::Recipient CitizenRecipient(const std::string& complaint_id,
                                         const CitizenContact& contact) const;

  Settings settings_;
  Clock& clock_;
};

}  // namespace skk::notification

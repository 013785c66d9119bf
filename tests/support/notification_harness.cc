#include "tests/support/notification_harness.h"

#include "tests/support/case_order.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "services/platform/amqp.h"
#include "services/platform/events.h"

namespace skk::testing {

std::vector<std::string> NotificationFlags(const FakeReceiver& smtp, const FakeReceiver& gateway,
                                           const NotificationOptions& options) {
  return {absl::StrCat("--smtp_url=smtp://127.0.0.1:", smtp.port()),
          absl::StrCat("--sms_gateway_url=http://127.0.0.1:", gateway.port(), "/sms"),
          absl::StrCat("--whatsapp_gateway_url=http://127.0.0.1:", gateway.port(), "/whatsapp"),
          "--delivery_backoff=200ms",
          "--delivery_backoff_steps=3",
          absl::StrCat("--max_delivery_attempts=", options.max_attempts),
          "--channel_timeout=1s",
          "--dispatch_poll=50ms",
          "--digest_poll=200ms",
          options.daily_digest ? "--daily_digest=true" : "--daily_digest=false"};
}

NotifyingSystem::NotifyingSystem(const std::string& name, const std::vector<std::string>& then,
                                 const NotificationOptions& options)
    : System(name, {}) {
  Start("notification", NotificationFlags(smtp, gateway, options));
  for (const std::string& service : then) Start(service);
}

NotifyingSystem::~NotifyingSystem() { StopAll(); }

std::multiset<Mail> MailsAbout(const FakeReceiver& smtp, const std::string& ticket) {
  std::multiset<Mail> out;
  for (const auto& r : smtp.Records()) {
    if (Field(r, "ticket") == ticket) out.insert({Field(r, "rcpt_tos"), Field(r, "subject")});
  }
  return out;
}

void Publish(const IsolatedWorld& world, const std::vector<sambat::v1::Event>& events) {
  auto endpoint = ParseAmqpUri(world.AmqpUri());
  REQUIRE(endpoint.ok());
  ConfirmingPublisher publisher(*endpoint, "test-publisher", 100);
  std::vector<AmqpMessage> messages;
  for (sambat::v1::Event e : events) {
    StandInRouting().Stamp(e);
    messages.push_back(ToAmqpMessage(e, kEventsExchange));
  }
  const absl::Status st = publisher.PublishBatch(messages);
  INFO(st.ToString());
  REQUIRE(st.ok());
}

sambat::v1::Event TestEvent(const std::string& type, const std::string& complaint_id,
                            absl::Time at) {
  return NewEvent(type, complaint_id, at, "test", nullptr);
}

InProcessNotification::InProcessNotification(const IsolatedWorld& world, absl::Time now)
    : clock_(now) {
  pool_ = std::make_unique<PgPool>(
      PgPool::Options{.uri = world.PgUri("notification"), .schema = "notification", .size = 2});
  auto settings = notification::SettingsFrom(ShippedCityConfig());
  REQUIRE(settings.ok());
  desk_ = std::make_unique<notification::NotificationDesk>(*settings, clock_);
  api_ = std::make_unique<notification::NotificationApi>(*pool_, clock_, *desk_);
}

Caller Staff(const std::string& subject, StaffRole role, const std::string& agency) {
  Caller c;
  c.subject = subject;
  c.name = subject;
  c.role = role;
  c.agency_code = agency;
  return c;
}

}  // namespace skk::testing

// notification: makes sure the right people hear of what happened to a complaint, once.

#include <filesystem>

#include "absl/flags/flag.h"
#include "services/notification/channels.h"
#include "services/notification/delivery.h"
#include "services/notification/digest.h"
#include "services/notification/notifications.h"
#include "services/notification/service.h"
#include "services/notification/store.h"
#include "services/platform/log.h"
#include "services/platform/service_host.h"

ABSL_FLAG(std::string, smtp_url, "", "overrides notification.email.url of the city config");
ABSL_FLAG(std::string, sms_gateway_url, "", "overrides notification.sms.url");
ABSL_FLAG(std::string, whatsapp_gateway_url, "", "overrides notification.whatsapp.url");
ABSL_FLAG(absl::Duration, channel_timeout, absl::ZeroDuration(),
          "overrides every channel's per-message timeout (0: the configured ones)");
ABSL_FLAG(absl::Duration, delivery_backoff, absl::Seconds(2),
          "wait before the first retry of a failed delivery; doubled at each further step");
ABSL_FLAG(int, delivery_backoff_steps, 7, "retry queues per channel (the last step repeats)");
ABSL_FLAG(int, max_delivery_attempts, 0,
          "attempts at one delivery before it is dead-lettered (0: notification.max_attempts)");
ABSL_FLAG(int, channel_workers, 2, "worker threads per channel (email, sms, whatsapp)");
ABSL_FLAG(absl::Duration, delivery_attempts_retention, absl::Hours(24 * 90),
          "the record of each attempt at a sent or dead message is pruned this long after its "
          "last attempt (real time; 0: kept)");
ABSL_FLAG(absl::Duration, dispatch_poll, absl::Milliseconds(200),
          "how often pending deliveries are looked for (real time)");
ABSL_FLAG(bool, daily_digest, true,
          "run the daily digest job (tests of single messages turn it off)");
ABSL_FLAG(absl::Duration, digest_poll, absl::Seconds(5),
          "how often the daily digest job looks at the clock (real time)");

namespace {

std::string Override(const std::string& flag, const std::string& configured) {
  return flag.empty() ? configured : flag;
}

struct Channels {
  skk::notification::SmtpOptions smtp;
  skk::notification::GatewayOptions sms;
  skk::notification::GatewayOptions whatsapp;
};

// The channels of the city configuration (files relative to its directory), with the flags'
// overrides.
Channels LoadChannelsOrExit(const skk::ServiceOptions& options,
                            const sambat::v1::CityConfig& city) {
  const std::string config_dir =
      std::filesystem::path(options.city_config).parent_path().string();
  const auto& configured = city.notification();
  Channels c{
      .smtp = skk::ValueOrExit(skk::notification::SmtpOptionsFrom(configured.email(), config_dir)),
      .sms = skk::ValueOrExit(skk::notification::GatewayOptionsFrom(configured.sms(), config_dir)),
      .whatsapp = skk::ValueOrExit(
          skk::notification::GatewayOptionsFrom(configured.whatsapp(), config_dir))};
  c.smtp.url = Override(absl::GetFlag(FLAGS_smtp_url), c.smtp.url);
  // The local stack and the tests talk to a fake server on loopback without TLS.
  if (options.dev) c.smtp.require_tls = false;
  c.sms.url = Override(absl::GetFlag(FLAGS_sms_gateway_url), c.sms.url);
  c.whatsapp.url = Override(absl::GetFlag(FLAGS_whatsapp_gateway_url), c.whatsapp.url);
  if (const absl::Duration t = absl::GetFlag(FLAGS_channel_timeout); t > absl::ZeroDuration()) {
    c.smtp.timeout = c.sms.timeout = c.whatsapp.timeout = t;
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("notification", 50054, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  // Before anything connects: a service without keys of its own stops at once.
  const skk::TokenVerifier staff = skk::LoadTokenVerifierOrExit(options, city);
  skk::notification::Settings settings = skk::ValueOrExit(skk::notification::SettingsFrom(city));
  if (absl::GetFlag(FLAGS_max_delivery_attempts) > 0) {
    settings.max_attempts = absl::GetFlag(FLAGS_max_delivery_attempts);
  }
  const Channels channels = LoadChannelsOrExit(options, city);
  skk::notification::InitCurl();

  skk::ServiceHost host(options);
  host.MigrateOrExit("notification", skk::notification_migrations());

  skk::notification::NotificationDesk desk(std::move(settings), host.clock());
  skk::OkOrExit(desk.SyncRecipients(host.pool()));

  skk::notification::DeliveryOptions delivery{
      .endpoint = host.amqp(),
      .backoff = skk::notification::ExponentialBackoff(absl::GetFlag(FLAGS_delivery_backoff),
                                                       absl::GetFlag(FLAGS_delivery_backoff_steps)),
      .max_attempts = desk.settings().max_attempts,
      .idle_poll = absl::GetFlag(FLAGS_dispatch_poll)};
  if (options.declare_topology_only) {
    // The queues other services publish to. The channel queues are notification's own work
    // queues, declared below by the process that publishes to them and drains them.
    host.AddConsumer(skk::notification::ConsumedEvents(), desk.Handlers());
    return host.Run();
  }
  skk::OkOrExit(skk::notification::DeclareChannelQueues(delivery));

  if (const absl::Duration keep = absl::GetFlag(FLAGS_delivery_attempts_retention);
      keep > absl::ZeroDuration()) {
    host.AddHourlyPruning("delivery attempts", [&host, keep] {
      return skk::notification::PruneDeliveryAttempts(host.pool(), absl::Now() - keep);
    });
  }
  skk::notification::Dispatcher dispatcher(host.pool(), host.clock(), delivery);
  host.AddBackgroundLoop("dispatch", [&](const std::atomic<bool>& stop) { dispatcher.Run(stop); });
  std::vector<std::unique_ptr<skk::notification::ChannelWorker>> workers;
  for (int i = 0; i < absl::GetFlag(FLAGS_channel_workers); ++i) {
    workers.push_back(std::make_unique<skk::notification::ChannelWorker>(
        skk::notification::kEmail, host.pool(), host.clock(),
        skk::notification::MakeSmtpSender(channels.smtp), delivery));
    workers.push_back(std::make_unique<skk::notification::ChannelWorker>(
        skk::notification::kSms, host.pool(), host.clock(),
        skk::notification::MakeGatewaySender(channels.sms), delivery));
    workers.push_back(std::make_unique<skk::notification::ChannelWorker>(
        skk::notification::kWhatsApp, host.pool(), host.clock(),
        skk::notification::MakeGatewaySender(channels.whatsapp), delivery));
  }
  for (auto& w : workers) {
    host.AddBackgroundLoop("channel", [w = w.get()](const std::atomic<bool>& stop) { w->Run(stop); });
  }
  skk::notification::DigestJob digest(host.pool(), host.clock(), desk);
  const absl::Duration digest_poll = absl::GetFlag(FLAGS_digest_poll);
  if (absl::GetFlag(FLAGS_daily_digest)) {
    host.AddBackgroundLoop("digest",
                           [&](const std::atomic<bool>& stop) { digest.Run(stop, digest_poll); });
  }

  // Every method is for staff: the log holds citizens' words, the inbox officers' work.
  host.RequireStaffAuth(&staff);
  skk::notification::NotificationApi api(host.pool(), host.clock(), desk);
  skk::notification::NotificationService service(api, host.executor());
  host.AddConsumer(skk::notification::ConsumedEvents(), desk.Handlers());
  host.AddGrpcService(&service);
  return host.Run();
}

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

[[noreturn]] void Die(const std::string& what) {
  skk::log::Error("cannot start", {{"error", what}});
  std::exit(2);
}

std::string Override(const std::string& flag, const std::string& configured) {
  return flag.empty() ? configured : flag;
}

}  // namespace

int main(int argc, char** argv) {
  const skk::ServiceOptions options = skk::InitService("notification", 50054, argc, argv);
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  // Before anything connects: a service without keys of its own stops at once.
  const skk::TokenVerifier staff = skk::LoadTokenVerifierOrExit(options, city);
  auto settings = skk::notification::SettingsFrom(city);
  if (!settings.ok()) Die(settings.status().ToString());
  if (absl::GetFlag(FLAGS_max_delivery_attempts) > 0) {
    settings->max_attempts = absl::GetFlag(FLAGS_max_delivery_attempts);
  }
  const std::string config_dir =
      std::filesystem::path(options.city_config).parent_path().string();
  const auto& channels = city.notification();
  auto smtp = skk::notification::SmtpOptionsFrom(channels.email(), config_dir);
  auto sms = skk::notification::GatewayOptionsFrom(channels.sms(), config_dir);
  auto whatsapp = skk::notification::GatewayOptionsFrom(channels.whatsapp(), config_dir);
  if (!smtp.ok()) Die(smtp.status().ToString());
  if (!sms.ok()) Die(sms.status().ToString());
  if (!whatsapp.ok()) Die(whatsapp.status().ToString());
  smtp->url = Override(absl::GetFlag(FLAGS_smtp_url), smtp->url);
  // The local stack and the tests talk to a fake server on loopback without TLS.
  if (options.dev) smtp->require_tls = false;
  sms->url = Override(absl::GetFlag(FLAGS_sms_gateway_url), sms->url);
  whatsapp->url = Override(absl::GetFlag(FLAGS_whatsapp_gateway_url), whatsapp->url);
  if (const absl::Duration t = absl::GetFlag(FLAGS_channel_timeout); t > absl::ZeroDuration()) {
    smtp->timeout = sms->timeout = whatsapp->timeout = t;
  }
  skk::notification::InitCurl();

  skk::ServiceHost host(options);
  host.MigrateOrExit("notification", skk::notification_migrations());

  skk::notification::NotificationDesk desk(*std::move(settings), host.clock());
  if (absl::Status st = desk.SyncRecipients(host.pool()); !st.ok()) Die(st.ToString());

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
  if (absl::Status st = skk::notification::DeclareChannelQueues(delivery); !st.ok()) {
    Die(st.ToString());
  }

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
        skk::notification::MakeSmtpSender(*smtp), delivery));
    workers.push_back(std::make_unique<skk::notification::ChannelWorker>(
        skk::notification::kSms, host.pool(), host.clock(),
        skk::notification::MakeGatewaySender(*sms), delivery));
    workers.push_back(std::make_unique<skk::notification::ChannelWorker>(
        skk::notification::kWhatsApp, host.pool(), host.clock(),
        skk::notification::MakeGatewaySender(*whatsapp), delivery));
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
  skk::notification::NotificationService service(
      api, host.executor(), [](const grpc::ServerContextBase& c) { return skk::CallerOf(c); });
  host.AddConsumer(skk::notification::ConsumedEvents(), desk.Handlers());
  host.AddGrpcService(&service);
  return host.Run();
}

// intake: takes citizens' complaints and photos, and shows them their status.

#include <algorithm>

#include "absl/flags/flag.h"
#include "services/intake/complaints.h"
#include "services/intake/erasure.h"
#include "services/intake/intake_service.h"
#include "services/intake/lapor_desk.h"
#include "services/intake/media.h"
#include "services/intake/rate_limits.h"
#include "services/platform/log.h"
#include "services/platform/service_host.h"

ABSL_FLAG(std::string, lapor_url, "",
          "SP4N-LAPOR's API base replacing the configured one (staging, a test's fake)");
ABSL_FLAG(std::string, media_dir, ".run/dev/media", "where photos are stored (a volume)");
ABSL_FLAG(int64_t, max_photo_bytes, 10 * 1024 * 1024, "largest photo accepted, in bytes");
ABSL_FLAG(int, max_photos, 5, "photos per complaint or answer");
ABSL_FLAG(int, max_concurrent_decodes, 2,
          "photos decoded at once (each large one may take hundreds of MB)");
ABSL_FLAG(absl::Duration, reopen_window, absl::Hours(24 * 10),
          "how long after resolution a citizen may reopen, until the sla service sets the "
          "case's close time (auto_close_working_days), or always for a city that never "
          "closes cases by itself");
ABSL_FLAG(std::string, tracking_secret, "",
          "secret that signs tracking tokens (prefer --tracking_secret_file)");
ABSL_FLAG(std::string, tracking_secret_file, "",
          "file holding the secret that signs tracking tokens (required outside --dev)");
ABSL_FLAG(int, reporter_limit, 10, "new complaints per reporter per window (0: no limit)");
ABSL_FLAG(int, device_limit, 20, "new complaints per device per window (0: no limit)");
ABSL_FLAG(absl::Duration, rate_window, absl::Hours(1),
          "the window of the reporter, device and anonymous limits");
ABSL_FLAG(int, anonymous_peer_limit, 30,
          "new complaints per window from one network address naming neither a contact nor a "
          "device (0: no limit); generous, since many phones share a carrier's address");
ABSL_FLAG(int, tracking_limit, 3000,
          "tracking calls (GetComplaint, AddInfo, Rate, Reopen) per tracking window from one "
          "network address (0: no limit)");
ABSL_FLAG(absl::Duration, tracking_window, absl::Minutes(1), "the window of --tracking_limit");
ABSL_FLAG(std::string, rate_limit_secret, "",
          "secret that keys the HMAC naming rate-limit counters (prefer --rate_limit_secret_file)");
ABSL_FLAG(std::string, rate_limit_secret_file, "",
          "file holding the rate-limit secret (required outside --dev)");
ABSL_FLAG(std::string, trusted_gateways, "",
          "addresses or CIDR ranges of the HTTP gateways, whose word on a citizen's address "
          "(for the per-address limits) is believed; empty: nobody's");
ABSL_FLAG(int, max_concurrent_uploads, 64, "photo uploads in progress at once in this process");
ABSL_FLAG(int, max_uploads_per_peer, 4,
          "photo uploads in progress at once from one network address");
ABSL_FLAG(absl::Duration, decode_wait, absl::Seconds(5),
          "how long an upload waits for a decoder before RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, max_unattached_bytes_per_peer, 200LL * 1024 * 1024,
          "bytes of photos not yet in a complaint that one network address may keep (0: no cap)");
ABSL_FLAG(int64_t, max_unattached_bytes, 20LL * 1024 * 1024 * 1024,
          "bytes of photos not yet in a complaint kept in all (0: no cap)");
ABSL_FLAG(absl::Duration, unattached_media_age, absl::Hours(24),
          "photos in no complaint, and leftover temporary files, are removed after this long");
ABSL_FLAG(absl::Duration, media_collect_interval, absl::Minutes(10),
          "how often unattached photos and leftover files are looked for (real time)");
ABSL_FLAG(int, submission_writers, 4,
          "transactions writing new complaints at once (each on its own connection)");
ABSL_FLAG(int, submission_batch, 128, "new complaints committed together at most");
ABSL_FLAG(absl::Duration, personal_data_retention, absl::Hours(24 * 730),
          "a finished complaint's personal data is erased this long after it finished "
          "(business time; 0 turns retention off)");
ABSL_FLAG(absl::Duration, text_gather_interval, absl::Seconds(1),
          "how often complaints gathered from SMS and WhatsApp messages whose number went quiet "
          "are looked for (real time)");
ABSL_FLAG(absl::Duration, retention_interval, absl::Hours(1),
          "how often finished complaints past retention are looked for (real time)");

namespace {
// Handlers mostly wait for a shared commit, not for a connection of their own.
constexpr int kDefaultRequestThreads = 64;

skk::intake::MediaLimits MediaLimitsFromFlags() {
  skk::intake::MediaLimits limits;
  limits.max_photo_bytes = absl::GetFlag(FLAGS_max_photo_bytes);
  limits.max_concurrent_decodes = std::max(1, absl::GetFlag(FLAGS_max_concurrent_decodes));
  return limits;
}

skk::intake::RateLimiter::Limits RateLimitsFromFlags() {
  const absl::Duration window = absl::GetFlag(FLAGS_rate_window);
  return {.per_reporter = {absl::GetFlag(FLAGS_reporter_limit), window},
          .per_device = {absl::GetFlag(FLAGS_device_limit), window},
          .anonymous_per_peer = {absl::GetFlag(FLAGS_anonymous_peer_limit), window},
          .tracking_per_peer = {absl::GetFlag(FLAGS_tracking_limit),
                                absl::GetFlag(FLAGS_tracking_window)}};
}
}  // namespace

int main(int argc, char** argv) {
  skk::ServiceOptions options = skk::InitService("intake", 50051, argc, argv);
  if (options.request_threads == 0) options.request_threads = kDefaultRequestThreads;
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  const std::string secret = skk::LoadSecretOrExit(
      {.name = "tracking_secret", .value = absl::GetFlag(FLAGS_tracking_secret),
       .file = absl::GetFlag(FLAGS_tracking_secret_file),
       .dev_default = skk::kDevTrackingSecret},
      options);
  const std::string rate_limit_secret = skk::LoadSecretOrExit(
      {.name = "rate_limit_secret", .value = absl::GetFlag(FLAGS_rate_limit_secret),
       .file = absl::GetFlag(FLAGS_rate_limit_secret_file),
       .dev_default = skk::kDevRateLimitSecret},
      options);
  // LAPOR's token is read once, here: a service that cannot reach LAPOR properly stops at
  // once instead of queueing exports no one will take.
  std::optional<skk::intake::LaporEndpoint> lapor =
      skk::ValueOrExit(skk::intake::LoadLaporEndpoint(city, options.city_config,
                                                      absl::GetFlag(FLAGS_lapor_url), options.dev));
  // Only the data protection officer's tools take staff tokens; the citizens' API is open.
  const skk::TokenVerifier staff = skk::LoadTokenVerifierOrExit(options, city);
  skk::ServiceHost host(options);
  host.MigrateOrExit("intake", skk::intake_migrations());

  skk::intake::MediaStore media(
      host.pool(), absl::GetFlag(FLAGS_media_dir), MediaLimitsFromFlags(), host.clock(),
      {.decode_wait = absl::GetFlag(FLAGS_decode_wait),
       .max_bytes_per_uploader = absl::GetFlag(FLAGS_max_unattached_bytes_per_peer),
       .max_bytes = absl::GetFlag(FLAGS_max_unattached_bytes),
       .max_age = absl::GetFlag(FLAGS_unattached_media_age)});
  skk::intake::UploadSlots upload_slots(std::max(1, absl::GetFlag(FLAGS_max_concurrent_uploads)),
                                        std::max(1, absl::GetFlag(FLAGS_max_uploads_per_peer)));
  const skk::intake::CitizenAddresses addresses(
      skk::ValueOrExit(skk::AddressRanges::Parse(absl::GetFlag(FLAGS_trusted_gateways))));
  skk::intake::MediaUploads uploads(media, host.executor(), upload_slots, addresses);
  skk::intake::RateLimiter limiter(options.redis_addr, options.redis_prefix, rate_limit_secret,
                                   RateLimitsFromFlags(), host.clock());
  skk::intake::SubmissionWriter writer(
      {.pg_uri = options.pg_uri,
       .pg_schema = options.pg_schema,
       .writers = std::max(1, absl::GetFlag(FLAGS_submission_writers)),
       .max_batch = std::max(1, absl::GetFlag(FLAGS_submission_batch))});
  skk::intake::Complaints complaints(
      host.pool(), host.clock(), city, media, limiter,
      {.tracking_secret = secret,
       .reopen_window = absl::GetFlag(FLAGS_reopen_window),
       .writer = &writer,
       .lapor_export = lapor.has_value() && lapor->channel.export_complaints()});
  skk::intake::SubmissionRules rules = skk::intake::RulesFromCityConfig(city);
  rules.max_photos = absl::GetFlag(FLAGS_max_photos);
  skk::intake::PublicComplaints listing(host.pool(), host.clock(), city);
  skk::intake::PhotoAccess photos(host.pool(), media, complaints);
  skk::intake::TextDesk texts(host.pool(), host.clock(), city, complaints, rules);
  std::optional<skk::intake::LaporDesk> lapor_desk;
  if (lapor.has_value()) {
    lapor_desk.emplace(host.pool(), host.clock(), city, complaints, rules, *std::move(lapor));
    host.AddBackgroundLoop("lapor", [&](const std::atomic<bool>& stop) { lapor_desk->Run(stop); });
  }
  skk::intake::IntakeService service(complaints, uploads, listing, photos, texts,
                                     std::move(rules), host.executor(), addresses);

  skk::intake::CitizenData citizen_data(
      host.pool(), host.clock(), media,
      {.retention = absl::GetFlag(FLAGS_personal_data_retention)});
  skk::intake::CitizenDataService citizen_data_service(citizen_data, host.executor());

  host.AddConsumer(skk::intake::ConsumedEvents(), complaints.Handlers());
  host.AddGrpcService(&service);
  host.AddGrpcService(&citizen_data_service);
  host.RequireStaffAuth(&staff);
  host.AddPeriodicWork("media-collector", absl::GetFlag(FLAGS_media_collect_interval), [&media] {
    if (absl::StatusOr<skk::intake::Collected> done = media.CollectGarbage(); !done.ok()) {
      skk::log::Warn("media collection failed", {{"error", std::string(done.status().message())}});
    }
  });
  if (!city.text_messaging().gateways().empty()) {
    host.AddPeriodicWork("text-gather", absl::GetFlag(FLAGS_text_gather_interval), [&texts] {
      if (absl::StatusOr<int> done = texts.SubmitGathered(); !done.ok()) {
        skk::log::Warn("gathered text complaints not submitted",
                       {{"error", std::string(done.status().message())}});
      }
    });
  }
  host.AddPeriodicWork("retention", absl::GetFlag(FLAGS_retention_interval), [&citizen_data] {
    if (absl::StatusOr<int> done = citizen_data.EraseExpired(); !done.ok()) {
      skk::log::Warn("retention pass failed", {{"error", std::string(done.status().message())}});
    }
  });
  return host.Run();
}

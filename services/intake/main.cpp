// intake: takes citizens' complaints and photos, and shows them their status.

#include <algorithm>

#include "absl/flags/flag.h"
#include "services/intake/complaints.h"
#include "services/intake/intake_service.h"
#include "services/intake/media.h"
#include "services/intake/rate_limits.h"
#include "services/platform/log.h"
#include "services/platform/service_host.h"

ABSL_FLAG(std::string, media_dir, ".run/dev/media", "where photos are stored (a volume)");
ABSL_FLAG(int64_t, max_photo_bytes, 10 * 1024 * 1024, "largest photo accepted, in bytes");
ABSL_FLAG(int, max_photos, 5, "photos per complaint or answer");
ABSL_FLAG(int, max_concurrent_decodes, 2,
          "photos decoded at once (each large one may take hundreds of MB)");
ABSL_FLAG(absl::Duration, reopen_window, absl::Hours(24 * 10),
          "how long after resolution a citizen may reopen");
ABSL_FLAG(std::string, tracking_secret, "",
          "secret that signs tracking tokens (prefer --tracking_secret_file)");
ABSL_FLAG(std::string, tracking_secret_file, "",
          "file holding the secret that signs tracking tokens (required outside --dev)");
ABSL_FLAG(int, reporter_limit, 10, "new complaints per reporter per window (0: no limit)");
ABSL_FLAG(int, device_limit, 20, "new complaints per device per window (0: no limit)");
ABSL_FLAG(absl::Duration, rate_window, absl::Hours(1), "the window of the two limits");
ABSL_FLAG(int, submission_writers, 4,
          "transactions writing new complaints at once (each on its own connection)");
ABSL_FLAG(int, submission_batch, 128, "new complaints committed together at most");

namespace {
// Handlers mostly wait for a shared commit, not for a connection of their own.
constexpr int kDefaultRequestThreads = 64;
}

int main(int argc, char** argv) {
  skk::ServiceOptions options = skk::InitService("intake", 50051, argc, argv);
  if (options.request_threads == 0) options.request_threads = kDefaultRequestThreads;
  const sambat::v1::CityConfig city = skk::LoadCityConfigOrExit(options);
  const std::string secret = skk::LoadSecretOrExit(
      {.name = "tracking_secret", .value = absl::GetFlag(FLAGS_tracking_secret),
       .file = absl::GetFlag(FLAGS_tracking_secret_file),
       .dev_default = skk::kDevTrackingSecret},
      options);
  skk::ServiceHost host(options);
  host.MigrateOrExit("intake", skk::intake_migrations());

  skk::intake::MediaLimits limits;
  limits.max_photo_bytes = absl::GetFlag(FLAGS_max_photo_bytes);
  limits.max_concurrent_decodes = std::max(1, absl::GetFlag(FLAGS_max_concurrent_decodes));
  skk::intake::MediaStore media(host.pool(), absl::GetFlag(FLAGS_media_dir), limits);
  skk::intake::MediaUploads uploads(media, host.executor());
  const absl::Duration window = absl::GetFlag(FLAGS_rate_window);
  skk::intake::RateLimiter limiter(options.redis_addr, options.redis_prefix,
                                   {absl::GetFlag(FLAGS_reporter_limit), window},
                                   {absl::GetFlag(FLAGS_device_limit), window});
  skk::intake::SubmissionWriter writer(
      {.pg_uri = options.pg_uri,
       .pg_schema = options.pg_schema,
       .writers = std::max(1, absl::GetFlag(FLAGS_submission_writers)),
       .max_batch = std::max(1, absl::GetFlag(FLAGS_submission_batch))});
  skk::intake::Complaints complaints(host.pool(), host.clock(), city, media, limiter,
                                     {.tracking_secret = secret,
                                      .reopen_window = absl::GetFlag(FLAGS_reopen_window),
                                      .writer = &writer});
  skk::intake::SubmissionRules rules = skk::intake::RulesFromCityConfig(city);
  rules.max_photos = absl::GetFlag(FLAGS_max_photos);
  skk::intake::IntakeService service(complaints, uploads, std::move(rules), host.executor());

  host.AddConsumer(skk::intake::ConsumedEvents(), complaints.Handlers());
  host.AddGrpcService(&service);
  return host.Run();
}

#include "services/routing/routing_config.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <utility>

#include "services/platform/city_config.h"
#include "services/platform/log.h"

namespace skk::routing {
namespace {

// Set by the SIGHUP handler, taken by ReloadWatch::CheckOnce. A lock-free atomic is safe to
// touch from a signal handler.
std::atomic<bool> g_reload_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void OnSighup(int) { g_reload_requested.store(true); }

void InstallSighupHandler() {
  struct sigaction action = {};
  action.sa_handler = OnSighup;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &action, nullptr);
}

}  // namespace

RoutingConfig::Snapshot RoutingConfig::Build(sambat::v1::CityConfig city) {
  auto shared = std::make_shared<const sambat::v1::CityConfig>(std::move(city));
  return {shared, std::make_shared<const RoutingRules>(*shared)};
}

absl::StatusOr<std::unique_ptr<RoutingConfig>> RoutingConfig::Load(const std::string& path) {
  auto city = LoadCityConfig(path);
  if (!city.ok()) return city.status();
  return std::make_unique<RoutingConfig>(path, *city);
}

RoutingConfig::RoutingConfig(std::string path, const sambat::v1::CityConfig& loaded)
    : path_(std::move(path)), current_(Build(loaded)) {}

std::shared_ptr<const RoutingRules> RoutingConfig::Current() const {
  absl::MutexLock lock(&mu_);
  return current_.rules;
}

std::shared_ptr<const sambat::v1::CityConfig> RoutingConfig::CurrentCity() const {
  absl::MutexLock lock(&mu_);
  return current_.city;
}

absl::Status RoutingConfig::Reload() {
  absl::MutexLock one_at_a_time(&reload_mu_);
  auto city = LoadCityConfig(path_);
  if (!city.ok()) return city.status();
  Snapshot next = Build(*std::move(city));  // built outside mu_: readers never wait for it
  absl::MutexLock lock(&mu_);
  std::swap(current_, next);
  return absl::OkStatus();  // `next` (the old rules) dies here unless a reader still holds it
}

ReloadWatch::ReloadWatch(RoutingConfig& config, absl::Duration interval)
    : config_(config), interval_(interval), last_seen_(Look()) {
  InstallSighupHandler();
}

ReloadWatch::FileState ReloadWatch::Look() const {
  std::error_code error;
  const auto mtime = std::filesystem::last_write_time(config_.path(), error);
  if (error) return {};
  const auto size = std::filesystem::file_size(config_.path(), error);
  if (error) return {};
  return {true,
          std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count(),
          static_cast<long long>(size)};
}

std::optional<absl::Status> ReloadWatch::CheckOnce() {
  const bool signalled = g_reload_requested.exchange(false);
  const FileState now = Look();
  const bool changed = !(now == last_seen_);
  last_seen_ = now;  // a failed reload is not retried until the file changes again
  if (!signalled && !changed) return std::nullopt;
  const char* trigger = signalled ? "SIGHUP" : "file changed";
  absl::Status reloaded = config_.Reload();
  if (reloaded.ok()) {
    log::Info("city configuration reloaded", {{"file", config_.path()}, {"trigger", trigger}});
  } else {
    log::Error("city configuration not reloaded: the last good one stays in force",
               {{"file", config_.path()},
                {"trigger", trigger},
                {"error", std::string(reloaded.message())}});
  }
  return reloaded;
}

void ReloadWatch::Run(const std::atomic<bool>& stop) {
  const absl::Duration step = absl::Milliseconds(100);
  absl::Duration since_look = absl::ZeroDuration();
  while (!stop.load()) {
    if (g_reload_requested.load() || since_look >= interval_) {
      CheckOnce();
      since_look = absl::ZeroDuration();
    }
    std::this_thread::sleep_for(absl::ToChronoMicroseconds(step));
    since_look += step;
  }
}

}  // namespace skk::routing

// The rules in force and their reload: a good file replaces them, a bad one never does.

#include "services/routing/routing_config.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_replace.h"
#include "services/platform/testing/test_env.h"
#include "services/routing/test_city.h"

namespace skk::routing {
namespace {

using skk::testing::TempDir;

constexpr GeoPoint kUtaraTimur{-7.92, 112.64};

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// Moves the file's modification time on, as an edit a while later would: the file system's
// clock may not tick between two writes of a test.
void Touch(const std::string& path, int seconds_later) {
  const auto t = std::filesystem::last_write_time(path);
  std::filesystem::last_write_time(path, t + std::chrono::seconds(seconds_later));
}

// The test city with parkir-liar in utara/timur sent to `agency` instead of dlh.
std::string CityWithKelurahanRuleTo(const std::string& agency) {
  return absl::StrReplaceAll(testing::TestCityText(),
                             {{R"(area: "utara/timur" agency: "dlh")",
                               "area: \"utara/timur\" agency: \"" + agency + "\""}});
}

int LineOf(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

TEST_CASE("the configuration in force is the file's, validated", "[routing]") {
  TempDir dir;
  const std::string path = dir.File("city.textproto");
  Write(path, testing::TestCityText());
  auto config = RoutingConfig::Load(path);
  REQUIRE(config.ok());
  CHECK((*config)->Current()->Route("parkir-liar", kUtaraTimur).agency_code == "dlh");
  CHECK((*config)->CurrentCity()->city_name() == "Kota Uji");
  CHECK((*config)->path() == path);
}

TEST_CASE("an invalid file at start is refused with its file and line", "[routing]") {
  TempDir dir;
  const std::string path = dir.File("city.textproto");
  const std::string text = CityWithKelurahanRuleTo("dinas-tidak-ada");
  Write(path, text);
  auto config = RoutingConfig::Load(path);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(std::string(config.status().message()),
             Catch::Contains(path + ":" + std::to_string(LineOf(text, "dinas-tidak-ada")) +
                             ": routing rule 'parkir-liar-utara-timur' names unknown agency"));
}

TEST_CASE("a reload puts a good file in force and keeps the last good one on a bad file",
          "[routing]") {
  TempDir dir;
  const std::string path = dir.File("city.textproto");
  Write(path, testing::TestCityText());
  auto loaded = RoutingConfig::Load(path);
  REQUIRE(loaded.ok());
  RoutingConfig& config = **loaded;
  const std::shared_ptr<const RoutingRules> first = config.Current();

  const std::string bad = CityWithKelurahanRuleTo("dinas-tidak-ada");
  Write(path, bad);
  const absl::Status refused = config.Reload();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(refused.message()),
             Catch::StartsWith(path + ":" + std::to_string(LineOf(bad, "dinas-tidak-ada")) + ": "));
  CHECK(config.Current() == first);
  CHECK(config.Current()->Route("parkir-liar", kUtaraTimur).agency_code == "dlh");

  Write(path, CityWithKelurahanRuleTo("dishub"));
  REQUIRE(config.Reload().ok());
  CHECK(config.Current()->Route("parkir-liar", kUtaraTimur).agency_code == "dishub");
  // Whoever held the old rules still decides with them, whole.
  CHECK(first->Route("parkir-liar", kUtaraTimur).agency_code == "dlh");

  std::filesystem::remove(path);
  CHECK(config.Reload().code() == absl::StatusCode::kNotFound);
  CHECK(config.Current()->Route("parkir-liar", kUtaraTimur).agency_code == "dishub");
}

TEST_CASE("the watch reloads when the file changes, and only then", "[routing]") {
  TempDir dir;
  const std::string path = dir.File("city.textproto");
  Write(path, testing::TestCityText());
  RoutingConfig config(path, testing::TestCity());
  ReloadWatch watch(config);
  CHECK_FALSE(watch.CheckOnce().has_value());

  Write(path, CityWithKelurahanRuleTo("satpol-pp"));
  Touch(path, 5);
  const auto reloaded = watch.CheckOnce();
  REQUIRE(reloaded.has_value());
  CHECK(reloaded->ok());
  CHECK(config.Current()->Route("parkir-liar", kUtaraTimur).agency_code == "satpol-pp");
  CHECK_FALSE(watch.CheckOnce().has_value());

  Write(path, CityWithKelurahanRuleTo("dinas-tidak-ada"));
  Touch(path, 10);
  const auto refused = watch.CheckOnce();
  REQUIRE(refused.has_value());
  CHECK_FALSE(refused->ok());
  CHECK(config.Current()->Route("parkir-liar", kUtaraTimur).agency_code == "satpol-pp");
  // A refused file is not retried until it changes again.
  CHECK_FALSE(watch.CheckOnce().has_value());
}

TEST_CASE("SIGHUP reloads the file even when it is unchanged", "[routing]") {
  TempDir dir;
  const std::string path = dir.File("city.textproto");
  Write(path, testing::TestCityText());
  RoutingConfig config(path, testing::TestCity());
  ReloadWatch watch(config);
  const std::shared_ptr<const RoutingRules> first = config.Current();
  CHECK_FALSE(watch.CheckOnce().has_value());

  REQUIRE(::raise(SIGHUP) == 0);
  const auto reloaded = watch.CheckOnce();
  REQUIRE(reloaded.has_value());
  CHECK(reloaded->ok());
  CHECK(config.Current() != first);  // read again, not merely kept
  CHECK_FALSE(watch.CheckOnce().has_value());
}

TEST_CASE("the watch loop reloads on SIGHUP and stops when told", "[routing]") {
  TempDir dir;
  const std::string path = dir.File("city.textproto");
  Write(path, testing::TestCityText());
  RoutingConfig config(path, testing::TestCity());
  ReloadWatch watch(config, absl::Hours(1));  // only the signal can wake it in this test
  std::atomic<bool> stop{false};
  std::thread loop([&] { watch.Run(stop); });

  Write(path, CityWithKelurahanRuleTo("satpol-pp"));
  REQUIRE(::raise(SIGHUP) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (config.Current()->Route("parkir-liar", kUtaraTimur).agency_code != "satpol-pp" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(config.Current()->Route("parkir-liar", kUtaraTimur).agency_code == "satpol-pp");
  stop = true;
  loop.join();
}

TEST_CASE("readers route whole decisions while the rules are reloaded under them", "[routing]") {
  TempDir dir;
  const std::string path = dir.File("city.textproto");
  const std::string to_dlh = testing::TestCityText();
  const std::string to_dishub = CityWithKelurahanRuleTo("dishub");
  Write(path, to_dlh);
  RoutingConfig config(path, testing::TestCity());
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<long> decisions{0};
  auto reader = [&] {
    while (!stop.load()) {
      const RoutingDecision d = config.Current()->Route("parkir-liar", kUtaraTimur);
      const bool whole = (d.agency_code == "dlh" && d.rule_id == "parkir-liar-utara-timur") ||
                         (d.agency_code == "dishub" && d.agency_name == "Dishub");
      if (!whole) ++torn;
      ++decisions;
    }
  };
  std::thread first(reader), second(reader);
  for (int i = 0; i < 20; ++i) {
    Write(path, i % 2 == 0 ? to_dishub : to_dlh);
    REQUIRE(config.Reload().ok());
  }
  stop = true;
  first.join();
  second.join();
  CHECK(torn.load() == 0);
  CHECK(decisions.load() > 0);
}

}  // namespace
}  // namespace skk::routing

// The citizens' app in a real browser (docs/citizen-app.md): Debian's Chromium, driven by
// playwright-core from Node, on a phone's viewport, against the real gateway and services. Each
// case starts the whole system, then one script of this folder; the script prints
// "EXPECT_ONE <ticket>", "EXPECT_ASSISTED <ticket> <volunteer>" and "EXPECT_COMPLAINTS <n>" for
// what the city must have stored, and this harness checks them in intake's tables. Screenshots
// of every screen are kept in build/<kind>/citizen-app-screens/<script>/.

#include <csignal>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "tests/support/staff_console.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

constexpr char kOfficer[] = "budi.dpuprpkp";
constexpr char kOfficerPassword[] = "jalan-mulus-kota-malang";

struct BrowserRun {
  int exit_code = -1;
  std::string output;
};

// Runs tests/citizen-app/<script> with Node against `system`'s gateway.
BrowserRun RunScript(const System& system, const std::string& script) {
  const std::string screens = absl::StrCat(SKK_SCREENS_DIR, "/", script.substr(0, script.find('.')));
  const std::string command = absl::StrCat(
      "SKK_URL='http://127.0.0.1:", system.HttpPort(), "' SKK_NOW='",
      absl::FormatTime(absl::RFC3339_sec, System::DefaultStart(), absl::UTCTimeZone()),
      "' SKK_OFFICER_USER='", kOfficer, "' SKK_OFFICER_PASSWORD='", kOfficerPassword,
      "' SKK_ARTIFACTS='", screens, "' SKK_NODE_MODULES='", SKK_NODE_MODULES, "' '", SKK_NODE,
      "' '", SKK_CITIZEN_APP_TESTS, "/", script, "' 2>&1");
  BrowserRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// What the script says the city must have stored, checked in intake's own table.
void CheckStored(System& system, const BrowserRun& run) {
  for (absl::string_view line : absl::StrSplit(run.output, '\n')) {
    if (absl::ConsumePrefix(&line, "EXPECT_ONE ")) {
      INFO(line);
      CHECK(system.Count(absl::StrCat("SELECT count(*) FROM intake.complaints WHERE ticket = '",
                                      line, "'")) == 1);
    } else if (absl::ConsumePrefix(&line, "EXPECT_ASSISTED ")) {
      const std::vector<std::string> words = absl::StrSplit(line, ' ');
      REQUIRE(words.size() == 2);
      INFO(line);
      CHECK(system.Count(absl::StrCat(
                "SELECT count(*) FROM intake.complaints WHERE ticket = '", words[0],
                "' AND channel = 'CHANNEL_ASSISTED' AND volunteer_id = '", words[1], "'")) == 1);
    } else if (absl::ConsumePrefix(&line, "EXPECT_COMPLAINTS ")) {
      int expected = -1;
      REQUIRE(absl::SimpleAtoi(line, &expected));
      CHECK(system.Count("SELECT count(*) FROM intake.complaints") == expected);
    }
  }
}

struct City {
  System system;
  City(const std::string& name, std::vector<std::string> gateway_flags) : system(name) {
    const std::string web_dir = absl::StrCat("--web_dir=", SKK_WEB_DIR);
    system.Start("gateway", {web_dir});
    Console admin = Administrator(system);
    Officer(system, admin, kOfficer, "dpuprpkp", kOfficerPassword);
    // Limits the test is about apply from here on, not to the accounts' setup.
    if (!gateway_flags.empty()) {
      system.Stop("gateway", SIGTERM);
      gateway_flags.push_back(web_dir);
      system.Start("gateway", gateway_flags);
    }
  }
  void Run(const std::string& script) {
    const BrowserRun run = RunScript(system, script);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    CheckStored(system, run);
  }
};

TEST_CASE("citizen app: report with photos and GPS, answer the agency, rate and reopen",
          "[citizen-app]") {
  City city("citizen_app_journey", {});
  city.Run("journey.mjs");
}

TEST_CASE("citizen app: a report written offline, and an upload cut mid-way, are stored once",
          "[citizen-app]") {
  City city("citizen_app_offline", {});
  city.Run("offline.mjs");
}

TEST_CASE("citizen app: a KIM volunteer reports for a resident and hands the link over",
          "[citizen-app]") {
  City city("citizen_app_assisted", {});
  city.Run("assisted.mjs");
}

TEST_CASE("citizen app: refused input next to its field, and the rate limit with its retry",
          "[citizen-app]") {
  City city("citizen_app_refused", {"--address_write_limit=3"});
  city.Run("refused.mjs");
}

}  // namespace
}  // namespace skk::testing

#pragma once

// Browser tests of the web apps (tests/citizen-app, tests/console): the whole system with the
// gateway serving the built apps, then one Node script driving Debian's Chromium
// (tests/support/browser.mjs). The script prints what the city must have stored
// ("EXPECT_ONE <ticket>", "EXPECT_ASSISTED <ticket> <volunteer>", "EXPECT_COMPLAINTS <n>"), and
// this harness checks it in intake's own table. Screenshots go to
// build/<kind>/browser-screens/<script>/.

#include <csignal>
#include <cstdio>
#include <string>
#include <utility>
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

inline constexpr char kBrowserOfficer[] = "budi.dpuprpkp";
inline constexpr char kBrowserOfficerPassword[] = "jalan-mulus-kota-malang";

struct BrowserRun {
  int exit_code = -1;
  std::string output;
};

using BrowserEnv = std::vector<std::pair<std::string, std::string>>;

// Runs `script` (a path) with Node against `system`'s gateway; `extra` adds to the environment.
inline BrowserRun RunBrowserScript(const System& system, const std::string& script,
                                   const BrowserEnv& extra = {}) {
  const std::string name = script.substr(script.rfind('/') + 1);
  const std::string screens =
      absl::StrCat(SKK_SCREENS_DIR, "/", name.substr(0, name.find('.')));
  std::string command = absl::StrCat(
      "SKK_URL='http://127.0.0.1:", system.HttpPort(), "' SKK_NOW='",
      absl::FormatTime(absl::RFC3339_sec, system.Now(), absl::UTCTimeZone()),
      "' SKK_OFFICER_USER='", kBrowserOfficer, "' SKK_OFFICER_PASSWORD='",
      kBrowserOfficerPassword, "' SKK_ADMIN_PASSWORD='", kAdministratorPassword,
      "' SKK_ARTIFACTS='", screens, "' SKK_NODE_MODULES='",
      SKK_NODE_MODULES, "' ");
  for (const auto& [name, value] : extra) absl::StrAppend(&command, name, "='", value, "' ");
  absl::StrAppend(&command, "'", SKK_NODE, "' '", script, "' 2>&1");
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
inline void CheckStored(System& system, const BrowserRun& run) {
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

// The whole system with the gateway serving the apps, the administrator signed in once, and
// DPUPRPKP's officer with a password of their own. `gateway_flags` (limits a test is about)
// apply only after that setup.
struct BrowserCity {
  System system;
  BrowserCity(const std::string& name, std::vector<std::string> gateway_flags = {})
      : system(name) {
    const std::string web_dir = absl::StrCat("--web_dir=", SKK_WEB_DIR);
    system.Start("gateway", {web_dir});
    Console admin = Administrator(system);
    Officer(system, admin, kBrowserOfficer, "dpuprpkp", kBrowserOfficerPassword);
    if (!gateway_flags.empty()) {
      system.Stop("gateway", SIGTERM);
      gateway_flags.push_back(web_dir);
      system.Start("gateway", gateway_flags);
    }
  }
  // Runs tests/<folder>/<script>; fails with the script's whole output.
  void Run(const std::string& script, const BrowserEnv& extra = {}) {
    const BrowserRun run =
        RunBrowserScript(system, absl::StrCat(SKK_BROWSER_TESTS, "/", script), extra);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    CheckStored(system, run);
  }
};

}  // namespace skk::testing

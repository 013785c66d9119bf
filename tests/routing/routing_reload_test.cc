// The routing service, as a real process, reloads its rules when the city configuration file
// is edited or it receives SIGHUP, and keeps the last good rules on a bad edit.

#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// The pid of the one process whose command line names `marker` (a path unique to this test),
// so the signal reaches our routing process and no other.
pid_t PidNaming(const std::string& marker) {
  pid_t found = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::string cmdline = ReadFile(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (absl::StrContains(cmdline, marker) && absl::StrContains(cmdline, "skk-routing")) {
      REQUIRE(found == 0);
      found = pid;
    }
  }
  REQUIRE(found != 0);
  return found;
}

TEST_CASE("the routing service reloads an edited configuration and keeps the last good one",
          "[routing]") {
  TempDir dir;
  const std::string path = dir.File("kota-malang.textproto");
  const std::string good = ReadFile(SourcePath("deploy/config/kota-malang.textproto"));
  WriteFile(path, good);
  // Files the configuration names by a relative path lie beside it.
  for (const char* beside : {"dev-jwt-public.pem", "dev-jwt-private.pem",
                             "holidays-indonesia.textproto", "dev-partner.secret"}) {
    WriteFile(dir.File(beside), ReadFile(SourcePath(absl::StrCat("deploy/config/", beside))));
  }
  System system("reload", {});
  system.Start("routing", {absl::StrCat("--city_config=", path)});
  const pid_t pid = PidNaming(path);
  auto log_has = [&](const std::string& text) {
    return absl::StrContains(system.LogTail("routing", 1 << 20), text);
  };
  auto reloads = [&] {
    const std::string log = system.LogTail("routing", 1 << 20);
    int n = 0;
    for (size_t at = 0;
         (at = log.find(R"("msg":"city configuration reloaded")", at)) != std::string::npos; ++at) {
      ++n;
    }
    return n;
  };

  // SIGHUP: read again, and the process lives on.
  REQUIRE(::kill(pid, SIGHUP) == 0);
  REQUIRE(System::WaitUntil([&] { return reloads() == 1; }, absl::Seconds(20)));
  CHECK(log_has(R"("trigger":"SIGHUP")"));

  // A bad edit is refused with its file and line; the service keeps running.
  const std::string bad =
      good + "routing_rules { id: \"x\" category: \"sampah\" agency: \"dinas-tidak-ada\" }\n";
  WriteFile(path, bad);
  const int bad_line = 1 + static_cast<int>(std::count(good.begin(), good.end(), '\n'));
  REQUIRE(System::WaitUntil(
      [&] {
        return log_has(
            absl::StrCat(path, ":", bad_line, ": routing rule 'x' names unknown agency"));
      },
      absl::Seconds(20)));
  CHECK(log_has("the last good one stays in force"));
  CHECK(::kill(pid, 0) == 0);

  // A good edit is taken up without a signal.
  WriteFile(path, good + "# edited\n");
  REQUIRE(System::WaitUntil([&] { return reloads() == 2; }, absl::Seconds(20)));
  CHECK(system.Stop("routing", SIGTERM) == 0);
}

}  // namespace
}  // namespace skk::testing

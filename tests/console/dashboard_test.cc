// Leadership's dashboard and weekly report (docs/console.md) against figures this test computes
// itself from the sla service's rows: what the Sekda's staff read on the screen and download as
// CSV must be what the databases hold, not what the dashboard's own queries say they hold.

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sambat/v1/intake.pb.h"
#include "tests/support/browser_run.h"
#include "tests/support/http_client.h"

namespace skk::testing {
namespace {

// One agency's figures, as AgencyStatsResponse names them.
using Figures = std::map<std::string, double>;

// PostgreSQL's percentile_cont: linear interpolation between the closest ranks.
double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double at = p * static_cast<double>(values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(at));
  const size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (at - static_cast<double>(below)) * (values[above] - values[below]);
}

// Every agency's figures for clocks that started in [from, to), read from sla's raw rows at
// business time `now`; "city" sums them (a complaint open at two agencies counts once).
std::map<std::string, Figures> ComputeFigures(const System& system, absl::Time from, absl::Time to,
                                              absl::Time now) {
  struct Tally {
    std::set<std::string> open, overdue;
    double answered = 0, in_time = 0, late_unanswered = 0, level1 = 0, level2 = 0;
    std::vector<double> used_hours;
  };
  std::map<std::string, Tally> tallies;
  const PgResult deadlines = system.Query(
      "SELECT complaint_id::text AS complaint_id, agency_code, kind, state, "
      "extract(epoch FROM starts_at)::float8 AS starts, extract(epoch FROM due_at)::float8 AS due, "
      "coalesce(extract(epoch FROM stopped_at)::float8, 0) AS stopped, "
      "coalesce(stop_reason, '') AS stop_reason, used_seconds::float8 AS used "
      "FROM sla.deadlines");
  const double now_s = absl::ToDoubleSeconds(now - absl::UnixEpoch());
  const double from_s = absl::ToDoubleSeconds(from - absl::UnixEpoch());
  const double to_s = absl::ToDoubleSeconds(to - absl::UnixEpoch());
  for (PgRow row : deadlines) {
    // The citizen's window after a resolution is not an open case of the agency's.
    if (row.String("kind") == "CLOSE") continue;
    for (const std::string key : {row.String("agency_code"), std::string("city")}) {
      Tally& t = tallies[key];
      const std::string state = row.String("state");
      if (state != "stopped") t.open.insert(row.String("complaint_id"));
      if (state == "running" && row.Double("due") < now_s) t.overdue.insert(row.String("complaint_id"));
      if (row.String("kind") != "FIRST_RESPONSE") continue;
      if (row.Double("starts") < from_s || row.Double("starts") >= to_s) continue;
      const std::string reason = row.String("stop_reason");
      const bool answered = reason == "responded" || reason == "resolved" || reason == "rejected";
      if (answered) {
        ++t.answered;
        if (row.Double("stopped") <= row.Double("due")) ++t.in_time;
        t.used_hours.push_back(row.Double("used") / 3600.0);
      } else if (state == "running" && row.Double("due") < now_s) {
        ++t.late_unanswered;
      }
    }
  }
  const PgResult escalations = system.Query(
      "SELECT agency_code, level, extract(epoch FROM fired_at)::float8 AS fired "
      "FROM sla.escalations");
  for (PgRow row : escalations) {
    if (row.Double("fired") < from_s || row.Double("fired") >= to_s) continue;
    for (const std::string key : {row.String("agency_code"), std::string("city")}) {
      (row.Int("level") == 1 ? tallies[key].level1 : tallies[key].level2) += 1;
    }
  }
  std::map<std::string, Figures> figures;
  for (const auto& [agency, t] : tallies) {
    const double measured = t.answered + t.late_unanswered;
    figures[agency] = {
        {"open", static_cast<double>(t.open.size())},
        {"overdue", static_cast<double>(t.overdue.size())},
        {"answered", t.answered},
        {"answered_in_time", t.in_time},
        {"answered_in_time_percent", measured == 0 ? 0 : 100.0 * t.in_time / measured},
        {"median_first_response_working_hours", Percentile(t.used_hours, 0.5)},
        {"p90_first_response_working_hours", Percentile(t.used_hours, 0.9)},
        {"escalations_level1", t.level1},
        {"escalations_level2", t.level2},
    };
  }
  return figures;
}

// "FIGURE dpuprpkp open=2 overdue=1 ..." lines of the script, by agency.
std::map<std::string, Figures> ScreenFigures(const std::string& output) {
  std::map<std::string, Figures> screen;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!absl::ConsumePrefix(&line, "FIGURE ")) continue;
    const std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    REQUIRE(!words.empty());
    for (size_t i = 1; i < words.size(); ++i) {
      const std::vector<std::string> kv = absl::StrSplit(words[i], absl::MaxSplits('=', 1));
      REQUIRE(kv.size() == 2);
      double value = 0;
      INFO(line);
      REQUIRE(absl::SimpleAtod(kv[1], &value));
      screen[words[0]][kv[0]] = value;
    }
  }
  return screen;
}

// The CSV's lines (after "CSV "), by agency code ("kota" for the city), as name -> value.
std::map<std::string, Figures> CsvFigures(const std::string& output) {
  std::vector<std::string> header;
  std::map<std::string, Figures> csv;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!absl::ConsumePrefix(&line, "CSV ")) continue;
    line = absl::StripTrailingAsciiWhitespace(line);
    // Agency names in the city's configuration hold no comma or quote.
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (header.empty()) {
      header = cells;
      continue;
    }
    INFO(line);
    REQUIRE(cells.size() == header.size());
    for (size_t i = 2; i < cells.size(); ++i) {
      double value = 0;
      REQUIRE(absl::SimpleAtod(cells[i], &value));
      csv[cells[0]][header[i]] = value;
    }
  }
  return csv;
}

void CheckSame(const std::map<std::string, Figures>& expected,
               const std::map<std::string, Figures>& shown, double tolerance,
               const std::string& city_key) {
  for (const auto& [agency, figures] : shown) {
    const std::string key = agency == city_key ? "city" : agency;
    for (const auto& [name, value] : figures) {
      INFO(agency << " " << name);
      auto e = expected.find(key);
      const double want = e == expected.end() ? 0 : e->second.at(name);
      CHECK(std::abs(value - want) <= tolerance);
    }
  }
  // Every agency with anything to show is shown, and the city.
  for (const auto& [agency, figures] : expected) {
    const std::string key = agency == "city" ? city_key : agency;
    INFO(key);
    CHECK(shown.contains(key));
  }
}

TEST_CASE("console: leadership's dashboard and weekly CSV show the figures the databases hold",
          "[console]") {
  BrowserCity city("console_dashboard");
  System& system = city.system;
  Console admin(system.HttpPort());
  REQUIRE(admin.SignIn("admin", kAdministratorPassword).status == 200);
  Console budi(system.HttpPort());
  Console sari = Officer(system, admin, "sari.dlh", "dlh", "sampah-terangkut-pagi");
  const std::string temporary = CreateAccount(admin, "sekda", "leadership", "");
  Console sekda(system.HttpPort());
  sekda.FirstSignIn("sekda", temporary, "rapat-senin-pagi-2026");

  const absl::Time from = system.Now() - absl::Hours(1);
  HttpClient phone(system.HttpPort());
  int submitted_count = 0;
  auto submit = [&](const std::string& category) {
    const HttpAnswer answer =
        phone.Post("/api/v1/complaints", ProtoJson(SampleComplaint(category)), "application/json",
                   {{"Idempotency-Key", absl::StrCat("dashboard-", ++submitted_count)}});
    INFO(answer.body);
    REQUIRE(answer.status == 201);
    return FromJson<sambat::v1::SubmitComplaintResponse>(answer.body);
  };
  // Two road complaints for DPUPRPKP, two rubbish complaints for DLH, one traffic complaint
  // for Dishub that nobody answers.
  const auto road_answered = submit("jalan-rusak");
  const auto road_ignored = submit("jalan-rusak");
  const auto rubbish_answered = submit("sampah");
  const auto rubbish_late = submit("sampah");
  submit("lalu-lintas");
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.deadlines WHERE kind = 'FIRST_RESPONSE'") == 5;
  }));

  // Sessions live in business time: an officer signs in again after the clock moved.
  auto answer = [&](Console& officer, const std::string& username, const std::string& password,
                    const std::string& complaint_id) {
    REQUIRE(officer.SignIn(username, password).status == 200);
    const std::string path = absl::StrCat("/api/v1/staff/cases/", complaint_id);
    HttpAnswer claimed = officer.Post(absl::StrCat(path, "/claim"), "{}");
    INFO(claimed.body);
    REQUIRE(claimed.status == 200);
    HttpAnswer responded = officer.Post(absl::StrCat(path, "/respond"),
                                        R"({"message": "Sudah kami jadwalkan, terima kasih."})");
    INFO(responded.body);
    REQUIRE(responded.status == 200);
  };
  // Two hours later two are answered in time.
  system.AdvanceClock(absl::Hours(2));
  answer(budi, kBrowserOfficer, kBrowserOfficerPassword, road_answered.complaint_id());
  answer(sari, "sari.dlh", "sampah-terangkut-pagi", rubbish_answered.complaint_id());
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.deadlines WHERE stop_reason = 'responded'") == 2;
  }));
  // Eight days on, the others are late and escalate; DLH answers its second one late.
  system.AdvanceClock(absl::Hours(24 * 8));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.escalations WHERE level = 1") == 3;
  }));
  answer(sari, "sari.dlh", "sampah-terangkut-pagi", rubbish_late.complaint_id());
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.deadlines WHERE kind = 'FIRST_RESPONSE' "
                        "AND stop_reason = 'responded'") == 3;
  }));
  (void)road_ignored;

  const absl::Time to = system.Now() + absl::Hours(1);
  const std::map<std::string, Figures> expected = ComputeFigures(system, from, to, system.Now());
  // The figures are worth checking only if they say something.
  REQUIRE(expected.at("dpuprpkp").at("overdue") == 1);
  REQUIRE(expected.at("dlh").at("answered") == 2);
  REQUIRE(expected.at("dlh").at("answered_in_time") == 1);
  REQUIRE(expected.at("dishub").at("escalations_level1") == 1);

  const auto rfc3339 = [](absl::Time t) {
    return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
  };
  const BrowserRun run = RunBrowserScript(
      system, absl::StrCat(SKK_BROWSER_TESTS, "/leadership.mjs"),
      {{"SKK_LEADER_USER", "sekda"},
       {"SKK_LEADER_PASSWORD", "rapat-senin-pagi-2026"},
       {"SKK_FROM", rfc3339(from)},
       {"SKK_TO", rfc3339(to)}});
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const std::map<std::string, Figures> screen = ScreenFigures(run.output);
  REQUIRE(!screen.empty());
  CheckSame(expected, screen, 1e-6, "city");
  // The CSV rounds percentages and hours to one decimal.
  const std::map<std::string, Figures> csv = CsvFigures(run.output);
  REQUIRE(!csv.empty());
  CheckSame(expected, csv, 0.05 + 1e-9, "kota");
}

}  // namespace
}  // namespace skk::testing

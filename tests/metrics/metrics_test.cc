// What the services count is what happened (docs/metrics.md): every service and the gateway
// serve /metrics, Debian's Prometheus scrapes them on loopback while complaints are submitted,
// routed and escalated, and each counter Prometheus holds is compared with the databases and
// with what the test did. promtool finds nothing wrong with any service's exposition. Then a
// complaint sent over HTTP with a W3C traceparent is followed by its trace id through every
// service's log lines (docs/tracing.md).

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "services/platform/testing/local.h"
#include "tests/support/http_client.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

const std::vector<std::string> kScraped = {"intake", "routing", "sla", "notification", "gateway"};

// Debian's Prometheus on loopback, scraping each service every second, its data in the
// system's directory; stopped with the test.
class Prometheus {
 public:
  Prometheus(const System& system, const std::map<std::string, int>& targets)
      : port_(testing::ClosedPort()) {
    const std::string config = system.dir() + "/prometheus.yml";
    std::ofstream out(config);
    out << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n";
    for (const auto& [job, port] : targets) {
      out << "  - job_name: " << job << "\n    static_configs:\n      - targets: ['127.0.0.1:"
          << port << "']\n";
    }
    out.close();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const std::string log = system.dir() + "/prometheus.log";
      std::freopen(log.c_str(), "a", stdout);
      std::freopen(log.c_str(), "a", stderr);
      const std::string config_flag = "--config.file=" + config;
      const std::string storage = "--storage.tsdb.path=" + system.dir() + "/prometheus-data";
      const std::string listen = absl::StrCat("--web.listen-address=127.0.0.1:", port_);
      ::execlp("prometheus", "prometheus", config_flag.c_str(), storage.c_str(), listen.c_str(),
               "--log.level=warn", static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    HttpClient client(port_);
    REQUIRE(System::WaitUntil([&] { return client.Get("/-/ready").status == 200; },
                              absl::Seconds(30)));
  }
  ~Prometheus() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }

  // The value of an instant query that sums to one number (0 when it has no series).
  double Value(const std::string& query) {
    HttpClient client(port_);
    std::string encoded;
    for (unsigned char c : query) {
      if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
        encoded += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        encoded += hex;
      }
    }
    const HttpAnswer answer = client.Get("/api/v1/query?query=" + encoded);
    if (answer.status != 200) return -1;
    const nlohmann::json json = nlohmann::json::parse(answer.body, nullptr, false);
    if (json.is_discarded() || json["status"] != "success") return -1;
    const auto& result = json["data"]["result"];
    if (result.empty()) return 0;
    return std::stod(result[0]["value"][1].get<std::string>());
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

// Waits until Prometheus's answer to `query` equals `expected()` (both read again each time:
// a scrape comes every second, and the database may still be moving).
bool Converges(Prometheus& prometheus, const std::string& query,
               const std::function<double()>& expected, double* last = nullptr) {
  double seen = -1;
  double want = -2;
  const bool ok = System::WaitUntil([&] {
    want = expected();
    seen = prometheus.Value(query);
    return seen == want;
  }, absl::Seconds(60));
  UNSCOPED_INFO(query << ": Prometheus says " << seen << ", expected " << want);
  if (last != nullptr) *last = seen;
  return ok;
}

}  // namespace

TEST_CASE("Prometheus scraping every service counts the complaints, calls, events, "
          "escalations and deliveries that happened, and one trace follows a complaint",
          "[metrics]") {
  System system("metrics", {});
  std::map<std::string, int> metrics_ports;
  for (const std::string& service : kScraped) {
    metrics_ports[service] = testing::ClosedPort();
    system.Start(service, {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_ports[service])});
  }
  Prometheus prometheus(system, metrics_ports);
  REQUIRE(Converges(prometheus, "sum(up)", [] { return 5.0; }));

  // Five complaints from five phones, three about a road and two about rubbish, and one sent
  // twice by a phone on a bad network: five received, six answered.
  const std::vector<std::string> categories = {"jalan-rusak", "jalan-rusak", "jalan-rusak",
                                               "sampah", "sampah"};
  for (size_t i = 0; i < categories.size(); ++i) {
    sambat::v1::SubmitComplaintRequest request = SampleComplaint(categories[i]);
    request.mutable_reporter()->set_phone(absl::StrCat("08123456780", i));
    request.set_idempotency_key(absl::StrCat("metrics-phone-", i));
    for (int times = 0; times < (i == 0 ? 2 : 1); ++times) {
      sambat::v1::SubmitComplaintResponse response;
      grpc::ClientContext context;
      REQUIRE(system.Intake()->SubmitComplaint(&context, request, &response).ok());
    }
  }
  // One refused: no category.
  {
    sambat::v1::SubmitComplaintRequest request = SampleComplaint("");
    sambat::v1::SubmitComplaintResponse response;
    grpc::ClientContext context;
    REQUIRE(system.Intake()->SubmitComplaint(&context, request, &response).error_code() ==
            grpc::StatusCode::INVALID_ARGUMENT);
  }
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers WHERE kind = 'escalation'") == 10;
  }));
  // Nobody answers: a week later every case has escalated to its agency's head.
  system.AdvanceClock(absl::Hours(24 * 7) + absl::Minutes(1));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.escalations WHERE level = 1") == 5;
  }));
  // The gateway: the city's categories twice, and an address it does not know.
  HttpClient gateway(system.HttpPort());
  REQUIRE(gateway.Get("/api/v1/city").status == 200);
  REQUIRE(gateway.Get("/api/v1/city").status == 200);
  REQUIRE(gateway.Get("/api/v1/tidak-ada").status == 404);

  CHECK(Converges(prometheus, "sum(skk_complaints_received_total)", [] { return 5.0; }));
  CHECK(Converges(prometheus, "sum(skk_complaints_received_total{category=\"jalan-rusak\"})",
                  [] { return 3.0; }));
  CHECK(Converges(prometheus, "sum(skk_complaints_received_total{category=\"sampah\"})",
                  [] { return 2.0; }));
  CHECK(Converges(prometheus,
                  "sum(skk_grpc_server_handled_total{job=\"intake\",grpc_method=\"SubmitComplaint\","
                  "grpc_code=\"OK\"})",
                  [] { return 6.0; }));
  CHECK(Converges(prometheus,
                  "sum(skk_grpc_server_handled_total{job=\"intake\",grpc_method=\"SubmitComplaint\","
                  "grpc_code=\"INVALID_ARGUMENT\"})",
                  [] { return 1.0; }));
  CHECK(Converges(prometheus, "sum(skk_escalations_total{level=\"1\"})", [&] {
    return static_cast<double>(system.Count("SELECT count(*) FROM sla.escalations WHERE level = 1"));
  }));
  CHECK(Converges(prometheus, "sum(skk_timers_fired_total)", [&] {
    return static_cast<double>(
        system.Count("SELECT count(*) FROM sla.timers WHERE fired_at IS NOT NULL"));
  }));
  // Every event each consumer finished was acknowledged; none parked, none left behind.
  CHECK(Converges(prometheus, "sum(skk_events_handled_total{outcome=\"parked\"}) or vector(0)",
                  [] { return 0.0; }));
  CHECK(Converges(prometheus,
                  "sum(skk_events_handled_total{queue=\"routing.events\",outcome=\"acked\"})", [&] {
    return static_cast<double>(system.Count("SELECT count(*) FROM routing.applied_events"));
  }));
  CHECK(Converges(prometheus, "sum(skk_outbox_rows)", [] { return 0.0; }));
  // Each complaint with a phone is two events: complaint.submitted, and the reporter's contact
  // for notification.
  CHECK(Converges(prometheus, "sum(skk_outbox_relayed_total{job=\"intake\",outcome=\"published\"})",
                  [] { return 10.0; }));
  CHECK(Converges(prometheus, "sum(skk_timers_pending{state=\"overdue\"})", [] { return 0.0; }));
  // Every delivery attempt notification finished, whatever its outcome.
  CHECK(Converges(prometheus, "sum(skk_delivery_attempts_total)", [&] {
    return static_cast<double>(system.Count(
        "SELECT count(*) FROM notification.delivery_attempts WHERE finished_at IS NOT NULL"));
  }));
  CHECK(Converges(prometheus,
                  "sum(skk_http_requests_total{route=\"/api/v1/city\",method=\"GET\",code=\"200\"})",
                  [] { return 2.0; }));
  // An unknown address falls to the static files' route, which answers 404.
  CHECK(Converges(prometheus, "sum(skk_http_requests_total{code=\"404\"})", [] { return 1.0; }));

  // The exposition of each service passes promtool's checks (names, units, help).
  for (const std::string& service : kScraped) {
    HttpClient scrape(metrics_ports[service]);
    const HttpAnswer answer = scrape.Get("/metrics");
    REQUIRE(answer.status == 200);
    const std::string file = absl::StrCat(system.dir(), "/", service, ".metrics");
    std::ofstream(file) << answer.body;
    const std::string report = file + ".promtool";
    const int status =
        std::system(absl::StrCat("promtool check metrics < ", file, " > ", report, " 2>&1").c_str());
    std::ifstream in(report);
    const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(service << ": promtool check metrics said:\n" << said);
    CHECK(status == 0);
  }

  // A phone's request with its own trace: the gateway, intake, and every service that applies
  // the events it causes (routing routes it, sla sets its deadline, notification tells the
  // reporter) write the same trace id in their log lines about it.
  const std::string trace_id = "5a6b7c8d9e0f11223344556677889900";
  sambat::v1::SubmitComplaintRequest traced = SampleComplaint("pohon-tumbang");
  traced.mutable_reporter()->set_phone("081234567899");
  const HttpAnswer submitted = gateway.Post(
      "/api/v1/complaints", ProtoJson(traced), "application/json",
      {{"Idempotency-Key", "metrics-traced-1"},
       {"traceparent", absl::StrCat("00-", trace_id, "-1122334455667788-01")}});
  REQUIRE(submitted.status == 201);
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM sla.timers WHERE kind = 'escalation'") == 12;
  }));
  for (const std::string service : {"gateway", "intake", "routing", "sla", "notification"}) {
    INFO(service << "'s log does not name trace " << trace_id << ":\n" << system.LogTail(service));
    CHECK(System::WaitUntil([&] {
      return absl::StrContains(system.LogTail(service, 1 << 20), trace_id);
    }, absl::Seconds(20)));
  }
}

}  // namespace skk::testing

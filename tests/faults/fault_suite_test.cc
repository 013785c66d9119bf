// The fault suite (issue 7, docs/reliability.md): the whole system under a sustained load of
// complaints, officer work and passing days, while every part of it is killed, stopped and
// restarted, one at a time and then together; then the checker compares every service's
// tables with what the clients were told.
//
// It runs on its own servers (deploy/stack.sh profile "faults"), which it crashes: start it
// through tests/faults/run.sh, never against a shared stack. Its length and load come from the
// environment, so CI runs a short form and an operator a soak:
//   SKK_FAULTS_MINUTES   how long the storm lasts (default 3)
//   SKK_FAULTS_RATE      complaints per second offered (default 12)

#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/platform/amqp.h"
#include "services/platform/events.h"
#include "services/platform/parked_events.h"
#include "tests/faults/invariants.h"
#include "tests/faults/ledger.h"
#include "tests/faults/load.h"
#include "tests/support/fake_receivers.h"
#include "tests/support/notification_harness.h"
#include "tests/support/system.h"

namespace skk::faults {
namespace {

using skk::testing::System;

double EnvNumber(const char* name, double fallback) {
  const char* v = std::getenv(name);
  double d = 0;
  return v != nullptr && absl::SimpleAtod(v, &d) && d > 0 ? d : fallback;
}

// The log of what was done to the system, printed at the end with real and business times.
class FaultLog {
 public:
  FaultLog(System& system) : system_(system), started_(absl::Now()) {}
  void Note(const std::string& what, absl::Duration took) {
    const std::string line = absl::StrFormat(
        "fault t=+%6.1fs  business %s  %-44s back in %.1f s",
        absl::ToDoubleSeconds(absl::Now() - started_ - took),
        absl::FormatTime("%a %d %b %H:%M", system_.Now(), Wib()), what,
        absl::ToDoubleSeconds(took));
    std::cout << line << std::endl;
    lines_.push_back(line);
  }
  int count() const { return static_cast<int>(lines_.size()); }
  absl::Duration elapsed() const { return absl::Now() - started_; }

 private:
  static absl::TimeZone Wib() {
    absl::TimeZone z;
    if (!absl::LoadTimeZone("Asia/Jakarta", &z)) z = absl::UTCTimeZone();
    return z;
  }
  System& system_;
  absl::Time started_;
  std::vector<std::string> lines_;
};

// Crashes one of the faults profile's servers and starts it again, as a node failure and its
// restart by the orchestrator would.
void CrashServer(const std::string& server) {
  const std::string stack = skk::testing::SourcePath("deploy/stack.sh");
  const std::string crash =
      absl::StrCat("bash ", stack, " crash ", server, " --profile faults >/dev/null");
  REQUIRE(std::system(crash.c_str()) == 0);
}

void StartServers() {
  const std::string stack = skk::testing::SourcePath("deploy/stack.sh");
  const std::string start = absl::StrCat("bash ", stack, " start --profile faults >/dev/null 2>&1");
  REQUIRE(std::system(start.c_str()) == 0);
}

class Storm {
 public:
  Storm(System& system, FaultLog& log, std::vector<std::string> notification_flags)
      : system_(system), log_(log), notification_flags_(std::move(notification_flags)) {}

  void Restart(const std::string& process, int signal) {
    const absl::Time t0 = absl::Now();
    const int status = system_.Stop(process, signal);
    if (signal == SIGTERM) {
      // A graceful stop finishes its in-flight work and exits 0.
      INFO(process << " exit status " << status << "\n" << system_.LogTail(process));
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    Start(process);
    log_.Note(absl::StrCat(signal == SIGKILL ? "SIGKILL " : "SIGTERM ", process), absl::Now() - t0);
  }

  void Start(const std::string& process) {
    system_.Start(process, System::ServiceOf(process) == "notification"
                               ? notification_flags_
                               : std::vector<std::string>{});
  }

  void CrashAndRestart(const std::string& server) {
    const absl::Time t0 = absl::Now();
    CrashServer(server);
    // Down long enough that clients and services notice and retry.
    absl::SleepFor(absl::Seconds(2));
    StartServers();
    log_.Note(absl::StrCat("crash ", server, " (immediate)"), absl::Now() - t0);
  }

  // Several things fail at once: the services in `kill` die while `server` crashes.
  void Together(const std::vector<std::string>& kill, const std::string& server) {
    const absl::Time t0 = absl::Now();
    for (const std::string& p : kill) system_.Stop(p, SIGKILL);
    if (!server.empty()) CrashServer(server);
    absl::SleepFor(absl::Seconds(2));
    if (!server.empty()) StartServers();
    for (const std::string& p : kill) Start(p);
    log_.Note(absl::StrCat("together: SIGKILL ", absl::StrJoin(kill, "+"),
                           server.empty() ? "" : absl::StrCat(", crash ", server)),
              absl::Now() - t0);
  }

  void Pause(absl::Duration d) { absl::SleepFor(d); }

 private:
  System& system_;
  FaultLog& log_;
  std::vector<std::string> notification_flags_;
};

// A message no consumer can ever apply: not an Event at all. Published where routing's and
// the other consumers' real complaint events go.
void PublishPoison(const System& system, const std::string& id) {
  auto endpoint = ParseAmqpUri(system.world().AmqpUri());
  REQUIRE(endpoint.ok());
  ConfirmingPublisher publisher(*endpoint, "faults-poison", 10);
  AmqpMessage poison;
  poison.exchange = kEventsExchange;
  poison.routing_key = "complaint.submitted";
  poison.type = "complaint.submitted";
  poison.message_id = id;
  poison.body = "\xff\xfe not a protobuf event \x01\x02";
  poison.timestamp = absl::Now();
  REQUIRE(publisher.PublishBatch({poison}).ok());
}

// Depth of a queue on the world's vhost.
long long QueueDepth(const System& system, const std::string& queue) {
  auto endpoint = ParseAmqpUri(system.world().AmqpUri());
  REQUIRE(endpoint.ok());
  auto conn = AmqpConnection::Open(*endpoint, "faults-inspect");
  REQUIRE(conn.ok());
  auto depth = (*conn)->QueueDepth(queue);
  INFO(depth.status().ToString());
  REQUIRE(depth.ok());
  return *depth;
}

// The ids of the messages parked in a service's dead queue, with how many copies of each
// (parking is at-least-once: a broker crash between parking and the ack leaves two copies).
std::map<std::string, int> Parked(const System& system, const std::string& service) {
  auto endpoint = ParseAmqpUri(system.world().AmqpUri());
  REQUIRE(endpoint.ok());
  auto parked = ListParked(*endpoint, service, 1000);
  INFO(parked.status().ToString());
  REQUIRE(parked.ok());
  std::map<std::string, int> ids;
  for (const ParkedEvent& p : *parked) ++ids[p.event_id];
  return ids;
}

std::string Describe(const std::map<std::string, int>& parked) {
  std::string out;
  for (const auto& [id, copies] : parked) absl::StrAppend(&out, id, " x", copies, " ");
  return out;
}

// Replays a service's parked messages with the operator's command.
int ReplayParked(const System& system, const std::string& service) {
  const std::string command =
      absl::StrCat(SKK_BIN_DIR, "/sambatctl replay-parked ", service,
                   " --all --amqp_uri='", system.world().AmqpUri(), "'");
  return std::system(command.c_str());
}

}  // namespace

TEST_CASE("nothing is lost or duplicated under load while every part crashes", "[faults]") {
  const double minutes = EnvNumber("SKK_FAULTS_MINUTES", 3);
  const double rate = EnvNumber("SKK_FAULTS_RATE", 12);
  const absl::Duration storm_length = absl::Seconds(minutes * 60);

  skk::testing::FakeReceiver smtp("fake_smtp.py");
  skk::testing::FakeReceiver gateway("fake_gateway.py");
  const std::vector<std::string> notification_flags =
      skk::testing::NotificationFlags(smtp, gateway, {.max_attempts = 8});

  // Two replicas of every service: both consume from the same queues, both serve.
  System system("faults", {});
  std::vector<std::string> processes;
  for (const std::string& service : skk::testing::kAllServices) {
    processes.push_back(service);
    processes.push_back(absl::StrCat(service, "#2"));
  }
  // And two gateways, through which a third of the citizens submit over HTTP; they are killed
  // like every other process.
  processes.push_back("gateway");
  processes.push_back("gateway#2");
  FaultLog log(system);
  Storm storm(system, log, notification_flags);
  for (const std::string& p : processes) storm.Start(p);

  ClientLedger ledger;
  LoadGenerator load(system, ledger,
                     LoadOptions{.complaints_per_second = rate,
                                 .citizen_threads = std::max(4, static_cast<int>(rate / 2)),
                                 .photos = static_cast<int>(rate * minutes * 60 / 25) + 20});
  load.Start();
  const absl::Time storm_ends = absl::Now() + storm_length;
  std::cout << "faults: storm of " << minutes << " min at " << rate
            << " complaints/s offered, 2 replicas of each service" << std::endl;

  // 1. One at a time: every process killed, then stopped gracefully mid-request.
  const absl::Duration gap = absl::Seconds(3);
  storm.Pause(gap);
  for (const std::string& p : processes) {
    storm.Restart(p, SIGKILL);
    storm.Pause(gap);
  }
  for (const std::string& service : skk::testing::kAllServices) {
    storm.Restart(service, SIGTERM);
    storm.Pause(gap);
  }
  // 2. Each server crashes.
  for (const std::string server : {"rabbitmq", "postgresql", "redis"}) {
    storm.CrashAndRestart(server);
    storm.Pause(gap);
  }
  // 3. A poison message arrives; it must be parked, not block the queue and not be lost.
  PublishPoison(system, "poison-1");
  // Every service that consumes complaint.submitted parks it: routing, and notification (which
  // reads whether a complaint is confidential). Routing keeps up with the storm and parks it at
  // once. Notification may be thousands of events behind the outages by now (its queue drains
  // at this machine's speed): its copy is checked once the system is quiet, behind a queue that
  // drained past it.
  const bool parked =
      System::WaitUntil([&] { return QueueDepth(system, "routing.events.dead") >= 1; },
                        absl::Seconds(60));
  CHECK(parked);
  // Only the poison: no real event was parked by the outages so far.
  INFO("parked by routing: " << Describe(Parked(system, "routing")));
  CHECK(Parked(system, "routing") == std::map<std::string, int>{{"poison-1", 1}});
  log.Note("poison message published, parked by routing", absl::ZeroDuration());
  // 4. Together.
  storm.Together({"routing", "sla#2", "notification"}, "rabbitmq");
  storm.Pause(gap);
  storm.Together({"intake", "sla"}, "postgresql");
  storm.Pause(gap);
  storm.Together(processes, "redis");
  storm.Pause(gap);
  // 5. Until the storm ends (the soak spends most of its time here): a random fault every few
  //    seconds, from the same list.
  std::mt19937 random(20261204);
  while (absl::Now() < storm_ends) {
    storm.Pause(absl::Seconds(4));
    const int pick = static_cast<int>(random() % (processes.size() + 4));
    if (pick < static_cast<int>(processes.size())) {
      storm.Restart(processes[pick], random() % 2 == 0 ? SIGKILL : SIGTERM);
    } else if (pick == static_cast<int>(processes.size())) {
      storm.CrashAndRestart("rabbitmq");
    } else if (pick == static_cast<int>(processes.size()) + 1) {
      storm.CrashAndRestart("postgresql");
    } else if (pick == static_cast<int>(processes.size()) + 2) {
      storm.CrashAndRestart("redis");
    } else {
      // Two different processes at once, e.g. a service and another's replica.
      const size_t first = random() % processes.size();
      const size_t second = (first + 1 + random() % (processes.size() - 1)) % processes.size();
      storm.Together({processes[first], processes[second]}, "");
    }
  }
  load.Stop();
  const LoadCounts counts = load.counts();
  std::cout << "faults: load stopped after " << absl::FormatDuration(log.elapsed()) << ": "
            << counts.submitted << " complaints acknowledged (" << counts.with_photo
            << " with a photo, " << counts.anonymous << " anonymous, " << counts.assisted
            << " assisted, " << counts.through_gateway << " over HTTP through the gateways), "
            << counts.citizen_retries << " client retries, "
            << counts.given_up << " given up; " << counts.officer_actions
            << " officer actions (" << counts.officer_failures << " failed calls retried); "
            << counts.clock_steps << " clock steps; " << log.count() << " faults" << std::endl;
  for (const std::string& r : counts.refusals) std::cout << "faults: refused " << r << std::endl;
  CHECK(counts.refusals.empty());
  CHECK(counts.given_up == 0);
  CHECK(counts.through_gateway > 0);
  REQUIRE(counts.submitted >= 100);

  // The poison is still parked after every crash, and replaying it parks it again (it is
  // still poison): one copy, never lost, never duplicated.
  // A broker crash between parking and its ack may leave a second copy: never a loss.
  std::map<std::string, int> routing_parked = Parked(system, "routing");
  INFO("parked by routing after the storm: " << Describe(routing_parked));
  REQUIRE(routing_parked.size() == 1);
  REQUIRE(routing_parked.contains("poison-1"));
  int poison_copies = routing_parked["poison-1"];
  CHECK(ReplayParked(system, "routing") == 0);
  CHECK(System::WaitUntil(
      [&] { return Parked(system, "routing") == std::map<std::string, int>{{"poison-1", poison_copies}}; },
      absl::Seconds(60)));
  std::cout << "faults: poison-1 parked by routing (" << poison_copies
            << " copies), replayed with sambatctl replay-parked, parked again; nothing else parked"
            << std::endl;

  ExpectedParked expected_parked;
  expected_parked.per_queue["routing.events.dead"] = poison_copies;
  expected_parked.at_least["notification.events.dead"] = 1;
  const absl::Status quiet = WaitUntilQuiet(system, ledger, expected_parked,
                                            /*stall=*/absl::Minutes(2),
                                            /*limit=*/absl::Minutes(minutes > 10 ? 30 : 15));
  INFO(quiet.ToString());
  CHECK(quiet.ok());
  std::cout << "faults: quiet after the storm" << std::endl;

  // notification parked the poison too, and nothing else, once its backlog drained past it.
  std::map<std::string, int> notification_parked = Parked(system, "notification");
  INFO("parked by notification after the storm: " << Describe(notification_parked));
  REQUIRE(notification_parked.size() == 1);
  REQUIRE(notification_parked.contains("poison-1"));
  expected_parked.at_least.clear();
  expected_parked.per_queue["notification.events.dead"] = notification_parked["poison-1"];
  bool all_held = true;
  for (const InvariantLine& line : CheckInvariants(system, ledger, expected_parked, smtp, gateway)) {
    std::cout << Format(line) << std::endl;
    all_held = all_held && line.held;
  }
  CHECK(all_held);
}

}  // namespace skk::faults

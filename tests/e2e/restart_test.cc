// Services stopped (SIGTERM) or killed (SIGKILL) while complaints are in flight lose nothing
// and duplicate nothing: every accepted complaint reaches every step exactly once. Counted in
// the services' own tables, not in logs.

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

constexpr int kComplaints = 120;
const std::vector<std::string> kCategories = {"jalan-rusak", "sampah", "pohon-tumbang",
                                              "penerangan-jalan-umum", "adminduk", "lainnya"};

// Citizens' phones submitting while services go down: each retries with its idempotency key
// until intake accepts, as the mobile client does.
class Citizens {
 public:
  Citizens(int intake_port, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, intake_port, t, threads] { Run(intake_port, t, threads); });
    }
  }
  ~Citizens() { Join(); }
  void Join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int accepted() const { return accepted_.load(); }
  int retries() const { return retries_.load(); }
  std::set<std::string> ids() {
    std::lock_guard lock(mu_);
    return ids_;
  }

 private:
  void Run(int port, int first, int stride) {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    auto stub = sambat::v1::IntakeService::NewStub(channel);
    for (int i = first; i < kComplaints; i += stride) {
      sambat::v1::SubmitComplaintRequest request =
          SampleComplaint(kCategories[i % kCategories.size()]);
      request.set_idempotency_key(absl::StrCat("restart-phone-", i));
      const absl::Time give_up = absl::Now() + absl::Seconds(120);
      while (absl::Now() < give_up) {
        sambat::v1::SubmitComplaintResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        if (stub->SubmitComplaint(&context, request, &response).ok()) {
          std::lock_guard lock(mu_);
          ids_.insert(response.complaint_id());
          ++accepted_;
          break;
        }
        ++retries_;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::vector<std::thread> threads_;
  std::atomic<int> accepted_{0};
  std::atomic<int> retries_{0};
  std::mutex mu_;
  std::set<std::string> ids_;
};

void RequireEveryStepExactlyOnce(System& system, int n) {
  INFO("routing log:\n" << system.LogTail("routing") << "\nsla log:\n" << system.LogTail("sla"));
  REQUIRE(System::WaitUntil(
      [&] {
        // Humas hear of each case in their inbox, by email and by SMS.
        return system.Count("SELECT count(*) FROM notification.deliveries "
                            "WHERE recipient_role LIKE 'humas:%' "
                            "AND complaint_id IS NOT NULL") == 3 * n &&
               system.Count("SELECT count(*) FROM intake.complaints "
                            "WHERE first_response_due_at IS NOT NULL") == n;
      },
      absl::Seconds(120)));
  CHECK(system.Count("SELECT count(*) FROM intake.complaints") == n);
  CHECK(system.Count("SELECT count(*) FROM intake.complaints WHERE state = 2") == n);  // ROUTED
  CHECK(system.Count("SELECT count(*) FROM routing.cases") == n);
  CHECK(system.Count("SELECT count(*) FROM routing.case_history") == n);
  CHECK(system.Count("SELECT count(DISTINCT complaint_id) FROM sla.deadlines") == n);
  CHECK(system.Count("SELECT count(*) FROM sla.deadlines") == n);
  CHECK(system.Count("SELECT count(*) FROM sla.timers WHERE kind = 'escalation'") == 2 * n);
  CHECK(system.Count("SELECT count(*) FROM intake.complaint_timeline WHERE kind = 'routed'") == n);
  CHECK(system.Count("SELECT count(*) FROM intake.complaint_timeline "
                     "WHERE kind = 'deadline_set'") == n);
}

void RequireEscalationsExactlyOnce(System& system, int n) {
  REQUIRE(System::WaitUntil(
      [&] {
        return system.Count("SELECT count(*) FROM sla.timers WHERE fired_at IS NULL") == 0 &&
               system.Count("SELECT count(*) FROM intake.complaints "
                            "WHERE escalation_level = 2") == n &&
               system.Count("SELECT count(*) FROM notification.deliveries "
                            "WHERE recipient_role = 'leadership' "
                            "AND complaint_id IS NOT NULL") == 6 * n &&
               // Level 1 and level 2 fall due together here, and notification takes their
               // events in parallel: the heads' may still be arriving when the leaders' are done.
               system.Count("SELECT count(*) FROM notification.deliveries "
                            "WHERE recipient_role LIKE 'head:%' "
                            "AND complaint_id IS NOT NULL") >= 3 * n;
      },
      absl::Seconds(120)));
  CHECK(system.Count("SELECT count(*) FROM sla.escalations") == 2 * n);
  CHECK(system.Count("SELECT count(DISTINCT timer_id) FROM sla.escalations") == 2 * n);
  CHECK(system.Count("SELECT count(*) FROM intake.complaint_timeline WHERE kind = 'escalated'") ==
        2 * n);
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries "
                     "WHERE recipient_role LIKE 'head:%' AND complaint_id IS NOT NULL") == 3 * n);
  CHECK(system.Count("SELECT count(*) FROM intake.outbox") == 0);
  CHECK(system.Count("SELECT count(*) FROM routing.outbox") == 0);
  CHECK(system.Count("SELECT count(*) FROM sla.outbox") == 0);
}

void RestartEachService(System& system, int signal, Citizens& citizens) {
  // Each service goes down once while complaints are flowing, downstream first.
  for (const std::string service : {"routing", "sla", "notification", "intake"}) {
    const int before = citizens.accepted();
    REQUIRE(System::WaitUntil([&] { return citizens.accepted() >= before + 10 ||
                                           citizens.accepted() == kComplaints; },
                              absl::Seconds(60)));
    const int status = system.Stop(service, signal);
    if (signal == SIGTERM) {
      // A graceful stop finishes its work and exits cleanly (sanitizers found nothing).
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    system.Start(service);
  }
}

void RunScenario(const std::string& name, int signal) {
  System system(name);
  Citizens citizens(system.Port("intake"), 4);
  RestartEachService(system, signal, citizens);
  citizens.Join();
  REQUIRE(citizens.accepted() == kComplaints);
  REQUIRE(citizens.ids().size() == static_cast<size_t>(kComplaints));
  RequireEveryStepExactlyOnce(system, kComplaints);

  // Every deadline passes and level 2 falls due, while sla goes down in the middle of firing.
  system.AdvanceClock(absl::Hours(24 * 30));
  REQUIRE(System::WaitUntil(
      [&] { return system.Count("SELECT count(*) FROM sla.escalations") > 0; }));
  system.Stop("sla", signal);
  system.Start("sla");
  RequireEscalationsExactlyOnce(system, kComplaints);
  WARN(name << ": " << kComplaints << " complaints accepted, " << citizens.retries()
              << " client retries while intake was down; routing, sla, notification and "
                 "intake each restarted once mid-flight, sla again while firing "
              << 2 * kComplaints << " escalations");
}

}  // namespace

TEST_CASE("services stopped with SIGTERM mid-flight lose and duplicate nothing", "[restart]") {
  RunScenario("sigterm", SIGTERM);
}

TEST_CASE("services killed with SIGKILL mid-flight lose and duplicate nothing", "[restart]") {
  RunScenario("sigkill", SIGKILL);
}

}  // namespace skk::testing

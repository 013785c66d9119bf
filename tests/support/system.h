#pragma once

// The whole system for a test: the four service binaries as real processes on a private
// IsolatedWorld (database, vhost, Redis prefix), sharing one file clock the test moves, and a
// fake of the partners outside city hall (tests/support/fake_partner.py) that routing hands
// their cases to: Polresta over Open311, Kejaksaan and Kodim over signed webhooks.

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "sambat/v1/notification.grpc.pb.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/fake_receivers.h"

namespace skk::testing {

inline const std::vector<std::string> kAllServices = {"intake", "routing", "sla",
                                                      "notification"};

class System {
 public:
  // Starts `services` with the business clock at `start` (default: Monday 2 March 2026,
  // 09:00 WIB, an ordinary working morning).
  explicit System(const std::string& name,
                  const std::vector<std::string>& services = kAllServices,
                  absl::Time start = DefaultStart());
  // Stops every running service with SIGTERM.
  ~System();
  void StopAll();

  static absl::Time DefaultStart();

  // Starts a service and waits until it serves. Extra flags are appended. A name like
  // "routing#2" starts another replica of routing beside the first, with its own port and log.
  void Start(const std::string& service, const std::vector<std::string>& extra_flags = {});
  // Sends `signal` (SIGTERM or SIGKILL) and waits for the process to exit. Returns its exit
  // status as waitpid reports it.
  int Stop(const std::string& service, int signal);
  bool Running(const std::string& service) const { return processes_.contains(service); }
  // The processes running now, by name ("routing", "routing#2", ...).
  std::vector<std::string> RunningProcesses() const;
  // "routing" for "routing#2".
  static std::string ServiceOf(const std::string& process);
  // The pid of a running process (for a test that signals it itself).
  pid_t Pid(const std::string& service) const { return processes_.at(service); }

  absl::Time Now() const;
  void SetClock(absl::Time t);
  void AdvanceClock(absl::Duration d);

  std::unique_ptr<sambat::v1::IntakeService::Stub> Intake() const;
  std::unique_ptr<sambat::v1::NotificationService::Stub> Notification() const;
  int Port(const std::string& service) const { return ports_.at(service); }
  // The HTTP port of a running gateway ("gateway", "gateway#2").
  int HttpPort(const std::string& gateway = "gateway") const { return http_ports_.at(gateway); }

  // Polls `condition` every 50 ms of real time until it holds or `timeout` passes.
  static bool WaitUntil(const std::function<bool()>& condition,
                        absl::Duration timeout = absl::Seconds(60));

  // A number from the world's database as superuser, e.g. "SELECT count(*) FROM routing.cases".
  long long Count(const std::string& sql) const;
  // Rows from the world's database as superuser, for a test that computes a figure itself.
  PgResult Query(const std::string& sql) const;

  // The partners' stand-in, SP4N-LAPOR's too: what routing and intake sent them, and what they
  // answer.
  const FakeReceiver& partners() const { return *partners_; }
  // The URL routing reaches `agency` at ("polresta", "kejari", "kodim-0833").
  std::string PartnerUrl(const std::string& agency) const;
  // The URL intake reaches SP4N-LAPOR at.
  std::string LaporUrl() const;

  IsolatedWorld& world() { return *world_; }
  const IsolatedWorld& world() const { return *world_; }
  const std::string& dir() const { return dir_; }
  // The tail of a service's log, for a failing test's message.
  std::string LogTail(const std::string& service, size_t bytes = 4000) const;

 private:
  std::unique_ptr<IsolatedWorld> world_;
  std::unique_ptr<FakeReceiver> partners_;
  std::string dir_;
  std::string clock_file_;
  std::map<std::string, pid_t> processes_;
  std::map<std::string, int> ports_;
  std::map<std::string, int> last_ports_;
  std::map<std::string, int> http_ports_;
  std::map<std::string, int> last_http_ports_;
  mutable std::unique_ptr<PgConnection> admin_;

  // Runs every service but those `starting` once with --declare_topology_only.
  void DeclareQueuesOfOthers(const std::vector<std::string>& starting);
  // The command line of a service (or replica) as the tests run it, before extra flags.
  std::vector<std::string> Flags(const std::string& service);
  // Starts a process with stdout and stderr appended to `log`.
  static pid_t Spawn(std::vector<std::string> args, const std::string& log);
};

// A submission inside Kota Malang (Klojen, near the town square), from a citizen with a phone.
sambat::v1::SubmitComplaintRequest SampleComplaint(const std::string& category = "jalan-rusak");

// Uploads a photo through UploadMedia in 64 KiB chunks; returns its media id.
std::string UploadPhoto(const System& system, const std::string& bytes);

// Submits `request` through intake and waits until the citizen's view shows the first-response
// deadline sla set (the complaint is routed and its clock runs).
sambat::v1::SubmitComplaintResponse SubmitUntilDeadline(
    const System& system, const sambat::v1::SubmitComplaintRequest& request);
// The sample pothole from a citizen who also gave `email`, under idempotency key `key`, until
// its deadline is set (SubmitUntilDeadline).
sambat::v1::SubmitComplaintResponse SubmitPotholeUntilDeadline(const System& system,
                                                               const std::string& email,
                                                               const std::string& key);

// The citizen's view of a submitted complaint, through GetComplaint with ticket and token.
sambat::v1::Complaint Track(const System& system, const sambat::v1::SubmitComplaintResponse& s);

// The citizen's follow-ups of a submitted complaint through intake, with its ticket and token:
// an answer to the agency's question (AddInfo), a rating of the resolution (Rate), a reopening
// (Reopen). Each returns intake's status, and the complaint as the citizen then sees it in
// `view` if given.
grpc::Status CitizenAnswers(const System& system, const sambat::v1::SubmitComplaintResponse& s,
                            const std::string& text, sambat::v1::Complaint* view = nullptr);
grpc::Status CitizenRates(const System& system, const sambat::v1::SubmitComplaintResponse& s,
                          int stars, const std::string& comment,
                          sambat::v1::Complaint* view = nullptr);
grpc::Status CitizenReopens(const System& system, const sambat::v1::SubmitComplaintResponse& s,
                            const std::string& reason, sambat::v1::Complaint* view = nullptr);

}  // namespace skk::testing

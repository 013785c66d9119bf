#include "tests/support/system.h"

#include <atomic>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/platform/clock.h"

namespace skk::testing {

absl::Time System::DefaultStart() {
  absl::TimeZone wib;
  REQUIRE(absl::LoadTimeZone("Asia/Jakarta", &wib));
  return absl::FromCivil(absl::CivilSecond(2026, 3, 2, 9, 0, 0), wib);
}

System::System(const std::string& name, const std::vector<std::string>& services,
               absl::Time start) {
  world_ = std::make_unique<IsolatedWorld>(name);
  dir_ = absl::StrCat("/tmp/skk-test-", world_->database());
  REQUIRE(::mkdir(dir_.c_str(), 0700) == 0);
  clock_file_ = dir_ + "/clock";
  SetClock(start);
  partners_ = std::make_unique<FakeReceiver>("fake_partner.py");
  DeclareQueuesOfOthers(services);
  for (const std::string& s : services) Start(s);
}

void System::DeclareQueuesOfOthers(const std::vector<std::string>& starting) {
  // As in a deployment, every service's queues exist before anything is published, whichever
  // services a test runs: publishing is mandatory, and an event no queue is bound for would
  // stay in its outbox. Those not starting now run at once; each declares and exits.
  std::map<std::string, pid_t> declaring;
  for (const std::string& service : kAllServices) {
    if (std::find(starting.begin(), starting.end(), service) != starting.end()) continue;
    std::vector<std::string> args = Flags(service);
    args.push_back("--declare_topology_only");
    declaring[service] = Spawn(args, absl::StrCat(dir_, "/", service, ".log"));
  }
  for (const auto& [service, pid] : declaring) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO(service << " --declare_topology_only:\n" << LogTail(service));
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  }
}

std::vector<std::string> System::Flags(const std::string& service) {
  // "routing#2" is a second replica of routing: the same binary, role and queues.
  const std::string binary = ServiceOf(service);
  std::vector<std::string> args = {
      absl::StrCat(SKK_BIN_DIR, "/skk-", binary),
      // Tests run on the repository's public development secrets and keys.
      "--dev",
      // A restarted service comes back on the port it had, as behind a Kubernetes Service.
      absl::StrCat("--listen=127.0.0.1:", last_ports_.contains(service) ? last_ports_[service] : 0),
      absl::StrCat("--ready_file=", dir_, "/", service, ".port"),
      absl::StrCat("--pg_uri=", world_->PgUri(binary)),
      absl::StrCat("--amqp_uri=", world_->AmqpUri()),
      absl::StrCat("--redis_addr=", Stack().redis_addr),
      absl::StrCat("--redis_prefix=", world_->redis_prefix()),
      absl::StrCat("--clock=file:", clock_file_),
      absl::StrCat("--city_config=", SourcePath("deploy/config/kota-malang.textproto")),
      // Retries in tests come back within a second, not half a minute.
      "--retry_delays=200ms,500ms,1s",
      "--pg_pool_size=4",
      "--shutdown_grace=5s",
  };
  if (binary == "sla") args.push_back("--reconcile_interval=1s");
  if (binary == "routing") {
    args.push_back(absl::StrCat("--partner_urls=polresta=", PartnerUrl("polresta"),
                                ",kejari=", PartnerUrl("kejari"),
                                ",kodim-0833=", PartnerUrl("kodim-0833")));
  }
  if (binary == "gateway") {
    // The gateway finds each service at every replica this system ever started (they come
    // back on the same ports), as behind a Kubernetes Service: gRPC tries the next address
    // when one is down.
    for (const std::string& s : kAllServices) {
      std::vector<std::string> addresses;
      for (const auto& [process, port] : last_ports_) {
        if (ServiceOf(process) == s) addresses.push_back(absl::StrCat("127.0.0.1:", port));
      }
      if (!addresses.empty()) {
        args.push_back(absl::StrCat("--", s, "_addr=ipv4:", absl::StrJoin(addresses, ",")));
      }
    }
    args.push_back(absl::StrCat("--http_listen=127.0.0.1:",
                                last_http_ports_.contains(service) ? last_http_ports_[service] : 0));
    args.push_back(absl::StrCat("--http_ready_file=", dir_, "/", service, ".http_port"));
    // Tests call from one address; a test of the limits sets its own.
    args.push_back("--address_read_limit=0");
    args.push_back("--address_write_limit=0");
  }
  if (binary == "intake") {
    args.push_back(absl::StrCat("--media_dir=", dir_, "/media"));
    args.push_back(absl::StrCat("--lapor_url=", LaporUrl()));
    // Tests submit many complaints from one phone; a test of the limits sets its own.
    args.push_back("--reporter_limit=0");
    args.push_back("--device_limit=0");
    // Every test client calls from 127.0.0.1: the per-address limits would count them all as
    // one. Tests of those limits set their own.
    args.push_back("--anonymous_peer_limit=0");
    args.push_back("--tracking_limit=0");
    args.push_back("--max_uploads_per_peer=64");
    // The gateway runs on this machine: its word on a citizen's address is believed.
    args.push_back("--trusted_gateways=127.0.0.1");
  }
  return args;
}

std::string System::PartnerUrl(const std::string& agency) const {
  const std::string base = absl::StrCat("http://127.0.0.1:", partners_->port(), "/", agency);
  return agency == "polresta" ? base + "/open311/v2/" : base + "/webhook";
}

std::string System::LaporUrl() const {
  return absl::StrCat("http://127.0.0.1:", partners_->port(), "/lapor/");
}

pid_t System::Spawn(std::vector<std::string> args, const std::string& log) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

System::~System() {
  StopAll();
  admin_.reset();
}

void System::StopAll() {
  for (auto it = processes_.begin(); it != processes_.end();) {
    const std::string service = it->first;
    ++it;
    Stop(service, SIGTERM);
  }
}

std::string System::ServiceOf(const std::string& process) {
  return process.substr(0, process.find('#'));
}

void System::Start(const std::string& service, const std::vector<std::string>& extra_flags) {
  REQUIRE_FALSE(Running(service));
  const std::string ready = absl::StrCat(dir_, "/", service, ".port");
  ::unlink(ready.c_str());
  std::vector<std::string> args = Flags(service);
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  const pid_t pid = Spawn(std::move(args), absl::StrCat(dir_, "/", service, ".log"));
  processes_[service] = pid;
  const bool ready_in_time = WaitUntil(
      [&] {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          processes_.erase(service);
          FAIL(service << " exited during start:\n" << LogTail(service));
        }
        std::ifstream in(ready);
        int port = 0;
        if (in >> port && port > 0) {
          ports_[service] = port;
          last_ports_[service] = port;
          // The gateway writes its HTTP port before it announces the gRPC one.
          std::ifstream http(absl::StrCat(dir_, "/", service, ".http_port"));
          if (int http_port = 0; http >> http_port && http_port > 0) {
            http_ports_[service] = http_port;
            last_http_ports_[service] = http_port;
          }
          return true;
        }
        return false;
      },
      absl::Seconds(90));
  INFO(LogTail(service));
  REQUIRE(ready_in_time);
}

int System::Stop(const std::string& service, int signal) {
  auto it = processes_.find(service);
  REQUIRE(it != processes_.end());
  const pid_t pid = it->second;
  ::kill(pid, signal);
  int status = 0;
  // A graceful stop has its grace period plus a margin; then it is a hang, and killed.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > give_up) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      processes_.erase(it);
      FAIL(service << " did not stop within 30 s of signal " << signal << "\n"
                   << LogTail(service));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  processes_.erase(it);
  ports_.erase(service);
  http_ports_.erase(service);
  return status;
}

std::vector<std::string> System::RunningProcesses() const {
  std::vector<std::string> names;
  for (const auto& [name, pid] : processes_) names.push_back(name);
  return names;
}

absl::Time System::Now() const { return FileClock(clock_file_).Now(); }

void System::SetClock(absl::Time t) { REQUIRE(WriteClockFile(clock_file_, t).ok()); }

void System::AdvanceClock(absl::Duration d) { SetClock(Now() + d); }

std::unique_ptr<sambat::v1::IntakeService::Stub> System::Intake() const {
  return sambat::v1::IntakeService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ports_.at("intake")), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<sambat::v1::NotificationService::Stub> System::Notification() const {
  return sambat::v1::NotificationService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ports_.at("notification")), grpc::InsecureChannelCredentials()));
}

bool System::WaitUntil(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

long long System::Count(const std::string& sql) const {
  if (admin_ == nullptr) admin_ = world_->Admin();
  return QueryInt(*admin_, sql);
}

PgResult System::Query(const std::string& sql) const {
  if (admin_ == nullptr) admin_ = world_->Admin();
  static std::atomic<int> counter{0};
  absl::StatusOr<PgResult> result =
      admin_->Execute(SqlStatement{absl::StrCat("system_query_", ++counter), sql});
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return *std::move(result);
}

std::string System::LogTail(const std::string& service, size_t bytes) const {
  std::ifstream in(absl::StrCat(dir_, "/", service, ".log"));
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

sambat::v1::SubmitComplaintRequest SampleComplaint(const std::string& category) {
  sambat::v1::SubmitComplaintRequest request;
  request.set_category(category);
  request.set_description(
      "Jalan berlubang besar di depan SDN Kauman 1, sudah dua minggu, membahayakan pengendara "
      "motor terutama saat hujan.");
  request.mutable_location()->set_latitude(-7.9826);
  request.mutable_location()->set_longitude(112.6308);
  request.mutable_reporter()->set_name("Siti Aminah");
  request.mutable_reporter()->set_phone("081234567890");
  request.set_channel(sambat::v1::CHANNEL_APP);
  return request;
}

std::string UploadPhoto(const System& system, const std::string& bytes) {
  auto stub = system.Intake();
  grpc::ClientContext context;
  sambat::v1::UploadMediaResponse response;
  auto writer = stub->UploadMedia(&context, &response);
  sambat::v1::UploadMediaRequest header;
  header.mutable_header()->set_size_bytes(static_cast<int64_t>(bytes.size()));
  header.mutable_header()->set_declared_type("image/jpeg");
  REQUIRE(writer->Write(header));
  for (size_t at = 0; at < bytes.size(); at += 64 * 1024) {
    sambat::v1::UploadMediaRequest chunk;
    chunk.set_chunk(bytes.substr(at, 64 * 1024));
    REQUIRE(writer->Write(chunk));
  }
  REQUIRE(writer->WritesDone());
  const grpc::Status status = writer->Finish();
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.media_id();
}

sambat::v1::SubmitComplaintResponse SubmitPotholeUntilDeadline(const System& system,
                                                               const std::string& email,
                                                               const std::string& key) {
  sambat::v1::SubmitComplaintRequest request = SampleComplaint("jalan-rusak");
  request.mutable_reporter()->set_email(email);
  request.set_idempotency_key(key);
  return SubmitUntilDeadline(system, request);
}

sambat::v1::SubmitComplaintResponse SubmitUntilDeadline(
    const System& system, const sambat::v1::SubmitComplaintRequest& request) {
  sambat::v1::SubmitComplaintResponse submitted;
  grpc::ClientContext context;
  const grpc::Status status = system.Intake()->SubmitComplaint(&context, request, &submitted);
  INFO(status.error_message());
  REQUIRE(status.ok());
  REQUIRE(System::WaitUntil([&] { return Track(system, submitted).has_first_response_due_at(); }));
  return submitted;
}

sambat::v1::Complaint Track(const System& system, const sambat::v1::SubmitComplaintResponse& s) {
  sambat::v1::GetComplaintRequest request;
  request.set_ticket(s.ticket());
  request.set_tracking_token(s.tracking_token());
  sambat::v1::Complaint complaint;
  grpc::ClientContext context;
  const grpc::Status status = system.Intake()->GetComplaint(&context, request, &complaint);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return complaint;
}

namespace {

// Calls intake's `method` with `request` for the complaint of `s`, as its citizen.
template <class Request, class Method>
grpc::Status FollowUp(const System& system, const sambat::v1::SubmitComplaintResponse& s,
                      Request request, Method method, sambat::v1::Complaint* view) {
  request.set_ticket(s.ticket());
  request.set_tracking_token(s.tracking_token());
  sambat::v1::Complaint seen;
  grpc::ClientContext context;
  const grpc::Status status = (*system.Intake().*method)(&context, request, &seen);
  if (view != nullptr) *view = seen;
  return status;
}

}  // namespace

grpc::Status CitizenAnswers(const System& system, const sambat::v1::SubmitComplaintResponse& s,
                            const std::string& text, sambat::v1::Complaint* view) {
  sambat::v1::AddInfoRequest request;
  request.set_text(text);
  return FollowUp(system, s, request, &sambat::v1::IntakeService::Stub::AddInfo, view);
}

grpc::Status CitizenRates(const System& system, const sambat::v1::SubmitComplaintResponse& s,
                          int stars, const std::string& comment, sambat::v1::Complaint* view) {
  sambat::v1::RateRequest request;
  request.set_stars(stars);
  request.set_comment(comment);
  return FollowUp(system, s, request, &sambat::v1::IntakeService::Stub::Rate, view);
}

grpc::Status CitizenReopens(const System& system, const sambat::v1::SubmitComplaintResponse& s,
                            const std::string& reason, sambat::v1::Complaint* view) {
  sambat::v1::ReopenRequest request;
  request.set_reason(reason);
  return FollowUp(system, s, request, &sambat::v1::IntakeService::Stub::Reopen, view);
}

}  // namespace skk::testing

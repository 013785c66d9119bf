// Staff authentication and the declared access policies on a real gRPC server built by
// ServiceHost with RequireStaffAuth: small test-only implementations of existing services
// stand in for the real ones, one on the sync API and one on the callback API (with the
// handler on the executor, as ServeUnary does), so CallerOf is shown to work across both and
// across threads. Their policies are the real ones of proto/ (sambat/v1/access.proto).

#include <pthread.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/client_unary_call.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "sambat/v1/notification.grpc.pb.h"
#include "sambat/v1/sla.grpc.pb.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/service_host.h"
#include "services/platform/testing/keys.h"
#include "services/platform/testing/local.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/staff_tokens.h"

namespace skk {
namespace {

using sambat::v1::Complaint;
using testing::AuthorizeAs;
using testing::StaffToken;

// Monday 2 March 2026, 09:00 WIB: months away from the real time, so a token checked against
// the real clock instead of the service's would fail every test here.
const absl::Time kBusinessNow = absl::FromUnixSeconds(1772416800);

std::string Describe(const Caller& c) {
  return absl::StrCat(c.subject, "|", c.name, "|", RoleName(c.role), "|", c.agency_code);
}

// Sync API: the handler asks for its caller on gRPC's own thread.
class SyncNotifications final : public sambat::v1::NotificationService::Service {
  grpc::Status ListNotifications(grpc::ServerContext* context,
                                 const sambat::v1::ListNotificationsRequest*,
                                 sambat::v1::ListNotificationsResponse* response) override {
    absl::StatusOr<Caller> caller = CallerOf(*context);
    if (!caller.ok()) return ToGrpcStatus(caller.status());
    response->add_notifications()->set_recipient_name(Describe(*caller));
    return grpc::Status::OK;
  }
};

// Callback API, on LeadershipService (agency heads and leadership only): ListEscalations reads
// its caller on an executor thread; Acknowledge never asks (a forgetful handler that must still
// leak nothing to a refused call).
class CallbackLeadership final : public sambat::v1::LeadershipService::CallbackService {
 public:
  explicit CallbackLeadership(RequestExecutor* executor) : executor_(executor) {}

  grpc::ServerUnaryReactor* ListEscalations(grpc::CallbackServerContext* context,
                                            const sambat::v1::ListEscalationsRequest*,
                                            sambat::v1::ListEscalationsResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    executor_->Submit([context, response, reactor] {
      absl::StatusOr<Caller> caller = CallerOf(*context);
      if (!caller.ok()) {
        reactor->Finish(ToGrpcStatus(caller.status()));
        return;
      }
      response->add_escalations()->set_acknowledged_by_name(Describe(*caller));
      reactor->Finish(grpc::Status::OK);
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* Acknowledge(grpc::CallbackServerContext* context,
                                        const sambat::v1::AcknowledgeRequest*,
                                        sambat::v1::EscalationView* response) override {
    response->set_ticket("SKK-SECRET");
    response->set_acknowledgement_note("what only leadership may read");
    context->AddTrailingMetadata("x-secret", "leaked");
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  RequestExecutor* executor_;
};

// Callback API, on the citizens' IntakeService: AddInfo is public by its declared policy.
class CallbackIntake final : public sambat::v1::IntakeService::CallbackService {
 public:
  grpc::ServerUnaryReactor* AddInfo(grpc::CallbackServerContext* context,
                                    const sambat::v1::AddInfoRequest*,
                                    Complaint* response) override {
    absl::StatusOr<Caller> caller = CallerOf(*context);
    response->set_status_text(caller.ok() ? Describe(*caller)
                                          : std::string(caller.status().message()));
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// A ServiceHost serving the two test services in this process, on its own world.
class StaffServer {
 public:
  StaffServer() : world_("staffauth") {
    REQUIRE(WriteClockFile(clock_file_, kBusinessNow).ok());
    ServiceOptions options;
    options.service = "notification";
    options.listen = "127.0.0.1:0";
    options.pg_uri = world_.PgUri("notification");
    options.pg_schema = "notification";
    options.pg_pool_size = 2;
    options.amqp_uri = world_.AmqpUri();
    options.redis_prefix = world_.redis_prefix();
    options.clock = absl::StrCat("file:", clock_file_);
    options.ready_file = dir_.File("ready");
    options.city_config = testing::SourcePath("deploy/config/kota-malang.textproto");
    options.retry_delays = {absl::Seconds(1)};
    options.shutdown_grace = absl::Seconds(2);
    host_ = std::make_unique<ServiceHost>(options);
    REQUIRE(host_->Migrate("notification", {}).ok());
    options.dev = true;  // the shipped configuration trusts the development key
    verifier_ = std::make_unique<TokenVerifier>(
        LoadTokenVerifierOrExit(options, testing::ShippedCityConfig()));
    leadership_ = std::make_unique<CallbackLeadership>(&host_->executor());
    intake_ = std::make_unique<CallbackIntake>();
    host_->AddGrpcService(&notifications_);
    host_->AddGrpcService(leadership_.get());
    host_->AddGrpcService(intake_.get());
    host_->RequireStaffAuth(verifier_.get());
    // Run takes SIGTERM with sigwait on its own thread; the signal is sent to that thread.
    thread_ = std::thread([this] { exit_code_ = host_->Run(); });
    const std::string ready = dir_.File("ready");
    for (int i = 0; i < 300 && port_ == 0; ++i) {
      std::ifstream in(ready);
      std::string line;
      if (in && std::getline(in, line) && absl::SimpleAtoi(line, &port_)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(port_ != 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                   grpc::InsecureChannelCredentials());
  }
  ~StaffServer() {
    pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
  }

  std::unique_ptr<sambat::v1::NotificationService::Stub> Notifications() const {
    return sambat::v1::NotificationService::NewStub(channel_);
  }
  std::unique_ptr<sambat::v1::LeadershipService::Stub> Leadership() const {
    return sambat::v1::LeadershipService::NewStub(channel_);
  }
  std::unique_ptr<sambat::v1::IntakeService::Stub> Intake() const {
    return sambat::v1::IntakeService::NewStub(channel_);
  }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  int port() const { return port_; }
  const std::string& clock_file() const { return clock_file_; }

 private:
  testing::IsolatedWorld world_;
  testing::TempDir dir_;
  std::string clock_file_ = dir_.File("clock");
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<TokenVerifier> verifier_;
  SyncNotifications notifications_;
  std::unique_ptr<CallbackLeadership> leadership_;
  std::unique_ptr<CallbackIntake> intake_;
  std::thread thread_;
  int exit_code_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

void Deadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
}

// Calls ListNotifications (sync) and ListEscalations (callback) with `token` (none if empty);
// returns both statuses and, when OK, what each handler saw as its caller.
struct Answers {
  grpc::Status sync;
  std::string sync_caller;
  grpc::Status callback;
  std::string callback_caller;
};

Answers CallBoth(const StaffServer& server, const std::string& token) {
  Answers a;
  {
    grpc::ClientContext context;
    Deadline(context);
    if (!token.empty()) AuthorizeAs(context, token);
    sambat::v1::ListNotificationsResponse response;
    a.sync = server.Notifications()->ListNotifications(&context, {}, &response);
    if (response.notifications_size() > 0) {
      a.sync_caller = response.notifications(0).recipient_name();
    }
  }
  {
    grpc::ClientContext context;
    Deadline(context);
    if (!token.empty()) AuthorizeAs(context, token);
    sambat::v1::ListEscalationsResponse response;
    a.callback = server.Leadership()->ListEscalations(&context, {}, &response);
    if (response.escalations_size() > 0) {
      a.callback_caller = response.escalations(0).acknowledged_by_name();
    }
  }
  return a;
}

void RequireRefused(const Answers& a, const std::string& reason) {
  for (const grpc::Status* s : {&a.sync, &a.callback}) {
    CHECK(s->error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK_THAT(s->error_message(), Catch::Contains(reason));
  }
  CHECK(a.sync_caller.empty());
  CHECK(a.callback_caller.empty());
}

TEST_CASE("a good staff token reaches the handler as its caller, on the sync and callback APIs") {
  StaffServer server;
  const Answers head = CallBoth(
      server, StaffToken(StaffRole::kAgencyHead, "dpuprpkp", kBusinessNow,
                         {.subject = "budi.dpuprpkp", .name = "Budi Santoso"}));
  INFO(head.sync.error_message() << " / " << head.callback.error_message());
  REQUIRE(head.sync.ok());
  REQUIRE(head.callback.ok());
  CHECK(head.sync_caller == "budi.dpuprpkp|Budi Santoso|agency_head|dpuprpkp");
  CHECK(head.callback_caller == "budi.dpuprpkp|Budi Santoso|agency_head|dpuprpkp");

  const Answers sekda = CallBoth(server, StaffToken(StaffRole::kLeadership, "", kBusinessNow));
  REQUIRE(sekda.sync.ok());
  CHECK(sekda.callback_caller == "test.leadership|test.leadership|leadership|");
}

TEST_CASE("calls without a good staff token are answered UNAUTHENTICATED with the reason") {
  StaffServer server;
  SECTION("no token") { RequireRefused(CallBoth(server, ""), "staff token missing"); }
  SECTION("expired, by the service's clock") {
    const std::string token = StaffToken(StaffRole::kOfficer, "dlh",
                                         kBusinessNow - absl::Hours(9),
                                         {.valid_for = absl::Hours(8)});
    RequireRefused(CallBoth(server, token), "expired");
  }
  SECTION("signed by a key the service does not trust") {
    // The kid the service trusts, but another key: only the signature tells them apart.
    auto stranger = TokenIssuer::Create({"dev-1", testing::NewEcKeyPair().private_pem},
                                        testing::TestTokenIssuer().rules());
    REQUIRE(stranger.ok());
    auto token = stranger->Mint({.subject = "eve", .role = StaffRole::kAdmin}, kBusinessNow,
                                absl::Hours(1));
    REQUIRE(token.ok());
    RequireRefused(CallBoth(server, *token), "bad signature");
  }
  SECTION("not a bearer token") {
    grpc::ClientContext context;
    Deadline(context);
    context.AddMetadata("authorization", "Basic YWRtaW46YWRtaW4=");
    sambat::v1::ListNotificationsResponse response;
    grpc::Status status = server.Notifications()->ListNotifications(&context, {}, &response);
    CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK_THAT(status.error_message(), Catch::Contains("Bearer"));
  }
}

TEST_CASE("a handler that never asks for its caller still leaks nothing to a refused call") {
  StaffServer server;
  using Escalation = sambat::v1::EscalationView;
  auto rate = [&](const std::string& token, Escalation* response,
                  std::set<std::string>* trailers) {
    grpc::ClientContext context;
    Deadline(context);
    if (!token.empty()) AuthorizeAs(context, token);
    grpc::Status status = server.Leadership()->Acknowledge(&context, {}, response);
    trailers->clear();
    for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
      trailers->insert(std::string(key.data(), key.size()));
    }
    return status;
  };
  std::set<std::string> trailers;

  Escalation anonymous;
  grpc::Status status = rate("", &anonymous, &trailers);
  CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK_THAT(status.error_message(), Catch::Contains("staff token missing"));
  CHECK(anonymous.ticket().empty());
  CHECK(anonymous.acknowledgement_note().empty());
  CHECK_FALSE(trailers.contains("x-secret"));

  Escalation expired;
  status = rate(StaffToken(StaffRole::kLeadership, "", kBusinessNow - absl::Hours(2),
                           {.valid_for = absl::Hours(1)}),
                &expired, &trailers);
  CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK_THAT(status.error_message(), Catch::Contains("expired"));
  CHECK(expired.ticket().empty());

  // A good token of a role the method's policy does not name: refused before the handler's
  // answer can leave, although this handler never checks.
  for (StaffRole role : {StaffRole::kOfficer, StaffRole::kAdmin}) {
    Escalation wrong_role;
    status = rate(StaffToken(role, role == StaffRole::kOfficer ? "dlh" : "", kBusinessNow),
                  &wrong_role, &trailers);
    CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK_THAT(status.error_message(), Catch::Contains("may not call this method"));
    CHECK(wrong_role.ticket().empty());
    CHECK_FALSE(trailers.contains("x-secret"));
  }

  // The same handler with a good token of an allowed role answers as it wants to.
  Escalation allowed;
  status = rate(StaffToken(StaffRole::kLeadership, "", kBusinessNow), &allowed, &trailers);
  REQUIRE(status.ok());
  CHECK(allowed.ticket() == "SKK-SECRET");
  CHECK(trailers.contains("x-secret"));
}

TEST_CASE("health checks stay open and unprotected methods never see a caller") {
  StaffServer server;
  // grpc.health.v1.Health/Check with an empty request, without a token. No generated stub
  // ships with Debian's gRPC: the call is made on raw bytes.
  grpc::ClientContext context;
  Deadline(context);
  grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      server.channel().get(),
      grpc::internal::RpcMethod("/grpc.health.v1.Health/Check",
                                grpc::internal::RpcMethod::NORMAL_RPC),
      &context, request, &response);
  REQUIRE(status.ok());
  std::vector<grpc::Slice> slices;
  REQUIRE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  CHECK(bytes == std::string("\x08\x01", 2));  // HealthCheckResponse{status: SERVING}

  // AddInfo is public by its declared policy: even a good token gives its handler no caller.
  grpc::ClientContext add_info;
  Deadline(add_info);
  AuthorizeAs(add_info, StaffToken(StaffRole::kAdmin, "", kBusinessNow));
  Complaint answer;
  REQUIRE(server.Intake()->AddInfo(&add_info, {}, &answer).ok());
  CHECK_THAT(answer.status_text(), Catch::Contains("not protected"));
}

TEST_CASE("an officer's good token is refused by a method for heads and leadership") {
  StaffServer server;
  const Answers officer = CallBoth(server, StaffToken(StaffRole::kOfficer, "dlh", kBusinessNow));
  CHECK(officer.sync.ok());  // ListNotifications: officers may
  CHECK(officer.callback.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(officer.callback.error_message(),
             Catch::Contains("role officer may not call this method (only agency_head, leadership)"));
  CHECK(officer.callback_caller.empty());
}

using testing::RunCommand;

TEST_CASE("sambatctl token mints at the services' clock and --staff_token carries it") {
  StaffServer server;
  const std::string sambatctl = absl::StrCat(SKK_BIN_DIR, "/sambatctl");
  const std::string config = testing::SourcePath("deploy/config/kota-malang.textproto");
  std::string token;
  REQUIRE(RunCommand(
              absl::StrCat(sambatctl, " token --role agency_head --agency dlh --subject sri.dlh",
                           " --name 'Sri Wahyuni' --valid_for 2h --issued_at clock --clock_file ",
                           server.clock_file(), " --city_config ", config),
              &token) == 0);
  while (!token.empty() && token.back() == '\n') token.pop_back();
  auto caller = testing::TestTokenVerifier().Verify(token, kBusinessNow + absl::Hours(1));
  REQUIRE(caller.ok());
  CHECK(Describe(*caller) == "sri.dlh|Sri Wahyuni|agency_head|dlh");
  CHECK_FALSE(testing::TestTokenVerifier().Verify(token, kBusinessNow + absl::Hours(2)).ok());

  std::string listing;
  const std::string list = absl::StrCat(sambatctl, " notifications some-complaint --notification ",
                                        "127.0.0.1:", server.port());
  CHECK(RunCommand(absl::StrCat(list, " --staff_token ", token), &listing) == 0);
  CHECK_THAT(listing, Catch::Contains("sri.dlh|Sri Wahyuni|agency_head|dlh"));
  CHECK(RunCommand(absl::StrCat("SKK_STAFF_TOKEN=", token, " ", list), &listing) == 0);
  CHECK_THAT(listing, Catch::Contains("sri.dlh|Sri Wahyuni|agency_head|dlh"));
  CHECK(RunCommand(absl::StrCat(list, " 2>&1"), &listing) != 0);
  CHECK_THAT(listing, Catch::Contains("staff token missing"));

  CHECK(RunCommand(
            absl::StrCat(sambatctl, " token --role officer --city_config ", config, " 2>&1"),
            &listing) != 0);
  CHECK_THAT(listing, Catch::Contains("requires an agency"));
}

}  // namespace
}  // namespace skk

// Handlers honour the client's deadline and cancellation: a request whose client stopped
// waiting before a worker took it is not run, and a transaction run for a request ends at the
// request's deadline instead of keeping a connection busy for nobody.

#include <catch2/catch.hpp>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

// GetComplaint through ServeUnary on a one-worker executor; the handler counts its runs and
// waits while `hold` is set.
class SlowIntake final : public sambat::v1::IntakeService::WithRawCallbackMethod_GetComplaint<
                             sambat::v1::IntakeService::Service> {
 public:
  explicit SlowIntake(RequestExecutor& executor) : executor_(executor) {}

  grpc::ServerUnaryReactor* GetComplaint(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override {
    return ServeUnary<sambat::v1::GetComplaintRequest, sambat::v1::Complaint>(
        context, request, response, executor_,
        [this](const sambat::v1::GetComplaintRequest& r) -> absl::StatusOr<sambat::v1::Complaint> {
          ++runs;
          std::unique_lock lock(mu);
          released.wait(lock, [&] { return !hold; });
          sambat::v1::Complaint c;
          c.set_ticket(r.ticket());
          return c;
        });
  }

  std::atomic<int> runs{0};
  std::mutex mu;
  std::condition_variable released;
  bool hold = true;

 private:
  RequestExecutor& executor_;
};

TEST_CASE("a request whose client stopped waiting before a worker took it is not run",
          "[grpc][security]") {
  auto executor = std::make_unique<RequestExecutor>(1, 10);
  SlowIntake service(*executor);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);
  auto stub = sambat::v1::IntakeService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  // The one worker is busy with a first call; a second waits in the queue past its deadline.
  std::thread first([&] {
    grpc::ClientContext context;
    sambat::v1::GetComplaintRequest request;
    request.set_ticket("SKK-2026-000001");
    sambat::v1::Complaint view;
    CHECK(stub->GetComplaint(&context, request, &view).ok());
  });
  while (service.runs.load() == 0) std::this_thread::yield();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  sambat::v1::GetComplaintRequest request;
  request.set_ticket("SKK-2026-000002");
  sambat::v1::Complaint view;
  const grpc::Status late = stub->GetComplaint(&context, request, &view);
  CHECK(late.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  {
    std::lock_guard lock(service.mu);
    service.hold = false;
  }
  service.released.notify_all();
  first.join();
  server->Shutdown();
  executor.reset();  // runs what was queued: the late call, which must not reach the handler
  CHECK(service.runs.load() == 1);
}

TEST_CASE("a transaction for a request ends at the request's deadline", "[grpc][security]") {
  testing::IsolatedWorld world("req_deadline");
  PgPool pool({.uri = world.PgUri("routing"), .schema = "routing", .size = 1});
  static constexpr SqlStatement kSlow{"test_slow", "SELECT pg_sleep(5)"};
  const absl::Time start = absl::Now();
  absl::Status st;
  {
    const RequestDeadlineScope scope(std::chrono::system_clock::now() +
                                     std::chrono::milliseconds(300));
    st = pool.Transact([](PgConnection& tx) { return tx.Execute(kSlow).status(); });
  }
  CHECK(absl::IsDeadlineExceeded(st));
  CHECK(absl::Now() - start < absl::Seconds(3));
  // Outside the scope the same connection runs without that bound again.
  CHECK(RequestDeadlineScope::Current() == absl::InfiniteFuture());
  static constexpr SqlStatement kQuick{"test_quick", "SELECT pg_sleep(0.5)"};
  CHECK(pool.Transact([](PgConnection& tx) { return tx.Execute(kQuick).status(); }).ok());
  // A deadline already passed: nothing begins.
  const RequestDeadlineScope passed(std::chrono::system_clock::now() -
                                    std::chrono::milliseconds(1));
  bool ran = false;
  CHECK(absl::IsDeadlineExceeded(pool.Transact([&](PgConnection&) {
    ran = true;
    return absl::OkStatus();
  })));
  CHECK_FALSE(ran);
}

}  // namespace
}  // namespace skk

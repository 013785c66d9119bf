// The platform's metrics: what the registry exposes, and the gRPC interceptor counting a real
// call by its method and code. tests/metrics scrapes the endpoint of every service.

#include "services/platform/metrics.h"

#include <catch2/catch.hpp>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/platform/health_client.h"

namespace skk::metrics {
namespace {

TEST_CASE("a counter's family is made once and its series read back as text", "[metrics]") {
  CounterFamily("skk_unit_test_total", "a counter for the unit test")
      .Add({{"outcome", "acked"}})
      .Increment(2);
  CounterFamily("skk_unit_test_total", "a counter for the unit test")
      .Add({{"outcome", "acked"}})
      .Increment();
  const std::string text = Text();
  CHECK(absl::StrContains(text, "# TYPE skk_unit_test_total counter"));
  CHECK(absl::StrContains(text, "skk_unit_test_total{outcome=\"acked\"} 3"));
}

TEST_CASE("status codes are named as gRPC names them", "[metrics]") {
  CHECK(CodeName(0) == "OK");
  CHECK(CodeName(3) == "INVALID_ARGUMENT");
  CHECK(CodeName(16) == "UNAUTHENTICATED");
}

TEST_CASE("a gRPC call is counted by service, method and code",
          "[metrics]") {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(MakeGrpcMetricsFactory());
  builder.experimental().SetInterceptorCreators(std::move(creators));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  REQUIRE(CheckHealth(*channel, absl::Seconds(5)).ok());
  REQUIRE(CheckHealth(*channel, absl::Seconds(5)).ok());
  server->Shutdown();

  const std::string text = Text();
  CHECK(absl::StrContains(text,
                          "skk_grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Check\","
                          "grpc_service=\"grpc.health.v1.Health\"} 2"));
  CHECK(absl::StrContains(text,
                          "skk_grpc_server_handling_seconds_count{grpc_method=\"Check\","
                          "grpc_service=\"grpc.health.v1.Health\"} 2"));
}

TEST_CASE("the endpoint listens where it is told, and an address it cannot take is an error",
          "[metrics]") {
  absl::StatusOr<std::unique_ptr<prometheus::Exposer>> exposer = Serve("127.0.0.1:0");
  REQUIRE(exposer.ok());
  CHECK((*exposer)->GetListeningPorts().at(0) > 0);
  // Not this machine's address: civetweb's exception becomes a status.
  CHECK_FALSE(Serve("192.0.2.1:1").ok());
}

}  // namespace
}  // namespace skk::metrics

#include "services/platform/metrics.h"

#include <chrono>
#include <exception>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "prometheus/text_serializer.h"

namespace skk::metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Time from the call's arrival (its interceptor is made then) to its status being sent.
class GrpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit GrpcMetricsInterceptor(grpc::experimental::ServerRpcInfo* info)
      : start_(std::chrono::steady_clock::now()) {
    // "/sambat.v1.IntakeService/SubmitComplaint"
    std::vector<std::string> parts =
        absl::StrSplit(absl::string_view(info->method() == nullptr ? "" : info->method()), '/');
    service_ = parts.size() == 3 ? parts[1] : "unknown";
    method_ = parts.size() == 3 ? parts[2] : "unknown";
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      static auto& handled = CounterFamily(
          "skk_grpc_server_handled_total", "gRPC calls answered, by service, method and code");
      static auto& handling = HistogramFamily(
          "skk_grpc_server_handling_seconds", "Time to answer a gRPC call, by service and method");
      handled
          .Add({{"grpc_service", service_},
                {"grpc_method", method_},
                {"grpc_code", CodeName(methods->GetSendStatus().error_code())}})
          .Increment();
      handling.Add({{"grpc_service", service_}, {"grpc_method", method_}}, LatencyBuckets())
          .Observe(seconds);
    }
    methods->Proceed();
  }

 private:
  std::chrono::steady_clock::time_point start_;
  std::string service_;
  std::string method_;
};

class GrpcMetricsFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new GrpcMetricsInterceptor(info);
  }
};

}  // namespace

namespace {
// Never destroyed: threads that outlive main's objects (an exposer's, a consumer's) may still
// count into it at exit.
std::shared_ptr<prometheus::Registry> SharedRegistry() {
  static auto* registry =
      new std::shared_ptr<prometheus::Registry>(std::make_shared<prometheus::Registry>());
  return *registry;
}
}  // namespace

prometheus::Registry& Registry() { return *SharedRegistry(); }

prometheus::Family<prometheus::Counter>& CounterFamily(const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(Registry());
}

prometheus::Family<prometheus::Gauge>& GaugeFamily(const std::string& name,
                                                   const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(Registry());
}

prometheus::Family<prometheus::Histogram>& HistogramFamily(const std::string& name,
                                                           const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(Registry());
}

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return *buckets;
}

const prometheus::Histogram::BucketBoundaries& DelayBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600};
  return *buckets;
}

absl::StatusOr<std::unique_ptr<prometheus::Exposer>> Serve(const std::string& address) {
  // civetweb, under prometheus-cpp, throws when it cannot listen; the error stops here.
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
    exposer->RegisterCollectable(SharedRegistry());
    return exposer;
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
}

std::string Text() {
  return prometheus::TextSerializer().Serialize(Registry().Collect());
}

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeGrpcMetricsFactory() {
  return std::make_unique<GrpcMetricsFactory>();
}

}  // namespace skk::metrics

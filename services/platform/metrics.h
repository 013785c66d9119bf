#pragma once

// The process's Prometheus metrics (docs/metrics.md). One registry per process, served as
// text on --metrics_listen by ServiceHost (the gateway serves it the same way). The platform
// counts what every service does (gRPC calls, events consumed, the outbox); a service counts
// the city's facts it owns (complaints received, escalations, deliveries) in the same registry.
// Names start with "skk_"; labels take only values from small fixed sets (a method, a code, a
// category), never an id, so a series never grows with the number of complaints.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace skk::metrics {

prometheus::Registry& Registry();

// The family named `name`, made on first use; the same family on every later call.
prometheus::Family<prometheus::Counter>& CounterFamily(const std::string& name,
                                                       const std::string& help);
prometheus::Family<prometheus::Gauge>& GaugeFamily(const std::string& name,
                                                   const std::string& help);
prometheus::Family<prometheus::Histogram>& HistogramFamily(const std::string& name,
                                                           const std::string& help);

// Seconds, for a call or an event: 1 ms to 30 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();
// Seconds, for how late a deadline's timer fired or how old an event was: 100 ms to a day.
const prometheus::Histogram::BucketBoundaries& DelayBuckets();

// Serves GET /metrics on `address` (host:port; port 0 picks a free one). The exposer stops
// serving when destroyed.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> Serve(const std::string& address);

// Every metric as Prometheus's text exposition format (what /metrics answers).
std::string Text();

// "INVALID_ARGUMENT" for a gRPC or Abseil status code.
std::string CodeName(int code);

// Counts and times every call a gRPC server answers, by service, method and status code:
// skk_grpc_server_handled_total and skk_grpc_server_handling_seconds.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeGrpcMetricsFactory();

}  // namespace skk::metrics

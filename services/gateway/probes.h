#pragma once

// /healthz (the process answers) and /readyz (every service the gateway needs answers its
// gRPC health check), for Kubernetes' probes and the operator's curl.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/gateway.pb.h"
#include "services/gateway/router.h"

namespace skk::gateway {

class Probes {
 public:
  explicit Probes(std::map<std::string, std::shared_ptr<grpc::Channel>> services)
      : services_(std::move(services)) {}
  void AddRoutes(Router& router);

 private:
  // Asks each service at most once a second, however often the probes come.
  sambat::v1::Health Readiness();

  std::map<std::string, std::shared_ptr<grpc::Channel>> services_;
  std::mutex mu_;
  absl::Time checked_at_ = absl::InfinitePast();
  sambat::v1::Health last_;
};

}  // namespace skk::gateway

#pragma once

// Everything a service process needs around its own logic: configuration from flags and
// environment, logging, the PostgreSQL pool with migrations, the clock, the outbox relay, the
// event consumers, the gRPC server with health checking, and graceful shutdown on SIGTERM.
// A service's main() only wires its logic into a ServiceHost and calls Run().

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/config.pb.h"
#include "services/platform/amqp.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/dev_mode.h"
#include "services/platform/migrations.h"
#include "services/platform/outbox.h"
#include "services/platform/pg.h"
#include "services/platform/tls.h"

namespace prometheus {
class Exposer;
}

namespace skk {

class RequestExecutor;
class ParkedEventsDesk;
class ParkedEventsGrpcService;

// Configuration shared by every service. Each field comes from a flag (--pg_uri) or, when the
// flag is not given, the environment variable SKK_<FLAG> (SKK_PG_URI); the URIs, which hold
// passwords, may also come from a file (--pg_uri_file). Defaults that suit the local stack
// started by deploy/stack.sh apply only in development mode (--dev); without it a missing
// setting or a development secret stops the service at start (dev_mode.h).
struct ServiceOptions {
  std::string service;          // "intake", "routing", ...
  // --dev: a local run or a test; the repository's public development secrets are accepted.
  bool dev = false;
  // --grpc_reflection: serve gRPC reflection (an operator's grpcurl needs no .proto); off by
  // default, since it hands a stranger the map of every method.
  bool grpc_reflection = false;
  // TLS on the gRPC server (tls.h); a client CA makes it mutual. Empty: plaintext, which only
  // --dev or --grpc_plaintext (a mesh adds mTLS) allows.
  TlsFiles grpc_tls;
  bool grpc_plaintext = false;
  std::string listen;           // gRPC address, host:port; port 0 picks a free one
  std::string pg_uri;
  std::string pg_schema;
  int pg_pool_size = 8;
  // Threads that run gRPC handlers; 0: as many as database connections. A service whose
  // handlers wait on something other than their own connection (intake's shared commits)
  // needs more.
  int request_threads = 0;
  int max_queued_requests = 1024;
  std::string amqp_uri;
  std::string redis_addr;
  std::string redis_prefix;     // every Redis key of the service starts with it
  std::string clock;            // "real" or "file:<path>"
  std::string ready_file;       // written with the bound port once the service serves
  std::string city_config;      // path of the city's CityConfig text-format file
  int consumer_threads = 2;
  int prefetch = 50;
  // Events a consumer thread applies in one transaction (EventConsumer::Options::batch_max).
  int event_batch = 50;
  int max_attempts = 5;
  int max_waits = DeliveryProcessor::kDefaultMaxWaits;
  // applied_events rows older than this are pruned (real time). Long past any redelivery or
  // the replay of an event parked the same quarter.
  absl::Duration applied_events_retention = absl::Hours(24 * 90);
  std::vector<absl::Duration> retry_delays;
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Where Prometheus scrapes /metrics (host:port); empty: metrics are not served.
  std::string metrics_listen;
  // Declare the RabbitMQ queues the service consumes from, then exit (deploy/stack.sh runs
  // this before anything publishes, so no event is ever routed to a queue not there yet).
  bool declare_topology_only = false;
};

// The one way a service fails at start-up (a bad flag or configuration, a missing secret, a
// server that never came up): logs "cannot start" with `why` and exits with status 2, before
// the service serves anything. Never for failures after start-up, which are handled or logged.
[[noreturn]] void ExitAtStart(const absl::Status& why);
// ExitAtStart unless `status` is OK.
void OkOrExit(const absl::Status& status);
// The value, or ExitAtStart with the error.
template <class T>
T ValueOrExit(absl::StatusOr<T> value) {
  if (!value.ok()) ExitAtStart(value.status());
  return *std::move(value);
}

// Writes `port` to `path` atomically (a test or script waits for the file to learn the port).
absl::Status WriteReadyFile(const std::string& path, int port);

// Parses flags (after applying SKK_* environment variables) and sets up logging.
// Exits the process with a message on invalid flags, as a command-line tool does.
ServiceOptions InitService(const std::string& service, int default_port, int argc, char** argv);

class ServiceHost {
 public:
  explicit ServiceHost(ServiceOptions options);
  ~ServiceHost();

  // Connects to PostgreSQL and applies the platform's and the service's migrations. Retries
  // for a while if the database is not up yet (containers start in any order).
  absl::Status Migrate(const std::string& component, const std::vector<Migration>& migrations);
  // Migrate, or log why not and exit: a service never runs on a schema it does not expect.
  void MigrateOrExit(const std::string& component, const std::vector<Migration>& migrations);

  // Consumes events bound by `bindings` with `handlers`, on options().consumer_threads threads.
  void AddConsumer(std::vector<std::string> bindings, EventHandlers handlers);
  // Serves `service` (owned by the caller, must outlive Run).
  void AddGrpcService(grpc::Service* service);
  // Staff methods (those whose access policy in proto/ names roles) check tokens with
  // `verifier`; handlers read the caller with CallerOf(*context). Every served method's policy
  // is applied whether or not this is called: without a verifier, a staff method is refused
  // to everyone. Call before Run; `verifier` (usually from LoadTokenVerifierOrExit) must
  // outlive Run. Tokens are checked against clock(), so a test's file clock and its tokens agree.
  void RequireStaffAuth(const TokenVerifier* verifier);
  // Runs `loop` on its own thread until shutdown; for periodic work such as the sla timer loop.
  void AddBackgroundLoop(std::string name, std::function<void(const std::atomic<bool>&)> loop);
  // Runs `pass` now and then every `every` (real time) until shutdown; a pass logs its own
  // failures, and the next one comes on time.
  void AddPeriodicWork(std::string name, absl::Duration every, std::function<void()> pass);
  // Runs `prune` now and then hourly until shutdown, logging what it removed (`what`, e.g.
  // "applied events") or why it failed; for bookkeeping kept only for a while.
  void AddHourlyPruning(std::string what, std::function<absl::StatusOr<int64_t>()> prune);

  // Starts everything, writes the ready file, waits for SIGTERM or SIGINT and shuts down:
  // health NOT_SERVING, no new RPCs, in-flight RPCs finish (up to shutdown_grace), consumers
  // finish the message in hand and ack nothing unfinished, the relay finishes its batch.
  // Returns the process exit code.
  int Run();

  PgPool& pool() { return *pool_; }
  // The threads that run gRPC handlers (see grpc_edge.h); as many as database connections.
  // Drained at the end of Run().
  RequestExecutor& executor() { return *executor_; }
  Clock& clock() { return *clock_; }
  const ServiceOptions& options() const { return options_; }
  const AmqpEndpoint& amqp() const { return amqp_; }

 private:
  struct ConsumerSpec {
    std::vector<std::string> bindings;
    EventHandlers handlers;
  };
  // Binds complaint.erasure_requested for a service that consumes events and adds, after the
  // service's own handler, the erasure of the complaint's parked events.
  void EraseParkedOnErasure();

  struct LoopSpec {
    std::string name;
    std::function<void(const std::atomic<bool>&)> loop;
  };

  // The steps of Run.
  struct Work;
  std::vector<TopologyOptions> Topologies() const;
  // The server listening (port: the one bound), with every service and the access policies.
  absl::StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(int& port);
  std::unique_ptr<Work> StartWork(const std::vector<TopologyOptions>& topologies);
  void AnnounceServing(grpc::Server& server, int port);
  void ShutDown(grpc::Server& server, Work& work);

  ServiceOptions options_;
  AmqpEndpoint amqp_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<RequestExecutor> executor_;
  std::vector<ConsumerSpec> consumers_;
  std::vector<LoopSpec> loops_;
  std::vector<grpc::Service*> grpc_services_;
  const TokenVerifier* staff_verifier_ = nullptr;
  // The parked events' door (parked_events_service.h), for a service with consumers.
  std::unique_ptr<ParkedEventsDesk> parked_desk_;
  std::unique_ptr<ParkedEventsGrpcService> parked_service_;
  std::unique_ptr<prometheus::Exposer> metrics_exposer_;
};

// Loads and validates the city configuration of options.city_config, or logs why it is
// invalid and exits: a service never starts on a half-valid configuration.
sambat::v1::CityConfig LoadCityConfigOrExit(const ServiceOptions& options);

// The staff-token verifier of `city` (its auth block, key paths relative to
// options.city_config's directory), or logs why there is none and exits: a service that serves
// staff never starts without keys of its own, nor with the development key outside --dev.
TokenVerifier LoadTokenVerifierOrExit(const ServiceOptions& options,
                                      const sambat::v1::CityConfig& city);

// A secret of the service (tracking, cursor, ...) as dev_mode.h's LoadSecret reads it, or logs
// why it cannot be had and exits.
std::string LoadSecretOrExit(const SecretSource& source, const ServiceOptions& options);

}  // namespace skk

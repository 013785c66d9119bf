#include "services/platform/service_host.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/platform/log.h"
#include "services/platform/metrics.h"
#include "services/platform/city_config.h"
#include "services/platform/events.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/status_macros.h"
#include "services/platform/parked_events.h"
#include "services/platform/parked_events_service.h"
#include "services/platform/wait.h"

ABSL_FLAG(std::string, listen, "", "gRPC listen address host:port (port 0 picks a free port)");
ABSL_FLAG(bool, dev, false,
          "development mode: a local run or a test; accepts the repository's public development "
          "secrets and the local stack's defaults (never on a network)");
ABSL_FLAG(bool, grpc_reflection, false, "serve gRPC reflection (for grpcurl)");
ABSL_FLAG(std::string, grpc_tls_cert_file, "", "the gRPC server's TLS certificate chain (PEM)");
ABSL_FLAG(std::string, grpc_tls_key_file, "", "the gRPC server's TLS private key (PEM)");
ABSL_FLAG(std::string, grpc_tls_client_ca_file, "",
          "require clients to present a certificate from this CA (mutual TLS)");
ABSL_FLAG(bool, grpc_plaintext, false,
          "serve gRPC without TLS outside --dev (only behind a network that encrypts, e.g. a "
          "service mesh with mTLS)");
ABSL_FLAG(bool, servers_plaintext, false,
          "connect to PostgreSQL and RabbitMQ without TLS outside --dev (only when the network "
          "itself encrypts, e.g. a mesh with mTLS)");
ABSL_FLAG(std::string, pg_uri, "",
          "PostgreSQL URI; default in --dev: the service's role on the local stack");
ABSL_FLAG(std::string, pg_uri_file, "", "file holding the PostgreSQL URI (with its password)");
ABSL_FLAG(std::string, pg_schema, "", "PostgreSQL schema; default: the service name");
ABSL_FLAG(int, pg_pool_size, 8, "PostgreSQL connections for request and event handling");
ABSL_FLAG(int, request_threads, 0,
          "threads running gRPC handlers; 0: the service's default (pg_pool_size, intake 64)");
ABSL_FLAG(int, max_queued_requests, 1024,
          "requests that may wait for a handler thread before RESOURCE_EXHAUSTED");
ABSL_FLAG(std::string, amqp_uri, "", "RabbitMQ URI; default in --dev: the local stack's");
ABSL_FLAG(std::string, amqp_uri_file, "", "file holding the RabbitMQ URI (with its password)");
ABSL_FLAG(std::string, redis_addr, "127.0.0.1:55379",
          "Redis host:port, or redis://user:password@host:port for the service's ACL user");
ABSL_FLAG(std::string, redis_addr_file, "",
          "file holding the Redis address (redis://user:password@host:port, or "
          "redis-sentinel://user:password@sentinel:port,.../master-name); overrides --redis_addr");
ABSL_FLAG(std::string, redis_prefix, "skk:", "prefix of every Redis key");
ABSL_FLAG(std::string, clock, "real",
          "business clock: real, or file:<path> holding an RFC 3339 time (tests, demos)");
ABSL_FLAG(std::string, ready_file, "", "file written with the bound port once serving");
ABSL_FLAG(std::string, city_config, "deploy/config/kota-malang.textproto",
          "the city's configuration (sambat.v1.CityConfig, text format)");
ABSL_FLAG(int, consumer_threads, 2, "event consumer threads, each with its own connection");
ABSL_FLAG(int, prefetch, 50, "unacknowledged events a consumer thread may hold");
ABSL_FLAG(int, event_batch, 50,
          "events a consumer thread applies in one transaction (one disk flush for the lot); "
          "at most --prefetch, 1 for one at a time");
ABSL_FLAG(int, max_attempts, 5, "attempts at an event before it is dead-lettered");
ABSL_FLAG(int, max_waits, skk::DeliveryProcessor::kDefaultMaxWaits,
          "times an event is set aside waiting for an earlier event of its case before it is "
          "dead-lettered (each wait lasts up to the longest --retry_delays)");
ABSL_FLAG(std::vector<std::string>, retry_delays, std::vector<std::string>({"1s", "5s", "30s"}),
          "waits before the 1st, 2nd, ... retry of a failed event (the last one repeats)");
ABSL_FLAG(absl::Duration, applied_events_retention, absl::Hours(24 * 90),
          "the record of an applied event is pruned this long after (real time; 0: kept)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long in-flight requests may take after SIGTERM");
ABSL_FLAG(int, grpc_max_concurrent_streams, 100,
          "concurrent calls one client connection may hold open (a flood waits its turn)");
ABSL_FLAG(int, grpc_max_receive_bytes, 4 * 1024 * 1024,
          "largest request message accepted (photos arrive in chunks of at most 1 MiB)");
ABSL_FLAG(absl::Duration, grpc_max_connection_idle, absl::Minutes(5),
          "a client connection with no call for this long is closed");
ABSL_FLAG(absl::Duration, grpc_max_connection_age, absl::Minutes(30),
          "a client connection is asked to reconnect after this long (spreads load over "
          "replicas; calls in flight get 30 s to finish)");
ABSL_FLAG(std::string, metrics_listen, "",
          "serve Prometheus metrics at http://<host:port>/metrics (docs/metrics.md); empty: not "
          "served");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");
ABSL_FLAG(bool, declare_topology_only, false,
          "declare the queues other services publish to for this service (its event queues "
          "with their retry and dead queues) and exit: a deployment step that runs before any "
          "service publishes");

namespace skk {
namespace {

// A flag or setting that cannot be: the service does not start.
[[noreturn]] void BadFlag(const std::string& what) {
  ExitAtStart(absl::InvalidArgumentError(what));
}

// SKK_<FLAG> environment variables set flags first; the command line then overrides them.
// In Kubernetes the same binary is configured through the environment alone.
void ApplyEnvironment() {
  for (auto& [name, flag] : absl::GetAllFlags()) {
    std::string var = absl::AsciiStrToUpper(absl::StrCat("SKK_", name));
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) BadFlag(absl::StrCat(var, ": ", error));
  }
}

// The structured log, at --log_level; protobuf's own complaints (e.g. a request with invalid
// UTF-8) go into it too.
void SetUpLogging(const std::string& service) {
  log::SetService(service);
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file, int line,
                                     const std::string& message) {
    log::Write(level >= google::protobuf::LOGLEVEL_ERROR ? log::Level::kWarn : log::Level::kDebug,
               "protobuf", {{"message", message}, {"at", absl::StrCat(file, ":", line)}});
  });
  const std::string level = absl::GetFlag(FLAGS_log_level);
  if (level == "debug") log::SetMinLevel(log::Level::kDebug);
  else if (level == "warn") log::SetMinLevel(log::Level::kWarn);
  else if (level == "error") log::SetMinLevel(log::Level::kError);
  else if (level != "info") BadFlag(absl::StrCat("--log_level: unknown level ", level));
}

std::vector<absl::Duration> RetryDelays() {
  std::vector<absl::Duration> delays;
  for (const std::string& d : absl::GetFlag(FLAGS_retry_delays)) {
    absl::Duration delay;
    if (!absl::ParseDuration(d, &delay) || delay <= absl::ZeroDuration()) {
      BadFlag(absl::StrCat("--retry_delays: '", d, "' is not a positive duration such as 5s"));
    }
    delays.push_back(delay);
  }
  return delays;
}


// Signals are taken by sigwait in Run only; every thread started afterwards inherits the mask
// (InitService blocks them first of all). SIGPIPE from a peer that went away must not kill the
// process.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return signals;
}

}  // namespace

absl::Status WriteReadyFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

void ExitAtStart(const absl::Status& why) {
  log::Error("cannot start", {{"error", why.ToString()}});
  std::exit(2);
}

void OkOrExit(const absl::Status& status) {
  if (!status.ok()) ExitAtStart(status);
}

ServiceOptions InitService(const std::string& service, int default_port, int argc, char** argv) {
  // Before any thread exists, so that every thread inherits the mask: a SIGTERM that found a
  // thread not blocking it (say, a request thread started before Run) would kill the process
  // outright instead of reaching Run's sigwait and a graceful stop.
  (void)BlockShutdownSignals();
  absl::SetProgramUsageMessage(absl::StrCat("Sambat Kene Ker ", service,
                                            " service. Every flag may also be set through the "
                                            "environment as SKK_<FLAG>."));
  ApplyEnvironment();
  absl::ParseCommandLine(argc, argv);
  SetUpLogging(service);

  ServiceOptions o;
  o.service = service;
  o.listen = absl::GetFlag(FLAGS_listen);
  if (o.listen.empty()) o.listen = absl::StrCat("127.0.0.1:", default_port);
  o.dev = absl::GetFlag(FLAGS_dev);
  o.grpc_reflection = absl::GetFlag(FLAGS_grpc_reflection);
  if (o.dev) log::Warn("development mode: public development secrets are accepted");
  o.grpc_tls = {.cert_file = absl::GetFlag(FLAGS_grpc_tls_cert_file),
                .key_file = absl::GetFlag(FLAGS_grpc_tls_key_file),
                .ca_file = absl::GetFlag(FLAGS_grpc_tls_client_ca_file)};
  o.grpc_plaintext = absl::GetFlag(FLAGS_grpc_plaintext);
  if (o.grpc_tls.empty() && !o.dev && !o.grpc_plaintext) {
    BadFlag("no TLS for gRPC outside development mode: give --grpc_tls_cert_file and "
        "--grpc_tls_key_file (and --grpc_tls_client_ca_file for mutual TLS), or "
        "--grpc_plaintext when the network encrypts; see docs/security.md");
  }
  o.pg_uri = LoadSecretOrExit(
      {.name = "pg_uri", .value = absl::GetFlag(FLAGS_pg_uri),
       .file = absl::GetFlag(FLAGS_pg_uri_file),
       .dev_default = absl::StrCat("postgresql://", service, ":", service,
                                   "-local@127.0.0.1:55432/sambat"),
       .min_bytes = 1},
      o);
  o.pg_schema = absl::GetFlag(FLAGS_pg_schema);
  if (o.pg_schema.empty()) o.pg_schema = service;
  o.pg_pool_size = absl::GetFlag(FLAGS_pg_pool_size);
  o.request_threads = absl::GetFlag(FLAGS_request_threads);
  o.max_queued_requests = absl::GetFlag(FLAGS_max_queued_requests);
  o.amqp_uri = LoadSecretOrExit({.name = "amqp_uri", .value = absl::GetFlag(FLAGS_amqp_uri),
                                 .file = absl::GetFlag(FLAGS_amqp_uri_file),
                                 .dev_default = "amqp://skk:skk-local@127.0.0.1:55672",
                                 .min_bytes = 1},
                                o);
  if (!o.dev && !absl::GetFlag(FLAGS_servers_plaintext)) {
    OkOrExit(RequireEncryptedServers(o.pg_uri, o.amqp_uri));
  }
  o.redis_addr = absl::GetFlag(FLAGS_redis_addr);
  if (const std::string file = absl::GetFlag(FLAGS_redis_addr_file); !file.empty()) {
    o.redis_addr = LoadSecretOrExit({.name = "redis_addr", .file = file, .min_bytes = 1}, o);
  }
  o.redis_prefix = absl::GetFlag(FLAGS_redis_prefix);
  o.clock = absl::GetFlag(FLAGS_clock);
  o.ready_file = absl::GetFlag(FLAGS_ready_file);
  o.city_config = absl::GetFlag(FLAGS_city_config);
  o.consumer_threads = absl::GetFlag(FLAGS_consumer_threads);
  o.prefetch = absl::GetFlag(FLAGS_prefetch);
  o.event_batch = absl::GetFlag(FLAGS_event_batch);
  o.max_attempts = absl::GetFlag(FLAGS_max_attempts);
  o.max_waits = absl::GetFlag(FLAGS_max_waits);
  o.retry_delays = RetryDelays();
  o.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  o.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  o.applied_events_retention = absl::GetFlag(FLAGS_applied_events_retention);
  o.declare_topology_only = absl::GetFlag(FLAGS_declare_topology_only);
  if (o.pg_pool_size < 1 || o.request_threads < 0 || o.consumer_threads < 0 || o.prefetch < 1 ||
      o.max_attempts < 1 || o.max_waits < 1 || o.retry_delays.empty() || o.event_batch < 1 ||
      o.event_batch > o.prefetch) {
    BadFlag("pool size, prefetch, event batch, attempts and waits must be positive, the event "
        "batch at most the prefetch, with at least one retry delay");
  }
  return o;
}

ServiceHost::ServiceHost(ServiceOptions options) : options_(std::move(options)) {
  amqp_ = ValueOrExit(ParseAmqpUri(options_.amqp_uri));
  clock_ = ValueOrExit(MakeClock(options_.clock));
  pool_ = std::make_unique<PgPool>(PgPool::Options{
      .uri = options_.pg_uri, .schema = options_.pg_schema, .size = options_.pg_pool_size});
  const int request_threads =
      options_.request_threads > 0 ? options_.request_threads : options_.pg_pool_size;
  executor_ = std::make_unique<RequestExecutor>(request_threads, options_.max_queued_requests);
}

ServiceHost::~ServiceHost() = default;

absl::Status ServiceHost::Migrate(const std::string& component,
                                  const std::vector<Migration>& migrations) {
  absl::Status last;
  // Containers start in any order: wait up to a minute for the database.
  for (int attempt = 0; attempt < 60; ++attempt) {
    auto lease = pool_->Acquire();
    if (lease.ok()) {
      SKK_RETURN_IF_ERROR(ApplyMigrations(**lease, "platform", platform_migrations()));
      return ApplyMigrations(**lease, component, migrations);
    }
    last = lease.status();
    if (!absl::IsUnavailable(last)) return last;
    log::Warn("database not reachable yet", {{"error", std::string(last.message())}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return last;
}

void ServiceHost::MigrateOrExit(const std::string& component,
                                const std::vector<Migration>& migrations) {
  OkOrExit(Migrate(component, migrations));
}

sambat::v1::CityConfig LoadCityConfigOrExit(const ServiceOptions& options) {
  return ValueOrExit(LoadCityConfig(options.city_config));
}

TokenVerifier LoadTokenVerifierOrExit(const ServiceOptions& options,
                                      const sambat::v1::CityConfig& city) {
  TokenVerifier verifier = ValueOrExit(TokenVerifierFromConfig(city, options.city_config));
  OkOrExit(RefuseDevelopmentKeys(verifier, options.dev));
  return verifier;
}

std::string LoadSecretOrExit(const SecretSource& source, const ServiceOptions& options) {
  return ValueOrExit(LoadSecret(source, options.dev));
}

void ServiceHost::RequireStaffAuth(const TokenVerifier* verifier) {
  SKK_CHECK(verifier != nullptr, "RequireStaffAuth needs a TokenVerifier");
  staff_verifier_ = verifier;
}

void ServiceHost::AddConsumer(std::vector<std::string> bindings, EventHandlers handlers) {
  consumers_.push_back({std::move(bindings), std::move(handlers)});
}

void ServiceHost::AddGrpcService(grpc::Service* service) { grpc_services_.push_back(service); }

void ServiceHost::EraseParkedOnErasure() {
  if (consumers_.empty()) return;
  // Every service's dead queue may hold events of an erased complaint with the citizen's
  // words in them; the service's own handler (if any) erases its tables in the transaction,
  // then the dead queue is erased before the event is acknowledged. A broker failure midway
  // fails the event, which is tried again (EraseParked is safe to repeat).
  ConsumerSpec& first = consumers_.front();
  bool bound = false;
  for (const ConsumerSpec& c : consumers_) {
    bound = bound || std::find(c.bindings.begin(), c.bindings.end(), kErasureRequested) !=
                         c.bindings.end();
  }
  if (!bound) first.bindings.push_back(kErasureRequested);
  for (ConsumerSpec& c : consumers_) {
    const bool binds = std::find(c.bindings.begin(), c.bindings.end(), kErasureRequested) !=
                       c.bindings.end();
    if (!binds) continue;
    EventHandler own;
    if (auto it = c.handlers.find(kErasureRequested); it != c.handlers.end()) own = it->second;
    c.handlers[kErasureRequested] = [own, amqp = amqp_, service = options_.service](
                                        PgConnection& tx, const sambat::v1::Event& e) {
      if (own) SKK_RETURN_IF_ERROR(own(tx, e));
      SKK_ASSIGN_OR_RETURN(const int erased,
                           EraseParked(amqp, service, e.complaint_id(),
                                       e.complaint_erasure_requested().photos()));
      if (erased > 0) {
        log::Info("parked events of an erased complaint erased",
                  {{"complaint_id", e.complaint_id()}, {"parked", erased}});
      }
      return absl::OkStatus();
    };
  }
}

void ServiceHost::AddBackgroundLoop(std::string name,
                                    std::function<void(const std::atomic<bool>&)> loop) {
  loops_.push_back({std::move(name), std::move(loop)});
}

void ServiceHost::AddPeriodicWork(std::string name, absl::Duration every,
                                  std::function<void()> pass) {
  auto loop = [every, pass = std::move(pass)](const std::atomic<bool>& stop) {
    do {
      pass();
    } while (SleepUnlessStopped(stop, every));
  };
  loops_.push_back({std::move(name), std::move(loop)});
}

void ServiceHost::AddHourlyPruning(std::string what,
                                   std::function<absl::StatusOr<int64_t>()> prune) {
  std::string name = absl::StrCat(absl::StrReplaceAll(what, {{" ", "-"}}), "-pruning");
  AddPeriodicWork(std::move(name), absl::Hours(1),
                  [what = std::move(what), prune = std::move(prune)] {
                    absl::StatusOr<int64_t> pruned = prune();
                    if (!pruned.ok()) {
                      log::Warn(absl::StrCat("pruning ", what, " failed"),
                                {{"error", std::string(pruned.status().message())}});
                    } else if (*pruned > 0) {
                      log::Info(absl::StrCat(what, " pruned"),
                                {{"rows", static_cast<long long>(*pruned)}});
                    }
                  });
}

namespace {


// Declares one consumer's queues, waiting up to a minute for RabbitMQ (containers start in
// any order).
absl::Status DeclareQueues(const AmqpEndpoint& amqp, const std::string& service,
                           const TopologyOptions& topology) {
  std::atomic<bool> never{false};
  for (int attempt = 0;; ++attempt) {
    auto conn = AmqpConnection::Open(amqp, service + "-topology");
    absl::Status st = conn.ok() ? (*conn)->DeclareTopology(topology) : conn.status();
    if (st.ok()) return st;
    if (!absl::IsUnavailable(st) || attempt >= 60) {
      return absl::Status(st.code(), absl::StrCat("cannot declare queues: ", st.message()));
    }
    log::Warn("rabbitmq not reachable yet", {{"error", std::string(st.message())}});
    SleepUnlessStopped(never, absl::Seconds(1));
  }
}

// The limits on what one client may hold, so a slow or hostile one cannot pin a process.
void LimitClients(grpc::ServerBuilder& builder) {
  builder.SetMaxReceiveMessageSize(absl::GetFlag(FLAGS_grpc_max_receive_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             absl::GetFlag(FLAGS_grpc_max_concurrent_streams));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_IDLE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_grpc_max_connection_idle))));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_grpc_max_connection_age))));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30'000);
  // Dead peers (a phone that left the network) are found by pings, not by waiting forever.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
}

}  // namespace

// What runs beside the gRPC server until shutdown: the outbox relay, the event consumers and
// the background loops, each group with its own stop flag (stopped in that order by Stop).
struct ServiceHost::Work {
  std::atomic<bool> stop_consumers{false};
  std::atomic<bool> stop_loops{false};
  std::atomic<bool> stop_relay{false};
  std::unique_ptr<OutboxStore> store;
  std::unique_ptr<EventPublisher> publisher;
  std::unique_ptr<OutboxRelay> relay;
  std::thread relay_thread;
  std::unique_ptr<PgIdempotentApplier> applier;
  std::vector<std::unique_ptr<DeliveryProcessor>> processors;
  std::vector<std::unique_ptr<EventConsumer>> consumers;
  std::vector<std::thread> consumer_threads;
  std::vector<std::thread> loop_threads;

  // Consumers finish the message in hand, loops their round, the relay its batch.
  void Stop() {
    stop_consumers = true;
    for (std::thread& t : consumer_threads) t.join();
    stop_loops = true;
    for (std::thread& t : loop_threads) t.join();
    stop_relay = true;
    relay_thread.join();
  }
};

std::vector<TopologyOptions> ServiceHost::Topologies() const {
  std::vector<TopologyOptions> topologies;
  for (const ConsumerSpec& c : consumers_) {
    topologies.push_back({.exchange = kEventsExchange, .service = options_.service,
                          .bindings = c.bindings, .retry_delays = options_.retry_delays});
  }
  return topologies;
}

absl::StatusOr<std::unique_ptr<grpc::Server>> ServiceHost::StartGrpcServer(int& port) {
  grpc::EnableDefaultHealthCheckService(true);
  // Reflection lets an operator at 3 a.m. call any service with grpcurl, no .proto at hand,
  // and gives a stranger the same map: only when asked for.
  if (options_.grpc_reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options_.grpc_tls.empty()) {
    SKK_ASSIGN_OR_RETURN(credentials, TlsServerCredentials(options_.grpc_tls));
  }
  builder.AddListeningPort(options_.listen, credentials, &port);
  LimitClients(builder);
  for (grpc::Service* s : grpc_services_) builder.RegisterService(s);
  // A service that consumes events can park them; its operators reach them through it.
  if (!consumers_.empty()) {
    parked_desk_ = std::make_unique<ParkedEventsDesk>(amqp_, options_.service);
    parked_service_ = std::make_unique<ParkedEventsGrpcService>(*parked_desk_, *executor_);
    builder.RegisterService(parked_service_.get());
  }
  // Every method's declared access policy, staff verifier or not (fail closed).
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  // Counted first, so a call the access policy refuses is counted with its code too.
  creators.push_back(metrics::MakeGrpcMetricsFactory());
  creators.push_back(MakeAuthInterceptorFactory(
      staff_verifier_, [clock = clock_.get()] { return clock->Now(); }));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  }
  return server;
}

std::unique_ptr<ServiceHost::Work> ServiceHost::StartWork(
    const std::vector<TopologyOptions>& topologies) {
  auto work = std::make_unique<Work>();
  work->store = MakePgOutboxStore(options_.pg_uri, options_.pg_schema);
  work->publisher = MakeAmqpEventPublisher(amqp_, options_.service + "-relay");
  work->relay = std::make_unique<OutboxRelay>(*work->store, *work->publisher,
                                              OutboxRelay::Options{.exchange = kEventsExchange});
  work->relay_thread = std::thread([w = work.get()] { w->relay->Run(w->stop_relay); });
  work->applier = std::make_unique<PgIdempotentApplier>(*pool_);
  for (size_t i = 0; i < consumers_.size(); ++i) {
    work->processors.push_back(std::make_unique<DeliveryProcessor>(
        options_.service, consumers_[i].handlers, *work->applier, options_.max_attempts,
        options_.max_waits));
    for (int t = 0; t < options_.consumer_threads; ++t) {
      work->consumers.push_back(std::make_unique<EventConsumer>(
          EventConsumer::Options{.endpoint = amqp_, .topology = topologies[i],
                                 .prefetch = options_.prefetch,
                                 .batch_max = options_.event_batch},
          *work->processors.back()));
      work->consumer_threads.emplace_back(
          [&c = *work->consumers.back(), w = work.get()] { c.Run(w->stop_consumers); });
    }
  }
  AddPeriodicWork("outbox-measure", absl::Seconds(10), [this] {
    absl::Status measured = MeasureOutbox(*pool_);
    if (!measured.ok()) {
      log::Warn("cannot measure the outbox", {{"error", std::string(measured.message())}});
    }
  });
  if (!consumers_.empty() && options_.applied_events_retention > absl::ZeroDuration()) {
    AddHourlyPruning("applied events", [this] {
      return PruneAppliedEvents(*pool_, absl::Now() - options_.applied_events_retention);
    });
  }
  for (LoopSpec& l : loops_) {
    work->loop_threads.emplace_back([&l, w = work.get()] { l.loop(w->stop_loops); });
  }
  return work;
}

void ServiceHost::AnnounceServing(grpc::Server& server, int port) {
  server.GetHealthCheckService()->SetServingStatus(true);
  if (!options_.ready_file.empty()) {
    absl::Status st = WriteReadyFile(options_.ready_file, port);
    if (!st.ok()) log::Error("cannot write ready file", {{"error", std::string(st.message())}});
  }
  log::Info("serving", {{"address", options_.listen}, {"port", port},
                        {"consumer_threads", options_.consumer_threads *
                                                 static_cast<int>(consumers_.size())}});
}

void ServiceHost::ShutDown(grpc::Server& server, Work& work) {
  // Stop taking work first, then let in-flight work finish, then stop publishing.
  server.GetHealthCheckService()->SetServingStatus(false);
  server.Shutdown(std::chrono::system_clock::now() +
                  absl::ToChronoMilliseconds(options_.shutdown_grace));
  work.Stop();
  server.Wait();
  // Handlers still queued or running finish now, while the objects they use still exist (the
  // service objects in main are destroyed right after Run returns).
  executor_.reset();
  log::Info("stopped");
}

int ServiceHost::Run() {
  const sigset_t signals = BlockShutdownSignals();
  EraseParkedOnErasure();
  // The queues must exist before anything is published to them, or events would be dropped
  // as unroutable: declare them before serving a single request.
  const std::vector<TopologyOptions> topologies = Topologies();
  for (const TopologyOptions& t : topologies) OkOrExit(DeclareQueues(amqp_, options_.service, t));
  if (options_.declare_topology_only) {
    log::Info("queues declared", {{"service", options_.service}});
    return 0;
  }
  if (!options_.metrics_listen.empty()) {
    metrics_exposer_ = ValueOrExit(metrics::Serve(options_.metrics_listen));
  }
  int port = 0;
  std::unique_ptr<grpc::Server> server = ValueOrExit(StartGrpcServer(port));
  std::unique_ptr<Work> work = StartWork(topologies);
  AnnounceServing(*server, port);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log::Info("shutting down", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  ShutDown(*server, *work);
  return 0;
}

}  // namespace skk

#pragma once

// RabbitMQ through rabbitmq-c: connection, topology, a publisher with confirms and a consumer
// with manual acks. One AmqpConnection belongs to one thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

// rabbitmq-c's frame, kept out of this header like its connection state.
struct amqp_frame_t_;

namespace skk {

// Where and how to reach RabbitMQ, from an amqp:// URI.
struct AmqpEndpoint {
  std::string host = "127.0.0.1";
  int port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";
  // amqps://: TLS, the broker's certificate verified (chain and host name) against
  // `ca_file` (?cacertfile=, PEM) or the system's roots; a client certificate (?certfile=,
  // ?keyfile=) for brokers that require one. The query parameters are RabbitMQ's own URI names.
  bool tls = false;
  std::string ca_file{};
  std::string cert_file{};
  std::string key_file{};
};
absl::StatusOr<AmqpEndpoint> ParseAmqpUri(const std::string& uri);

// A message as it goes on the wire.
struct AmqpMessage {
  std::string exchange;
  std::string routing_key;
  std::string message_id;
  std::string type;
  std::string body;
  absl::Time timestamp = absl::UnixEpoch();
  std::string correlation_id;
  // Header x-skk-attempt: how many times a consumer has already failed on this message.
  int attempt = 0;
  // Header x-skk-original-routing-key: set when a message is parked in a retry or dead queue.
  std::string original_routing_key;
  // Header x-skk-last-error: why the last attempt failed.
  std::string last_error;
  // Header x-skk-waits: how many times the message was set aside because an earlier event of
  // its case had not been applied yet. Counted apart from attempts: waiting is not failing.
  int waits = 0;
};

// A message as received.
struct AmqpDelivery {
  uint64_t delivery_tag = 0;
  bool redelivered = false;
  std::string routing_key;
  AmqpMessage message;
};

// Names of a consuming service's queues (design.md: one quorum queue per consuming service,
// with retry and dead-letter queues).
struct ServiceQueues {
  std::string main;                 // "<service>.events"
  std::vector<std::string> retry;   // "<service>.events.retry.<n>", one per backoff step
  std::string dead;                 // "<service>.events.dead"
};

struct TopologyOptions {
  std::string exchange = "sambat.events";
  std::string service;
  // Routing keys the service consumes, e.g. "complaint.submitted" or "case.*".
  std::vector<std::string> bindings;
  // How long a failed message waits before its next attempt; one retry queue per step.
  std::vector<absl::Duration> retry_delays = {absl::Seconds(1), absl::Seconds(5),
                                              absl::Seconds(30)};
};

ServiceQueues QueuesFor(const TopologyOptions& options);

class AmqpConnection {
 public:
  static absl::StatusOr<std::unique_ptr<AmqpConnection>> Open(const AmqpEndpoint& endpoint,
                                                               const std::string& name);
  ~AmqpConnection();
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  // Declares the exchange and the service's queues and bindings. Idempotent.
  absl::Status DeclareTopology(const TopologyOptions& options);

  // Puts channel 1 into confirm mode; every Publish then gets a delivery tag from 1 upwards.
  absl::Status EnableConfirms();
  // Publishes one persistent message, mandatory: a message no queue is bound for comes back
  // (basic.return) instead of vanishing. With confirms on, the broker's ack arrives later.
  absl::Status Publish(const AmqpMessage& message);
  // Waits for broker confirms until every published message is confirmed. A nack fails the
  // whole wait. A returned (unroutable) message is still confirmed by the broker; its message
  // id is kept for TakeReturned.
  absl::Status WaitForConfirms(absl::Duration timeout);
  // The message ids the broker returned as unroutable since the last call, oldest first.
  std::vector<std::string> TakeReturned();

  // Starts consuming `queue` with manual acks and `prefetch` unacked messages at most.
  absl::Status StartConsuming(const std::string& queue, int prefetch);
  // Next delivery, or nullopt after `timeout` with none. UNAVAILABLE when the connection is lost.
  absl::StatusOr<std::optional<AmqpDelivery>> NextDelivery(absl::Duration timeout);
  absl::Status Ack(uint64_t delivery_tag);
  // Acks `delivery_tag` and every delivery before it on this connection that is not acked yet:
  // one frame for a batch whose messages are all done.
  absl::Status AckThrough(uint64_t delivery_tag);
  // Returns a message to its queue (used only on shutdown for messages not started).
  absl::Status Reject(uint64_t delivery_tag, bool requeue);

  // Number of messages ready in a queue (passive declare), for tests and operators.
  absl::StatusOr<uint32_t> QueueDepth(const std::string& queue);

 private:
  AmqpConnection() = default;
  absl::Status CheckReply(const char* what);
  // A method frame that came while waiting for confirms, or for a delivery: OK to wait on, or
  // the error that ends the wait.
  absl::Status OnFrameWhileConfirming(const amqp_frame_t_& frame);
  absl::Status OnFrameWhileConsuming(const amqp_frame_t_& frame);

  void* state_ = nullptr;  // amqp_connection_state_t
  std::string where_;      // "amqp://host:port/vhost", named in every error message
  uint64_t published_ = 0;
  uint64_t confirmed_ = 0;  // every delivery tag <= confirmed_ is confirmed
  // Tags above confirmed_ + 1 confirmed singly, ahead of a gap: the broker may confirm out of
  // order (e.g. a message routed to several queues). Sorted, usually empty.
  std::vector<uint64_t> confirmed_ahead_;
  bool confirms_ = false;
  std::vector<std::string> returned_;
};

// Publishes batches of messages with publisher confirms, keeping up to `window` in flight.
// Reconnects on the next batch after a failure. A batch succeeds only when every message in
// it was confirmed; on failure some may have been delivered anyway (callers are idempotent).
class ConfirmingPublisher {
 public:
  ConfirmingPublisher(AmqpEndpoint endpoint, std::string name, int window = 1000)
      : endpoint_(std::move(endpoint)), name_(std::move(name)), window_(window) {}
  // A message no queue is bound for fails the batch (FAILED_PRECONDITION naming it), after
  // the rest of the batch was published and confirmed.
  absl::Status PublishBatch(const std::vector<AmqpMessage>& messages);
  // Like PublishBatch, but an unroutable message is not an error: returns the message ids the
  // broker gave back as unroutable (the rest were confirmed), for a caller that sets them
  // aside and goes on with the others (the outbox relay).
  absl::StatusOr<std::vector<std::string>> PublishBatchReportingUnroutable(
      const std::vector<AmqpMessage>& messages);

 private:
  absl::Status Connect();
  AmqpEndpoint endpoint_;
  std::string name_;
  int window_;
  std::unique_ptr<AmqpConnection> conn_;
};

}  // namespace skk

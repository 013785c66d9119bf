#pragma once

// Parked events: what a consumer gave up on (a permanent failure, or retries exhausted) waits in
// the service's dead queue "<service>.events.dead" (ParkedCopy, consumer.h). Operators list those
// messages and, once the cause is fixed, replay them into "<service>.events"; a complaint's
// personal data is erased from them when the citizen's data is. See docs/parked-events.md.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/platform/amqp.h"

namespace skk {

// One message in a dead queue, as an operator needs to see it.
struct ParkedEvent {
  // From the payload (sambat.v1.Event); when it does not decode, event_id and event_type fall
  // back to the AMQP message id and type, complaint_id stays empty and decode_error says why.
  std::string event_id;
  std::string event_type;
  std::string complaint_id;
  std::string decode_error;
  // The routing key the event was first published with, e.g. "complaint.submitted".
  std::string original_routing_key;
  // How many times a consumer failed on it (header x-skk-attempt).
  int attempt = 0;
  // Why the last attempt failed (header x-skk-last-error).
  std::string last_error;
  // Size of the message body in bytes.
  size_t size_bytes = 0;
};

// Lists up to `limit` (>= 1) messages of `service`'s dead queue in queue order (oldest first)
// and leaves every one of them in place, in that order: they are received with manual acks,
// never acked, and go back to the queue when the listing's connection closes. While a listing
// runs the messages it holds (all those in the queue, up to 65535) are invisible to another
// listing or a replay; they are back within moments of it returning.
// NOT_FOUND if the dead queue does not exist (the service never declared its topology),
// UNAVAILABLE if RabbitMQ cannot be reached.
absl::StatusOr<std::vector<ParkedEvent>> ListParked(const AmqpEndpoint& endpoint,
                                                    const std::string& service, int limit);

// Which parked messages ReplayParked moves. Exactly one of the two must be set.
struct ReplayFilter {
  bool all = false;
  // Replays the messages whose event id (or, for a payload that does not decode, AMQP message
  // id) is this one.
  std::string event_id;
};

// Moves the selected messages of `service`'s dead queue back to its events queue
// "<service>.events" with attempt 0, keeping the original routing key and the last error (as
// headers, for history), and returns how many it moved. A message leaves the dead queue only
// after the broker confirmed its copy in the events queue; messages not selected stay where they
// were, untouched. Considers at most the messages in the dead queue when it starts (so an event
// that fails again and is parked again is not replayed in a loop), and at most 65535 of them.
// INVALID_ARGUMENT for a bad filter, NOT_FOUND if either queue does not exist, UNAVAILABLE if
// RabbitMQ fails midway (what was moved until then stays moved; nothing is lost).
absl::StatusOr<int> ReplayParked(const AmqpEndpoint& endpoint, const std::string& service,
                                 const ReplayFilter& filter);

// Erases one complaint's personal data from `service`'s dead queue (complaint.erasure_requested,
// UU 27/2022 PDP; docs/parked-events.md). Every parked message whose event is about
// `complaint_id` is put back into the dead queue with its body passed through
// ErasePersonalData(photos) and its last error reduced to its status code and kErasedText (an
// error's text may quote the data); its message id, type, timestamp, attempts, waits and
// original routing key stay, so it can still be listed and replayed. A message leaves the queue
// only after the broker confirmed its erased copy. Every other message stays untouched and in
// its order; the erased copies, in their own order, go behind them. Returns how many messages
// it erased (0: none of the complaint's). Considers at most the messages in the dead queue when
// it starts, and at most 65535 of them; a message whose body does not decode names no
// complaint and stays as it is. INVALID_ARGUMENT for an empty service or complaint id,
// NOT_FOUND if the dead queue does not exist, UNAVAILABLE if RabbitMQ fails midway (nothing is
// lost; a message may then be parked both erased and not: run it again) or if another listing
// or replay took some of the messages it counted (those were not looked at: run it again).
// Messages a listing or replay already holds when it starts are not counted, and not looked at
// (AMQP tells ready messages only): run it when no other operation runs on the dead queue.
absl::StatusOr<int> EraseParked(const AmqpEndpoint& endpoint, const std::string& service,
                                const std::string& complaint_id, bool photos);

}  // namespace skk

#include "services/platform/parked_events.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"

namespace skk {
namespace {

// AMQP allows at most this many unacknowledged deliveries per consumer (prefetch is 16 bits).
// Both operations hold every message they look at until they end, so this bounds one run.
constexpr int kMaxHeld = 65535;
// A listing has seen everything once the queue stays quiet this long after the messages it
// counted at the start arrived. Messages another listing held come back within this window.
constexpr absl::Duration kQuiet = absl::Milliseconds(300);
// How long to wait for messages counted at the start that never arrive (another operator's
// listing or replay holds them) before giving up on them.
constexpr absl::Duration kGiveUp = absl::Seconds(5);
// Replayed messages are republished and confirmed in windows of this many.
constexpr size_t kReplayWindow = 100;

ServiceQueues QueuesOf(const std::string& service) {
  TopologyOptions topology;
  topology.service = service;
  return QueuesFor(topology);
}

ParkedEvent Describe(const AmqpDelivery& delivery) {
  const AmqpMessage& m = delivery.message;
  ParkedEvent p;
  p.original_routing_key = m.original_routing_key;
  p.attempt = m.attempt;
  p.last_error = m.last_error;
  p.size_bytes = m.body.size();
  absl::StatusOr<sambat::v1::Event> event = ParseEvent(m.body);
  if (event.ok()) {
    p.event_id = event->event_id();
    p.event_type = event->type();
    p.complaint_id = event->complaint_id();
  } else {
    p.event_id = m.message_id;
    p.event_type = m.type;
    p.decode_error = std::string(event.status().message());
  }
  return p;
}

bool Selected(const AmqpDelivery& delivery, const ReplayFilter& filter) {
  if (filter.all) return true;
  if (delivery.message.message_id == filter.event_id) return true;
  absl::StatusOr<sambat::v1::Event> event = ParseEvent(delivery.message.body);
  return event.ok() && event->event_id() == filter.event_id;
}

// The copy that goes back to the events queue: a fresh start (no attempt, no wait counted)
// that still says where it came from and why it failed last.
AmqpMessage ReplayCopy(const AmqpDelivery& delivery, const std::string& events_queue) {
  AmqpMessage m = delivery.message;
  m.exchange = "";  // the default exchange routes by queue name
  m.routing_key = events_queue;
  m.attempt = 0;
  m.waits = 0;
  // Parked by the broker (x-delivery-limit) rather than a consumer: the header is missing and the
  // routing key is now the dead queue's name. An event's type is its routing key.
  if (m.original_routing_key.empty()) m.original_routing_key = m.type;
  return m;
}

bool AboutComplaint(const AmqpDelivery& delivery, const std::string& complaint_id,
                    sambat::v1::Event* event) {
  // Not ParseEvent: an envelope it would refuse (say, a type that does not match its payload)
  // can still carry the complaint's data.
  return event->ParseFromString(delivery.message.body) && event->complaint_id() == complaint_id;
}

// The last error without its text, which may quote the event's data (a value in a database
// error, a handler's message): its status code, and the mark that something was erased.
std::string ErasedError(const std::string& last_error) {
  if (last_error.empty()) return "";  // parked by the broker: there was none
  size_t first = std::string::npos;
  std::string code;
  for (int c = 1; c <= 16; ++c) {
    const std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(c));
    const size_t at = last_error.find(absl::StrCat(name, ":"));
    if (at < first) {
      first = at;
      code = name;
    }
  }
  return code.empty() ? std::string(kErasedText) : absl::StrCat(code, ": ", kErasedText);
}

// The copy that takes the parked message's place at the back of the dead queue.
AmqpMessage ErasedCopy(const AmqpDelivery& delivery, sambat::v1::Event event,
                       const std::string& dead_queue, bool photos) {
  AmqpMessage m = delivery.message;
  m.exchange = "";  // the default exchange routes by queue name
  m.routing_key = dead_queue;
  ErasePersonalData(event, photos);
  m.body = event.SerializeAsString();
  m.last_error = ErasedError(m.last_error);
  return m;
}

absl::Status CheckService(const std::string& service) {
  if (service.empty()) return absl::InvalidArgumentError("parked events: service is empty");
  return absl::OkStatus();
}

// Receives the `budget` messages counted in the dead queue `conn` consumes (holding them
// unacked), handing each to `take`. `lull`, if given, runs whenever none arrived for a moment.
// Gives up after kGiveUp when others hold the rest. Returns how many it saw.
absl::StatusOr<int> ScanDeadQueue(AmqpConnection& conn, int budget,
                                  const std::function<absl::Status(AmqpDelivery)>& take,
                                  const std::function<absl::Status()>& lull = nullptr) {
  int seen = 0;
  const absl::Time give_up = absl::Now() + kGiveUp;
  while (seen < budget) {
    SKK_ASSIGN_OR_RETURN(std::optional<AmqpDelivery> delivery,
                         conn.NextDelivery(absl::Milliseconds(50)));
    if (!delivery.has_value()) {
      if (lull) SKK_RETURN_IF_ERROR(lull());
      if (absl::Now() >= give_up) break;  // someone else holds the rest
      continue;
    }
    ++seen;
    SKK_RETURN_IF_ERROR(take(*std::move(delivery)));
  }
  return seen;
}

}  // namespace

absl::StatusOr<std::vector<ParkedEvent>> ListParked(const AmqpEndpoint& endpoint,
                                                    const std::string& service, int limit) {
  SKK_RETURN_IF_ERROR(CheckService(service));
  if (limit < 1) {
    return absl::InvalidArgumentError(absl::StrCat("ListParked: limit ", limit, " is below 1"));
  }
  limit = std::min(limit, kMaxHeld);
  const ServiceQueues queues = QueuesOf(service);
  SKK_ASSIGN_OR_RETURN(auto conn,
                       AmqpConnection::Open(endpoint, absl::StrCat(service, "-parked-list")));
  SKK_ASSIGN_OR_RETURN(const uint32_t ready, conn->QueueDepth(queues.dead));
  // Never acked: every message received here returns to the dead queue when `conn` closes. A
  // reject with requeue would not do: the broker would hand the message straight back to this
  // consumer. RabbitMQ puts returned messages behind those still ready, so the listing holds all
  // the messages it counted (not only the first `limit`): returned together, they keep their
  // order.
  const int hold = static_cast<int>(
      std::min<int64_t>(std::max<int64_t>(ready, limit), static_cast<int64_t>(kMaxHeld)));
  SKK_RETURN_IF_ERROR(conn->StartConsuming(queues.dead, hold));
  std::vector<ParkedEvent> parked;
  uint32_t received = 0;
  const absl::Time give_up = absl::Now() + kGiveUp;
  while (received < static_cast<uint32_t>(hold)) {
    SKK_ASSIGN_OR_RETURN(std::optional<AmqpDelivery> delivery, conn->NextDelivery(kQuiet));
    if (delivery.has_value()) {
      ++received;
      if (parked.size() < static_cast<size_t>(limit)) parked.push_back(Describe(*delivery));
    } else if (received >= ready || absl::Now() >= give_up) {
      break;
    }
  }
  return parked;
}

absl::StatusOr<int> ReplayParked(const AmqpEndpoint& endpoint, const std::string& service,
                                 const ReplayFilter& filter) {
  SKK_RETURN_IF_ERROR(CheckService(service));
  if (filter.all == !filter.event_id.empty()) {
    return absl::InvalidArgumentError(
        "ReplayParked: give either all messages or one event id, not both or neither");
  }
  const ServiceQueues queues = QueuesOf(service);
  SKK_ASSIGN_OR_RETURN(auto conn,
                       AmqpConnection::Open(endpoint, absl::StrCat(service, "-parked-replay")));
  SKK_ASSIGN_OR_RETURN(const uint32_t ready, conn->QueueDepth(queues.dead));
  // The events queue must exist: publishing is mandatory, so a copy for a missing queue would
  // come back and fail the replay halfway; better to refuse before anything moves.
  SKK_RETURN_IF_ERROR(conn->QueueDepth(queues.main).status());
  if (ready == 0) return 0;
  // Only what was parked when we started: a replayed event that fails again is parked again,
  // and must wait for the operator rather than bounce between the queues.
  const int budget = static_cast<int>(std::min<uint32_t>(ready, kMaxHeld));
  SKK_RETURN_IF_ERROR(conn->StartConsuming(queues.dead, budget));
  ConfirmingPublisher publisher(endpoint, absl::StrCat(service, "-parked-replay-publisher"),
                                static_cast<int>(kReplayWindow));

  // Acked off the dead queue only after the broker confirmed the copy in the events queue, so a
  // message is never lost. A crash (or a failed ack) between the confirm and the ack leaves it
  // in both queues; the second copy is harmless because consumers apply an event id at most once
  // (IdempotentApplier). Messages not selected are held unacked and return, untouched, to the
  // dead queue when `conn` closes.
  std::vector<AmqpDelivery> pending;
  int replayed = 0;
  auto flush = [&]() -> absl::Status {
    if (pending.empty()) return absl::OkStatus();
    std::vector<AmqpMessage> copies;
    copies.reserve(pending.size());
    for (const AmqpDelivery& d : pending) copies.push_back(ReplayCopy(d, queues.main));
    SKK_RETURN_IF_ERROR(publisher.PublishBatch(copies));
    for (const AmqpDelivery& d : pending) {
      SKK_RETURN_IF_ERROR(conn->Ack(d.delivery_tag));
      const ParkedEvent p = Describe(d);
      log::Info("parked event replayed",
                {{"dead_queue", queues.dead}, {"event_id", p.event_id}, {"type", p.event_type},
                 {"complaint_id", p.complaint_id}, {"attempt", p.attempt}});
      ++replayed;
    }
    pending.clear();
    return absl::OkStatus();
  };

  auto run = [&]() -> absl::Status {
    // In a lull, what is waiting is confirmed while the rest is awaited.
    SKK_RETURN_IF_ERROR(ScanDeadQueue(
                            *conn, budget,
                            [&](AmqpDelivery delivery) -> absl::Status {
                              if (Selected(delivery, filter)) pending.push_back(std::move(delivery));
                              if (pending.size() >= kReplayWindow) return flush();
                              return absl::OkStatus();
                            },
                            flush)
                            .status());
    return flush();
  };
  if (absl::Status s = run(); !s.ok()) {
    // The operator must know what already moved: those messages are in the events queue now.
    return absl::Status(s.code(), absl::StrCat("replaying parked events of ", service, ": ",
                                               s.message(), " (", replayed,
                                               " replayed before the failure)"));
  }
  return replayed;
}

absl::StatusOr<int> EraseParked(const AmqpEndpoint& endpoint, const std::string& service,
                                const std::string& complaint_id, bool photos) {
  SKK_RETURN_IF_ERROR(CheckService(service));
  if (complaint_id.empty()) return absl::InvalidArgumentError("EraseParked: complaint id is empty");
  const ServiceQueues queues = QueuesOf(service);
  SKK_ASSIGN_OR_RETURN(auto conn,
                       AmqpConnection::Open(endpoint, absl::StrCat(service, "-parked-erase")));
  SKK_ASSIGN_OR_RETURN(const uint32_t ready, conn->QueueDepth(queues.dead));
  if (ready == 0) return 0;
  const int budget = static_cast<int>(std::min<uint32_t>(ready, kMaxHeld));
  SKK_RETURN_IF_ERROR(conn->StartConsuming(queues.dead, budget));

  // Every message counted at the start is held (unacked) until the end: the complaint's are
  // replaced by erased copies, the others go back untouched, in their order, when `conn`
  // closes. The copies are published only once the scan is over, so the scan never meets them.
  std::vector<AmqpDelivery> originals;
  std::vector<AmqpMessage> copies;
  SKK_ASSIGN_OR_RETURN(
      const int seen,
      ScanDeadQueue(*conn, budget, [&](AmqpDelivery delivery) -> absl::Status {
        sambat::v1::Event event;
        if (!AboutComplaint(delivery, complaint_id, &event)) return absl::OkStatus();
        copies.push_back(ErasedCopy(delivery, std::move(event), queues.dead, photos));
        originals.push_back(std::move(delivery));
        return absl::OkStatus();
      }));
  // Messages another listing or replay held until we gave up on them were not looked at: the
  // caller must know, or the complaint's words could stay in them unnoticed.
  auto all_seen = [&](int erased) -> absl::StatusOr<int> {
    if (seen == budget) return erased;
    return absl::UnavailableError(absl::StrCat(
        "erasing parked events of ", service, ": ", budget - seen, " of the ", budget,
        " parked messages were held by another listing or replay (", erased,
        " erased): run it again"));
  };
  if (originals.empty()) return all_seen(0);

  ConfirmingPublisher publisher(endpoint, absl::StrCat(service, "-parked-erase-publisher"),
                                static_cast<int>(kReplayWindow));
  // An original leaves only after the broker confirmed every copy: a failure before that
  // leaves the dead queue as it was (a copy that was confirmed anyway stands beside its
  // original, and the next run erases that original).
  int erased = 0;
  absl::Status st = publisher.PublishBatch(copies);
  for (size_t i = 0; st.ok() && i < originals.size(); ++i) {
    st = conn->Ack(originals[i].delivery_tag);
    if (!st.ok()) break;
    const ParkedEvent p = Describe(originals[i]);
    log::Info("parked event erased",
              {{"dead_queue", queues.dead}, {"event_id", p.event_id}, {"type", p.event_type},
               {"complaint_id", complaint_id}, {"photos", photos ? "true" : "false"}});
    ++erased;
  }
  if (!st.ok()) {
    return absl::Status(st.code(), absl::StrCat("erasing parked events of ", service, ": ",
                                                st.message(), " (", erased,
                                                " erased before the failure)"));
  }
  return all_seen(erased);
}

}  // namespace skk

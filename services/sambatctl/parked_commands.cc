#include "services/sambatctl/parked_commands.h"

#include <cstdlib>
#include <iostream>
#include <set>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "services/platform/amqp.h"
#include "services/platform/log.h"
#include "services/platform/parked_events.h"

ABSL_DECLARE_FLAG(bool, all);  // notification_commands.cc: replay every one
ABSL_FLAG(std::string, amqp_uri, "",
          "parked, replay-parked: RabbitMQ URI (default $SKK_AMQP_URI, else the dev stack's)");
ABSL_FLAG(std::string, event_id, "", "replay-parked: the parked event to replay");
ABSL_FLAG(int, limit, 100, "parked: list at most this many");

namespace skk::sambatctl {
namespace {

// The same default as the services' --amqp_uri (service_host.cc): the dev stack's broker.
constexpr char kDevAmqpUri[] = "amqp://skk:skk-local@127.0.0.1:55672";

const std::set<std::string>& Services() {
  static const std::set<std::string> kServices = {"intake", "routing", "sla", "notification"};
  return kServices;
}

std::string AmqpUri() {
  if (std::string flag = absl::GetFlag(FLAGS_amqp_uri); !flag.empty()) return flag;
  if (const char* env = std::getenv("SKK_AMQP_URI"); env != nullptr && *env != '\0') return env;
  return kDevAmqpUri;
}

// Checks the service name and reads the broker's address; false (with a message) if either is
// wrong.
bool Prepare(const std::string& command, const std::string& service, AmqpEndpoint& endpoint) {
  if (!Services().contains(service)) {
    std::cerr << command << ": unknown service '" << service << "'; expected one of "
              << absl::StrJoin(Services(), ", ") << "\n";
    return false;
  }
  absl::StatusOr<AmqpEndpoint> parsed = ParseAmqpUri(AmqpUri());
  if (!parsed.ok()) {
    std::cerr << command << ": " << parsed.status().message() << "\n";
    return false;
  }
  endpoint = *std::move(parsed);
  return true;
}

// A missing queue usually means the wrong broker or vhost, not a lost queue.
std::string NotFoundHint(const std::string& service) {
  return absl::StrCat("  (", service, " declares its queues when it starts: is --amqp_uri, or "
                      "$SKK_AMQP_URI, the broker and vhost it runs against? The vhost is the URI's "
                      "path, e.g. amqp://user:password@host:5672/%2f for /)\n");
}

// Errors can span lines (a stack of causes); one message stays on one line.
std::string OneLine(const std::string& s) {
  return absl::StrReplaceAll(s, {{"\r", " "}, {"\n", " "}});
}

int Parked(const std::string& service) {
  AmqpEndpoint endpoint;
  if (!Prepare("parked", service, endpoint)) return 2;
  const int limit = absl::GetFlag(FLAGS_limit);
  if (limit < 1) {
    std::cerr << "parked: --limit must be at least 1\n";
    return 2;
  }
  absl::StatusOr<std::vector<ParkedEvent>> parked = ListParked(endpoint, service, limit);
  if (!parked.ok()) {
    std::cerr << "parked: " << parked.status() << "\n";
    if (absl::IsNotFound(parked.status())) std::cerr << NotFoundHint(service);
    return 1;
  }
  for (const ParkedEvent& p : *parked) {
    std::cout << p.event_id << "  " << (p.event_type.empty() ? "?" : p.event_type)
              << "  complaint " << (p.complaint_id.empty() ? "?" : p.complaint_id)
              << "  attempts " << p.attempt << "  "
              << (p.last_error.empty() ? "(no error recorded: parked by the broker)"
                                       : OneLine(p.last_error));
    if (!p.decode_error.empty()) {
      std::cout << "  [payload does not decode: " << OneLine(p.decode_error) << "]";
    }
    std::cout << "\n";
  }
  std::cout << parked->size() << " parked event(s) in " << service << ".events.dead";
  if (parked->size() == static_cast<size_t>(limit)) {
    std::cout << " (the first " << limit << "; there may be more: --limit)";
  }
  std::cout << "\n";
  return 0;
}

int ReplayParkedCommand(const std::string& service) {
  AmqpEndpoint endpoint;
  if (!Prepare("replay-parked", service, endpoint)) return 2;
  ReplayFilter filter;
  filter.all = absl::GetFlag(FLAGS_all);
  filter.event_id = absl::GetFlag(FLAGS_event_id);
  if (filter.all == !filter.event_id.empty()) {
    std::cerr << "replay-parked: give exactly one of --event_id ID and --all\n";
    return 2;
  }
  absl::StatusOr<int> replayed = ReplayParked(endpoint, service, filter);
  if (!replayed.ok()) {
    std::cerr << "replay-parked: " << replayed.status() << "\n";
    if (absl::IsNotFound(replayed.status())) std::cerr << NotFoundHint(service);
    return 1;
  }
  std::cout << "replayed " << *replayed << " parked event(s) from " << service
            << ".events.dead to " << service << ".events\n";
  if (*replayed == 0 && !filter.all) {
    std::cerr << "replay-parked: no parked event with id " << filter.event_id << " in "
              << service << ".events.dead\n";
    return 1;
  }
  return 0;
}

}  // namespace

int RunParkedCommand(const std::vector<char*>& args) {
  if (args.size() < 2) return -1;
  const std::string command = args[1];
  if (command != "parked" && command != "replay-parked") return -1;
  if (args.size() != 3) {
    std::cerr << "usage: sambatctl parked <service> [--limit N] | sambatctl replay-parked "
                 "<service> --event_id ID | --all   (service: intake, routing, sla, "
                 "notification; --amqp_uri URI)\n";
    return 2;
  }
  log::SetService("sambatctl");
  if (command == "parked") {
    // Listing changes nothing: the broker's connection lines would only bury the list.
    log::SetMinLevel(log::Level::kWarn);
    return Parked(args[2]);
  }
  // A replay logs (on stderr) each event it moved, with its id and complaint: the record of what
  // an operator sent back.
  return ReplayParkedCommand(args[2]);
}

}  // namespace skk::sambatctl

#include "services/sambatctl/notification_commands.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/notification.grpc.pb.h"
#include "services/platform/events.h"
#include "services/sambatctl/staff_calls.h"

ABSL_DECLARE_FLAG(std::string, notification);
ABSL_FLAG(bool, all, false, "replay: every dead letter");

namespace skk::sambatctl {
namespace {

std::unique_ptr<sambat::v1::NotificationService::Stub> Stub() {
  return sambat::v1::NotificationService::NewStub(
      Dial(absl::GetFlag(FLAGS_notification)));
}

int DeadLetters() {
  grpc::ClientContext context;
  PrepareStaffCall(context);
  sambat::v1::ListDeadLettersRequest request;
  sambat::v1::ListDeadLettersResponse response;
  const grpc::Status status = Stub()->ListDeadLetters(&context, request, &response);
  if (!status.ok()) return CallFailed("dead-letters", status);
  for (const auto& d : response.dead_letters()) {
    std::cout << d.delivery_id() << "  "
              << absl::FormatTime("%Y-%m-%d %H:%M", FromProtoTime(d.recorded_at()),
                                  absl::FixedTimeZone(7 * 3600))
              << " WIB  " << d.channel() << " to " << d.recipient_role() << " <" << d.address()
              << ">  after " << d.attempts() << " attempt(s)\n"
              << "    " << (d.subject().empty() ? d.body().substr(0, 100) : d.subject()) << "\n"
              << "    last error: " << d.last_error() << "\n";
  }
  std::cout << response.dead_letters_size() << " dead letter(s)\n";
  return 0;
}

int Replay(const std::string& target) {
  grpc::ClientContext context;
  PrepareStaffCall(context);
  sambat::v1::ReplayDeadLettersRequest request;
  if (target == "--all" || target == "all") {
    request.set_all(true);
  } else {
    request.set_delivery_id(target);
  }
  sambat::v1::ReplayDeadLettersResponse response;
  const grpc::Status status = Stub()->ReplayDeadLetters(&context, request, &response);
  if (!status.ok()) return CallFailed("replay", status);
  std::cout << "replayed " << response.replayed() << " dead letter(s)\n";
  return 0;
}

}  // namespace

int RunNotificationCommand(const std::vector<char*>& args) {
  if (args.size() < 2) return -1;
  const std::string command = args[1];
  if (command == "dead-letters" && args.size() == 2) return DeadLetters();
  if (command == "replay") {
    if (args.size() == 2 && absl::GetFlag(FLAGS_all)) return Replay("--all");
    if (args.size() != 3) {
      std::cerr << "usage: sambatctl replay <delivery id> | sambatctl replay --all\n";
      return 2;
    }
    return Replay(args[2]);
  }
  return -1;
}

}  // namespace skk::sambatctl

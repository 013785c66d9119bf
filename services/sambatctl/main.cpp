// sambatctl: the command-line client of Sambat Kene Ker. How a person tries the system today,
// and what the local scenario (deploy/run.sh) uses.
//
//   sambatctl submit --category jalan-rusak --description "..." --lat -7.97 --lon 112.63
//   sambatctl get <complaint_id>
//   sambatctl wait <complaint_id> --until routed|deadline|escalated[:level] [--timeout 30s]
//   sambatctl notifications <complaint_id>
//   sambatctl clock set <RFC 3339 time> --clock_file F
//   sambatctl clock advance <duration, e.g. 72h> --clock_file F

#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "sambat/v1/notification.grpc.pb.h"
#include "services/platform/clock.h"
#include "services/platform/events.h"

ABSL_FLAG(std::string, intake, "127.0.0.1:50051", "intake service address");
ABSL_FLAG(std::string, notification, "127.0.0.1:50054", "notification service address");
ABSL_FLAG(std::string, category, "", "submit: category code, e.g. jalan-rusak");
ABSL_FLAG(std::string, description, "", "submit: what the citizen saw");
ABSL_FLAG(double, lat, 0, "submit: latitude");
ABSL_FLAG(double, lon, 0, "submit: longitude");
ABSL_FLAG(std::string, idempotency_key, "", "submit: key that makes a retried submit safe");
ABSL_FLAG(std::string, until, "routed", "wait: routed, deadline, escalated or escalated:2");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30), "wait: how long to wait at most");
ABSL_FLAG(std::string, clock_file, ".run/dev/clock", "clock: the services' clock file");
ABSL_FLAG(std::string, time_zone, "Asia/Jakarta", "zone in which times are shown");

namespace {

absl::TimeZone Zone() {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(absl::GetFlag(FLAGS_time_zone), &zone)) zone = absl::UTCTimeZone();
  return zone;
}

std::string Show(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", skk::FromProtoTime(t), Zone());
}

int Fail(const std::string& what, const grpc::Status& status) {
  std::cerr << what << ": " << status.error_code() << " " << status.error_message() << "\n";
  return 1;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

// Every call has a deadline; a client on a bad network never hangs forever.
void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
}

int Submit() {
  auto stub = sambat::v1::IntakeService::NewStub(Channel(absl::GetFlag(FLAGS_intake)));
  sambat::v1::SubmitComplaintRequest request;
  request.set_category(absl::GetFlag(FLAGS_category));
  request.set_description(absl::GetFlag(FLAGS_description));
  request.mutable_location()->set_latitude(absl::GetFlag(FLAGS_lat));
  request.mutable_location()->set_longitude(absl::GetFlag(FLAGS_lon));
  request.set_idempotency_key(absl::GetFlag(FLAGS_idempotency_key));
  sambat::v1::SubmitComplaintResponse response;
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::Status status = stub->SubmitComplaint(&context, request, &response);
  if (!status.ok()) return Fail("submit", status);
  std::cout << "complaint_id: " << response.complaint_id() << "\n"
            << "ticket:       " << response.ticket() << "\n"
            << "submitted_at: " << Show(response.submitted_at()) << "\n";
  if (response.duplicate()) std::cout << "(already submitted with this idempotency key)\n";
  return 0;
}

grpc::Status GetComplaint(const std::string& id, sambat::v1::Complaint* complaint) {
  auto stub = sambat::v1::IntakeService::NewStub(Channel(absl::GetFlag(FLAGS_intake)));
  sambat::v1::GetComplaintRequest request;
  request.set_complaint_id(id);
  grpc::ClientContext context;
  SetDeadline(context);
  return stub->GetComplaint(&context, request, complaint);
}

void Print(const sambat::v1::Complaint& c) {
  std::cout << "ticket:      " << c.ticket() << "\n"
            << "category:    " << c.category() << "\n"
            << "state:       " << sambat::v1::CaseState_Name(c.state()) << "\n"
            << "status:      " << c.status_text() << "\n";
  if (!c.agency_code().empty()) {
    std::cout << "agency:      " << c.agency_name() << " (" << c.agency_code() << ")\n";
  }
  if (c.has_first_response_due_at()) {
    std::cout << "answer due:  " << Show(c.first_response_due_at()) << "\n";
  }
  std::cout << "escalation:  level " << c.escalation_level() << "\n"
            << "timeline:\n";
  for (const auto& e : c.timeline()) {
    std::cout << "  " << Show(e.at()) << "  " << e.text() << "\n";
  }
}

int Get(const std::string& id) {
  sambat::v1::Complaint complaint;
  grpc::Status status = GetComplaint(id, &complaint);
  if (!status.ok()) return Fail("get", status);
  Print(complaint);
  return 0;
}

bool Reached(const sambat::v1::Complaint& c, const std::string& until) {
  if (until == "routed") return !c.agency_code().empty();
  if (until == "deadline") return c.has_first_response_due_at();
  if (until == "escalated") return c.escalation_level() >= 1;
  if (until == "escalated:2") return c.escalation_level() >= 2;
  return false;
}

int Wait(const std::string& id) {
  const std::string until = absl::GetFlag(FLAGS_until);
  if (until != "routed" && until != "deadline" && until != "escalated" &&
      until != "escalated:2") {
    std::cerr << "wait: --until must be routed, deadline, escalated or escalated:2\n";
    return 2;
  }
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_timeout);
  while (true) {
    sambat::v1::Complaint complaint;
    grpc::Status status = GetComplaint(id, &complaint);
    if (status.ok() && Reached(complaint, until)) {
      std::cout << "reached " << until << ": " << complaint.status_text() << "\n";
      return 0;
    }
    if (absl::Now() > deadline) {
      std::cerr << "wait: " << until << " not reached within " << absl::GetFlag(FLAGS_timeout)
                << (status.ok() ? "" : absl::StrCat(" (", status.error_message(), ")")) << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int Notifications(const std::string& id) {
  auto stub =
      sambat::v1::NotificationService::NewStub(Channel(absl::GetFlag(FLAGS_notification)));
  sambat::v1::ListNotificationsRequest request;
  request.set_complaint_id(id);
  sambat::v1::ListNotificationsResponse response;
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::Status status = stub->ListNotifications(&context, request, &response);
  if (!status.ok()) return Fail("notifications", status);
  for (const auto& n : response.notifications()) {
    std::cout << Show(n.recorded_at()) << "  " << n.channel() << " to " << n.recipient_name()
              << " <" << n.address() << "> (" << n.recipient_role() << ")\n"
              << "    " << (n.subject().empty() ? n.body() : n.subject()) << "\n";
  }
  std::cout << response.notifications_size() << " notification(s)\n";
  return 0;
}

int Clock(const std::vector<char*>& args) {
  const std::string file = absl::GetFlag(FLAGS_clock_file);
  if (args.size() != 4) {
    std::cerr << "usage: sambatctl clock set <RFC 3339 time> | clock advance <duration>\n";
    return 2;
  }
  const std::string verb = args[2];
  absl::Time t;
  std::string err;
  if (verb == "set") {
    if (!absl::ParseTime(absl::RFC3339_full, args[3], &t, &err)) {
      std::cerr << "clock set: " << err << "\n";
      return 2;
    }
  } else if (verb == "advance") {
    absl::Duration d;
    if (!absl::ParseDuration(args[3], &d)) {
      std::cerr << "clock advance: '" << args[3] << "' is not a duration such as 72h\n";
      return 2;
    }
    skk::FileClock clock(file);
    t = clock.Now();
    if (t == absl::InfinitePast()) {
      std::cerr << "clock advance: " << file << " holds no time; use clock set first\n";
      return 2;
    }
    t += d;
  } else {
    std::cerr << "clock: unknown verb " << verb << "\n";
    return 2;
  }
  if (absl::Status st = skk::WriteClockFile(file, t); !st.ok()) {
    std::cerr << st << "\n";
    return 1;
  }
  std::cout << "clock: " << absl::FormatTime("%Y-%m-%d %H:%M %Z", t, Zone()) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "sambatctl submit|get|wait|notifications|clock ... (see --helpfull)");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::cerr << "usage: sambatctl submit|get <id>|wait <id>|notifications <id>|clock ...\n";
    return 2;
  }
  const std::string command = args[1];
  if (command == "submit" && args.size() == 2) return Submit();
  if (command == "get" && args.size() == 3) return Get(args[2]);
  if (command == "wait" && args.size() == 3) return Wait(args[2]);
  if (command == "notifications" && args.size() == 3) return Notifications(args[2]);
  if (command == "clock") return Clock(args);
  std::cerr << "sambatctl: unknown command or wrong arguments: " << command << "\n";
  return 2;
}

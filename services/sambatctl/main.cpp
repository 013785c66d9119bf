// sambatctl: the command-line client of Sambat Kene Ker. How a person tries the system today,
// and what the local scenario (deploy/run.sh) uses.
//
//   sambatctl submit --category jalan-rusak --description "..." --lat -7.97 --lon 112.63
//                    --phone 081234567890 [--photo a.jpg,b.heic] [--anonymous] ...
//   sambatctl get <ticket> --token <tracking token>
//   sambatctl wait <ticket> --token T --until routed|deadline|escalated[:2]|resolved|waiting
//   sambatctl add-info <ticket> --token T --text "..." [--photo c.jpg]
//   sambatctl rate <ticket> --token T --stars 5 [--comment "..."]
//   sambatctl reopen <ticket> --token T --reason "..."
//   sambatctl notifications <complaint_id>
//   sambatctl clock set <RFC 3339 time> --clock_file F
//   sambatctl clock advance <duration, e.g. 72h> --clock_file F
//   sambatctl token --role officer --agency dpuprpkp [--valid_for 8h] [--issued_at clock]
//   sambatctl parked <service> [--limit N] [--amqp_uri URI]
//   sambatctl replay-parked <service> --event_id ID | --all [--amqp_uri URI]
//
// parked and replay-parked show and replay the events a service's consumer gave up on (its
// RabbitMQ dead queue); they talk to RabbitMQ at --amqp_uri, else $SKK_AMQP_URI, else the dev
// stack's broker. See docs/parked-events.md.
//
// Calls to staff services carry --staff_token (or $SKK_STAFF_TOKEN); see docs/staff-auth.md.

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
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
#include "services/sambatctl/calendar_commands.h"
#include "services/sambatctl/citizen_data_commands.h"
#include "services/sambatctl/notification_commands.h"
#include "services/sambatctl/officer_commands.h"
#include "services/sambatctl/parked_commands.h"
#include "services/sambatctl/staff_calls.h"

ABSL_FLAG(std::string, intake, "127.0.0.1:50051", "intake service address");
ABSL_FLAG(std::string, notification, "127.0.0.1:50054", "notification service address");
ABSL_FLAG(std::string, category, "", "submit: category code, e.g. jalan-rusak");
ABSL_FLAG(std::string, description, "", "submit: what the citizen saw");
ABSL_FLAG(double, lat, 0, "submit: latitude");
ABSL_FLAG(double, lon, 0, "submit: longitude");
ABSL_FLAG(std::string, idempotency_key, "", "submit: key that makes a retried submit safe");
ABSL_FLAG(std::string, address, "", "submit: where, in words");
ABSL_FLAG(std::vector<std::string>, photo, {}, "submit, add-info: photo files to upload");
ABSL_FLAG(std::string, name, "", "submit: reporter's name; token: the staff member's name");
ABSL_FLAG(std::string, phone, "", "submit: reporter's mobile number; erase: the citizen's");
ABSL_FLAG(std::string, email, "", "submit: reporter's email; erase: the citizen's");
ABSL_FLAG(bool, anonymous, false, "submit: the agency never learns who sent it");
ABSL_FLAG(std::string, channel, "app", "submit: app, web, sms or assisted");
ABSL_FLAG(std::string, volunteer, "", "submit: the KIM volunteer's id (channel assisted)");
ABSL_FLAG(std::string, token, "", "get, wait, add-info, rate, reopen: the tracking token");
ABSL_FLAG(std::string, text, "", "add-info: the answer");
ABSL_FLAG(int, stars, 0, "rate: 1 to 5");
ABSL_FLAG(std::string, comment, "", "rate: a comment");
ABSL_FLAG(std::string, reason, "", "reopen, erase, release, forward, unmerge: why");
ABSL_FLAG(std::string, until, "routed",
          "wait: routed, deadline, escalated, escalated:2, waiting, resolved or closed");
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
  return skk::sambatctl::Dial(address);
}

// Every call has a deadline; a client on a bad network never hangs forever.
void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
}

std::unique_ptr<sambat::v1::IntakeService::Stub> Intake() {
  return sambat::v1::IntakeService::NewStub(Channel(absl::GetFlag(FLAGS_intake)));
}

// Uploads each --photo file in 256 KiB chunks; false (with a message) on the first failure.
bool UploadPhotos(google::protobuf::RepeatedPtrField<std::string>* media_ids) {
  for (const std::string& path : absl::GetFlag(FLAGS_photo)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "photo " << path << ": cannot read\n";
      return false;
    }
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    sambat::v1::UploadMediaResponse response;
    auto writer = Intake()->UploadMedia(&context, &response);
    sambat::v1::UploadMediaRequest header;
    header.mutable_header()->set_size_bytes(static_cast<int64_t>(data.size()));
    bool ok = writer->Write(header);
    for (size_t at = 0; ok && at < data.size(); at += 256 * 1024) {
      sambat::v1::UploadMediaRequest chunk;
      chunk.set_chunk(data.substr(at, 256 * 1024));
      ok = writer->Write(chunk);
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (!status.ok()) {
      Fail(absl::StrCat("photo ", path), status);
      return false;
    }
    std::cout << "photo " << path << ": " << response.media_id().substr(0, 12) << "... "
              << response.content_type() << " " << response.width() << "x" << response.height()
              << (response.already_stored() ? " (already stored)" : "") << "\n";
    media_ids->Add(std::string(response.media_id()));
  }
  return true;
}

sambat::v1::Channel ChannelFlag() {
  const std::string c = absl::GetFlag(FLAGS_channel);
  if (c == "web") return sambat::v1::CHANNEL_WEB;
  if (c == "sms") return sambat::v1::CHANNEL_SMS;
  if (c == "assisted") return sambat::v1::CHANNEL_ASSISTED;
  return sambat::v1::CHANNEL_APP;
}

int Submit() {
  auto stub = Intake();
  sambat::v1::SubmitComplaintRequest request;
  if (!UploadPhotos(request.mutable_media_ids())) return 1;
  request.set_address(absl::GetFlag(FLAGS_address));
  request.mutable_reporter()->set_anonymous(absl::GetFlag(FLAGS_anonymous));
  request.mutable_reporter()->set_name(absl::GetFlag(FLAGS_name));
  request.mutable_reporter()->set_phone(absl::GetFlag(FLAGS_phone));
  request.mutable_reporter()->set_email(absl::GetFlag(FLAGS_email));
  request.set_channel(ChannelFlag());
  request.set_volunteer_id(absl::GetFlag(FLAGS_volunteer));
  request.set_category(absl::GetFlag(FLAGS_category));
  request.set_description(absl::GetFlag(FLAGS_description));
  if (absl::GetFlag(FLAGS_lat) != 0 || absl::GetFlag(FLAGS_lon) != 0) {
    request.mutable_location()->set_latitude(absl::GetFlag(FLAGS_lat));
    request.mutable_location()->set_longitude(absl::GetFlag(FLAGS_lon));
  }
  request.set_idempotency_key(absl::GetFlag(FLAGS_idempotency_key));
  sambat::v1::SubmitComplaintResponse response;
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::Status status = stub->SubmitComplaint(&context, request, &response);
  if (!status.ok()) return Fail("submit", status);
  std::cout << "complaint_id:   " << response.complaint_id() << "\n"
            << "ticket:         " << response.ticket() << "\n"
            << "tracking_token: " << response.tracking_token() << "\n"
            << "submitted_at:   " << Show(response.submitted_at()) << "\n";
  if (response.duplicate()) std::cout << "(already submitted with this idempotency key)\n";
  return 0;
}

grpc::Status GetComplaint(const std::string& ticket, sambat::v1::Complaint* complaint) {
  auto stub = Intake();
  sambat::v1::GetComplaintRequest request;
  request.set_ticket(ticket);
  request.set_tracking_token(absl::GetFlag(FLAGS_token));
  grpc::ClientContext context;
  SetDeadline(context);
  return stub->GetComplaint(&context, request, complaint);
}

void Print(const sambat::v1::Complaint& c) {
  std::cout << "ticket:      " << c.ticket() << "\n"
            << "complaint:   " << c.complaint_id() << "\n"
            << "category:    " << c.category() << "\n"
            << "state:       " << sambat::v1::CaseState_Name(c.state()) << "\n"
            << "status:      " << c.status_text() << "\n";
  if (!c.agency_code().empty()) {
    std::cout << "agency:      " << c.agency_name() << " (" << c.agency_code() << ")\n";
  }
  if (c.has_first_response_due_at()) {
    std::cout << "answer due:  " << Show(c.first_response_due_at()) << "\n";
  }
  if (c.media_ids_size() > 0) std::cout << "photos:      " << c.media_ids_size() << "\n";
  if (c.rating() > 0) std::cout << "rating:      " << c.rating() << " of 5\n";
  if (c.has_reopen_until()) std::cout << "reopen until: " << Show(c.reopen_until()) << "\n";
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
  if (until == "waiting") return c.state() == sambat::v1::CASE_STATE_WAITING_CITIZEN;
  if (until == "resolved") return c.state() == sambat::v1::CASE_STATE_RESOLVED;
  if (until == "closed") return c.state() == sambat::v1::CASE_STATE_CLOSED;
  return false;
}

int Wait(const std::string& id) {
  const std::string until = absl::GetFlag(FLAGS_until);
  static const std::set<std::string> kKnown = {"routed",  "deadline", "escalated", "escalated:2",
                                               "waiting", "resolved", "closed"};
  if (!kKnown.contains(until)) {
    std::cerr << "wait: --until must be one of routed, deadline, escalated, escalated:2, "
                 "waiting, resolved, closed\n";
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

// AddInfo, Rate and Reopen: one call, then the complaint as it is after it.
template <class Request>
int FollowUp(const std::string& what, const std::string& ticket, Request request,
             grpc::Status (sambat::v1::IntakeService::Stub::*call)(grpc::ClientContext*,
                                                                  const Request&,
                                                                  sambat::v1::Complaint*)) {
  request.set_ticket(ticket);
  request.set_tracking_token(absl::GetFlag(FLAGS_token));
  auto stub = Intake();
  sambat::v1::Complaint complaint;
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::Status status = ((*stub).*call)(&context, request, &complaint);
  if (!status.ok()) return Fail(what, status);
  Print(complaint);
  return 0;
}

int AddInfo(const std::string& ticket) {
  sambat::v1::AddInfoRequest request;
  if (!UploadPhotos(request.mutable_media_ids())) return 1;
  request.set_text(absl::GetFlag(FLAGS_text));
  return FollowUp("add-info", ticket, request, &sambat::v1::IntakeService::Stub::AddInfo);
}

int Rate(const std::string& ticket) {
  sambat::v1::RateRequest request;
  request.set_stars(absl::GetFlag(FLAGS_stars));
  request.set_comment(absl::GetFlag(FLAGS_comment));
  return FollowUp("rate", ticket, request, &sambat::v1::IntakeService::Stub::Rate);
}

int Reopen(const std::string& ticket) {
  sambat::v1::ReopenRequest request;
  request.set_reason(absl::GetFlag(FLAGS_reason));
  return FollowUp("reopen", ticket, request, &sambat::v1::IntakeService::Stub::Reopen);
}

int Notifications(const std::string& id) {
  auto stub =
      sambat::v1::NotificationService::NewStub(Channel(absl::GetFlag(FLAGS_notification)));
  sambat::v1::ListNotificationsRequest request;
  request.set_complaint_id(id);
  sambat::v1::ListNotificationsResponse response;
  grpc::ClientContext context;
  skk::sambatctl::PrepareStaffCall(context);
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
  std::cout << "clock: " << absl::FormatTime("%a %Y-%m-%d %H:%M %Z", t, Zone()) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "sambatctl submit|get|wait|add-info|rate|reopen|notifications|clock|token|"
      "queue|case|claim|release|respond|ask|forward|resolve|reject|parked|replay-parked|erase|"
      "erasures ... "
      "(see --helpfull)");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::cerr << "usage: sambatctl submit | get <ticket> | wait <ticket> | add-info <ticket> | "
                 "rate <ticket> | reopen <ticket> | notifications <complaint id> | clock ... | "
                 "token ... | queue | case | claim | release | respond | ask | forward | resolve | "
                 "reject (officers, with --staff_token) | parked <service> | "
                 "replay-parked <service> --event_id ID|--all | erase <ticket>|--phone P|--email E "
                 "--reason R | erasures (admins)\n";
    return 2;
  }
  const std::string command = args[1];
  if (int rc = skk::sambatctl::RunNotificationCommand(args); rc >= 0) return rc;
  if (int rc = skk::sambatctl::RunParkedCommand(args); rc >= 0) return rc;
  if (int rc = skk::sambatctl::RunCitizenDataCommand(args); rc >= 0) return rc;
  if (int rc = skk::sambatctl::RunCalendarCommand(args); rc >= 0) return rc;
  if (command == "submit" && args.size() == 2) return Submit();
  if (command == "get" && args.size() == 3) return Get(args[2]);
  if (command == "wait" && args.size() == 3) return Wait(args[2]);
  if (command == "notifications" && args.size() == 3) return Notifications(args[2]);
  if (command == "add-info" && args.size() == 3) return AddInfo(args[2]);
  if (command == "rate" && args.size() == 3) return Rate(args[2]);
  if (command == "reopen" && args.size() == 3) return Reopen(args[2]);
  if (command == "clock") return Clock(args);
  if (command == "token") return skk::sambatctl::MintToken(args);
  if (skk::sambatctl::IsOfficerCommand(command)) return skk::sambatctl::RunOfficerCommand(args);
  std::cerr << "sambatctl: unknown command or wrong arguments: " << command << "\n";
  return 2;
}

#include "services/sambatctl/calendar_commands.h"

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/sla.grpc.pb.h"
#include "services/platform/city_config.h"
#include "services/platform/events.h"
#include "services/sambatctl/staff_calls.h"

ABSL_FLAG(std::string, sla, "127.0.0.1:50053", "sla service address (calendar commands)");
ABSL_FLAG(std::string, decree, "", "calendar replace: the decree the calendar comes from");
ABSL_FLAG(bool, dry_run, false, "calendar replace: say what would move, change nothing");

namespace skk::sambatctl {
namespace {

std::unique_ptr<sambat::v1::SlaAdminService::Stub> Stub() {
  return sambat::v1::SlaAdminService::NewStub(Dial(absl::GetFlag(FLAGS_sla)));
}

std::string Wib(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M WIB", FromProtoTime(t), absl::FixedTimeZone(7 * 3600));
}

int Show() {
  grpc::ClientContext context;
  PrepareStaffCall(context);
  sambat::v1::GetHolidayCalendarResponse response;
  const grpc::Status status = Stub()->GetHolidayCalendar(&context, {}, &response);
  if (!status.ok()) return CallFailed("calendar show", status);
  if (response.calendar_id() == 0) {
    std::cout << "in force: the configuration's file " << response.decree() << "\n";
  } else {
    std::cout << "in force: calendar " << response.calendar_id() << ", loaded "
              << Wib(response.loaded_at()) << " by " << response.loaded_by() << "\n  "
              << response.decree() << "\n";
  }
  for (const auto& h : response.calendar().holidays()) {
    std::cout << h.date() << "  " << h.name() << (h.collective_leave() ? " (cuti bersama)" : "")
              << "\n";
  }
  return 0;
}

int Replace(const std::vector<char*>& args) {
  if (args.size() != 4) {
    std::cerr << "usage: sambatctl calendar replace <calendar file> --decree D [--dry_run]\n";
    return 2;
  }
  sambat::v1::ReplaceHolidayCalendarRequest request;
  absl::StatusOr<sambat::v1::HolidayCalendar> calendar = ReadHolidayCalendar(args[3]);
  if (!calendar.ok()) {
    std::cerr << "calendar replace: " << calendar.status().message() << "\n";
    return 1;
  }
  *request.mutable_calendar() = *std::move(calendar);
  request.set_decree(absl::GetFlag(FLAGS_decree));
  request.set_dry_run(absl::GetFlag(FLAGS_dry_run));
  grpc::ClientContext context;
  // Every running clock moves in one transaction: give a large city time.
  PrepareStaffCall(context, absl::Minutes(5));
  sambat::v1::ReplaceHolidayCalendarResponse response;
  const grpc::Status status = Stub()->ReplaceHolidayCalendar(&context, request, &response);
  if (!status.ok()) return CallFailed("calendar replace", status);
  std::cout << (request.dry_run() ? "dry run: nothing changed\n"
                                  : "calendar " + std::to_string(response.calendar_id()) +
                                        " in force\n")
            << response.clocks_checked() << " running clock(s) checked, "
            << response.clocks_moved() << " due time(s) moved\n";
  for (const auto& m : response.moved()) {
    std::cout << "  " << m.ticket() << "  " << m.agency_code() << "  "
              << sambat::v1::DeadlineKind_Name(m.kind()) << "  " << Wib(m.old_due_at()) << " -> "
              << Wib(m.new_due_at()) << "\n";
  }
  return 0;
}

}  // namespace

int RunCalendarCommand(const std::vector<char*>& args) {
  if (args.size() < 3 || std::string(args[1]) != "calendar") return -1;
  const std::string sub = args[2];
  if (sub == "show" && args.size() == 3) return Show();
  if (sub == "replace") return Replace(args);
  std::cerr << "usage: sambatctl calendar show | calendar replace <file> --decree D [--dry_run]\n";
  return 2;
}

}  // namespace skk::sambatctl

#include "services/sambatctl/citizen_data_commands.h"

#include <iostream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/platform/events.h"
#include "services/sambatctl/staff_calls.h"

ABSL_DECLARE_FLAG(std::string, intake);
ABSL_DECLARE_FLAG(std::string, phone);
ABSL_DECLARE_FLAG(std::string, email);
ABSL_DECLARE_FLAG(std::string, reason);
ABSL_FLAG(bool, photos, false, "erase: the complaints' photos go too");

namespace skk::sambatctl {
namespace {

std::unique_ptr<sambat::v1::CitizenDataService::Stub> Stub() {
  return sambat::v1::CitizenDataService::NewStub(Dial(absl::GetFlag(FLAGS_intake)));
}

int Erase(const std::vector<char*>& args) {
  sambat::v1::EraseCitizenDataRequest request;
  const std::string phone = absl::GetFlag(FLAGS_phone);
  const std::string email = absl::GetFlag(FLAGS_email);
  const int selectors = (args.size() == 3) + !phone.empty() + !email.empty();
  if (selectors != 1 || args.size() > 3) {
    std::cerr << "usage: sambatctl erase <ticket> | --phone P | --email E  --reason R [--photos]\n";
    return 2;
  }
  if (args.size() == 3) request.set_ticket(args[2]);
  if (!phone.empty()) request.set_phone(phone);
  if (!email.empty()) request.set_email(email);
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_photos(absl::GetFlag(FLAGS_photos));
  grpc::ClientContext context;
  PrepareStaffCall(context, absl::Seconds(30));
  sambat::v1::EraseCitizenDataResponse response;
  const grpc::Status status = Stub()->EraseCitizenData(&context, request, &response);
  if (!status.ok()) return CallFailed("erase", status);
  if (response.erasure_id().empty()) {
    std::cout << "already erased; nothing recorded\n";
    return 0;
  }
  std::cout << "erasure " << response.erasure_id() << ": "
            << absl::StrJoin(response.tickets(), " ") << "\n";
  return 0;
}

int Erasures() {
  grpc::ClientContext context;
  PrepareStaffCall(context, absl::Seconds(30));
  sambat::v1::ListErasuresResponse response;
  const grpc::Status status = Stub()->ListErasures(&context, {}, &response);
  if (!status.ok()) return CallFailed("erasures", status);
  for (const auto& e : response.erasures()) {
    std::cout << e.erasure_id() << "  "
              << absl::FormatTime("%Y-%m-%d %H:%M", FromProtoTime(e.requested_at()),
                                  absl::FixedTimeZone(7 * 3600))
              << " WIB  by " << e.requested_by()
              << (e.basis() == sambat::v1::ERASURE_BASIS_RETENTION ? " (retention)" : "")
              << (e.photos() ? ", with photos" : "") << "\n    " << e.reason() << "\n    "
              << absl::StrJoin(e.tickets(), " ") << "\n";
  }
  std::cout << response.erasures_size() << " erasure(s)\n";
  return 0;
}

}  // namespace

int RunCitizenDataCommand(const std::vector<char*>& args) {
  if (args.size() < 2) return -1;
  const std::string command = args[1];
  if (command == "erase") return Erase(args);
  if (command == "erasures" && args.size() == 2) return Erasures();
  return -1;
}

}  // namespace skk::sambatctl

#include "services/sambatctl/staff_calls.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/platform/auth.h"
#include "services/platform/city_config.h"
#include "services/platform/clock.h"
#include "services/platform/tls.h"

ABSL_FLAG(std::string, staff_token, "",
          "staff token sent as 'authorization: Bearer' on calls to staff services; default: "
          "the SKK_STAFF_TOKEN environment variable");
ABSL_FLAG(std::string, role, "", "token: officer, agency_head, leadership or admin");
ABSL_FLAG(std::string, agency, "", "token: the agency code (officer and agency_head only)");
ABSL_FLAG(std::string, subject, "",
          "token: the staff member's stable id; default: dev.<role>[.<agency>]");
ABSL_FLAG(absl::Duration, valid_for, absl::Hours(8), "token: how long the token is valid");
ABSL_FLAG(std::string, issued_at, "now",
          "token: now (this machine's time), clock (the services' --clock_file time, for a "
          "scenario whose business clock is moved) or an RFC 3339 time");
ABSL_FLAG(std::string, city_config, "deploy/config/kota-malang.textproto",
          "token: the city configuration whose auth block names the key and issuer");
ABSL_FLAG(std::string, tls_ca_file, "",
          "call services over TLS, trusting this CA for their certificates");
ABSL_FLAG(std::string, tls_cert_file, "", "client certificate for services that require one");
ABSL_FLAG(std::string, tls_key_file, "", "the client certificate's key");
// Declared in main.cpp: shared with other commands.
ABSL_DECLARE_FLAG(std::string, name);
ABSL_DECLARE_FLAG(std::string, clock_file);

namespace skk::sambatctl {
namespace {

absl::StatusOr<absl::Time> IssuedAt() {
  const std::string at = absl::GetFlag(FLAGS_issued_at);
  if (at == "now") return absl::Now();
  if (at == "clock") {
    const std::string file = absl::GetFlag(FLAGS_clock_file);
    absl::Time t = FileClock(file).Now();
    if (t == absl::InfinitePast()) {
      return absl::FailedPreconditionError(
          absl::StrCat("--issued_at=clock: ", file, " holds no time (see --clock_file)"));
    }
    return t;
  }
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, at, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--issued_at: '", at, "' is not now, clock or an RFC 3339 time: ", error));
  }
  return t;
}

}  // namespace

std::shared_ptr<grpc::Channel> Dial(const std::string& address) {
  auto credentials = ClientCredentials({.cert_file = absl::GetFlag(FLAGS_tls_cert_file),
                                             .key_file = absl::GetFlag(FLAGS_tls_key_file),
                                             .ca_file = absl::GetFlag(FLAGS_tls_ca_file)});
  if (!credentials.ok()) {
    std::cerr << "tls: " << credentials.status().message() << "\n";
    std::exit(2);
  }
  return grpc::CreateChannel(address, *credentials);
}

int CallFailed(const std::string& what, const grpc::Status& status) {
  std::cerr << what << ": " << status.error_code() << " " << status.error_message() << "\n";
  return 1;
}

void PrepareStaffCall(grpc::ClientContext& context, absl::Duration timeout) {
  std::string token = absl::GetFlag(FLAGS_staff_token);
  if (token.empty()) {
    const char* env = std::getenv("SKK_STAFF_TOKEN");
    if (env != nullptr) token = env;
  }
  if (!token.empty()) AttachBearerToken(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

int MintToken(const std::vector<char*>& args) {
  if (args.size() != 2) {
    std::cerr << "usage: sambatctl token --role officer|agency_head|leadership|admin "
                 "[--agency A] [--subject S] [--name N] [--valid_for 8h] "
                 "[--issued_at now|clock|<RFC 3339>] [--city_config F]\n";
    return 2;
  }
  auto role = ParseRole(absl::GetFlag(FLAGS_role));
  if (!role.ok()) {
    std::cerr << "token: --role: " << role.status().message() << "\n";
    return 2;
  }
  Caller caller{.subject = absl::GetFlag(FLAGS_subject),
                     .name = absl::GetFlag(FLAGS_name),
                     .role = *role,
                     .agency_code = absl::GetFlag(FLAGS_agency)};
  if (caller.subject.empty()) {
    caller.subject = absl::StrCat("dev.", RoleName(caller.role),
                                  caller.agency_code.empty() ? "" : ".", caller.agency_code);
  }
  if (caller.name.empty()) caller.name = caller.subject;

  const std::string config_file = absl::GetFlag(FLAGS_city_config);
  auto city = LoadCityConfig(config_file);
  if (!city.ok()) {
    std::cerr << "token: " << city.status().message() << "\n";
    return 1;
  }
  if (RoleHasAgency(caller.role)) {
    bool known = false;
    for (const auto& a : city->agencies()) known = known || a.code() == caller.agency_code;
    if (!known && !caller.agency_code.empty()) {
      std::cerr << "token: --agency '" << caller.agency_code << "' is not an agency of "
                << config_file << "\n";
      return 2;
    }
  }
  auto authority = TokenIssuerFromConfig(*city, config_file);
  if (!authority.ok()) {
    std::cerr << "token: " << authority.status().message() << "\n";
    return 1;
  }
  auto issued_at = IssuedAt();
  if (!issued_at.ok()) {
    std::cerr << "token: " << issued_at.status().message() << "\n";
    return 2;
  }
  auto token = authority->Mint(caller, *issued_at, absl::GetFlag(FLAGS_valid_for));
  if (!token.ok()) {
    std::cerr << "token: " << token.status().message() << "\n";
    return 2;
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace skk::sambatctl

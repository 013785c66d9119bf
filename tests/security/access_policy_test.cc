// Every RPC of ours declares who may call it (proto/sambat/v1/access.proto). This test walks
// every service of every contract file and fails for an RPC without a valid policy, so an RPC
// cannot be added without deciding who may call it; the interceptor refuses such an RPC to
// everyone at run time as well (AccessPolicyOf).

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "sambat/v1/common.pb.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/events.pb.h"
#include "sambat/v1/gateway.pb.h"
#include "sambat/v1/intake.pb.h"
#include "sambat/v1/notification.pb.h"
#include "sambat/v1/operations.pb.h"
#include "sambat/v1/routing.pb.h"
#include "sambat/v1/sla.pb.h"
#include "services/platform/auth.h"
#include "services/platform/testing/test_env.h"

namespace skk {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

// One message of each contract file: a static library links a file's descriptor only when
// something refers to it. A new .proto file that is not named here fails the test below.
void LinkEveryContract() {
  (void)sambat::v1::GeoPoint::descriptor();
  (void)sambat::v1::CityConfig::descriptor();
  (void)sambat::v1::Event::descriptor();
  (void)sambat::v1::SubmitComplaintRequest::descriptor();
  (void)sambat::v1::ListNotificationsRequest::descriptor();
  (void)sambat::v1::ListQueueRequest::descriptor();
  (void)sambat::v1::ListEscalationsRequest::descriptor();
  (void)sambat::v1::AccessPolicy::descriptor();
  (void)sambat::v1::Problem::descriptor();
  (void)sambat::v1::ListParkedRequest::descriptor();
}

std::vector<const FileDescriptor*> ContractFiles() {
  LinkEveryContract();
  std::vector<const FileDescriptor*> files;
  const std::filesystem::path dir = testing::SourcePath("proto/sambat/v1");
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".proto") continue;
    const std::string name = absl::StrCat("sambat/v1/", entry.path().filename().string());
    const FileDescriptor* file = DescriptorPool::generated_pool()->FindFileByName(name);
    INFO(name << " is not linked into this test: name one of its messages in LinkEveryContract");
    REQUIRE(file != nullptr);
    files.push_back(file);
  }
  return files;
}

TEST_CASE("every RPC of every service declares a valid access policy") {
  int methods = 0;
  std::map<std::string, std::string> table;  // printed: the whole access map in one place
  for (const FileDescriptor* file : ContractFiles()) {
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const auto* method = service->method(m);
        const std::string full = absl::StrCat("/", service->full_name(), "/", method->name());
        ++methods;
        absl::StatusOr<sambat::v1::AccessPolicy> policy = AccessPolicyOf(full);
        INFO(full << ": " << policy.status().ToString());
        REQUIRE(policy.ok());
        if (policy->public_()) {
          CHECK_FALSE(policy->own_agency());
          table[full] = "public";
          continue;
        }
        absl::StatusOr<std::vector<StaffRole>> roles = PolicyRoles(*policy);
        REQUIRE(roles.ok());
        std::string names;
        bool agency_role = false;
        for (StaffRole role : *roles) {
          absl::StrAppend(&names, names.empty() ? "" : ",", RoleName(role));
          agency_role = agency_role || RoleHasAgency(role);
          // A citizen pass opens only what was decided, one method at a time, to serve a
          // citizen their own complaint's; any other method naming it must be looked at.
          if (role == StaffRole::kCitizen) {
            CHECK(full == "/sambat.v1.NotificationService/ListNotifications");
          }
          // A phone pass likewise: intake acts on what its number reported, nothing else.
          if (role == StaffRole::kPhone) {
            CHECK(full == "/sambat.v1.IntakeService/ReceiveTextMessage");
          }
          // A partner pass: the partner's word on the cases handed to it, nothing else.
          if (role == StaffRole::kPartner) {
            CHECK(full == "/sambat.v1.PartnerService/ReportPartnerStatus");
          }
        }
        // "Own agency" means something only for roles that have one.
        if (policy->own_agency()) CHECK(agency_role);
        table[full] = absl::StrCat(names, policy->own_agency() ? " (own agency)" : "");
      }
    }
  }
  for (const auto& [method, rule] : table) UNSCOPED_INFO(method << "  " << rule);
  CHECK(methods >= 25);  // the five services of today; a file that vanished would show here
  CHECK(table["/sambat.v1.IntakeService/SubmitComplaint"] == "public");
  CHECK(table["/sambat.v1.RoutingAdminService/ReloadRoutingConfig"] == "admin");
  CHECK(table["/sambat.v1.NotificationService/ReplayDeadLetters"] == "admin");
  CHECK(table["/sambat.v1.ParkedEventsService/ReplayParked"] == "admin");
  CHECK(table["/sambat.v1.LeadershipService/PublicStats"] == "public");
  CHECK(table["/sambat.v1.OfficerService/Claim"] == "officer,agency_head (own agency)");
  CHECK(table["/sambat.v1.NotificationService/ListNotifications"] ==
        "officer,agency_head,leadership,admin,citizen (own agency)");
  CHECK(table["/sambat.v1.IntakeService/ReceiveTextMessage"] == "phone");
  CHECK(table["/sambat.v1.IntakeService/FindNearbyComplaints"] == "public");
  CHECK(table["/sambat.v1.PartnerService/ReportPartnerStatus"] == "partner (own agency)");
}

TEST_CASE("a method without a policy is refused, gRPC's own services stay open") {
  CHECK(AccessPolicyOf("/sambat.v1.OfficerService/NoSuchMethod").status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(AccessPolicyOf("/nothing").status().code() == absl::StatusCode::kNotFound);
  CHECK(AccessPolicyOf("").status().code() == absl::StatusCode::kNotFound);
  auto health = AccessPolicyOf("/grpc.health.v1.Health/Check");
  REQUIRE(health.ok());
  CHECK(health->public_());
}

}  // namespace
}  // namespace skk

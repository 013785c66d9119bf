// Who may do what, against the real routing service: every role, own and other agency, every
// operation. Another agency's case is NOT_FOUND everywhere (get, act, queue, filter, page
// token), leadership reads but changes nothing, and nobody without a good token gets anything.

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "tests/support/officer.h"
#include "tests/support/staff_tokens.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

using grpc::StatusCode;

enum class Expect { kAllowed, kNotFound, kDenied, kUnauthenticated };

const char* Name(Expect e) {
  switch (e) {
    case Expect::kAllowed: return "allowed";
    case Expect::kNotFound: return "NOT_FOUND";
    case Expect::kDenied: return "PERMISSION_DENIED";
    case Expect::kUnauthenticated: return "UNAUTHENTICATED";
  }
  return "?";
}

// Allowed means the checks let the caller through: OK, or FAILED_PRECONDITION / INVALID_ARGUMENT
// from the case's state or the request itself.
bool Matches(Expect e, const grpc::Status& s) {
  switch (e) {
    case Expect::kAllowed:
      return s.ok() || s.error_code() == StatusCode::FAILED_PRECONDITION ||
             s.error_code() == StatusCode::INVALID_ARGUMENT;
    case Expect::kNotFound: return s.error_code() == StatusCode::NOT_FOUND;
    case Expect::kDenied: return s.error_code() == StatusCode::PERMISSION_DENIED;
    case Expect::kUnauthenticated: return s.error_code() == StatusCode::UNAUTHENTICATED;
  }
  return false;
}

// A caller as the matrix names it, and how its calls carry (or fail to carry) a token.
struct Who {
  std::string label;
  StaffRole role;
  std::string agency;
  // Empty: a good token for role and agency. Otherwise this raw token (may be "" for none).
  std::function<std::string(absl::Time)> token;
};

using Op = std::function<grpc::Status(sambat::v1::OfficerService::Stub&,
                                      sambat::v1::RoutingAdminService::Stub&,
                                      grpc::ClientContext&, const std::string& id)>;

}  // namespace

TEST_CASE("the authorization matrix: role by agency by operation, against the running service",
          "[routing][integration]") {
  System system("rcaccess", {"intake", "routing"});
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", system.Port("routing")),
                                     grpc::InsecureChannelCredentials());
  auto officers = sambat::v1::OfficerService::NewStub(channel);
  auto admin = sambat::v1::RoutingAdminService::NewStub(channel);

  const std::vector<Who> callers = {
      {"officer of the agency", StaffRole::kOfficer, "dpuprpkp", nullptr},
      {"head of the agency", StaffRole::kAgencyHead, "dpuprpkp", nullptr},
      {"officer of another agency", StaffRole::kOfficer, "dlh", nullptr},
      {"head of another agency", StaffRole::kAgencyHead, "dlh", nullptr},
      {"leadership", StaffRole::kLeadership, "", nullptr},
      {"admin", StaffRole::kAdmin, "", nullptr},
      {"no token", StaffRole::kOfficer, "dpuprpkp", [](absl::Time) { return std::string(); }},
      {"garbage token", StaffRole::kOfficer, "dpuprpkp",
       [](absl::Time) { return std::string("not.a.token"); }},
      {"expired token", StaffRole::kOfficer, "dpuprpkp",
       [](absl::Time now) {
         return StaffToken(StaffRole::kOfficer, "dpuprpkp", now - absl::Hours(2),
                           {.valid_for = absl::Hours(1)});
       }},
  };

  namespace v1 = sambat::v1;
  const std::map<std::string, Op> ops = {
      {"ListQueue", [](auto& o, auto&, auto& c, const std::string&) {
         v1::ListQueueResponse r;
         return o.ListQueue(&c, v1::ListQueueRequest(), &r);
       }},
      {"GetCase", [](auto& o, auto&, auto& c, const std::string& id) {
         v1::GetCaseRequest q; q.set_complaint_id(id); v1::Case r;
         return o.GetCase(&c, q, &r);
       }},
      {"Claim", [](auto& o, auto&, auto& c, const std::string& id) {
         v1::ClaimRequest q; q.set_complaint_id(id); v1::Case r;
         return o.Claim(&c, q, &r);
       }},
      {"Release", [](auto& o, auto&, auto& c, const std::string& id) {
         v1::ReleaseRequest q; q.set_complaint_id(id); v1::Case r;
         return o.Release(&c, q, &r);
       }},
      {"Respond", [](auto& o, auto&, auto& c, const std::string& id) {
         v1::RespondRequest q; q.set_complaint_id(id); q.set_message("Tanggapan"); v1::Case r;
         return o.Respond(&c, q, &r);
       }},
      {"RequestInfo", [](auto& o, auto&, auto& c, const std::string& id) {
         v1::RequestInfoRequest q; q.set_complaint_id(id); q.set_question("Di mana?"); v1::Case r;
         return o.RequestInfo(&c, q, &r);
       }},
      {"Forward", [](auto& o, auto&, auto& c, const std::string& id) {
         v1::ForwardRequest q; q.set_complaint_id(id); q.set_to_agency_code("dishub");
         q.set_reason("Bukan kewenangan"); v1::Case r;
         return o.Forward(&c, q, &r);
       }},
      {"Resolve", [](auto& o, auto&, auto& c, const std::string& id) {
         v1::ResolveRequest q; q.set_complaint_id(id); q.set_note("Selesai"); v1::Case r;
         return o.Resolve(&c, q, &r);
       }},
      {"Reject", [](auto& o, auto&, auto& c, const std::string& id) {
         v1::RejectRequest q; q.set_complaint_id(id); q.set_reason(v1::REJECT_REASON_SPAM);
         v1::Case r;
         return o.Reject(&c, q, &r);
       }},
      {"ReloadRoutingConfig", [](auto&, auto& a, auto& c, const std::string&) {
         v1::ReloadRoutingConfigResponse r;
         return a.ReloadRoutingConfig(&c, v1::ReloadRoutingConfigRequest(), &r);
       }},
  };
  const std::set<std::string> reads = {"ListQueue", "GetCase"};

  auto expected = [&](const Who& who, const std::string& op) {
    if (who.token) return Expect::kUnauthenticated;
    if (op == "ReloadRoutingConfig") {
      return who.role == StaffRole::kAdmin ? Expect::kAllowed : Expect::kDenied;
    }
    if (who.role == StaffRole::kAdmin) return Expect::kDenied;
    if (who.role == StaffRole::kLeadership) {
      return reads.contains(op) ? Expect::kAllowed : Expect::kDenied;
    }
    if (op == "ListQueue") return Expect::kAllowed;  // their own queue
    return who.agency == "dpuprpkp" ? Expect::kAllowed : Expect::kNotFound;
  };

  int checked = 0;
  for (const Who& who : callers) {
    for (const auto& [op, call] : ops) {
      // A fresh routed case per cell, so one cell's change never decides another's answer.
      const std::string id = SubmitAndRoute(system).complaint_id();
      const std::string trail = absl::StrCat(
          "SELECT count(*) FROM routing.case_history WHERE complaint_id = '", id, "'");
      const long long before = system.Count(trail);
      grpc::ClientContext context;
      if (who.token) {
        const std::string token = who.token(system.Now());
        if (!token.empty()) AuthorizeAs(context, token);
      } else {
        AuthorizeAs(context, StaffToken(who.role, who.agency, system.Now()));
      }
      const grpc::Status status = call(*officers, *admin, context, id);
      const Expect want = expected(who, op);
      INFO(who.label << " calls " << op << ": want " << Name(want) << ", got "
                     << status.error_code() << " " << status.error_message());
      CHECK(Matches(want, status));
      if (want != Expect::kAllowed) CHECK(system.Count(trail) == before);
      ++checked;
    }
  }
  CHECK(checked == static_cast<int>(callers.size() * ops.size()));
}

TEST_CASE("another agency's case never shows: not in its queue, not by filter, not by a page "
          "token, not by the same words as a missing case",
          "[routing][integration]") {
  System system("rcwall", {"intake", "routing"});
  const std::string id = SubmitAndRoute(system, "jalan-rusak").complaint_id();
  const OfficerClient pu(system, StaffRole::kOfficer, "dpuprpkp");
  const OfficerClient dlh(system, StaffRole::kOfficer, "dlh");

  REQUIRE(pu.WholeQueue({}).size() == 1);
  CHECK(dlh.WholeQueue({}).empty());

  sambat::v1::ListQueueRequest filtered;
  filtered.set_agency_code("dpuprpkp");
  sambat::v1::ListQueueResponse page;
  CHECK(dlh.ListQueue(filtered, &page).error_code() == grpc::StatusCode::NOT_FOUND);

  const grpc::Status other = dlh.GetCase(id);
  const grpc::Status missing = dlh.GetCase("00000000-0000-4000-8000-000000000000");
  CHECK(other.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(missing.error_code() == grpc::StatusCode::NOT_FOUND);
  // Same words but the id the caller typed: nothing tells the two apart.
  CHECK(other.error_message() == absl::StrCat("no case ", id));
  CHECK(missing.error_message() == "no case 00000000-0000-4000-8000-000000000000");

  // Leadership reads across agencies, and may filter.
  const OfficerClient leader(system, StaffRole::kLeadership, "");
  CHECK(leader.WholeQueue(filtered).size() == 1);
  CHECK(leader.GetCase(id).ok());
}

}  // namespace skk::testing

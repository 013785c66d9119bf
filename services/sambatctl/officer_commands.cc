#include "services/sambatctl/officer_commands.h"

#include <iostream>
#include <set>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/routing.grpc.pb.h"
#include "services/platform/events.h"
#include "services/sambatctl/staff_calls.h"

ABSL_FLAG(std::string, routing, "127.0.0.1:50052", "routing service address (officer commands)");
ABSL_FLAG(std::vector<std::string>, states, {}, "queue: states to list (default: the open ones)");
ABSL_FLAG(int, page_size, 50, "queue: cases per page");
ABSL_FLAG(std::string, page_token, "", "queue: the next_page_token of the previous page");
ABSL_FLAG(std::string, queue_agency, "", "queue: leadership only, one agency's queue");
ABSL_FLAG(std::string, message, "", "respond: the answer the citizen reads");
ABSL_FLAG(std::string, question, "", "ask: the question the citizen reads");
ABSL_FLAG(std::string, to, "", "forward: the agency code to forward to");
ABSL_FLAG(std::string, note, "", "resolve, reject: words for the citizen");
ABSL_FLAG(std::vector<std::string>, proof, {}, "resolve: proof photo media ids");
ABSL_FLAG(std::string, reject_reason, "",
          "reject: spam, duplicate, not_city_authority or insufficient_information");
ABSL_FLAG(std::string, duplicate_of, "", "reject --reject_reason=duplicate: the ticket");
// Declared in main.cpp: shared with other commands.
ABSL_DECLARE_FLAG(std::string, reason);

namespace skk::sambatctl {
namespace {

namespace v1 = sambat::v1;

std::string StateWord(v1::CaseState s) {
  const std::string name = v1::CaseState_Name(s);
  return name.size() > 11 ? name.substr(11) : name;  // without "CASE_STATE_"
}

std::string When(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", FromProtoTime(t),
                          absl::FixedTimeZone(7 * 3600));
}

int Fail(const grpc::Status& status) {
  std::cerr << status.error_code() << " " << status.error_message() << "\n";
  return 1;
}

void PrintCase(const v1::Case& c) {
  std::cout << c.ticket() << "  " << StateWord(c.state()) << "  " << c.agency_name() << " ("
            << c.agency_code() << ")\n";
  if (!c.holder_id().empty()) std::cout << "held by   " << c.holder_name() << " (" << c.holder_id() << ")\n";
  if (c.has_due_at()) std::cout << "due       " << When(c.due_at()) << " WIB" << (c.overdue() ? "  OVERDUE" : "") << "\n";
  std::cout << "category  " << c.category() << "\nwhere     " << c.location().latitude() << ","
            << c.location().longitude() << " " << c.address() << "\nphotos    "
            << absl::StrJoin(c.media_ids(), ", ") << "\nforwards  " << c.forward_count()
            << (c.anonymous() ? "\nanonymous" : "") << "\n\n" << c.description() << "\n\n";
  for (const auto& h : c.history()) {
    std::cout << When(h.at()) << "  " << h.action() << "  " << StateWord(h.from_state()) << " -> "
              << StateWord(h.to_state()) << "  " << h.actor_name() << " [" << h.actor() << "]"
              << (h.reason().empty() ? "" : "  " + h.reason()) << "\n";
  }
}

// An officer's action on one case: every one answers with the case as it now is.
template <class Request>
using CaseAction = grpc::Status (v1::OfficerService::Stub::*)(grpc::ClientContext*,
                                                              const Request&, v1::Case*);

template <class Request>
int ActOn(const Request& request, CaseAction<Request> action) {
  grpc::ClientContext context;
  PrepareStaffCall(context);
  v1::Case c;
  auto stub = v1::OfficerService::NewStub(Dial(absl::GetFlag(FLAGS_routing)));
  const grpc::Status status = (stub.get()->*action)(&context, request, &c);
  if (!status.ok()) return Fail(status);
  PrintCase(c);
  return 0;
}

int Queue() {
  v1::ListQueueRequest request;
  for (const auto& s : absl::GetFlag(FLAGS_states)) {
    v1::CaseState state;
    if (!v1::CaseState_Parse("CASE_STATE_" + s, &state)) {
      std::cerr << "--states: unknown state " << s << "\n";
      return 2;
    }
    request.add_states(state);
  }
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  request.set_agency_code(absl::GetFlag(FLAGS_queue_agency));
  grpc::ClientContext context;
  PrepareStaffCall(context);
  v1::ListQueueResponse response;
  auto stub = v1::OfficerService::NewStub(
      Dial(absl::GetFlag(FLAGS_routing)));
  const grpc::Status status = stub->ListQueue(&context, request, &response);
  if (!status.ok()) return Fail(status);
  for (const auto& c : response.cases()) {
    std::cout << (c.overdue() ? "! " : "  ") << (c.has_due_at() ? When(c.due_at()) : "no deadline     ")
              << "  " << c.ticket() << "  " << StateWord(c.state()) << "  " << c.agency_code()
              << "  " << c.complaint_id() << "  " << (c.holder_id().empty() ? "-" : c.holder_id())
              << "  " << c.summary().substr(0, 60) << "\n";
  }
  if (!response.next_page_token().empty()) {
    std::cout << "next page: --page_token=" << response.next_page_token() << "\n";
  }
  return 0;
}

v1::RejectReason RejectReasonFlag() {
  const std::string r = absl::GetFlag(FLAGS_reject_reason);
  if (r == "spam") return v1::REJECT_REASON_SPAM;
  if (r == "duplicate") return v1::REJECT_REASON_DUPLICATE;
  if (r == "not_city_authority") return v1::REJECT_REASON_NOT_CITY_AUTHORITY;
  if (r == "insufficient_information") return v1::REJECT_REASON_INSUFFICIENT_INFORMATION;
  return v1::REJECT_REASON_UNSPECIFIED;
}

}  // namespace

bool IsOfficerCommand(const std::string& command) {
  static const std::set<std::string> commands = {"queue",   "case",    "claim",
                                                 "release", "respond", "ask",
                                                 "forward", "resolve", "reject",
                                                 "unmerge"};
  return commands.contains(command);
}

int RunOfficerCommand(const std::vector<char*>& args) {
  const std::string command = args[1];
  if (command == "queue") return Queue();
  if (args.size() != 3) {
    std::cerr << "usage: sambatctl " << command << " <complaint id> [flags]\n";
    return 2;
  }
  const std::string id = args[2];
  if (command == "case") {
    v1::GetCaseRequest r;
    r.set_complaint_id(id);
    return ActOn(r, &v1::OfficerService::Stub::GetCase);
  }
  if (command == "claim") {
    v1::ClaimRequest r;
    r.set_complaint_id(id);
    return ActOn(r, &v1::OfficerService::Stub::Claim);
  }
  if (command == "release") {
    v1::ReleaseRequest r;
    r.set_complaint_id(id);
    r.set_reason(absl::GetFlag(FLAGS_reason));
    return ActOn(r, &v1::OfficerService::Stub::Release);
  }
  if (command == "respond") {
    v1::RespondRequest r;
    r.set_complaint_id(id);
    r.set_message(absl::GetFlag(FLAGS_message));
    return ActOn(r, &v1::OfficerService::Stub::Respond);
  }
  if (command == "ask") {
    v1::RequestInfoRequest r;
    r.set_complaint_id(id);
    r.set_question(absl::GetFlag(FLAGS_question));
    return ActOn(r, &v1::OfficerService::Stub::RequestInfo);
  }
  if (command == "forward") {
    v1::ForwardRequest r;
    r.set_complaint_id(id);
    r.set_to_agency_code(absl::GetFlag(FLAGS_to));
    r.set_reason(absl::GetFlag(FLAGS_reason));
    return ActOn(r, &v1::OfficerService::Stub::Forward);
  }
  if (command == "resolve") {
    v1::ResolveRequest r;
    r.set_complaint_id(id);
    r.set_note(absl::GetFlag(FLAGS_note));
    for (const auto& m : absl::GetFlag(FLAGS_proof)) r.add_proof_media_ids(m);
    return ActOn(r, &v1::OfficerService::Stub::Resolve);
  }
  if (command == "unmerge") {
    v1::UnmergeRequest r;
    r.set_complaint_id(id);
    r.set_reason(absl::GetFlag(FLAGS_reason));
    return ActOn(r, &v1::OfficerService::Stub::Unmerge);
  }
  v1::RejectRequest r;  // reject
  r.set_complaint_id(id);
  r.set_reason(RejectReasonFlag());
  r.set_note(absl::GetFlag(FLAGS_note));
  r.set_duplicate_of_ticket(absl::GetFlag(FLAGS_duplicate_of));
  return ActOn(r, &v1::OfficerService::Stub::Reject);
}

}  // namespace skk::sambatctl

// The officers' queue through the real service: overdue first, then by deadline, undated last;
// pages that together hold every case once; page tokens that only work for their own query.

#include <catch2/catch.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/platform/events.h"
#include "tests/support/officer.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

absl::Time Due(const sambat::v1::CaseSummary& c) {
  return c.has_due_at() ? FromProtoTime(c.due_at()) : absl::InfiniteFuture();
}

void CheckOrdered(const std::vector<sambat::v1::CaseSummary>& cases) {
  bool seen_on_time = false;
  bool seen_undated = false;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    INFO("position " << i << ": " << c.ticket());
    if (i > 0) {
      const auto& prev = cases[i - 1];
      CHECK((Due(prev) < Due(c) ||
             (Due(prev) == Due(c) && prev.complaint_id() < c.complaint_id())));
    }
    if (c.overdue()) CHECK_FALSE(seen_on_time);
    if (!c.overdue()) seen_on_time = true;
    if (!c.has_due_at()) seen_undated = true;
    if (c.has_due_at()) CHECK_FALSE(seen_undated);
  }
}

}  // namespace

TEST_CASE("paging the queue gives every case of the agency once, overdue first, by deadline, "
          "undated last",
          "[routing][integration]") {
  System system("rcqueue", {"routing"});
  const absl::Time now = system.Now();
  {
    auto admin = system.world().Admin();
    InsertCases(*admin,
                {.count = 400,
                 .agencies = {"dpuprpkp", "dlh"},
                 .states = {"ROUTED", "IN_PROGRESS", "WAITING_CITIZEN", "REOPENED", "RESOLVED"},
                 .first_due = now - absl::Minutes(90),
                 .undated_every = 7},
                now);
  }
  const long long open_pu = system.Count(
      "SELECT count(*) FROM routing.cases WHERE agency_code = 'dpuprpkp' AND state IN "
      "('ROUTED','IN_PROGRESS','WAITING_CITIZEN','REOPENED')");
  REQUIRE(open_pu > 100);

  const OfficerClient pu(system, StaffRole::kOfficer, "dpuprpkp");
  sambat::v1::ListQueueRequest request;
  request.set_page_size(50);
  const auto all = pu.WholeQueue(request);
  CHECK(static_cast<long long>(all.size()) == open_pu);
  std::set<std::string> ids;
  for (const auto& c : all) {
    ids.insert(c.complaint_id());
    CHECK(c.agency_code() == "dpuprpkp");
    CHECK(c.state() != sambat::v1::CASE_STATE_RESOLVED);
  }
  CHECK(ids.size() == all.size());  // no case twice
  CheckOrdered(all);
  CHECK(all.front().overdue());
  CHECK_FALSE(all.back().has_due_at());

  // A filter by state pages through that state only.
  request.add_states(sambat::v1::CASE_STATE_WAITING_CITIZEN);
  const auto waiting = pu.WholeQueue(request);
  CHECK(static_cast<long long>(waiting.size()) ==
        system.Count("SELECT count(*) FROM routing.cases WHERE agency_code = 'dpuprpkp' AND "
                     "state = 'WAITING_CITIZEN'"));
  for (const auto& c : waiting) CHECK(c.state() == sambat::v1::CASE_STATE_WAITING_CITIZEN);
  CheckOrdered(waiting);

  // Leadership pages across both agencies.
  const OfficerClient leader(system, StaffRole::kLeadership, "");
  sambat::v1::ListQueueRequest everything;
  everything.set_page_size(37);
  const auto city = leader.WholeQueue(everything);
  CHECK(static_cast<long long>(city.size()) ==
        system.Count("SELECT count(*) FROM routing.cases WHERE state IN "
                     "('ROUTED','IN_PROGRESS','WAITING_CITIZEN','REOPENED')"));
  CheckOrdered(city);
}

TEST_CASE("a page token is refused when forged, edited, or carried to another agency or filter",
          "[routing][integration]") {
  System system("rccursor", {"routing"});
  const absl::Time now = system.Now();
  {
    auto admin = system.world().Admin();
    InsertCases(*admin, {.count = 120, .agencies = {"dpuprpkp", "dlh"}, .first_due = now}, now);
  }
  const OfficerClient pu(system, StaffRole::kOfficer, "dpuprpkp");
  const OfficerClient dlh(system, StaffRole::kOfficer, "dlh");
  sambat::v1::ListQueueRequest request;
  request.set_page_size(10);
  sambat::v1::ListQueueResponse first;
  REQUIRE(pu.ListQueue(request, &first).ok());
  REQUIRE_FALSE(first.next_page_token().empty());

  // The dpuprpkp token in a dlh officer's hands.
  request.set_page_token(first.next_page_token());
  sambat::v1::ListQueueResponse stolen;
  const grpc::Status carried = dlh.ListQueue(request, &stolen);
  CHECK(carried.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(stolen.cases_size() == 0);

  // The owner's own token with another filter: another query.
  sambat::v1::ListQueueRequest filtered = request;
  filtered.add_states(sambat::v1::CASE_STATE_ROUTED);
  CHECK(pu.ListQueue(filtered, &stolen).error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  // Edited and invented tokens.
  std::string edited = first.next_page_token();
  edited[3] = edited[3] == 'A' ? 'B' : 'A';
  for (const std::string& token :
       {edited, std::string("bm9wZQ.deadbeef"), std::string("x"),
        first.next_page_token() + "0"}) {
    INFO(token);
    request.set_page_token(token);
    CHECK(pu.ListQueue(request, &stolen).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  }

  // The genuine token still works for its owner.
  request.set_page_token(first.next_page_token());
  sambat::v1::ListQueueResponse second;
  REQUIRE(pu.ListQueue(request, &second).ok());
  CHECK(second.cases_size() == 10);
  CHECK(second.cases(0).complaint_id() != first.cases(9).complaint_id());
}

TEST_CASE("the queue takes its order from the deadlines the sla service sets",
          "[routing][integration]") {
  System system("rcdeadline", {"intake", "routing", "sla"});
  const auto early = SubmitAndRoute(system, "pohon-tumbang");  // urgent: shorter deadline
  system.AdvanceClock(absl::Hours(1));
  const auto late = SubmitAndRoute(system, "sampah");
  const OfficerClient dlh(system, StaffRole::kOfficer, "dlh");
  std::vector<sambat::v1::CaseSummary> queue;
  REQUIRE(System::WaitUntil([&] {
    queue = dlh.WholeQueue({});
    return queue.size() == 2 && queue[0].has_due_at() && queue[1].has_due_at();
  }));
  CheckOrdered(queue);
  // A week later both are overdue, and still in deadline order.
  system.AdvanceClock(absl::Hours(24 * 8));
  queue = dlh.WholeQueue({});
  REQUIRE(queue.size() == 2);
  CHECK(queue[0].overdue());
  CHECK(queue[1].overdue());
  CheckOrdered(queue);
}

}  // namespace skk::testing

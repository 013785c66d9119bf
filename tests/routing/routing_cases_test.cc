// The case through routing's officer API against the real service: every step recorded with
// who, when and why; one holder per case however many officers click at once; a case passed
// around too often lands with the verifier.

#include <catch2/catch.hpp>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/platform/amqp.h"
#include "services/platform/events.h"
#include "tests/support/officer.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

using sambat::v1::Case;

std::vector<std::string> Actions(const Case& c) {
  std::vector<std::string> actions;
  for (const auto& h : c.history()) actions.push_back(h.action());
  return actions;
}

void RequireOk(const grpc::Status& status) {
  INFO(status.error_code() << " " << status.error_message());
  REQUIRE(status.ok());
}

// Every case event routing publishes, as a consumer bound to case.# receives it.
class CaseEventTap {
 public:
  explicit CaseEventTap(const System& system) {
    auto endpoint = ParseAmqpUri(system.world().AmqpUri());
    REQUIRE(endpoint.ok());
    auto conn = AmqpConnection::Open(*endpoint, "test-case-tap");
    REQUIRE(conn.ok());
    REQUIRE((*conn)->DeclareTopology({.service = "casetap", .bindings = {"case.#"}}).ok());
    REQUIRE((*conn)->StartConsuming("casetap.events", 100).ok());
    conn_ = std::move(conn).value();
  }
  // The case events about `complaint_id` received so far, once there are `count` (20 s at
  // most), ordered by case_sequence.
  std::vector<sambat::v1::Event> Of(const std::string& complaint_id, size_t count) {
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    auto mine = [&] {
      std::vector<sambat::v1::Event> out;
      for (const auto& e : events_) {
        if (e.complaint_id() == complaint_id) out.push_back(e);
      }
      return out;
    };
    while (mine().size() < count && absl::Now() < give_up) {
      auto d = conn_->NextDelivery(absl::Milliseconds(100));
      REQUIRE(d.ok());
      if (!d->has_value()) continue;
      REQUIRE(conn_->Ack((*d)->delivery_tag).ok());
      auto event = ParseEvent((*d)->message.body);
      REQUIRE(event.ok());
      events_.push_back(*std::move(event));
    }
    std::vector<sambat::v1::Event> out = mine();
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.case_sequence() < b.case_sequence();
    });
    return out;
  }

 private:
  std::unique_ptr<AmqpConnection> conn_;
  std::vector<sambat::v1::Event> events_;
};

}  // namespace

TEST_CASE("every case event names the one before it, so a consumer can apply a case's events "
          "in order, and transitions without an event leave no gap to wait for",
          "[routing][integration][security]") {
  System system("rcchain", {"intake", "routing"});
  CaseEventTap tap(system);
  const auto submitted = SubmitAndRoute(system, "jalan-rusak");
  const std::string id = submitted.complaint_id();
  const OfficerClient pu(system, StaffRole::kOfficer, "dpuprpkp");
  const OfficerClient dlh(system, StaffRole::kOfficer, "dlh");
  auto intake_sees = [&](sambat::v1::CaseState state) {
    REQUIRE(System::WaitUntil([&] { return Track(system, submitted).state() == state; }));
  };

  RequireOk(pu.Claim(id));
  RequireOk(pu.Release(id));  // history, no event
  RequireOk(pu.Claim(id));
  RequireOk(pu.RequestInfo(id, "Di sebelah mana?"));
  intake_sees(sambat::v1::CASE_STATE_WAITING_CITIZEN);
  RequireOk(CitizenAnswers(system, submitted, "Dekat tiang listrik."));
  WaitForCaseState(system, id, "IN_PROGRESS");
  RequireOk(pu.Respond(id, "Bukan jalan, ini sampah."));
  RequireOk(pu.Forward(id, "dlh", "Sampah menutup jalan"));
  RequireOk(dlh.Claim(id));
  RequireOk(dlh.Respond(id, "Diangkut besok."));
  RequireOk(dlh.Resolve(id, "Sudah diangkut.", {std::string(64, 'a')}));
  intake_sees(sambat::v1::CASE_STATE_RESOLVED);
  RequireOk(CitizenRates(system, submitted, 2, ""));
  REQUIRE(System::WaitUntil([&] {  // the rating: history, no event
    return system.Count(absl::StrCat("SELECT count(*) FROM routing.case_history WHERE "
                                     "action = 'rate' AND complaint_id = '", id, "'")) == 1;
  }));
  RequireOk(CitizenReopens(system, submitted, "Sampahnya kembali menumpuk"));
  WaitForCaseState(system, id, "REOPENED");
  RequireOk(dlh.Claim(id));
  RequireOk(dlh.Forward(id, "polresta", "Pembuangan liar, ranah kepolisian"));

  const std::vector<std::string> types = {
      kCaseRouted,    kCaseClaimed,   kCaseClaimed,   kCaseInfoRequested, kCaseCitizenAnswered,
      kCaseResponded, kCaseForwarded, kCaseClaimed,   kCaseResponded,     kCaseResolved,
      kCaseReopened,  kCaseClaimed,   kCaseHandedOff};
  const std::vector<sambat::v1::Event> events = tap.Of(id, types.size());
  std::vector<std::string> got;
  for (const auto& e : events) got.push_back(e.type());
  INFO(absl::StrJoin(got, ", "));
  REQUIRE(got == types);
  int64_t previous = 0;
  for (const auto& e : events) {
    INFO(e.type() << " case_sequence " << e.case_sequence() << " previous "
                  << e.previous_case_sequence());
    CHECK(e.case_sequence() > previous);
    CHECK(e.previous_case_sequence() == previous);
    previous = e.case_sequence();
  }
  // The release and the rating took sequence numbers the events skip over.
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM routing.case_history WHERE complaint_id = '",
                                  id, "'")) == static_cast<long long>(types.size()) + 2);
  CHECK(system.Count(absl::StrCat("SELECT event_sequence FROM routing.cases WHERE complaint_id = '",
                                  id, "'")) == previous);

  // A complaint for an external partner: its first event is the hand-off.
  const std::string partner = SubmitAndRoute(system, "keamanan").complaint_id();
  const std::vector<sambat::v1::Event> handed = tap.Of(partner, 1);
  REQUIRE(handed.size() == 1);
  CHECK(handed[0].type() == kCaseHandedOff);
  CHECK(handed[0].case_sequence() > 0);
  CHECK(handed[0].previous_case_sequence() == 0);
}

TEST_CASE("an officer works a case from claim to resolution, each step in the audit trail with "
          "who and why",
          "[routing][integration]") {
  System system("rcflow", {"intake", "routing"});
  const auto submitted = SubmitAndRoute(system, "jalan-rusak");
  const std::string id = submitted.complaint_id();
  const OfficerClient budi(system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                           "Budi Santoso");

  Case c;
  RequireOk(budi.GetCase(id, &c));
  CHECK(c.state() == sambat::v1::CASE_STATE_ROUTED);
  CHECK(c.ticket() == submitted.ticket());
  CHECK(c.agency_code() == "dpuprpkp");
  CHECK(absl::StrContains(c.description(), "Jalan berlubang"));
  CHECK(c.location().latitude() == Approx(-7.9826));

  RequireOk(budi.Claim(id, &c));
  CHECK(c.state() == sambat::v1::CASE_STATE_IN_PROGRESS);
  CHECK(c.holder_id() == "budi.dpuprpkp");
  CHECK(c.holder_name() == "Budi Santoso");

  // Business time passes between steps, as at a desk: intake orders the citizen's view by when
  // things happened, and two events of the same instant may be applied in either order.
  system.AdvanceClock(absl::Minutes(10));
  RequireOk(budi.RequestInfo(id, "Di sisi jalan sebelah mana lubangnya?", &c));
  CHECK(c.state() == sambat::v1::CASE_STATE_WAITING_CITIZEN);
  // Asked twice: the case already waits for the citizen.
  const grpc::Status again = budi.RequestInfo(id, "Lagi?");
  CHECK(again.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(absl::StrContains(again.error_message(), "WAITING_CITIZEN"));

  // The citizen answers through intake; routing moves the case back to the officer.
  REQUIRE(System::WaitUntil([&] {
    return Track(system, submitted).state() == sambat::v1::CASE_STATE_WAITING_CITIZEN;
  }));
  RequireOk(CitizenAnswers(system, submitted,
                           "Sebelah kiri dari arah alun-alun, dekat tiang listrik."));
  WaitForCaseState(system, id, "IN_PROGRESS");

  RequireOk(budi.Respond(id, "Tim kami akan menambal jalan minggu ini.", &c));
  RequireOk(budi.Respond(id, "Penambalan dijadwalkan Kamis.", &c));
  RequireOk(budi.Resolve(id, "Jalan sudah ditambal.", {std::string(64, 'a')}, &c));
  CHECK(c.state() == sambat::v1::CASE_STATE_RESOLVED);
  CHECK(c.holder_id().empty());

  CHECK(Actions(c) == std::vector<std::string>{"route", "claim", "request_info",
                                               "citizen_answer", "respond", "respond",
                                               "resolve"});
  for (const auto& h : c.history()) {
    INFO(h.action());
    CHECK(h.has_at());
    if (h.action() == "route") CHECK(h.actor() == "system");
    if (h.action() == "citizen_answer") {
      CHECK(h.actor() == "citizen");
      CHECK(absl::StrContains(h.reason(), "tiang listrik"));
    }
    if (h.action() == "claim" || h.action() == "resolve") {
      CHECK(h.actor() == "officer:budi.dpuprpkp");
      CHECK(h.actor_name() == "Budi Santoso");
    }
  }
  CHECK(c.history(1).from_state() == sambat::v1::CASE_STATE_ROUTED);
  CHECK(c.history(1).to_state() == sambat::v1::CASE_STATE_IN_PROGRESS);

  // Only the first answer stops the first-response clock.
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM routing.cases WHERE complaint_id = '",
                                  id, "' AND first_responded_at IS NOT NULL")) == 1);
}

TEST_CASE("what the state does not allow is refused naming the state, and changes nothing",
          "[routing][integration]") {
  System system("rcillegal", {"intake", "routing"});
  const std::string id = SubmitAndRoute(system).complaint_id();
  const OfficerClient budi(system, StaffRole::kOfficer, "dpuprpkp", "budi", "Budi");
  const std::string history =
      absl::StrCat("SELECT count(*) FROM routing.case_history WHERE complaint_id = '", id, "'");
  const long long before = system.Count(history);

  struct Attempt {
    std::string what;
    std::function<grpc::Status()> call;
  };
  const std::vector<Attempt> attempts = {
      {"respond", [&] { return budi.Respond(id, "Halo"); }},
      {"request_info", [&] { return budi.RequestInfo(id, "Di mana?"); }},
      {"resolve", [&] { return budi.Resolve(id, "Selesai"); }},
      {"release", [&] { return budi.Release(id); }},
  };
  for (const auto& a : attempts) {
    INFO(a.what);
    const grpc::Status status = a.call();
    CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(absl::StrContains(status.error_message(), "ROUTED"));
  }
  CHECK(system.Count(history) == before);
}

TEST_CASE("many officers claim one case at the same moment: exactly one holds it, the others "
          "are told who",
          "[routing][integration]") {
  System system("rcrace", {"intake", "routing"});
  const std::string id = SubmitAndRoute(system).complaint_id();
  constexpr int kOfficers = 12;
  std::vector<std::unique_ptr<OfficerClient>> officers;
  for (int i = 0; i < kOfficers; ++i) {
    officers.push_back(std::make_unique<OfficerClient>(
        system, StaffRole::kOfficer, "dpuprpkp", absl::StrCat("petugas", i),
        absl::StrCat("Petugas ", i)));
  }
  std::atomic<int> ready{0};
  std::vector<grpc::Status> results(kOfficers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOfficers; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kOfficers) std::this_thread::yield();
      results[i] = officers[i]->Claim(id);
    });
  }
  for (auto& t : threads) t.join();

  int winners = 0;
  std::string winner;
  for (int i = 0; i < kOfficers; ++i) {
    if (results[i].ok()) {
      ++winners;
      winner = officers[i]->name();
    }
  }
  REQUIRE(winners == 1);
  for (const auto& r : results) {
    if (r.ok()) continue;
    INFO(r.error_message());
    CHECK(r.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(absl::StrContains(r.error_message(), winner));
  }
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM routing.case_history WHERE "
                                  "complaint_id = '", id, "' AND action = 'claim'")) == 1);
}

TEST_CASE("a case forwarded more often than the city allows goes to the verifier, whose "
          "triage decides",
          "[routing][integration]") {
  System system("rcforward", {"intake", "routing"});
  const std::string id = SubmitAndRoute(system, "jalan-rusak").complaint_id();
  // Kota Malang allows 3 forwards (max_forwards unset: the default).
  const std::vector<std::string> chain = {"dpuprpkp", "dlh", "dishub", "dinkes"};
  Case c;
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    const OfficerClient officer(system, StaffRole::kOfficer, chain[i]);
    RequireOk(officer.Claim(id));
    RequireOk(officer.Forward(id, chain[i + 1], "Bukan kewenangan kami", &c));
    CHECK(c.agency_code() == chain[i + 1]);
    CHECK(c.state() == sambat::v1::CASE_STATE_ROUTED);
    CHECK(c.holder_id().empty());
    CHECK(c.forward_count() == static_cast<int>(i + 1));
    // The old agency has lost it.
    CHECK(officer.GetCase(id).error_code() == grpc::StatusCode::NOT_FOUND);
  }
  // The fourth forward, asked for Satpol PP, lands with Diskominfo instead.
  const OfficerClient dinkes(system, StaffRole::kOfficer, "dinkes");
  RequireOk(dinkes.Forward(id, "satpol-pp", "Mungkin ketertiban umum", &c));
  CHECK(c.agency_code() == "diskominfo");
  CHECK(c.forward_count() == 4);
  CHECK(absl::StrContains(c.history(c.history_size() - 1).reason(), "verifier"));
  CHECK(OfficerClient(system, StaffRole::kOfficer, "satpol-pp").GetCase(id).error_code() ==
        grpc::StatusCode::NOT_FOUND);

  // The verifier's own forward is its decision and is not capped.
  const OfficerClient verifier(system, StaffRole::kOfficer, "diskominfo");
  RequireOk(verifier.Forward(id, "dpuprpkp", "Triase: memang jalan rusak", &c));
  CHECK(c.agency_code() == "dpuprpkp");
  CHECK(c.forward_count() == 5);

  // Forwarding to oneself, or to an agency the city does not have, is a bad request.
  const OfficerClient pu(system, StaffRole::kOfficer, "dpuprpkp");
  CHECK(pu.Forward(id, "dpuprpkp", "x").error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(pu.Forward(id, "dinas-antah", "x").error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("a case for an external partner is handed off, never queued", "[routing][integration]") {
  System system("rchandoff", {"intake", "routing"});
  const std::string by_rule = SubmitAndRoute(system, "keamanan").complaint_id();
  WaitForCaseState(system, by_rule, "HANDED_OFF");
  const OfficerClient leader(system, StaffRole::kLeadership, "");
  Case c;
  RequireOk(leader.GetCase(by_rule, &c));
  CHECK(c.agency_code() == "polresta");
  CHECK(c.state() == sambat::v1::CASE_STATE_HANDED_OFF);

  // An officer who finds a police matter in the queue hands it off too.
  const std::string found = SubmitAndRoute(system, "ketertiban-umum").complaint_id();
  const OfficerClient satpol(system, StaffRole::kOfficer, "satpol-pp");
  RequireOk(satpol.Forward(found, "polresta", "Tindak pidana, ranah kepolisian", &c));
  CHECK(c.state() == sambat::v1::CASE_STATE_HANDED_OFF);
  CHECK(c.agency_code() == "polresta");
  CHECK(satpol.WholeQueue({}).empty());
}

TEST_CASE("a duplicate is merged into the ticket it repeats, a spam case rejected",
          "[routing][integration]") {
  System system("rcreject", {"intake", "routing"});
  const auto first = SubmitAndRoute(system);
  const auto second = SubmitAndRoute(system);
  const auto third = SubmitAndRoute(system);
  const OfficerClient budi(system, StaffRole::kOfficer, "dpuprpkp");

  sambat::v1::RejectRequest dup;
  dup.set_complaint_id(second.complaint_id());
  dup.set_reason(sambat::v1::REJECT_REASON_DUPLICATE);
  CHECK(budi.Reject(dup).error_code() == grpc::StatusCode::INVALID_ARGUMENT);  // no ticket
  dup.set_duplicate_of_ticket("SKK-1999-999999");
  CHECK(budi.Reject(dup).error_code() == grpc::StatusCode::INVALID_ARGUMENT);  // unknown
  dup.set_duplicate_of_ticket(first.ticket());
  Case c;
  RequireOk(budi.Reject(dup, &c));
  CHECK(c.state() == sambat::v1::CASE_STATE_MERGED);

  sambat::v1::RejectRequest spam;
  spam.set_complaint_id(third.complaint_id());
  CHECK(budi.Reject(spam).error_code() == grpc::StatusCode::INVALID_ARGUMENT);  // no reason
  spam.set_reason(sambat::v1::REJECT_REASON_SPAM);
  RequireOk(budi.Reject(spam, &c));
  CHECK(c.state() == sambat::v1::CASE_STATE_REJECTED);
  // The citizen sees it (intake consumes case.rejected).
  REQUIRE(System::WaitUntil([&] {
    return Track(system, second).state() == sambat::v1::CASE_STATE_MERGED &&
           Track(system, third).state() == sambat::v1::CASE_STATE_REJECTED;
  }));
}

}  // namespace skk::testing

namespace skk::testing {

TEST_CASE("an administrator's ReloadRoutingConfig puts an edited rule in force for the next "
          "complaint, and keeps the last good rules on a broken file",
          "[routing][integration]") {
  // routing reads a copy of the city's configuration the test may edit.
  TempDir config_dir;
  const std::string config = config_dir.File("kota-malang.textproto");
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  auto write = [](const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  };
  const std::string shipped = read(SourcePath("deploy/config/kota-malang.textproto"));
  write(config, shipped);
  for (const char* key : {"dev-jwt-public.pem", "dev-jwt-private.pem", "dev-partner.secret"}) {
    write(config_dir.File(key), read(SourcePath(absl::StrCat("deploy/config/", key))));
  }

  System system("rcreload", {"intake"});
  system.Start("routing", {absl::StrCat("--city_config=", config)});
  const OfficerClient admin(system, StaffRole::kAdmin, "");

  CHECK(SubmitAndRoute(system, "sampah").complaint_id() != "");
  CHECK(system.Count("SELECT count(*) FROM routing.cases WHERE agency_code = 'dlh'") == 1);

  // Waste goes to public works from now on.
  const std::string rule = R"(routing_rules { id: "sampah" category: "sampah" agency: "dlh" })";
  REQUIRE(shipped.find(rule) != std::string::npos);
  std::string edited = shipped;
  edited.replace(edited.find(rule), rule.size(),
                 R"(routing_rules { id: "sampah" category: "sampah" agency: "dpuprpkp" })");
  write(config, edited);
  sambat::v1::ReloadRoutingConfigResponse reloaded;
  const grpc::Status status = admin.ReloadRoutingConfig(&reloaded);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(absl::StrContains(reloaded.summary(), "rules"));
  SubmitAndRoute(system, "sampah");
  CHECK(system.Count("SELECT count(*) FROM routing.cases WHERE agency_code = 'dpuprpkp'") == 1);

  // A broken file is refused and changes nothing.
  write(config, edited + "\nrouting_rules { id: \"x\" category: \"sampah\" agency: \"no-such\" }\n");
  CHECK(admin.ReloadRoutingConfig().error_code() != grpc::StatusCode::OK);
  SubmitAndRoute(system, "sampah");
  CHECK(system.Count("SELECT count(*) FROM routing.cases WHERE agency_code = 'dpuprpkp'") == 2);
}

}  // namespace skk::testing

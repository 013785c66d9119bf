// A citizen's personal data erased from routing (complaint.erasure_requested, UU 27/2022 PDP)
// against the real service: every text column of routing's schema is searched for the
// citizen's words after the erasure, while the case (ticket, agency, state, the officers' own
// words) stays; a late event of the erased complaint moves the case without bringing its words
// back; an erasure that comes before the complaint itself is kept too. intake's side is played
// by this test, which puts intake's events on the bus.

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/platform/amqp.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/officer.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

using sambat::v1::Case;

void RequireOk(const grpc::Status& status) {
  INFO(status.error_code() << " " << status.error_message());
  REQUIRE(status.ok());
}

// intake's events about one complaint, put on the bus as intake's outbox relay would.
class Citizen {
 public:
  Citizen(System& system, std::string complaint_id, std::string ticket)
      : system_(system), id_(std::move(complaint_id)), ticket_(std::move(ticket)) {
    auto endpoint = ParseAmqpUri(system.world().AmqpUri());
    REQUIRE(endpoint.ok());
    publisher_ = std::make_unique<ConfirmingPublisher>(*endpoint, "test-intake");
  }

  void Submit(const std::string& description, const std::string& address,
              const std::vector<std::string>& media_ids) {
    sambat::v1::Event e = CitizenEvent(kComplaintSubmitted);
    auto* p = e.mutable_complaint_submitted();
    p->set_ticket(ticket_);
    p->set_category("jalan-rusak");
    p->set_description(description);
    p->set_address(address);
    p->mutable_location()->set_latitude(-7.9826);
    p->mutable_location()->set_longitude(112.6308);
    *p->mutable_submitted_at() = ToProtoTime(system_.Now());
    for (const auto& m : media_ids) p->add_media_ids(m);
    p->set_channel("CHANNEL_APP");
    Publish(e);
  }
  void AddInfo(const std::string& text, const std::vector<std::string>& media_ids) {
    sambat::v1::Event e = CitizenEvent(kInfoAdded);
    e.mutable_info_added()->set_ticket(ticket_);
    e.mutable_info_added()->set_text(text);
    for (const auto& m : media_ids) e.mutable_info_added()->add_media_ids(m);
    Publish(e);
  }
  void Reopen(const std::string& reason) {
    sambat::v1::Event e = CitizenEvent(kReopenRequested);
    e.mutable_reopen_requested()->set_ticket(ticket_);
    e.mutable_reopen_requested()->set_reason(reason);
    Publish(e);
  }
  void Rate(int stars, const std::string& comment) {
    sambat::v1::Event e = CitizenEvent(kRated);
    e.mutable_rated()->set_ticket(ticket_);
    e.mutable_rated()->set_stars(stars);
    e.mutable_rated()->set_comment(comment);
    Publish(e);
  }
  // What intake's CitizenDataService emits; returns the event, to publish it again.
  sambat::v1::Event Erase(const std::string& erasure_id, bool photos) {
    sambat::v1::Event e = NewEvent(kErasureRequested, id_, system_.Now(), "intake", nullptr);
    e.set_actor("system");
    auto* p = e.mutable_complaint_erasure_requested();
    p->set_ticket(ticket_);
    p->set_erasure_id(erasure_id);
    p->set_photos(photos);
    p->set_basis(sambat::v1::ERASURE_BASIS_REQUEST);
    Publish(e);
    return e;
  }
  void Publish(const sambat::v1::Event& e) {
    REQUIRE(publisher_->PublishBatch({ToAmqpMessage(e, kEventsExchange)}).ok());
  }

 private:
  // In the complaint's chain, which its complaint.submitted starts.
  sambat::v1::Event CitizenEvent(const std::string& type) {
    sambat::v1::Event e =
        NewEvent(type, id_, system_.Now(), "intake", first_.has_value() ? &*first_ : nullptr);
    e.set_actor("citizen");
    if (!first_.has_value()) first_ = e;
    return e;
  }

  System& system_;
  std::string id_;
  std::string ticket_;
  std::optional<sambat::v1::Event> first_;
  std::unique_ptr<ConfirmingPublisher> publisher_;
};

// Where in routing's schema `words` are still found: "<table>.<column>" for every column, of
// every table, whose cells hold them (bytea searched as UTF-8 bytes: the outbox's events).
std::vector<std::string> WhereFound(const System& system, const std::string& words) {
  auto admin = system.world().Admin();
  auto columns = admin->Execute(
      {"routing_columns",
       "SELECT table_name::text AS table_name, column_name::text AS column_name,"
       " data_type::text AS data_type FROM information_schema.columns"
       " WHERE table_schema = 'routing' ORDER BY 1, 2"});
  REQUIRE(columns.ok());
  REQUIRE(columns->rows() > 20);
  std::vector<std::string> found;
  for (int i = 0; i < columns->rows(); ++i) {
    const PgRow row = columns->Row(i);
    const std::string table = row.String("table_name");
    const std::string column = row.String("column_name");
    const std::string cell = absl::StrCat("\"", column, "\"");
    const std::string test = row.String("data_type") == "bytea"
                                 ? absl::StrCat("position(convert_to($1, 'UTF8') in ", cell, ")")
                                 : absl::StrCat("strpos(", cell, "::text, $1)");
    const std::string name = absl::StrCat("find_", i);
    const std::string sql =
        absl::StrCat("SELECT count(*) FROM routing.\"", table, "\" WHERE ", test, " > 0");
    auto r = admin->Execute({name, sql}, {SqlParam::Text(words)});
    INFO(sql << ": " << r.status().ToString());
    REQUIRE(r.ok());
    if (r->OnlyInt() > 0) found.push_back(absl::StrCat(table, ".", column));
  }
  return found;
}

std::string Whole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Text(const System& system, const std::string& sql) {
  auto admin = system.world().Admin();
  auto r = admin->Execute({"text_of", sql});
  INFO(sql << ": " << r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->rows() == 1);
  return r->OnlyCell();
}

}  // namespace

TEST_CASE("an erased complaint keeps its case in routing and none of the citizen's words, and "
          "a late event brings none back",
          "[routing][integration][erasure]") {
  System system("rerase", {"routing"});
  const std::string id = NewUuid();
  const std::string ticket = "SKK-2026-004217";
  Citizen citizen(system, id, ticket);
  const OfficerClient budi(system, StaffRole::kOfficer, "dpuprpkp", "budi.dpuprpkp",
                           "Budi Santoso");
  // The citizen's words, each recognisable wherever it lands.
  const std::vector<std::string> words = {
      "Lubang besar depan rumah Pak Darmo", "Jl. Kawi Atas 17 RT 3 RW 5",
      "warung Bu Sri, hubungi 081377788899", "Masih berlubang kata tetangga",
      "Lambat, rumah saya di gang Kenari"};
  const std::string photo = "a1b2c3d4e5f6";
  const std::string count_case =
      absl::StrCat("SELECT count(*) FROM routing.cases WHERE complaint_id = '", id, "'");
  const std::string history =
      absl::StrCat("SELECT count(*) FROM routing.case_history WHERE complaint_id = '", id, "'");

  citizen.Submit(words[0], words[1], {photo});
  WaitForCaseState(system, id, "ROUTED");
  RequireOk(budi.Claim(id));
  RequireOk(budi.RequestInfo(id, "Di sisi jalan sebelah mana lubangnya?"));
  citizen.AddInfo(words[2], {"f6e5d4c3b2a1"});
  WaitForCaseState(system, id, "IN_PROGRESS");
  RequireOk(budi.Resolve(id, "Jalan sudah ditambal tim UPT."));
  citizen.Reopen(words[3]);
  WaitForCaseState(system, id, "REOPENED");
  RequireOk(budi.Claim(id));
  RequireOk(budi.Resolve(id, "Ditambal ulang dengan aspal hotmix."));
  citizen.Rate(2, words[4]);
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat(history, " AND action = 'rate'")) == 1;
  }));
  for (const std::string& w : words) {
    INFO(w);
    REQUIRE_FALSE(WhereFound(system, w).empty());  // the search finds what is there
  }
  const long long entries = system.Count(history);

  citizen.Erase("erasure-0001", /*photos=*/false);
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM routing.erased_complaints") == 1;
  }));
  for (const std::string& w : words) {
    INFO(w << " still in routing");
    CHECK(WhereFound(system, w).empty());
  }
  // The case itself stays: ticket, agency, state, location, its history, the officers' words.
  Case c;
  const OfficerClient leader(system, StaffRole::kLeadership, "");
  RequireOk(leader.GetCase(id, &c));
  CHECK(c.ticket() == ticket);
  CHECK(c.agency_code() == "dpuprpkp");
  CHECK(c.category() == "jalan-rusak");
  CHECK(c.state() == sambat::v1::CASE_STATE_RESOLVED);
  CHECK(c.location().latitude() == Approx(-7.9826));
  CHECK(c.description() == kErasedText);
  CHECK(c.address() == kErasedText);
  CHECK(c.rating() == 2);
  CHECK(c.rating_comment() == kErasedText);
  CHECK(c.media_ids_size() == 1);  // the photos were not asked for
  CHECK(system.Count(history) == entries);
  std::vector<std::string> reasons;
  for (const auto& h : c.history()) reasons.push_back(h.reason());
  CHECK(std::count(reasons.begin(), reasons.end(), kErasedText) == 2);  // answer, reopen
  CHECK(std::count(reasons.begin(), reasons.end(), absl::StrCat("2/5: ", kErasedText)) == 1);
  CHECK(std::count(reasons.begin(), reasons.end(), "Jalan sudah ditambal tim UPT.") == 1);
  CHECK(std::count(reasons.begin(), reasons.end(), "Di sisi jalan sebelah mana lubangnya?") == 1);
  CHECK(Text(system, absl::StrCat("SELECT erasure_id FROM routing.erased_complaints WHERE "
                                  "complaint_id = '", id, "'")) == "erasure-0001");

  // Erased again (retention, later), with the photos: they go, nothing else changes.
  citizen.Erase("erasure-0002", /*photos=*/true);
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat(count_case, " AND media_ids = '{}'")) == 1;
  }));
  CHECK(WhereFound(system, photo).empty());
  CHECK(system.Count("SELECT count(*) FROM routing.erased_complaints WHERE photos") == 1);
  CHECK(system.Count(history) == entries);

  // A late event of the erased complaint moves the case, with the marker for its words.
  const std::string late = "Ternyata lubangnya muncul lagi di depan rumah Pak Darmo";
  citizen.Reopen(late);
  WaitForCaseState(system, id, "REOPENED");
  RequireOk(budi.Claim(id));
  RequireOk(budi.RequestInfo(id, "Kapan lubangnya muncul lagi?"));
  citizen.AddInfo("Kemarin sore, kata Bu Sri 081377788899", {"0a0b0c0d"});
  WaitForCaseState(system, id, "IN_PROGRESS");
  for (const std::string& w : {late, std::string("081377788899"), std::string("0a0b0c0d")}) {
    INFO(w << " came back");
    CHECK(WhereFound(system, w).empty());
  }
  CHECK(system.Count(absl::StrCat(history, " AND actor = 'citizen' AND reason = '", kErasedText,
                                  "'")) == 4);

  // The same erasure delivered again changes nothing.
  const long long erased_entries = system.Count(history);
  citizen.Erase("erasure-0003", /*photos=*/false);
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM routing.applied_events WHERE event_type = "
                        "'complaint.erasure_requested'") == 3;
  }));
  CHECK(system.Count(history) == erased_entries);
  CHECK(system.Count("SELECT count(*) FROM routing.erased_complaints WHERE photos AND "
                     "erasure_id = 'erasure-0001'") == 1);
  CHECK(system.Count(absl::StrCat(count_case, " AND state = 'IN_PROGRESS'")) == 1);

  // routing's log never carried the citizen's words either.
  const std::string log = Whole(absl::StrCat(system.dir(), "/routing.log"));
  REQUIRE_FALSE(log.empty());
  for (const std::string& w : words) {
    INFO(w << " in routing's log");
    CHECK(log.find(w) == std::string::npos);
  }
  CHECK(log.find("081377788899") == std::string::npos);
}

TEST_CASE("an erasure that comes before its complaint erases the complaint when it arrives",
          "[routing][integration][erasure]") {
  System system("rerasefirst", {"routing"});
  const std::string id = NewUuid();
  Citizen citizen(system, id, "SKK-2026-004218");
  citizen.Erase("erasure-0009", /*photos=*/true);
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM routing.erased_complaints") == 1;
  }));
  CHECK(system.Count("SELECT count(*) FROM routing.cases") == 0);

  citizen.Submit("Sampah menumpuk di depan rumah Bu Wati", "Gang Mawar 9", {"99aa88bb"});
  WaitForCaseState(system, id, "ROUTED");
  for (const char* w : {"Bu Wati", "Gang Mawar", "99aa88bb"}) {
    INFO(w);
    CHECK(WhereFound(system, w).empty());
  }
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM routing.cases WHERE complaint_id = '", id,
                                  "' AND description = '", kErasedText, "' AND address = '",
                                  kErasedText, "' AND ticket = 'SKK-2026-004218'")) == 1);
}

}  // namespace skk::testing

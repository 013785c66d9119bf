// Erasing a citizen's personal data (UU 27/2022 PDP) across the real services: a citizen's
// complaint goes through intake, routing, sla and notification (messages by email and SMS, an
// officer's question and the citizen's answer); the data protection officer erases it by the
// citizen's phone; then every table of every service, every queue and every service's log is
// searched for the citizen's name, phone, email, words and address. The case itself stays.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/platform/amqp.h"
#include "services/platform/events.h"
#include "tests/faults/invariants.h"
#include "tests/support/notification_harness.h"
#include "tests/support/officer.h"
#include "tests/support/staff_tokens.h"

namespace skk::testing {
namespace {

// What the citizen gave, each in a form no seed or other test uses, so a find is this test's.
constexpr char kName[] = "Wahyuningsih Erasmawati";
constexpr char kPhoneTyped[] = "0812-9988-7766";
constexpr char kPhoneDigits[] = "81299887766";  // in +62812..., 62812... and 0812... alike
constexpr char kEmail[] = "wahyu.erasmawati@example.com";
constexpr char kWords[] = "lubang menganga ERASE7731 depan rumah saya";
constexpr char kAddress[] = "Jl. Kawi Atas ERASE7732";
constexpr char kAnswer[] = "lebarnya dua meter ERASE7733";

const std::vector<std::string>& Needles() {
  static const std::vector<std::string> needles = {"Erasmawati", kPhoneDigits,
                                                   "wahyu.erasmawati", "ERASE7731",
                                                   "ERASE7732", "ERASE7733"};
  return needles;
}

std::unique_ptr<sambat::v1::CitizenDataService::Stub> CitizenData(const System& system) {
  return sambat::v1::CitizenDataService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", system.Port("intake")), grpc::InsecureChannelCredentials()));
}

// Every place in the world's database that holds a needle: "schema.table.column: needle".
// Text columns are searched as text (arrays and JSON too), bytea columns (serialized events:
// outboxes, held citizen messages) as bytes.
std::vector<std::string> FindInDatabase(System& system) {
  static constexpr SqlStatement kColumns{"erasure_columns", R"sql(
    SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_%'
      AND (data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'json', 'ARRAY'))
      AND table_name IN (SELECT table_name FROM information_schema.tables
                         WHERE table_type = 'BASE TABLE' AND table_schema = columns.table_schema)
    ORDER BY 1, 2, 3)sql"};
  auto db = system.world().Admin();
  auto columns = db->Execute(kColumns);
  REQUIRE(columns.ok());
  REQUIRE(columns->rows() > 20);  // the four services' schemas are there to be searched
  std::vector<std::string> found;
  for (int i = 0; i < columns->rows(); ++i) {
    const PgRow where = columns->Row(i);
    const std::string table = absl::StrCat("\"", where.String("table_schema"), "\".\"",
                                           where.String("table_name"), "\"");
    const std::string column = absl::StrCat("\"", where.String("column_name"), "\"");
    const bool bytes = where.String("data_type") == "bytea";
    // One statement per column, naming which needles it holds; kept alive while prepared.
    const std::string name = absl::StrCat("erasure_search_", i);
    const std::string sql = absl::StrCat(
        "SELECT n FROM unnest($1::text[]) AS n WHERE EXISTS (SELECT 1 FROM ", table, " WHERE ",
        bytes ? absl::StrCat("position(convert_to(n, 'UTF8') in ", column, ") > 0")
              : absl::StrCat("strpos(lower(", column, "::text), lower(n)) > 0"),
        ")");
    std::vector<std::optional<std::string>> needles(Needles().begin(), Needles().end());
    auto hits = db->Execute(SqlStatement{name, sql}, {SqlParam::Array(needles)});
    INFO(sql);
    REQUIRE(hits.ok());
    for (PgRow hit : *hits) {
      found.push_back(absl::StrCat(where.String("table_schema"), ".", where.String("table_name"),
                                   ".", where.String("column_name"), ": ", hit.String("n")));
    }
  }
  return found;
}

// Every message in every queue of the world's vhost, read without acknowledging (they go back
// to their queues when the connection closes): "queue: needle" for each find in a body or a
// header.
std::vector<std::string> FindInQueues(System& system) {
  auto queues = faults::ListQueues(system.world().vhost());
  REQUIRE(queues.ok());
  auto endpoint = ParseAmqpUri(system.world().AmqpUri());
  REQUIRE(endpoint.ok());
  std::vector<std::string> found;
  for (const auto& [queue, messages] : *queues) {
    if (messages == 0) continue;
    auto conn = AmqpConnection::Open(*endpoint, "erasure-search");
    REQUIRE(conn.ok());
    REQUIRE((*conn)->StartConsuming(queue, 1000).ok());
    for (long long seen = 0; seen < messages; ++seen) {
      auto d = (*conn)->NextDelivery(absl::Seconds(2));
      REQUIRE(d.ok());
      if (!d->has_value()) break;
      const AmqpMessage& m = (**d).message;
      const std::string all = absl::StrCat(m.body, m.last_error, m.original_routing_key);
      for (const std::string& needle : Needles()) {
        if (absl::StrContains(all, needle)) found.push_back(absl::StrCat(queue, ": ", needle));
      }
    }
  }
  return found;
}

// Every line of every service's log that holds a needle: "file: needle".
std::vector<std::string> FindInLogs(const System& system) {
  std::vector<std::string> found;
  int logs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(system.dir())) {
    if (entry.path().extension() != ".log") continue;
    ++logs;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (const std::string& needle : Needles()) {
      if (absl::StrContains(text.str(), needle)) {
        found.push_back(absl::StrCat(entry.path().filename().string(), ": ", needle));
      }
    }
  }
  CHECK(logs >= 4);
  return found;
}

sambat::v1::SubmitComplaintRequest CitizensComplaint() {
  sambat::v1::SubmitComplaintRequest request = SampleComplaint("jalan-rusak");
  request.set_description(kWords);
  request.set_address(kAddress);
  request.mutable_reporter()->set_name(kName);
  request.mutable_reporter()->set_phone(kPhoneTyped);
  request.mutable_reporter()->set_email(kEmail);
  return request;
}

grpc::Status Erase(const System& system, const sambat::v1::EraseCitizenDataRequest& request,
                   sambat::v1::EraseCitizenDataResponse* response, StaffRole role) {
  grpc::ClientContext context;
  AuthorizeAs(context, role, role == StaffRole::kOfficer ? "dpuprpkp" : "", system.Now());
  return CitizenData(system)->EraseCitizenData(&context, request, response);
}

}  // namespace

TEST_CASE("an erasure by the citizen's phone leaves no trace of them in any table, queue or log, "
          "and the case goes on",
          "[e2e][security][erasure]") {
  NotifyingSystem system("e2e_erase", {"intake", "routing", "sla"});

  sambat::v1::SubmitComplaintResponse submitted;
  {
    grpc::ClientContext context;
    REQUIRE(system.Intake()->SubmitComplaint(&context, CitizensComplaint(), &submitted).ok());
  }
  const std::string id = submitted.complaint_id();
  const std::string ticket = submitted.ticket();

  // The case lives: routed, the officer asks, the citizen answers, messages go out by email
  // and SMS, sla's clock runs.
  OfficerClient officer(system, StaffRole::kOfficer, "dpuprpkp");
  REQUIRE(System::WaitUntil([&] { return officer.GetCase(id).ok(); }));
  REQUIRE(officer.Claim(id).ok());
  REQUIRE(officer.RequestInfo(id, "Seberapa lebar lubangnya?").ok());
  REQUIRE(System::WaitUntil([&] { return Track(system, submitted).state() ==
                                         sambat::v1::CASE_STATE_WAITING_CITIZEN; }));
  REQUIRE(CitizenAnswers(system, submitted, kAnswer).ok());
  REQUIRE(System::WaitUntil([&] {
    return Track(system, submitted).state() == sambat::v1::CASE_STATE_IN_PROGRESS;
  }));
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat("SELECT count(*) FROM notification.deliveries WHERE "
                                     "complaint_id = '", id, "' AND recipient_role = 'citizen' "
                                     "AND state = 'sent'")) >= 3;
  }));
  // Before the erasure the data is everywhere this test looks; the search finds it.
  CHECK(FindInDatabase(system).size() >= 6);

  // Refused: an officer, a missing reason, a reason repeating the phone. Nothing is erased.
  sambat::v1::EraseCitizenDataRequest request;
  request.set_phone("+62 812 9988 7766");
  sambat::v1::EraseCitizenDataResponse response;
  request.set_reason("Permintaan warga melalui PPID, surat 12/PDP/2026");
  CHECK(Erase(system, request, &response, StaffRole::kOfficer).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  sambat::v1::EraseCitizenDataRequest no_reason = request;
  no_reason.clear_reason();
  grpc::Status refused = Erase(system, no_reason, &response, StaffRole::kAdmin);
  CHECK(refused.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(refused.error_message(), Catch::Contains("reason"));
  sambat::v1::EraseCitizenDataRequest leaky = request;
  leaky.set_reason("hapus data 081299887766");
  CHECK(Erase(system, leaky, &response, StaffRole::kAdmin).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(system.Count("SELECT count(*) FROM intake.erasures") == 0);

  // The data protection officer erases by phone, in another form than the citizen typed.
  REQUIRE(Erase(system, request, &response, StaffRole::kAdmin).ok());
  CHECK(response.tickets_size() == 1);
  CHECK(response.tickets(0) == ticket);
  CHECK_FALSE(response.erasure_id().empty());

  // Every service applies it; then nothing of the citizen is anywhere.
  System::WaitUntil([&] { return FindInDatabase(system).empty(); }, absl::Seconds(30));
  REQUIRE(FindInDatabase(system) == std::vector<std::string>{});
  CHECK(FindInQueues(system) == std::vector<std::string>{});
  CHECK(FindInLogs(system) == std::vector<std::string>{});

  // The audit record says who, why and which ticket, and none of the data.
  {
    grpc::ClientContext context;
    AuthorizeAs(context, StaffRole::kAdmin, "", system.Now());
    sambat::v1::ListErasuresResponse erasures;
    REQUIRE(CitizenData(system)->ListErasures(&context, {}, &erasures).ok());
    REQUIRE(erasures.erasures_size() == 1);
    CHECK(erasures.erasures(0).tickets(0) == ticket);
    CHECK(erasures.erasures(0).requested_by() == "test.admin");
    CHECK(erasures.erasures(0).basis() == sambat::v1::ERASURE_BASIS_REQUEST);
  }
  // The case goes on: the citizen's view and the officer's case keep their state and ticket,
  // with the marker where the words were.
  const sambat::v1::Complaint view = Track(system, submitted);
  CHECK(view.ticket() == ticket);
  CHECK(view.state() == sambat::v1::CASE_STATE_IN_PROGRESS);
  CHECK(view.description() == kErasedText);
  sambat::v1::Case officers_view;
  REQUIRE(officer.GetCase(id, &officers_view).ok());
  CHECK(officers_view.ticket() == ticket);
  REQUIRE(officer.Resolve(id, "Lubang sudah ditambal").ok());
  REQUIRE(System::WaitUntil([&] {
    return Track(system, submitted).state() == sambat::v1::CASE_STATE_RESOLVED;
  }));
  // Erasing again finds nothing: the phone is nowhere any more.
  CHECK(Erase(system, request, &response, StaffRole::kAdmin).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  CHECK(FindInDatabase(system) == std::vector<std::string>{});
}

TEST_CASE("retention erases a finished complaint's personal data once its period has passed",
          "[e2e][security][erasure]") {
  NotifyingSystem system("e2e_retain");
  system.Start("intake", {"--personal_data_retention=720h", "--retention_interval=100ms"});
  system.Start("routing");
  system.Start("sla");

  sambat::v1::SubmitComplaintResponse finished, open;
  for (auto* out : {&finished, &open}) {
    grpc::ClientContext context;
    REQUIRE(system.Intake()->SubmitComplaint(&context, CitizensComplaint(), out).ok());
  }
  OfficerClient officer(system, StaffRole::kOfficer, "dpuprpkp");
  REQUIRE(System::WaitUntil([&] {
    return officer.GetCase(finished.complaint_id()).ok() && officer.GetCase(open.complaint_id()).ok();
  }));
  REQUIRE(officer.Claim(finished.complaint_id()).ok());
  REQUIRE(officer.Resolve(finished.complaint_id(), "Sudah diperbaiki").ok());
  REQUIRE(System::WaitUntil([&] {
    return Track(system, finished).state() == sambat::v1::CASE_STATE_RESOLVED;
  }));

  // 29 days later nothing is erased; 31 days later the finished one is, the open one not.
  system.AdvanceClock(absl::Hours(24 * 29));
  const std::string erased_count = "SELECT count(*) FROM intake.complaints WHERE erased_at IS NOT NULL";
  CHECK_FALSE(System::WaitUntil([&] { return system.Count(erased_count) > 0; }, absl::Seconds(1)));
  system.AdvanceClock(absl::Hours(24 * 2));
  REQUIRE(System::WaitUntil([&] { return system.Count(erased_count) == 1; }));
  CHECK(Track(system, finished).description() == kErasedText);
  CHECK(Track(system, open).description() == kWords);
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM intake.reporters WHERE complaint_id = '",
                                  finished.complaint_id(), "'")) == 0);
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM intake.reporters WHERE complaint_id = '",
                                  open.complaint_id(), "'")) == 1);
  CHECK(system.Count("SELECT count(*) FROM intake.erasures WHERE basis = 'retention' AND "
                     "requested_by = 'retention'") == 1);
  // The other services follow.
  REQUIRE(System::WaitUntil([&] {
    return system.Count(absl::StrCat("SELECT count(*) FROM notification.citizen_contacts WHERE "
                                     "complaint_id = '", finished.complaint_id(), "'")) == 0;
  }));
}

}  // namespace skk::testing

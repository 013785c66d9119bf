// Erasing a citizen's personal data from notification (complaint.erasure_requested, UU 27/2022
// PDP), against the real PostgreSQL: the contact, the held events, the citizen's addresses and
// name, every message body of the complaint and what the servers answered go; the citizen's
// unsent messages are finished; later events bring back neither a contact nor the citizen's
// words; and a second erasure changes nothing. The first two cases apply events in process
// through the consumer's idempotent applier; the last runs the service against RabbitMQ and
// the local gateway receiver to show that a message waiting for its retry never goes out.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/consumer.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "tests/support/case_order.h"
#include "tests/support/notification_harness.h"

namespace skk::testing {
namespace {

constexpr char kPhone[] = "081377712345";
constexpr char kEmail[] = "bambang.s@example.com";
constexpr char kName[] = "Bambang Sutrisno";
constexpr char kAnswer[] = "Lubangnya di depan rumah saya, Jl. Ijen 21";
constexpr char kReason[] = "Tambalan sudah retak lagi di depan rumah saya";

// notification's logic on a private database migrated as the service migrates it, with the
// configured contacts as recipients, applying events as the consumer does.
struct Desk {
  explicit Desk(const std::string& name) : world(name), clock(System::DefaultStart()) {
    pool = std::make_unique<PgPool>(
        PgPool::Options{.uri = world.PgUri("notification"), .schema = "notification", .size = 2});
    {
      auto conn = pool->Acquire();
      REQUIRE(conn.ok());
      REQUIRE(ApplyMigrations(**conn, "platform", platform_migrations()).ok());
      REQUIRE(ApplyMigrations(**conn, "notification", notification_migrations()).ok());
    }
    auto settings = notification::SettingsFrom(ShippedCityConfig());
    REQUIRE(settings.ok());
    desk = std::make_unique<notification::NotificationDesk>(*settings, clock);
    REQUIRE(desk->SyncRecipients(*pool).ok());
    handlers = desk->Handlers();
    admin = world.Admin();
  }

  // Applies `e` once, as the consumer does; false if it had been applied before. A case event
  // built without its place in the case's chain gets the next one (StandInRouting).
  bool Apply(sambat::v1::Event e) {
    StandInRouting().Stamp(e);
    PgIdempotentApplier applier(*pool);
    REQUIRE(handlers.contains(e.type()));
    absl::StatusOr<bool> applied = applier.Apply(e, handlers.at(e.type()));
    INFO(e.type() << ": " << applied.status());
    REQUIRE(applied.ok());
    return *applied;
  }
  void Apply(const std::vector<sambat::v1::Event>& events) {
    for (const auto& e : events) Apply(e);
  }

  long long Count(const std::string& sql) { return QueryInt(*admin, sql); }

  IsolatedWorld world;
  ManualClock clock;
  std::unique_ptr<PgPool> pool;
  std::unique_ptr<notification::NotificationDesk> desk;
  EventHandlers handlers;
  std::unique_ptr<PgConnection> admin;
};

std::string Ticket(const std::string& id) { return absl::StrCat("SKK-2026-", id.substr(0, 6)); }

sambat::v1::Event Submitted(const std::string& id, absl::Time at) {
  auto e = TestEvent(kComplaintSubmitted, id, at);
  e.mutable_complaint_submitted()->set_ticket(Ticket(id));
  e.mutable_complaint_submitted()->set_description("Jalan berlubang besar, Jl. Ijen 21");
  e.mutable_complaint_submitted()->set_address("Jl. Ijen 21, Klojen");
  return e;
}

sambat::v1::Event Contact(const std::string& id, absl::Time at, const std::string& name,
                          const std::string& email, const std::string& phone) {
  auto e = TestEvent(kReporterContact, id, at);
  auto* c = e.mutable_reporter_contact();
  c->set_ticket(Ticket(id));
  c->set_name(name);
  c->set_email(email);
  c->set_phone(phone);
  return e;
}

sambat::v1::Event Routed(const std::string& id, absl::Time at) {
  auto e = TestEvent(kCaseRouted, id, at);
  e.mutable_case_routed()->set_ticket(Ticket(id));
  e.mutable_case_routed()->set_category("jalan-rusak");
  e.mutable_case_routed()->set_agency_code("dpuprpkp");
  e.mutable_case_routed()->set_agency_name("DPUPRPKP");
  return e;
}

sambat::v1::Event Asked(const std::string& id, absl::Time at) {
  auto e = TestEvent(kCaseInfoRequested, id, at);
  e.mutable_case_info_requested()->set_ticket(Ticket(id));
  e.mutable_case_info_requested()->set_agency_code("dpuprpkp");
  e.mutable_case_info_requested()->set_question("Di depan nomor berapa?");
  return e;
}

sambat::v1::Event Answered(const std::string& id, absl::Time at, const std::string& text) {
  auto e = TestEvent(kCaseCitizenAnswered, id, at);
  e.mutable_case_citizen_answered()->set_ticket(Ticket(id));
  e.mutable_case_citizen_answered()->set_agency_code("dpuprpkp");
  e.mutable_case_citizen_answered()->set_text(text);
  return e;
}

sambat::v1::Event Reopened(const std::string& id, absl::Time at) {
  auto e = TestEvent(kCaseReopened, id, at);
  e.mutable_case_reopened()->set_ticket(Ticket(id));
  e.mutable_case_reopened()->set_agency_code("dpuprpkp");
  e.mutable_case_reopened()->set_reason(kReason);
  return e;
}

sambat::v1::Event Resolved(const std::string& id, absl::Time at) {
  auto e = TestEvent(kCaseResolved, id, at);
  e.mutable_case_resolved()->set_ticket(Ticket(id));
  e.mutable_case_resolved()->set_agency_code("dpuprpkp");
  e.mutable_case_resolved()->set_note("Sudah ditambal ulang.");
  return e;
}

sambat::v1::Event Erasure(const std::string& id, absl::Time at, const std::string& erasure_id) {
  auto e = TestEvent(kErasureRequested, id, at);
  e.mutable_complaint_erasure_requested()->set_ticket(Ticket(id));
  e.mutable_complaint_erasure_requested()->set_erasure_id(erasure_id);
  e.mutable_complaint_erasure_requested()->set_basis(sambat::v1::ERASURE_BASIS_REQUEST);
  return e;
}

// Rows of notification's tables (any column, as text) that contain `needle`.
long long RowsWith(Desk& d, const std::string& needle) {
  long long n = 0;
  for (const char* table : {"citizen_contacts", "citizen_backlog", "deliveries",
                            "delivery_attempts", "cases", "complaints", "erased_complaints",
                            "recipients", "applied_events"}) {
    n += d.Count(absl::StrCat("SELECT count(*) FROM notification.", table, " t WHERE t::text LIKE '%",
                              needle, "%'"));
  }
  // Held events are serialized protobuf: look inside the bytes.
  n += d.Count(absl::StrCat("SELECT count(*) FROM notification.citizen_backlog WHERE "
                            "position(convert_to('", needle, "', 'UTF8') in event) > 0"));
  return n;
}

std::string Where(const std::string& id) { return absl::StrCat(" complaint_id = '", id, "'"); }

}  // namespace

TEST_CASE("an erasure takes the citizen's contact, addresses, name and words out of "
          "notification in one go, finishes what has not gone out, and a second one changes "
          "nothing",
          "[notification]") {
  Desk d("ntf_erase");
  const absl::Time now = d.clock.Now();
  const std::string id = NewUuid(), other = NewUuid(), silent = NewUuid();
  d.Apply({Submitted(id, now), Contact(id, now, kName, kEmail, kPhone), Routed(id, now),
           Asked(id, now), Answered(id, now, kAnswer), Reopened(id, now)});
  // Another complaint's citizen keeps everything; a third gave no contact, so its citizen's
  // messages are held.
  d.Apply({Contact(other, now, "Sri Wahyuni", "sri.w@example.com", "081355500011"),
           Routed(other, now), Routed(silent, now), Reopened(silent, now)});
  REQUIRE(d.Count("SELECT count(*) FROM notification.citizen_backlog WHERE" + Where(silent)) == 2);

  // The wire has been busy: the citizen's first SMS went out (the gateway echoed the number),
  // their first email waits for a retry after a 4xx that quoted the address, and a humas SMS
  // is on its queue.
  auto& admin = *d.admin;
  auto exec = [&](const std::string& sql) {
    REQUIRE(admin.ExecuteScript(sql).ok());
  };
  exec(absl::StrCat(
      "UPDATE notification.deliveries SET state = 'sent', attempts = 1 WHERE", Where(id),
      " AND recipient_role = 'citizen' AND channel = 'sms' AND subject = '' AND body LIKE "
      "'%diterima%';"
      "INSERT INTO notification.delivery_attempts (delivery_id, attempt, started_at, outcome, "
      "detail) SELECT id, 1, now(), 'sent', 'http 200: {\"to\":\"", kPhone, "\"}' FROM "
      "notification.deliveries WHERE", Where(id), " AND state = 'sent' AND channel = 'sms';"
      "UPDATE notification.deliveries SET state = 'retrying', attempts = 1, last_error = "
      "'smtp 452 <", kEmail, ">: mailbox full' WHERE", Where(id),
      " AND recipient_role = 'citizen' AND channel = 'email' AND body LIKE '%diterima%';"
      "UPDATE notification.deliveries SET state = 'queued' WHERE", Where(id),
      " AND recipient_role <> 'citizen' AND channel = 'sms' AND body LIKE '%pengaduan baru%';"));
  REQUIRE(RowsWith(d, kPhone) > 0);
  REQUIRE(RowsWith(d, kAnswer) > 0);
  const long long deliveries = d.Count("SELECT count(*) FROM notification.deliveries WHERE" + Where(id));
  const long long citizen_deliveries = d.Count(
      "SELECT count(*) FROM notification.deliveries WHERE recipient_role = 'citizen' AND" + Where(id));
  REQUIRE(citizen_deliveries == 8);  // received, routed, asked, reopened; email and SMS each
  const std::string staff_queued = absl::StrCat(
      "SELECT count(*) FROM notification.deliveries WHERE recipient_role <> 'citizen' AND state "
      "= 'queued' AND", Where(id));
  const long long queued = d.Count(staff_queued);
  REQUIRE(queued >= 1);
  const long long other_untouched = d.Count(
      "SELECT count(*) FROM notification.deliveries WHERE body <> '[dihapus: data pribadi warga]' "
      "AND" + Where(other));

  const sambat::v1::Event erasure = Erasure(id, now, "erasure-0001");
  REQUIRE(d.Apply(erasure));
  d.Apply(Erasure(silent, now, "erasure-0002"));

  // Nothing of the citizen is left anywhere in notification's tables.
  for (const std::string& secret : {std::string(kPhone), std::string(kEmail), std::string(kName),
                                    std::string("Bambang"), std::string(kAnswer),
                                    std::string(kReason), std::string("Jl. Ijen")}) {
    INFO(secret);
    CHECK(RowsWith(d, secret) == 0);
  }
  CHECK(d.Count("SELECT count(*) FROM notification.citizen_contacts WHERE" + Where(id)) == 0);
  CHECK(d.Count("SELECT count(*) FROM notification.citizen_backlog WHERE" + Where(silent)) == 0);
  // Every message of the complaint stays, with the marker for its body; subjects (ticket,
  // agency, category) stay.
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE body = "
                "'[dihapus: data pribadi warga]' AND" + Where(id)) == deliveries);
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE channel = 'email' AND "
                "subject LIKE '[SKK-2026-%' AND" + Where(id)) > 0);
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_role = 'citizen' "
                "AND (address <> '' OR recipient_name <> '') AND" + Where(id)) == 0);
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_role <> 'citizen' "
                "AND address <> '' AND" + Where(id)) > 0);
  CHECK(d.Count("SELECT count(*) FROM notification.delivery_attempts a JOIN notification.deliveries "
                "x ON x.id = a.delivery_id WHERE a.detail <> '' AND x." + Where(id).substr(1)) == 0);
  // The citizen's messages that had not gone out never will; the one that went stays sent.
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_role = 'citizen' "
                "AND state = 'dead' AND last_error = 'erased' AND finished_at IS NOT NULL AND" +
                Where(id)) == citizen_deliveries - 1);
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_role = 'citizen' "
                "AND state = 'sent' AND" + Where(id)) == 1);
  // Staff messages still go (with the marker): the queued SMS is still queued.
  CHECK(d.Count(staff_queued) == queued);
  // The fact of the erasure, and the case, stay.
  CHECK(d.Count("SELECT count(*) FROM notification.erased_complaints WHERE erasure_id = "
                "'erasure-0001' AND" + Where(id)) == 1);
  CHECK(d.Count("SELECT count(*) FROM notification.cases WHERE agency_code = 'dpuprpkp' AND" +
                Where(id)) == 1);
  // Another complaint's citizen is untouched.
  CHECK(d.Count("SELECT count(*) FROM notification.citizen_contacts WHERE" + Where(other)) == 1);
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE body <> "
                "'[dihapus: data pribadi warga]' AND" + Where(other)) == other_untouched);
  CHECK(RowsWith(d, "081355500011") > 0);

  // The operator can neither list nor replay what was finished by the erasure.
  InProcessNotification api(d.world, now);
  const Caller operator_ = Staff("admin.kominfo", StaffRole::kAdmin);
  auto dead = api.api().DeadLetters(operator_, {});
  REQUIRE(dead.ok());
  for (const auto& n : dead->dead_letters()) CHECK(n.complaint_id() != id);
  sambat::v1::ReplayDeadLettersRequest replay;
  replay.set_all(true);
  REQUIRE(api.api().Replay(operator_, replay).ok());
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE state = 'pending' AND "
                "recipient_role = 'citizen' AND" + Where(id)) == 0);

  // Again, by the same event redelivered and by another erasure: no row is rewritten.
  const std::string versions = absl::StrCat(
      "SELECT COALESCE(sum(xmin::text::bigint), 0) + count(*) FROM notification.deliveries WHERE",
      Where(id));
  const std::string attempt_versions =
      "SELECT COALESCE(sum(xmin::text::bigint), 0) FROM notification.delivery_attempts";
  const long long before = d.Count(versions), attempts_before = d.Count(attempt_versions);
  CHECK_FALSE(d.Apply(erasure));
  auto again = Erasure(id, now + absl::Hours(1), "erasure-0003");
  CHECK(d.Apply(again));
  CHECK(d.Count(versions) == before);
  CHECK(d.Count(attempt_versions) == attempts_before);
  CHECK(d.Count("SELECT count(*) FROM notification.erased_complaints WHERE erasure_id = "
                "'erasure-0001' AND" + Where(id)) == 1);
}

TEST_CASE("after an erasure a late contact is ignored, and later events neither message the "
          "citizen nor quote them to the agency",
          "[notification]") {
  Desk d("ntf_erase_late");
  const absl::Time now = d.clock.Now();
  const std::string id = NewUuid();
  // The contact is late (consumers run in parallel): the routed message is held for it.
  d.Apply({Submitted(id, now), Routed(id, now)});
  REQUIRE(d.Count("SELECT count(*) FROM notification.citizen_backlog WHERE" + Where(id)) == 1);
  const long long before = d.Count("SELECT count(*) FROM notification.deliveries WHERE" + Where(id));

  REQUIRE(d.Apply(Erasure(id, now, "erasure-0100")));
  REQUIRE(d.Apply(Contact(id, now, kName, kEmail, kPhone)));  // acknowledged
  d.Apply({Asked(id, now), Answered(id, now, kAnswer), Reopened(id, now), Resolved(id, now)});

  CHECK(d.Count("SELECT count(*) FROM notification.citizen_contacts WHERE" + Where(id)) == 0);
  CHECK(d.Count("SELECT count(*) FROM notification.citizen_backlog WHERE" + Where(id)) == 0);
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_role = 'citizen' "
                "AND" + Where(id)) == 0);
  for (const std::string& secret : {std::string(kPhone), std::string(kEmail), std::string(kName),
                                    std::string(kAnswer), std::string(kReason)}) {
    INFO(secret);
    CHECK(RowsWith(d, secret) == 0);
  }
  // The agency still hears of the answer and of the reopening, told as always but with the
  // marker where the citizen's words would be (email and inbox; the SMS quote nothing).
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE" + Where(id)) > before);
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_id = "
                "'humas:dpuprpkp:1' AND channel IN ('email', 'inbox') AND (body LIKE "
                "'Pelapor menjawab %:\n\n[dihapus: data pribadi warga]' OR body LIKE "
                "'Pelapor membuka kembali %\nAlasan: [dihapus: data pribadi warga]') AND" +
                Where(id)) == 4);
  CHECK(d.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_id = "
                "'humas:dpuprpkp:1' AND channel = 'email' AND subject LIKE '%Jawaban pelapor%' AND" +
                Where(id)) == 1);
}

TEST_CASE("a citizen's message waiting for its retry when the erasure comes never goes out, "
          "and the log names the erasure only",
          "[notification]") {
  // Attempts enough to keep retrying while the gateway fails, until told otherwise.
  NotifyingSystem system("ntf_erase_wire", {}, {.max_attempts = 1000});
  system.gateway.Control({"500 100000"});
  const std::string id = NewUuid();
  const absl::Time now = system.Now();
  Publish(system.world(), {Contact(id, now, kName, kEmail, kPhone)});
  const std::string sms = absl::StrCat(
      "SELECT count(*) FROM notification.deliveries WHERE channel = 'sms' AND recipient_role = "
      "'citizen' AND", Where(id));
  REQUIRE(System::WaitUntil([&] {
    return system.Count(sms + " AND attempts >= 2") == 1;
  }, absl::Seconds(30)));

  Publish(system.world(), {Erasure(id, now, "erasure-0200")});
  REQUIRE(System::WaitUntil([&] {
    return system.Count(sms + " AND state = 'dead' AND last_error = 'erased' AND address = ''") ==
           1;
  }, absl::Seconds(30)));
  // The gateway is healthy again; the message's copy comes back from its retry queue and finds
  // the delivery finished. Give it several backoff rounds.
  system.gateway.Control({});
  absl::SleepFor(absl::Seconds(4));
  for (const auto& r : system.gateway.Records()) {
    if (absl::StrContains(Field(r, "body"), kPhone)) CHECK(Field(r, "status") != "200");
  }
  CHECK(system.Count(sms + " AND state = 'dead' AND last_error = 'erased'") == 1);
  CHECK(system.Count("SELECT count(*) FROM notification.delivery_attempts a JOIN "
                     "notification.deliveries x ON x.id = a.delivery_id WHERE a.detail <> '' "
                     "AND x." + Where(id).substr(1)) == 0);

  const std::string log = system.LogTail("notification", 1 << 24);
  CHECK_THAT(log, Catch::Contains("citizen data erased"));
  CHECK_THAT(log, Catch::Contains("erasure-0200"));
  for (const std::string& secret : {std::string(kPhone), std::string(kEmail), std::string(kName)}) {
    INFO(secret);
    CHECK_FALSE(absl::StrContains(log, secret));
  }
}

}  // namespace skk::testing

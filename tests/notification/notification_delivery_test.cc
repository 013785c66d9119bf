// Notifications against a real SMTP server (aiosmtpd) and a local HTTP receiver standing in
// for the SMS and WhatsApp gateways: the exact messages of a complaint's life, none twice,
// retries after a 500, a hang and an SMTP 4xx, dead letters after the limit, and replay.
// routing's officer events and sla's reminders are published by the test itself (those
// services' branches emit them; this test needs no other service running).

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "services/notification/digest.h"
#include "services/notification/store.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/testing/local.h"
#include "tests/support/notification_harness.h"
#include "tests/support/staff_tokens.h"

namespace skk::testing {
namespace {

constexpr char kTicket[] = "SKK-2026-000777";
constexpr char kCitizenEmail[] = "siti@example.com";
constexpr char kCitizenPhone[] = "081234567890";
constexpr char kHumasEmail[] = "humas.dpuprpkp@malangkota.go.id";
constexpr char kHumasPhone[] = "+628123000000";

sambat::v1::Event Contact(const std::string& id, absl::Time at, const std::string& email,
                          const std::string& phone) {
  auto e = TestEvent(kReporterContact, id, at);
  auto* c = e.mutable_reporter_contact();
  c->set_ticket(kTicket);
  c->set_name("Siti Aminah");
  c->set_email(email);
  c->set_phone(phone);
  return e;
}

// A complaint's life as routing and sla tell it.
std::vector<sambat::v1::Event> Life(const std::string& id, absl::Time at) {
  std::vector<sambat::v1::Event> life;
  life.push_back(Contact(id, at, kCitizenEmail, kCitizenPhone));
  auto routed = TestEvent(kCaseRouted, id, at);
  routed.mutable_case_routed()->set_ticket(kTicket);
  routed.mutable_case_routed()->set_category("jalan-rusak");
  routed.mutable_case_routed()->set_agency_code("dpuprpkp");
  routed.mutable_case_routed()->set_agency_name("DPUPRPKP");
  life.push_back(routed);
  auto deadline = TestEvent(kDeadlineSet, id, at);
  deadline.mutable_deadline_set()->set_ticket(kTicket);
  deadline.mutable_deadline_set()->set_agency_code("dpuprpkp");
  *deadline.mutable_deadline_set()->mutable_due_at() = ToProtoTime(at + absl::Hours(72));
  life.push_back(deadline);
  auto claimed = TestEvent(kCaseClaimed, id, at);
  claimed.mutable_case_claimed()->set_ticket(kTicket);
  claimed.mutable_case_claimed()->set_agency_code("dpuprpkp");
  life.push_back(claimed);
  auto info = TestEvent(kCaseInfoRequested, id, at);
  info.mutable_case_info_requested()->set_ticket(kTicket);
  info.mutable_case_info_requested()->set_agency_code("dpuprpkp");
  info.mutable_case_info_requested()->set_question("Mohon kirim foto dari sisi utara.");
  life.push_back(info);
  auto answered = TestEvent(kCaseCitizenAnswered, id, at);
  answered.mutable_case_citizen_answered()->set_ticket(kTicket);
  answered.mutable_case_citizen_answered()->set_agency_code("dpuprpkp");
  // A citizen's words that try to add a header and break a JSON body.
  answered.mutable_case_citizen_answered()->set_text(
      "Sudah, \"lubang\" di sisi utara.\r\nBcc: semua@example.com\\");
  life.push_back(answered);
  auto responded = TestEvent(kCaseResponded, id, at);
  responded.mutable_case_responded()->set_ticket(kTicket);
  responded.mutable_case_responded()->set_agency_code("dpuprpkp");
  responded.mutable_case_responded()->set_message("Perbaikan dijadwalkan Kamis.");
  responded.mutable_case_responded()->set_first_response(true);
  life.push_back(responded);
  auto resolved = TestEvent(kCaseResolved, id, at);
  resolved.mutable_case_resolved()->set_ticket(kTicket);
  resolved.mutable_case_resolved()->set_agency_code("dpuprpkp");
  resolved.mutable_case_resolved()->set_note("Lubang sudah ditambal.");
  life.push_back(resolved);
  return life;
}

// (recipient address, subject) of the emails about kTicket.
std::multiset<std::pair<std::string, std::string>> Emails(const FakeReceiver& smtp) {
  std::multiset<std::pair<std::string, std::string>> out;
  for (const auto& r : smtp.Records()) {
    if (Field(r, "ticket") == kTicket) out.insert({Field(r, "rcpt_tos"), Field(r, "subject")});
  }
  return out;
}

// Gateway requests (answered 200) to `path` whose text mentions kTicket, by recipient.
std::multiset<std::string> Texts(const FakeReceiver& gateway, const std::string& path,
                                 const std::string& status = "200") {
  std::multiset<std::string> out;
  for (const auto& r : gateway.Records()) {
    if (Field(r, "path") != path || Field(r, "status") != status) continue;
    google::protobuf::Struct body;
    REQUIRE(google::protobuf::util::JsonStringToMessage(Field(r, "body"), &body).ok());
    if (absl::StrContains(Field(body, "message"), kTicket)) out.insert(Field(body, "to"));
  }
  return out;
}

// Runs sambatctl against the test's notification service as `token`; returns its exit code
// and everything it printed.
std::pair<int, std::string> Sambatctl(const System& system, const std::string& token,
                                      const std::string& args) {
  const std::string command =
      absl::StrCat("SKK_STAFF_TOKEN='", token, "' ", SKK_BIN_DIR, "/sambatctl --notification=127.0.0.1:",
                   system.Port("notification"), " ", args, " 2>&1");
  std::string out;
  const int code = RunCommand(command, &out);
  return {code, out};
}

long long Unfinished(System& system) {
  return system.Count(
      "SELECT count(*) FROM notification.deliveries WHERE state NOT IN ('sent', 'dead') "
      "AND complaint_id IS NOT NULL");
}

}  // namespace

TEST_CASE("a complaint's life reaches the citizen and the humas with exactly these messages, "
          "none twice under redelivery and a restart",
          "[notification]") {
  NotifyingSystem system("ntf_life");
  const std::string id = NewUuid();
  const auto life = Life(id, system.Now());
  Publish(system.world(), life);

  const std::multiset<std::pair<std::string, std::string>> expected_emails = {
      {kCitizenEmail, absl::StrCat("[", kTicket, "] Pengaduan Anda diterima")},
      {kCitizenEmail, absl::StrCat("[", kTicket, "] Pengaduan Anda diteruskan ke DPUPRPKP")},
      {kCitizenEmail, absl::StrCat("[", kTicket, "] DPUPRPKP meminta informasi tambahan")},
      {kCitizenEmail, absl::StrCat("[", kTicket, "] Tanggapan dari DPUPRPKP")},
      {kCitizenEmail, absl::StrCat("[", kTicket, "] Pengaduan Anda telah diselesaikan")},
      {kHumasEmail, absl::StrCat("[", kTicket, "] Pengaduan baru: jalan-rusak")},
      {kHumasEmail, absl::StrCat("[", kTicket, "] Jawaban pelapor")},
  };
  const std::multiset<std::string> expected_sms = {kCitizenPhone, kCitizenPhone, kCitizenPhone,
                                                   kCitizenPhone, kCitizenPhone, kHumasPhone,
                                                   kHumasPhone};
  REQUIRE(System::WaitUntil([&] {
    return Emails(system.smtp).size() >= expected_emails.size() &&
           Texts(system.gateway, "/sms").size() >= expected_sms.size();
  }, absl::Seconds(30)));
  CHECK(Emails(system.smtp) == expected_emails);
  CHECK(Texts(system.gateway, "/sms") == expected_sms);
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE channel = 'inbox' "
                     "AND recipient_id = 'humas:dpuprpkp:1' AND ticket = 'SKK-2026-000777'") == 2);

  // The same events again (a broker redelivering), then a restart, then again.
  Publish(system.world(), life);
  system.Stop("notification", SIGTERM);
  system.Start("notification", NotificationFlags(system.smtp, system.gateway));
  Publish(system.world(), life);
  // A later event of another complaint: once its message arrives, the copies before it were
  // consumed.
  const std::string other = NewUuid();
  auto sentinel = Contact(other, system.Now(), "sentinel@example.com", "");
  sentinel.mutable_reporter_contact()->set_ticket("SKK-2026-000778");
  Publish(system.world(), {sentinel});
  REQUIRE(System::WaitUntil([&] {
    for (const auto& r : system.smtp.Records()) {
      if (Field(r, "rcpt_tos") == "sentinel@example.com") return true;
    }
    return false;
  }, absl::Seconds(30)));
  REQUIRE(System::WaitUntil([&] { return Unfinished(system) == 0; }, absl::Seconds(30)));
  CHECK(Emails(system.smtp) == expected_emails);
  CHECK(Texts(system.gateway, "/sms") == expected_sms);

  // Each email's Message-ID is its delivery's; no header came from the citizen's words.
  std::set<std::string> message_ids;
  for (const auto& r : system.smtp.Records()) {
    if (Field(r, "ticket") != kTicket) continue;
    message_ids.insert(Field(r, "message_id"));
    const std::string raw = Field(r, "raw");
    const std::string headers = raw.substr(0, raw.find("\r\n\r\n"));
    CHECK_FALSE(absl::StrContains(headers, "Bcc"));
  }
  CHECK(message_ids.size() == expected_emails.size());
  CHECK(system.Count(absl::StrCat("SELECT count(*) FROM notification.deliveries WHERE "
                                  "channel = 'email' AND ticket = '", kTicket, "' AND state = "
                                  "'sent' AND attempts = 1")) == 7);
  // Every gateway request carried the delivery id as its Idempotency-Key.
  for (const auto& r : system.gateway.Records()) {
    google::protobuf::Struct headers;
    const std::string key = Field(r, "headers");
    REQUIRE(google::protobuf::util::JsonStringToMessage(key, &headers).ok());
    CHECK(IsUuid(Field(headers, "idempotency-key")));
  }
}

TEST_CASE("a gateway's 500 and a hang, and an SMTP 4xx, are retried with backoff until sent",
          "[notification]") {
  NotifyingSystem system("ntf_retry");
  system.gateway.Control({"500 1", "hang 1"});
  // "sibuk" makes the SMTP server answer 451 twice before it accepts.
  Publish(system.world(), {Contact(NewUuid(), system.Now(), "sibuk@example.com", kCitizenPhone)});

  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.deliveries WHERE state = 'sent' "
                        "AND channel IN ('email', 'sms')") == 2;
  }, absl::Seconds(30)));
  CHECK(system.Count("SELECT attempts FROM notification.deliveries WHERE channel = 'sms'") == 3);
  CHECK(system.Count("SELECT attempts FROM notification.deliveries WHERE channel = 'email'") == 3);
  CHECK(system.Count("SELECT count(*) FROM notification.delivery_attempts WHERE outcome = "
                     "'retry'") == 4);
  // The same message each time, under the same key: the gateway can drop a copy it has seen.
  std::vector<std::string> statuses;
  std::set<std::string> keys;
  for (const auto& r : system.gateway.Records()) {
    if (Field(r, "path") != "/sms") continue;
    statuses.push_back(Field(r, "status"));
    google::protobuf::Struct headers;
    REQUIRE(google::protobuf::util::JsonStringToMessage(Field(r, "headers"), &headers).ok());
    keys.insert(Field(headers, "idempotency-key"));
  }
  CHECK(statuses == std::vector<std::string>{"500", "hang", "200"});
  CHECK(keys.size() == 1);
  CHECK(Emails(system.smtp).size() == 1);
}

TEST_CASE("a delivery that keeps failing or fails for good is dead-lettered, listed and "
          "replayed",
          "[notification]") {
  NotifyingSystem system("ntf_dead", {}, {.max_attempts = 4});
  system.gateway.Control({"500 100"});
  // "tolak": the SMTP server refuses the mailbox for good (550).
  Publish(system.world(), {Contact(NewUuid(), system.Now(), "tolak@example.com", kCitizenPhone)});

  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.deliveries WHERE state = 'dead'") == 2;
  }, absl::Seconds(30)));
  CHECK(system.Count("SELECT attempts FROM notification.deliveries WHERE channel = 'email'") == 1);
  CHECK(system.Count("SELECT attempts FROM notification.deliveries WHERE channel = 'sms'") == 4);
  auto endpoint = ParseAmqpUri(system.world().AmqpUri());
  REQUIRE(endpoint.ok());
  auto conn = AmqpConnection::Open(*endpoint, "test-inspect");
  REQUIRE(conn.ok());
  REQUIRE(System::WaitUntil([&] {
    auto sms = (*conn)->QueueDepth("notification.sms.events.dead");
    auto email = (*conn)->QueueDepth("notification.email.events.dead");
    return sms.ok() && email.ok() && *sms == 1 && *email == 1;
  }, absl::Seconds(10)));

  InProcessNotification admin(system.world(), system.Now());
  const Caller operator_ = Staff("admin.kominfo", StaffRole::kAdmin);
  auto dead = admin.api().DeadLetters(operator_, {});
  REQUIRE(dead.ok());
  REQUIRE(dead->dead_letters_size() == 2);
  std::string sms_id;
  for (const auto& d : dead->dead_letters()) {
    if (d.channel() == "sms") {
      sms_id = d.delivery_id();
      CHECK_THAT(d.last_error(), Catch::Contains("500"));
    } else {
      CHECK_THAT(d.last_error(), Catch::Contains("550"));
    }
  }
  // Only an administrator may look or replay.
  CHECK(admin.api().DeadLetters(Staff("budi", StaffRole::kOfficer, "dlh"), {}).status().code() ==
        absl::StatusCode::kPermissionDenied);

  // The operator looks with sambatctl (an admin token; an officer's is refused).
  const std::string admin_token = StaffToken(StaffRole::kAdmin, "", system.Now());
  auto [listed, listing] = Sambatctl(system, admin_token, "dead-letters");
  INFO(listing);
  CHECK(listed == 0);
  CHECK_THAT(listing, Catch::Contains("2 dead letter(s)"));
  CHECK_THAT(listing, Catch::Contains(sms_id));
  CHECK_THAT(listing, Catch::Contains("tolak@example.com"));
  auto [refused, refusal] = Sambatctl(
      system, StaffToken(StaffRole::kOfficer, "dlh", system.Now()), "dead-letters");
  CHECK(refused != 0);
  CHECK_THAT(refusal, Catch::Contains("role officer may not call this method (only admin)"));

  // The gateway is healthy again: the operator replays the SMS, then everything.
  system.gateway.Control({});
  auto [replayed_one, replay_out] = Sambatctl(system, admin_token, absl::StrCat("replay ", sms_id));
  CHECK(replayed_one == 0);
  CHECK_THAT(replay_out, Catch::Contains("replayed 1 dead letter(s)"));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.deliveries WHERE channel = 'sms' "
                        "AND state = 'sent'") == 1;
  }, absl::Seconds(30)));
  CHECK(Texts(system.gateway, "/sms", "200").size() == 1);
  CHECK(Texts(system.gateway, "/sms", "500").size() == 4);
  // The refused email is all that is left, and it is refused again.
  auto [replayed_all, all_out] = Sambatctl(system, admin_token, "replay --all");
  CHECK(replayed_all == 0);
  CHECK_THAT(all_out, Catch::Contains("replayed 1 dead letter(s)"));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.delivery_attempts a JOIN "
                        "notification.deliveries d ON d.id = a.delivery_id WHERE d.channel = "
                        "'email' AND a.outcome = 'dead'") == 2;
  }, absl::Seconds(30)));
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE state = 'dead'") == 1);

  // The record of each attempt serves the operator's diagnosis for a while, then goes; the
  // deliveries keep their count and last error.
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.delivery_attempts "
                        "WHERE finished_at IS NULL") == 0;
  }, absl::Seconds(10)));
  const long long sms_attempts = system.Count(
      "SELECT count(*) FROM notification.delivery_attempts a JOIN notification.deliveries d "
      "ON d.id = a.delivery_id WHERE d.channel = 'sms'");
  CHECK(sms_attempts == 5);
  auto pruned = notification::PruneDeliveryAttempts(admin.pool(), absl::Now() - absl::Hours(24 * 90));
  REQUIRE(pruned.ok());
  CHECK(*pruned == 0);  // everything finished minutes ago
  CHECK(system.Count(
            "WITH aged AS (UPDATE notification.delivery_attempts a SET finished_at = "
            "a.finished_at - interval '91 days' FROM notification.deliveries d WHERE "
            "d.id = a.delivery_id AND d.channel = 'sms' RETURNING 1) SELECT count(*) FROM aged") ==
        sms_attempts);
  pruned = notification::PruneDeliveryAttempts(admin.pool(), absl::Now() - absl::Hours(24 * 90));
  REQUIRE(pruned.ok());
  CHECK(*pruned == sms_attempts);
  CHECK(system.Count("SELECT count(*) FROM notification.delivery_attempts") == 2);  // the email's
  CHECK(system.Count("SELECT attempts FROM notification.deliveries WHERE channel = 'sms'") == 1);
}

TEST_CASE("a staff member reads only their own inbox and their own agency's notification log, "
          "and only an admin sees a citizen's name and address",
          "[notification]") {
  NotifyingSystem system("ntf_inbox");
  InProcessNotification local(system.world(), system.Now());
  const Caller admin = Staff("admin.kominfo", StaffRole::kAdmin);
  const Caller budi = Staff("budi.dpuprpkp", StaffRole::kOfficer, "dpuprpkp");
  const Caller ani = Staff("ani.dlh", StaffRole::kOfficer, "dlh");

  sambat::v1::Recipient officer;
  officer.set_id("officer:budi.dpuprpkp");
  officer.set_role("humas");
  officer.set_agency_code("dpuprpkp");
  officer.set_name("Budi Santoso");
  officer.set_phone("+628120000777");
  officer.set_staff_subject("budi.dpuprpkp");
  officer.set_whatsapp("+628120000778");
  officer.add_channels("inbox");
  officer.add_channels("sms");
  officer.add_channels("whatsapp");
  // Quiet from 08:00 to 10:00: at 09:00 the SMS waits, the inbox does not.
  officer.set_quiet_start("08:00");
  officer.set_quiet_end("10:00");
  officer.set_daily_digest(false);
  officer.set_active(true);
  CHECK(local.api().Upsert(budi, officer).status().code() == absl::StatusCode::kPermissionDenied);
  sambat::v1::Recipient bad = officer;
  bad.set_agency_code("dinas-tidak-ada");
  CHECK(local.api().Upsert(admin, bad).status().code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(local.api().Upsert(admin, officer).ok());

  const std::string id = NewUuid();
  auto life = Life(id, system.Now());
  Publish(system.world(), {life[0], life[1]});  // contact, routed
  REQUIRE(System::WaitUntil([&] {
    auto inbox = local.api().Inbox(budi, {});
    return inbox.ok() && inbox->messages_size() == 1;
  }, absl::Seconds(30)));
  auto inbox = local.api().Inbox(budi, {});
  REQUIRE(inbox.ok());
  CHECK(inbox->unread() == 1);
  CHECK(inbox->messages(0).ticket() == kTicket);
  CHECK_THAT(inbox->messages(0).subject(), Catch::Contains("Pengaduan baru"));
  auto others = local.api().Inbox(ani, {});
  REQUIRE(others.ok());
  CHECK(others->messages_size() == 0);

  sambat::v1::MarkReadRequest read;
  read.add_ids(inbox->messages(0).id());
  CHECK(local.api().MarkRead(ani, read).status().code() == absl::StatusCode::kNotFound);
  REQUIRE(local.api().MarkRead(budi, read).ok());
  CHECK(local.api().Inbox(budi, {})->unread() == 0);

  // Budi's SMS and WhatsApp wait for the end of his quiet hours on the business clock.
  CHECK(system.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_id = "
                     "'officer:budi.dpuprpkp' AND channel IN ('sms', 'whatsapp') "
                     "AND state = 'pending'") == 2);
  system.AdvanceClock(absl::Hours(1) + absl::Minutes(1));
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.deliveries WHERE recipient_id = "
                        "'officer:budi.dpuprpkp' AND channel IN ('sms', 'whatsapp') "
                        "AND state = 'sent'") == 2;
  }, absl::Seconds(30)));
  // The WhatsApp gateway got the configured body: the number, and the text with the ticket.
  bool whatsapp = false;
  for (const auto& r : system.gateway.Records()) {
    if (Field(r, "path") != "/whatsapp") continue;
    google::protobuf::Struct body;
    REQUIRE(google::protobuf::util::JsonStringToMessage(Field(r, "body"), &body).ok());
    CHECK(Field(body, "to") == "+628120000778");
    CHECK_THAT(Field(body, "text"), Catch::Contains(kTicket));
    whatsapp = true;
  }
  CHECK(whatsapp);

  // The same over gRPC with staff tokens: none, Budi's, Ani's.
  auto stub = system.Notification();
  {
    grpc::ClientContext context;
    sambat::v1::ListInboxResponse response;
    CHECK(stub->ListInbox(&context, {}, &response).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    AuthorizeAs(context, StaffToken(StaffRole::kOfficer, "dpuprpkp", system.Now(),
                                    {.subject = "budi.dpuprpkp"}));
    sambat::v1::ListInboxResponse response;
    REQUIRE(stub->ListInbox(&context, {}, &response).ok());
    CHECK(response.messages_size() == 1);
  }
  {
    grpc::ClientContext context;
    AuthorizeAs(context, StaffToken(StaffRole::kOfficer, "dlh", system.Now(),
                                    {.subject = "ani.dlh"}));
    sambat::v1::ListInboxResponse response;
    REQUIRE(stub->ListInbox(&context, {}, &response).ok());
    CHECK(response.messages_size() == 0);
  }
  {
    grpc::ClientContext context;
    AuthorizeAs(context, StaffRole::kOfficer, "dpuprpkp", system.Now());
    sambat::v1::Recipient response;
    CHECK(stub->UpsertRecipient(&context, officer, &response).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }

  sambat::v1::ListNotificationsRequest list;
  list.set_complaint_id(id);
  {
    grpc::ClientContext context;
    AuthorizeAs(context, StaffRole::kAdmin, "", system.Now());
    sambat::v1::ListNotificationsResponse response;
    REQUIRE(stub->ListNotifications(&context, list, &response).ok());
    bool whole = false;
    for (const auto& n : response.notifications()) whole |= n.address() == kCitizenPhone;
    CHECK(whole);
  }
  // Another agency's officer reads nothing of this complaint's log (the reporter's name, the
  // citizen's words): the complaint is as absent as one that never existed, as in GetCase.
  {
    grpc::ClientContext context;
    AuthorizeAs(context, StaffToken(StaffRole::kOfficer, "dlh", system.Now(),
                                    {.subject = "ani.dlh"}));
    sambat::v1::ListNotificationsResponse response;
    grpc::Status status = stub->ListNotifications(&context, list, &response);
    CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(response.notifications_size() == 0);
  }
  CHECK(local.api().List(ani, list).status().code() == absl::StatusCode::kNotFound);
  CHECK(local.api().List(Staff("head.dlh", StaffRole::kAgencyHead, "dlh"), list).status().code() ==
        absl::StatusCode::kNotFound);
  sambat::v1::ListNotificationsRequest unrouted;
  unrouted.set_complaint_id(NewUuid());
  CHECK(local.api().List(budi, unrouted).status().code() == absl::StatusCode::kNotFound);

  auto seen_by_officer = local.api().List(budi, list);
  auto seen_by_leadership = local.api().List(Staff("sekda", StaffRole::kLeadership), list);
  auto seen_by_admin = local.api().List(admin, list);
  REQUIRE(seen_by_officer.ok());
  REQUIRE(seen_by_leadership.ok());
  REQUIRE(seen_by_admin.ok());
  CHECK(seen_by_officer->notifications_size() > 0);
  std::set<std::string> masked, whole, names_to_staff, names_to_admin;
  for (const auto& n : seen_by_officer->notifications()) {
    if (n.recipient_role() != "citizen") continue;
    masked.insert(n.address());
    names_to_staff.insert(n.recipient_name());
  }
  for (const auto& n : seen_by_leadership->notifications()) {
    if (n.recipient_role() != "citizen") continue;
    masked.insert(n.address());
    names_to_staff.insert(n.recipient_name());
  }
  for (const auto& n : seen_by_admin->notifications()) {
    if (n.recipient_role() != "citizen") continue;
    whole.insert(n.address());
    names_to_admin.insert(n.recipient_name());
  }
  CHECK(whole == std::set<std::string>{kCitizenEmail, kCitizenPhone});
  CHECK(masked == std::set<std::string>{"si***@example.com", "0812****7890"});
  // Who the citizen is stays with the administrator (an anonymous complaint's agency never
  // learns it).
  CHECK(names_to_admin == std::set<std::string>{"Siti Aminah"});
  CHECK(names_to_staff == std::set<std::string>{"Pelapor"});

  // The citizen, with a pass for this complaint (the gateway mints one once intake has checked
  // the tracking token), reads what was sent to them, masked, and nothing the agency was told.
  {
    grpc::ClientContext context;
    AuthorizeAs(context, *TestTokenIssuer().MintCitizenPass(id, system.Now()));
    sambat::v1::ListNotificationsResponse response;
    REQUIRE(stub->ListNotifications(&context, list, &response).ok());
    REQUIRE(response.notifications_size() > 0);
    std::set<std::string> addresses;
    for (const auto& n : response.notifications()) {
      CHECK(n.recipient_role() == "citizen");
      CHECK(n.recipient_name() == "Pelapor");
      CHECK(n.last_error().empty());
      CHECK(n.recipient_id().empty());
      CHECK_FALSE(n.body().empty());
      addresses.insert(n.address());
    }
    CHECK(addresses == std::set<std::string>{"si***@example.com", "0812****7890"});
  }
  // Their pass opens no other complaint, nor the inbox or any officer's call.
  {
    grpc::ClientContext context;
    AuthorizeAs(context, *TestTokenIssuer().MintCitizenPass(NewUuid(), system.Now()));
    sambat::v1::ListNotificationsResponse response;
    CHECK(stub->ListNotifications(&context, list, &response).error_code() ==
          grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    AuthorizeAs(context, *TestTokenIssuer().MintCitizenPass(id, system.Now()));
    sambat::v1::ListInboxResponse response;
    CHECK(stub->ListInbox(&context, {}, &response).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_CASE("the daily digest goes once per recipient and day with several replicas, and a "
          "missed day is caught up",
          "[notification]") {
  NotifyingSystem system("ntf_digest", {}, {.daily_digest = true});
  const long long recipients = system.Count(
      "SELECT count(*) FROM notification.recipients WHERE active AND daily_digest");
  REQUIRE(recipients > 30);
  // Monday 09:00: today's digest goes out at once (it was due at 07:00).
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.digests WHERE day = '2026-03-02'") ==
           recipients;
  }, absl::Seconds(30)));

  // A case of DPUPRPKP whose deadline passes on Tuesday.
  const std::string id = NewUuid();
  auto life = Life(id, system.Now());
  auto deadline = life[2];
  *deadline.mutable_deadline_set()->mutable_due_at() = ToProtoTime(system.Now() + absl::Hours(30));
  Publish(system.world(), {life[1], deadline});
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.cases WHERE due_at IS NOT NULL") == 1;
  }, absl::Seconds(30)));

  // Nobody ran on Tuesday and Wednesday; on Thursday at 07:30 the service and two more
  // replicas' jobs race for the three missed days.
  system.AdvanceClock(absl::Hours(24 * 3 - 1) - absl::Minutes(30));
  InProcessNotification replica_a(system.world(), system.Now());
  InProcessNotification replica_b(system.world(), system.Now());
  notification::DigestJob job_a(replica_a.pool(), replica_a.clock(), replica_a.desk());
  notification::DigestJob job_b(replica_b.pool(), replica_b.clock(), replica_b.desk());
  // Catch2 assertions are not thread-safe: results are checked after the join.
  absl::StatusOr<int> claimed_a = 0, claimed_b = 0;
  std::thread a([&] { claimed_a = job_a.RunOnce(); });
  std::thread b([&] { claimed_b = job_b.RunOnce(); });
  a.join();
  b.join();
  CHECK(claimed_a.ok());
  CHECK(claimed_b.ok());
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.digests") == recipients * 4;
  }, absl::Seconds(30)));
  for (const char* day : {"2026-03-03", "2026-03-04", "2026-03-05"}) {
    CHECK(system.Count(absl::StrCat("SELECT count(*) FROM notification.digests WHERE day = '",
                                    day, "'")) == recipients);
  }
  // Exactly one digest email per day to DPUPRPKP's humas, and Thursday's counts the late case.
  REQUIRE(System::WaitUntil([&] {
    int n = 0;
    for (const auto& r : system.smtp.Records()) {
      if (Field(r, "rcpt_tos") == kHumasEmail &&
          absl::StartsWith(Field(r, "subject"), "Ringkasan harian")) {
        ++n;
      }
    }
    return n == 4;
  }, absl::Seconds(30)));
  std::map<std::string, int> per_day;
  for (const auto& r : system.smtp.Records()) {
    if (Field(r, "rcpt_tos") != kHumasEmail) continue;
    const std::string subject = Field(r, "subject");
    if (!absl::StartsWith(subject, "Ringkasan harian")) continue;
    per_day[subject.substr(17, 10)]++;
    if (absl::StrContains(subject, "2026-03-05")) {
      CHECK_THAT(subject, Catch::Contains("1 terbuka, 1 terlambat"));
      CHECK_THAT(Field(r, "body"), Catch::Contains(kTicket));
    }
  }
  CHECK(per_day == std::map<std::string, int>{{"2026-03-02", 1}, {"2026-03-03", 1},
                                              {"2026-03-04", 1}, {"2026-03-05", 1}});
}

}  // namespace skk::testing

namespace skk::testing {

TEST_CASE("a citizen's contact that arrives after the case was routed still brings the "
          "routed message",
          "[notification]") {
  NotifyingSystem system("ntf_order");
  const std::string id = NewUuid();
  const auto life = Life(id, system.Now());
  Publish(system.world(), {life[1]});  // routed, before the contact
  REQUIRE(System::WaitUntil([&] {
    return system.Count("SELECT count(*) FROM notification.citizen_backlog") == 1;
  }, absl::Seconds(30)));
  Publish(system.world(), {life[0]});  // the contact
  REQUIRE(System::WaitUntil([&] {
    int n = 0;
    for (const auto& r : system.smtp.Records()) n += Field(r, "rcpt_tos") == kCitizenEmail ? 1 : 0;
    return n == 2;
  }, absl::Seconds(30)));
  CHECK(system.Count("SELECT count(*) FROM notification.citizen_backlog") == 0);
  std::set<std::string> subjects;
  for (const auto& r : system.smtp.Records()) {
    if (Field(r, "rcpt_tos") == kCitizenEmail) subjects.insert(Field(r, "subject"));
  }
  CHECK(subjects == std::set<std::string>{
                        absl::StrCat("[", kTicket, "] Pengaduan Anda diterima"),
                        absl::StrCat("[", kTicket, "] Pengaduan Anda diteruskan ke DPUPRPKP")});
}

}  // namespace skk::testing

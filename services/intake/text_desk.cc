#include "services/intake/text_desk.h"

#include <algorithm>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "services/intake/text_commands.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/metrics.h"
#include "services/platform/status_macros.h"
#include "services/platform/text.h"

namespace skk::intake {

namespace v1 = sambat::v1;

namespace {

// The record of a message only answers the gateway's retries and counts the number's messages
// per hour: a month covers both with room to spare.
constexpr absl::Duration kKeepMessages = absl::Hours(24 * 30);

constexpr SqlStatement kAnswered{"intake_text_answered", R"sql(
  SELECT outcome, reply, ticket FROM text_messages WHERE gateway = $1 AND message_id = $2)sql"};

constexpr SqlStatement kCountRecent{"intake_text_count_recent", R"sql(
  SELECT count(*) FROM text_messages WHERE phone = $1 AND received_at > $2)sql"};

constexpr SqlStatement kRecord{"intake_text_record", R"sql(
  INSERT INTO text_messages (gateway, message_id, phone, received_at, outcome, reply, ticket)
  VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING)sql"};

// One number's messages take turns: two parts of a complaint arriving together must not both
// start a draft.
constexpr SqlStatement kLockNumber{"intake_text_lock_number", R"sql(
  SELECT pg_advisory_xact_lock(hashtextextended('text:' || $1, 0)))sql"};

constexpr SqlStatement kOpenDraft{"intake_text_open_draft", R"sql(
  SELECT draft_id, char_length(body) AS chars FROM text_drafts
  WHERE phone = $1 AND last_message_at > $2
  ORDER BY last_message_at DESC LIMIT 1 FOR UPDATE)sql"};

constexpr SqlStatement kExtendDraft{"intake_text_extend_draft", R"sql(
  UPDATE text_drafts SET body = body || E'\n' || $2, last_message_at = $3 WHERE draft_id = $1)sql"};

// A draft that cannot take another part is submitted at the next pass, as if its number had
// gone quiet.
constexpr SqlStatement kEndDraft{"intake_text_end_draft", R"sql(
  UPDATE text_drafts SET last_message_at = '-infinity' WHERE draft_id = $1)sql"};

constexpr SqlStatement kNewDraft{"intake_text_new_draft", R"sql(
  INSERT INTO text_drafts (draft_id, phone, channel, body, started_at, last_message_at)
  VALUES ($1, $2, $3, $4, $5, $5))sql"};

constexpr SqlStatement kQuietDrafts{"intake_text_quiet_drafts", R"sql(
  SELECT draft_id, phone, channel, body FROM text_drafts WHERE last_message_at <= $1
  ORDER BY last_message_at LIMIT 20 FOR UPDATE SKIP LOCKED)sql"};

constexpr SqlStatement kDropDraft{"intake_text_drop_draft", R"sql(
  DELETE FROM text_drafts WHERE draft_id = $1)sql"};

constexpr SqlStatement kDropOldMessages{"intake_text_drop_old", R"sql(
  DELETE FROM text_messages WHERE received_at < $1)sql"};

constexpr SqlStatement kEraseMessages{"intake_text_erase_messages", R"sql(
  DELETE FROM text_messages WHERE phone = $1)sql"};
constexpr SqlStatement kEraseDrafts{"intake_text_erase_drafts", R"sql(
  DELETE FROM text_drafts WHERE phone = $1)sql"};

std::string OutcomeName(v1::TextMessageOutcome outcome) {
  return v1::TextMessageOutcome_Name(outcome);
}

v1::ReceiveTextMessageResponse Reply(v1::TextMessageOutcome outcome, std::string reply,
                                     std::string ticket = "") {
  v1::ReceiveTextMessageResponse r;
  r.set_outcome(outcome);
  r.set_reply(std::move(reply));
  r.set_ticket(std::move(ticket));
  return r;
}

// The answer recorded for a message (kAnswered's row).
v1::ReceiveTextMessageResponse Stored(const PgRow& row) {
  v1::TextMessageOutcome outcome = v1::TEXT_MESSAGE_OUTCOME_UNSPECIFIED;
  v1::TextMessageOutcome_Parse(row.String("outcome"), &outcome);
  return Reply(outcome, row.String("reply"), row.IsNull("ticket") ? "" : row.String("ticket"));
}

void CountAnswer(const std::string& gateway, v1::TextMessageOutcome outcome) {
  static auto& answered = metrics::CounterFamily(
      "skk_text_messages_total",
      "SMS and WhatsApp messages answered (a gateway's retry not counted), by gateway and outcome");
  answered.Add({{"gateway", gateway}, {"outcome", OutcomeName(outcome)}}).Increment();
}

size_t Chars(const std::string& text) {
  size_t chars = 0;
  IsValidUtf8(text, &chars);
  return chars;
}

}  // namespace

TextDesk::TextDesk(PgPool& pool, Clock& clock, const v1::CityConfig& city, Complaints& complaints,
                   SubmissionRules rules)
    : pool_(pool), clock_(clock), complaints_(complaints), rules_(std::move(rules)), city_(city) {
  if (!absl::LoadTimeZone(city.time_zone(), &zone_)) zone_ = absl::UTCTimeZone();
  const auto& t = city.text_messaging();
  gather_ = absl::Seconds(t.gather_seconds() > 0 ? t.gather_seconds() : 180);
  messages_per_hour_ = t.messages_per_hour() > 0 ? t.messages_per_hour() : 20;
}

absl::StatusOr<v1::ReceiveTextMessageResponse> TextDesk::Receive(
    const Caller& sender, const v1::ReceiveTextMessageRequest& request) {
  const std::string& phone = sender.subject;
  if (sender.role != StaffRole::kPhone || NormalizePhone(phone) != phone) {
    return absl::PermissionDeniedError("only a phone pass names a text message's sender");
  }
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateTextMessage(request, city_.text_messaging())));
  const auto gateway = absl::c_find_if(city_.text_messaging().gateways(),
                                       [&](const auto& g) { return g.name() == request.gateway(); });

  const std::vector<SqlParam> key = {SqlParam::Text(request.gateway()),
                                     SqlParam::Text(request.message_id())};
  const absl::Time now = clock_.Now();
  {
    // Released before the command runs: CEK and INFO take connections of their own.
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_ASSIGN_OR_RETURN(PgResult answered, conn->Execute(kAnswered, key));
    if (answered.rows() > 0) {
      // The gateway's retry of a message answered before (its first reply never arrived).
      return Stored(answered.Row(0));
    }
    SKK_ASSIGN_OR_RETURN(
        PgResult recent,
        conn->Execute(kCountRecent, {SqlParam::Text(phone), SqlParam::Time(now - absl::Hours(1))}));
    if (recent.OnlyInt() >= messages_per_hour_) {
      log::Warn("text message refused: number over its limit",
                {{"gateway", request.gateway()}, {"message_id", request.message_id()}});
      CountAnswer(request.gateway(), v1::TEXT_MESSAGE_OUTCOME_REFUSED);
      return Reply(v1::TEXT_MESSAGE_OUTCOME_REFUSED, RefusedReply());
    }
  }

  const ParsedText parsed = ParseTextMessage(request.text());
  const auto record = [&](PgConnection& tx, const v1::ReceiveTextMessageResponse& r) {
    return tx
        .Execute(kRecord, {key[0], key[1], SqlParam::Text(phone), SqlParam::Time(now),
                           SqlParam::Text(OutcomeName(r.outcome())), SqlParam::Text(r.reply()),
                           r.ticket().empty() ? SqlParam::Null() : SqlParam::Text(r.ticket())})
        .status();
  };
  v1::ReceiveTextMessageResponse response;
  if (parsed.command != TextCommand::kSambat && parsed.command != TextCommand::kOther) {
    if (parsed.ticket.empty()) {
      response = Reply(v1::TEXT_MESSAGE_OUTCOME_HELP, UsageReply(parsed.command));
    } else {
      SKK_ASSIGN_OR_RETURN(response, OnComplaint(phone, parsed));
    }
    // A retry racing this one may have recorded its own answer; either is true.
    SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) { return record(tx, response); }));
  } else {
    SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
      SKK_RETURN_IF_ERROR(tx.Execute(kLockNumber, {SqlParam::Text(phone)}).status());
      SKK_ASSIGN_OR_RETURN(PgResult again, tx.Execute(kAnswered, key));
      if (again.rows() > 0) {
        response = Stored(again.Row(0));  // a retry that waited for this number's turn
        return absl::OkStatus();
      }
      SKK_ASSIGN_OR_RETURN(
          response, Gather(tx, phone, gateway->channel(), parsed.command == TextCommand::kSambat,
                           parsed.body, now));
      return record(tx, response);
    }));
  }
  CountAnswer(request.gateway(), response.outcome());
  log::Info("text message answered", {{"gateway", request.gateway()},
                                      {"message_id", request.message_id()},
                                      {"outcome", OutcomeName(response.outcome())},
                                      {"ticket", response.ticket()}});
  return response;
}

absl::StatusOr<v1::ReceiveTextMessageResponse> TextDesk::OnComplaint(const std::string& phone,
                                                                     const ParsedText& parsed) {
  const std::string& ticket = parsed.ticket;
  absl::StatusOr<std::string> token = complaints_.TokenForReporter(ticket, phone);
  if (absl::IsNotFound(token.status())) {
    return Reply(v1::TEXT_MESSAGE_OUTCOME_NOT_FOUND, NotFoundReply(ticket), ticket);
  }
  SKK_RETURN_IF_ERROR(token.status());
  // The follow-ups go through the same checks as the tracking page's; a message that fails
  // them is answered with how to write it, a state that forbids it with why.
  absl::StatusOr<v1::Complaint> done;
  v1::TextMessageOutcome outcome = v1::TEXT_MESSAGE_OUTCOME_UNSPECIFIED;
  switch (parsed.command) {
    case TextCommand::kCek: {
      SKK_ASSIGN_OR_RETURN(v1::Complaint complaint, complaints_.Track(ticket, *token, ""));
      return Reply(v1::TEXT_MESSAGE_OUTCOME_STATUS, StatusReply(complaint, zone_), ticket);
    }
    case TextCommand::kInfo: {
      v1::AddInfoRequest info;
      info.set_ticket(ticket);
      info.set_tracking_token(*token);
      info.set_text(parsed.body);
      if (!ValidateAddInfo(info, rules_).empty()) break;
      done = complaints_.AddInfo(info, "");
      outcome = v1::TEXT_MESSAGE_OUTCOME_INFO_ADDED;
      break;
    }
    case TextCommand::kRate: {
      v1::RateRequest rate;
      rate.set_ticket(ticket);
      rate.set_tracking_token(*token);
      rate.set_stars(parsed.stars);
      rate.set_comment(parsed.body);
      if (!ValidateRate(rate).empty()) break;
      done = complaints_.Rate(rate, "");
      outcome = v1::TEXT_MESSAGE_OUTCOME_RATED;
      break;
    }
    case TextCommand::kReopen: {
      v1::ReopenRequest reopen;
      reopen.set_ticket(ticket);
      reopen.set_tracking_token(*token);
      reopen.set_reason(parsed.body);
      if (!ValidateReopen(reopen).empty()) break;
      done = complaints_.Reopen(reopen, "");
      outcome = v1::TEXT_MESSAGE_OUTCOME_REOPENED;
      break;
    }
    default:
      break;
  }
  if (outcome == v1::TEXT_MESSAGE_OUTCOME_UNSPECIFIED) {
    return Reply(v1::TEXT_MESSAGE_OUTCOME_HELP, UsageReply(parsed.command), ticket);
  }
  if (absl::IsFailedPrecondition(done.status())) {
    return Reply(
        v1::TEXT_MESSAGE_OUTCOME_NOT_ALLOWED,
        parsed.command == TextCommand::kInfo ? NotAskedReply(ticket) : NotResolvedReply(ticket),
        ticket);
  }
  SKK_RETURN_IF_ERROR(done.status());
  std::string reply = outcome == v1::TEXT_MESSAGE_OUTCOME_INFO_ADDED ? InfoAddedReply(*done)
                      : outcome == v1::TEXT_MESSAGE_OUTCOME_RATED ? RatedReply(ticket, parsed.stars)
                                                                  : ReopenedReply(*done);
  return Reply(outcome, std::move(reply), ticket);
}

absl::StatusOr<v1::ReceiveTextMessageResponse> TextDesk::Gather(
    PgConnection& tx, const std::string& phone, const std::string& channel, bool starts,
    const std::string& body, absl::Time now) {
  SKK_ASSIGN_OR_RETURN(PgResult open, tx.Execute(kOpenDraft, {SqlParam::Text(phone),
                                                              SqlParam::Time(now - gather_)}));
  if (open.rows() > 0) {
    const std::string draft = open.Row(0).String("draft_id");
    if (body.empty()) {
      return Reply(v1::TEXT_MESSAGE_OUTCOME_GATHERING,
                   GatheringReply(city_.city_name(), gather_, false));
    }
    if (open.Row(0).Int("chars") + 1 + static_cast<int64_t>(Chars(body)) <= kMaxDescriptionChars) {
      SKK_RETURN_IF_ERROR(tx.Execute(kExtendDraft, {SqlParam::Text(draft), SqlParam::Text(body),
                                                    SqlParam::Time(now)})
                              .status());
      return Reply(v1::TEXT_MESSAGE_OUTCOME_GATHERING,
                   GatheringReply(city_.city_name(), gather_, false));
    }
    // Full: this part starts the next complaint of the number.
    SKK_RETURN_IF_ERROR(tx.Execute(kEndDraft, {SqlParam::Text(draft)}).status());
    starts = true;
  }
  if (!starts || body.empty()) {
    return Reply(v1::TEXT_MESSAGE_OUTCOME_HELP, HelpReply(city_.city_name()));
  }
  SKK_RETURN_IF_ERROR(
      tx.Execute(kNewDraft, {SqlParam::Text(NewUuid()), SqlParam::Text(phone),
                             SqlParam::Text(channel), SqlParam::Text(body), SqlParam::Time(now)})
          .status());
  return Reply(v1::TEXT_MESSAGE_OUTCOME_GATHERING,
               GatheringReply(city_.city_name(), gather_, true));
}

absl::StatusOr<int> TextDesk::SubmitGathered() {
  const absl::Time now = clock_.Now();
  int submitted = 0;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    submitted = 0;
    SKK_ASSIGN_OR_RETURN(PgResult quiet, tx.Execute(kQuietDrafts, {SqlParam::Time(now - gather_)}));
    for (PgRow draft : quiet) {
      // A draft that cannot be submitted now (the number's complaints per hour, a service
      // away) stays, and the next pass tries again; the others go on.
      if (absl::Status done = SubmitDraft(draft); !done.ok()) {
        log::Warn("gathered complaint not submitted yet",
                  {{"draft_id", draft.String("draft_id")}, {"error", std::string(done.message())}});
        continue;
      }
      SKK_RETURN_IF_ERROR(
          tx.Execute(kDropDraft, {SqlParam::Text(draft.String("draft_id"))}).status());
      ++submitted;
    }
    return tx.Execute(kDropOldMessages, {SqlParam::Time(now - kKeepMessages)}).status();
  }));
  return submitted;
}

absl::Status TextDesk::SubmitDraft(const PgRow& draft) {
  const std::string body = draft.String("body");
  v1::SubmitComplaintRequest request;
  request.set_category(CategoryFromWords(body, city_, city_.text_messaging().fallback_category()));
  request.set_description(body);
  request.set_channel(draft.String("channel") == "whatsapp" ? v1::CHANNEL_WHATSAPP
                                                            : v1::CHANNEL_SMS);
  // The same draft submitted again (after a crash, or by another replica) is the same complaint.
  request.set_idempotency_key(absl::StrCat("text:", draft.String("draft_id")));
  request.mutable_reporter()->set_phone(draft.String("phone"));
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateSubmission(request, rules_)));
  SKK_ASSIGN_OR_RETURN(v1::SubmitComplaintResponse response, complaints_.Submit(request, ""));
  log::Info("gathered text messages submitted", {{"complaint_id", response.complaint_id()},
                                                 {"ticket", response.ticket()},
                                                 {"draft_id", draft.String("draft_id")},
                                                 {"category", request.category()}});
  return absl::OkStatus();
}

absl::Status TextDesk::EraseNumber(PgConnection& tx, const std::string& phone) {
  if (phone.empty()) return absl::OkStatus();
  SKK_RETURN_IF_ERROR(tx.Execute(kEraseMessages, {SqlParam::Text(phone)}).status());
  return tx.Execute(kEraseDrafts, {SqlParam::Text(phone)}).status();
}

}  // namespace skk::intake

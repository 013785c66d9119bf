#include "services/intake/complaints.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "services/intake/citizen_words.h"
#include "services/intake/public_complaints.h"
#include "services/intake/validation.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/secrets.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

constexpr SqlStatement kFindByIdempotencyKey{"intake_find_by_key", R"sql(
  SELECT complaint_id, ticket, submitted_at FROM complaints WHERE idempotency_key = $1)sql"};

// A block of ticket numbers: the sequence's next value and its increment (migration 004 sets
// it), read together so the block size is the sequence's own, never a copy that could drift.
constexpr SqlStatement kNextTicketBlock{"intake_next_ticket_block", R"sql(
  SELECT nextval('ticket_seq') AS first,
         (SELECT increment_by FROM pg_sequences
          WHERE schemaname = current_schema() AND sequencename = 'ticket_seq') AS size)sql"};

constexpr SqlStatement kInsertTimeline{"intake_insert_timeline", R"sql(
  INSERT INTO complaint_timeline (complaint_id, at, kind, text) VALUES ($1, $2, $3, $4))sql"};

// The citizen's view in one statement (one snapshot, one round trip, no transaction): the
// complaint, its photos and its timeline. The timeline is in business-time order: sla's events
// are not in the case's chain and arrive in any order with routing's, so the order entries
// were written in is not the order things happened in. Entries of one instant keep the order
// they were written in (a case's events are written in the case's order).
constexpr SqlStatement kSelectView{"intake_select_view_v4", R"sql(
  SELECT c.complaint_id, c.ticket, c.category, c.description, c.latitude, c.longitude,
         c.submitted_at, c.state, c.agency_code, c.agency_name, c.first_response_due_at,
         c.escalation_level, c.address, c.rating, c.resolved_at, c.close_due_at,
         c.merged_into_ticket,
         (SELECT k.tracking_id FROM lapor_links k WHERE k.complaint_id = c.complaint_id)
           AS lapor_tracking_id,
         ARRAY(SELECT m.media_id FROM media m WHERE m.complaint_id = c.complaint_id
               ORDER BY m.stored_at, m.media_id) AS media_ids,
         t.at_micros, t.kinds, t.texts
  FROM complaints c
  CROSS JOIN LATERAL (
    SELECT array_agg((extract(epoch FROM l.at) * 1000000)::bigint::text ORDER BY l.at, l.id)
               AS at_micros,
           array_agg(l.kind ORDER BY l.at, l.id) AS kinds,
           array_agg(l.text ORDER BY l.at, l.id) AS texts
    FROM complaint_timeline l WHERE l.complaint_id = c.complaint_id) t
  WHERE c.ticket = $1)sql"};

constexpr SqlStatement kFindByTicket{"intake_find_by_ticket", R"sql(
  SELECT complaint_id FROM complaints WHERE ticket = $1)sql"};

constexpr SqlStatement kFindByReporterPhone{"intake_find_by_reporter_phone", R"sql(
  SELECT c.complaint_id FROM complaints c JOIN reporters r USING (complaint_id)
  WHERE c.ticket = $1 AND r.phone = $2)sql"};

constexpr SqlStatement kLockComplaint{"intake_lock_complaint_v2", R"sql(
  SELECT state, resolved_at, close_due_at, rating IS NOT NULL AS rated
  FROM complaints WHERE complaint_id = $1 FOR UPDATE)sql"};

constexpr SqlStatement kSetState{"intake_set_state", R"sql(
  UPDATE complaints SET state = $2, state_changed_at = $3, updated_at = $3
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kSetRating{"intake_set_rating", R"sql(
  UPDATE complaints SET rating = $2, rating_comment = $3, updated_at = $4
  WHERE complaint_id = $1)sql"};

// complaints.state holds the sambat.v1.CaseState number (migration 009).
sambat::v1::CaseState StateOf(const PgRow& row) {
  return static_cast<sambat::v1::CaseState>(row.Int("state"));
}

std::vector<std::string> Ids(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

// The key a reporter is counted under: who they are, not how they typed it.
std::string ReporterKey(const sambat::v1::Reporter& r) {
  if (!r.phone().empty()) return NormalizePhone(r.phone());
  return absl::AsciiStrToLower(r.email());
}

}  // namespace

absl::Status AddTimeline(PgConnection& tx, const std::string& complaint_id, absl::Time at,
                         const std::string& kind, const std::string& text) {
  return tx.Execute(kInsertTimeline, {SqlParam::Text(complaint_id), SqlParam::Time(at),
                                      SqlParam::Text(kind), SqlParam::Text(text)})
      .status();
}

Complaints::Complaints(PgPool& pool, Clock& clock, const sambat::v1::CityConfig& city,
                       MediaStore& media, RateLimiter& limiter, Options options)
    : pool_(pool),
      clock_(clock),
      media_(media),
      limiter_(limiter),
      options_(std::move(options)),
      ticket_prefix_(city.ticket_prefix()) {
  SKK_CHECK(absl::LoadTimeZone(city.time_zone(), &zone_), "city time zone was validated");
}

std::string Complaints::TokenFor(const std::string& complaint_id) const {
  // 128 bits of the MAC: unguessable, and short enough to fit a tracking link in an SMS.
  return HmacSha256Hex(options_.tracking_secret, complaint_id).substr(0, 32);
}

absl::StatusOr<int64_t> Complaints::NextTicketNumber() {
  std::lock_guard lock(ticket_mu_);
  if (next_ticket_ >= ticket_block_end_) {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_ASSIGN_OR_RETURN(PgResult block, conn->Execute(kNextTicketBlock));
    next_ticket_ = block.Row(0).Int("first");
    ticket_block_end_ = next_ticket_ + block.Row(0).Int("size");
  }
  return next_ticket_++;
}

absl::StatusOr<std::optional<sambat::v1::SubmitComplaintResponse>> Complaints::FindSubmission(
    const std::string& key) {
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult existing, conn->Execute(kFindByIdempotencyKey,
                                                        {SqlParam::Text(key)}));
  if (existing.rows() != 1) return std::nullopt;
  sambat::v1::SubmitComplaintResponse response;
  const PgRow found = existing.Row(0);
  response.set_complaint_id(found.String("complaint_id"));
  response.set_ticket(found.String("ticket"));
  *response.mutable_submitted_at() = ToProtoTime(found.Time("submitted_at"));
  response.set_duplicate(true);
  response.set_tracking_token(TokenFor(response.complaint_id()));
  return response;
}

absl::StatusOr<sambat::v1::SubmitComplaintResponse> Complaints::Submit(
    const sambat::v1::SubmitComplaintRequest& request, const std::string& peer,
    const LaporDisposed& disposed) {
  // LAPOR's dispositions are the city's own work list, not a stranger's calls: no limit.
  const bool limited = disposed.tracking_id.empty();
  const RateLimiter::Submitter submitter{
      .reporter = ReporterKey(request.reporter()), .device = request.device_id(), .peer = peer};
  const std::string& key = request.idempotency_key();

  // The limit is counted first and given back if the request turns out to be a retry: one
  // round trip to Redis instead of a database lookup before every new complaint.
  if (absl::Status admitted = limited ? limiter_.Admit(submitter) : absl::OkStatus();
      !admitted.ok()) {
    // A citizen retrying a complaint we stored gets the ticket, whatever the limit says.
    if (!key.empty()) {
      SKK_ASSIGN_OR_RETURN(auto existing, FindSubmission(key));
      if (existing.has_value()) return *std::move(existing);
    }
    return admitted;
  }

  const absl::Time now = clock_.Now();
  auto ticket_number = NextTicketNumber();
  if (!ticket_number.ok()) {
    if (limited) limiter_.Refund(submitter);
    return ticket_number.status();
  }
  SubmissionRow row = NewSubmission(request, *ticket_number, now, disposed);
  const absl::StatusOr<bool> stored = Store(row, request);
  if (limited && (!stored.ok() || !*stored)) limiter_.Refund(submitter);
  SKK_RETURN_IF_ERROR(stored.status());

  sambat::v1::SubmitComplaintResponse response;
  if (*stored) {
    response.set_complaint_id(row.complaint_id);
    response.set_ticket(row.ticket);
    *response.mutable_submitted_at() = ToProtoTime(now);
    response.set_tracking_token(TokenFor(row.complaint_id));
  } else {
    // A retry with a key already stored (perhaps by a concurrent retry that committed first).
    SKK_ASSIGN_OR_RETURN(auto existing, FindSubmission(key));
    if (!existing.has_value()) return absl::AbortedError("idempotency key race; retry");
    response = *std::move(existing);
  }
  log::Info(response.duplicate() ? "complaint resubmitted" : "complaint submitted",
            {{"complaint_id", response.complaint_id()}, {"ticket", response.ticket()},
             {"category", request.category()}, {"photos", request.media_ids_size()}});
  return response;
}

SubmissionRow Complaints::NewSubmission(const sambat::v1::SubmitComplaintRequest& request,
                                        int64_t ticket_number, absl::Time now,
                                        const LaporDisposed& disposed) const {
  const sambat::v1::Reporter& reporter = request.reporter();
  const sambat::v1::Channel channel = request.channel() == sambat::v1::CHANNEL_UNSPECIFIED
                                          ? sambat::v1::CHANNEL_APP
                                          : request.channel();
  auto optional_text = [](const std::string& s) -> std::optional<std::string> {
    if (s.empty()) return std::nullopt;
    return s;
  };
  SubmissionRow row;
  row.complaint_id = NewUuid();
  row.ticket = absl::StrFormat("%s-%s-%06d", ticket_prefix_, absl::FormatTime("%Y", now, zone_),
                               ticket_number);
  row.idempotency_key = optional_text(request.idempotency_key());
  row.category = request.category();
  row.description = request.description();
  if (absl::StripAsciiWhitespace(row.description).empty() && !request.join_ticket().empty()) {
    // A citizen who joins a complaint found nearby need not describe it again; the agency and
    // the audit trail still read what this complaint is.
    row.description = absl::StrCat("Ikut melaporkan pengaduan ", request.join_ticket(),
                                   " yang ditemukan di dekat lokasi.");
  }
  if (request.has_location()) {
    row.latitude = request.location().latitude();
    row.longitude = request.location().longitude();
  }
  row.address = optional_text(request.address());
  row.channel = sambat::v1::Channel_Name(channel);
  row.volunteer_id = optional_text(request.volunteer_id());
  row.anonymous = reporter.anonymous();
  row.confidential = request.confidential();
  row.submitted_at = now;
  const std::string phone = NormalizePhone(reporter.phone());
  row.has_reporter = !phone.empty() || !reporter.email().empty() || !reporter.name().empty();
  row.reporter_name = optional_text(reporter.name());
  row.reporter_phone = optional_text(phone);
  row.reporter_email = optional_text(reporter.email());
  row.timeline_text = absl::StrCat("Pengaduan diterima dengan nomor tiket ", row.ticket);
  if (!disposed.tracking_id.empty()) {
    row.lapor_direction = "import";
    row.lapor_tracking_id = disposed.tracking_id;
    row.timeline_text = absl::StrCat("Pengaduan dari SP4N-LAPOR! (nomor pelacakan ",
                                     disposed.tracking_id, ") diterima dengan nomor tiket ",
                                     row.ticket);
  } else if (options_.lapor_export && request.join_ticket().empty()) {
    // A citizen who joined a complaint found nearby adds no complaint of their own to LAPOR.
    row.lapor_direction = "export";
  }
  AddSubmissionEvents(row, request, phone);
  if (!disposed.agency_code.empty()) {
    row.events.front().mutable_complaint_submitted()->set_disposed_to_agency(disposed.agency_code);
  }
  return row;
}

void Complaints::AddSubmissionEvents(SubmissionRow& row,
                                     const sambat::v1::SubmitComplaintRequest& request,
                                     const std::string& phone) {
  const sambat::v1::Reporter& reporter = request.reporter();
  sambat::v1::Event event =
      NewEvent(kComplaintSubmitted, row.complaint_id, row.submitted_at, "intake", nullptr);
  event.set_actor("citizen");
  auto* submitted = event.mutable_complaint_submitted();
  submitted->set_ticket(row.ticket);
  submitted->set_category(request.category());
  submitted->set_description(row.description);
  if (request.has_location()) *submitted->mutable_location() = request.location();
  *submitted->mutable_submitted_at() = ToProtoTime(row.submitted_at);
  submitted->set_address(request.address());
  *submitted->mutable_media_ids() = request.media_ids();
  submitted->set_channel(row.channel);
  submitted->set_volunteer_id(request.volunteer_id());
  submitted->set_anonymous(reporter.anonymous());
  submitted->set_confidential(request.confidential());
  submitted->set_join_ticket(request.join_ticket());
  row.events.push_back(event);
  // The contact travels in its own event, bound only to the notification service's queue.
  if (phone.empty() && reporter.email().empty()) return;
  sambat::v1::Event contact =
      NewEvent(kReporterContact, row.complaint_id, row.submitted_at, "intake", &event);
  contact.set_actor("citizen");
  auto* c = contact.mutable_reporter_contact();
  c->set_ticket(row.ticket);
  c->set_name(reporter.anonymous() ? "" : reporter.name());
  c->set_phone(phone);
  c->set_email(reporter.email());
  c->set_by_text(request.channel() == sambat::v1::CHANNEL_SMS ||
                 request.channel() == sambat::v1::CHANNEL_WHATSAPP);
  row.events.push_back(std::move(contact));
}

absl::StatusOr<bool> Complaints::Store(SubmissionRow& row,
                                       const sambat::v1::SubmitComplaintRequest& request) {
  if (request.media_ids().empty() && options_.writer != nullptr) {
    return options_.writer->Write(row);
  }
  // Photos are attached in the same transaction: they must exist and belong to no one else.
  bool written = false;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(std::vector<bool> result, WriteSubmissions(tx, {&row}));
    written = result[0];
    if (!written) return absl::OkStatus();
    return media_.Attach(tx, row.complaint_id, Ids(request.media_ids()), "media_ids");
  }));
  return written;
}

absl::StatusOr<std::string> Complaints::TokenForReporter(const std::string& ticket,
                                                         const std::string& phone) {
  if (phone.empty()) return absl::NotFoundError("no complaint with this ticket and number");
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult row, conn->Execute(kFindByReporterPhone,
                                                   {SqlParam::Text(ticket), SqlParam::Text(phone)}));
  if (row.rows() == 0) return absl::NotFoundError("no complaint with this ticket and number");
  return TokenFor(row.Row(0).String("complaint_id"));
}

absl::StatusOr<std::string> Complaints::Authorize(PgConnection& conn, const std::string& ticket,
                                                  const std::string& token) {
  // One answer for an unknown ticket and a wrong token: a stranger learns nothing.
  const absl::Status not_found = absl::NotFoundError("no complaint with this ticket and token");
  SKK_ASSIGN_OR_RETURN(PgResult row, conn.Execute(kFindByTicket, {SqlParam::Text(ticket)}));
  if (row.rows() == 0) return not_found;
  std::string complaint_id = row.Row(0).String("complaint_id");
  if (!ConstantTimeEquals(TokenFor(complaint_id), token)) return not_found;
  return complaint_id;
}

absl::StatusOr<Complaints::Locked> Complaints::Lock(PgConnection& tx,
                                                    const std::string& complaint_id) {
  SKK_ASSIGN_OR_RETURN(PgResult row, tx.Execute(kLockComplaint, {SqlParam::Text(complaint_id)}));
  if (row.rows() == 0) return absl::NotFoundError("no complaint with this ticket and token");
  Locked locked;
  locked.complaint_id = complaint_id;
  const PgRow complaint = row.Row(0);
  locked.state = StateOf(complaint);
  if (const auto resolved = complaint.OptionalTime("resolved_at")) locked.resolved_at = *resolved;
  locked.close_due_at = complaint.OptionalTime("close_due_at");
  locked.rated = complaint.Bool("rated");
  return locked;
}

absl::StatusOr<std::string> Complaints::Authorized(const std::string& ticket,
                                                   const std::string& token,
                                                   const std::string& peer) {
  SKK_RETURN_IF_ERROR(limiter_.AdmitTracking(peer));
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  return Authorize(*conn, ticket, token);
}

absl::StatusOr<sambat::v1::Complaint> Complaints::Track(const std::string& ticket,
                                                        const std::string& token,
                                                        const std::string& peer) {
  SKK_RETURN_IF_ERROR(limiter_.AdmitTracking(peer));
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  absl::StatusOr<sambat::v1::Complaint> view = Load(*conn, ticket);
  // One answer for an unknown ticket and a wrong token: a stranger learns nothing.
  if (!view.ok() || !ConstantTimeEquals(TokenFor(view->complaint_id()), token)) {
    if (!view.ok() && !absl::IsNotFound(view.status())) return view.status();
    return absl::NotFoundError("no complaint with this ticket and token");
  }
  return view;
}

absl::StatusOr<sambat::v1::Complaint> Complaints::Load(PgConnection& conn,
                                                       const std::string& ticket) {
  SKK_ASSIGN_OR_RETURN(PgResult found, conn.Execute(kSelectView, {SqlParam::Text(ticket)}));
  if (found.rows() == 0) return absl::NotFoundError("no complaint with this ticket and token");
  const PgRow row = found.Row(0);
  sambat::v1::Complaint c;
  c.set_complaint_id(row.String("complaint_id"));
  c.set_ticket(row.String("ticket"));
  c.set_category(row.String("category"));
  c.set_description(row.String("description"));
  if (!row.IsNull("latitude")) {
    c.mutable_location()->set_latitude(row.Double("latitude"));
    c.mutable_location()->set_longitude(row.Double("longitude"));
  }
  *c.mutable_submitted_at() = ToProtoTime(row.Time("submitted_at"));
  c.set_state(StateOf(row));
  c.set_agency_code(row.String("agency_code"));
  c.set_agency_name(row.String("agency_name"));
  if (const auto due = row.OptionalTime("first_response_due_at")) {
    *c.mutable_first_response_due_at() = ToProtoTime(*due);
  }
  c.set_escalation_level(static_cast<int32_t>(row.Int("escalation_level")));
  c.set_address(row.String("address"));
  c.set_rating(static_cast<int32_t>(row.OptionalInt("rating").value_or(0)));
  const auto resolved = row.OptionalTime("resolved_at");
  if (resolved.has_value() && c.state() == sambat::v1::CASE_STATE_RESOLVED) {
    *c.mutable_reopen_until() =
        ToProtoTime(ReopenUntil(*resolved, row.OptionalTime("close_due_at")));
  }
  c.set_status_text(StatusText(c.state(), c.agency_name(), c.escalation_level()));
  if (!row.IsNull("lapor_tracking_id")) c.set_lapor_tracking_id(row.String("lapor_tracking_id"));
  if (c.state() == sambat::v1::CASE_STATE_MERGED && !row.IsNull("merged_into_ticket")) {
    // The citizen follows the complaint theirs joined, as the public sees it.
    SKK_ASSIGN_OR_RETURN(const auto original,
                         PublicComplaintByTicket(conn, row.String("merged_into_ticket")));
    if (original.has_value()) *c.mutable_merged_into() = *original;
  }
  for (std::string& media_id : row.TextArray("media_ids")) c.add_media_ids(std::move(media_id));
  const std::vector<std::string> at = row.TextArray("at_micros");
  const std::vector<std::string> kinds = row.TextArray("kinds");
  const std::vector<std::string> texts = row.TextArray("texts");
  if (kinds.size() != at.size() || texts.size() != at.size()) {
    return absl::InternalError(absl::StrCat("complaint ", c.complaint_id(),
                                            ": the timeline's columns differ in length"));
  }
  for (size_t i = 0; i < at.size(); ++i) {
    int64_t micros = 0;
    if (!absl::SimpleAtoi(at[i], &micros)) {
      return absl::InternalError(absl::StrCat("complaint ", c.complaint_id(),
                                              ": a timeline time is not a number: ", at[i]));
    }
    auto* entry = c.add_timeline();
    *entry->mutable_at() = ToProtoTime(absl::FromUnixMicros(micros));
    entry->set_kind(kinds[i]);
    entry->set_text(texts[i]);
  }
  return c;
}

absl::StatusOr<sambat::v1::Complaint> Complaints::FollowUp(
    const std::string& ticket, const std::string& token, const std::string& peer,
    const std::function<absl::Status(PgConnection&, const Locked&, absl::Time)>& body) {
  SKK_RETURN_IF_ERROR(limiter_.AdmitTracking(peer));
  sambat::v1::Complaint view;
  const absl::Time now = clock_.Now();
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(const std::string complaint_id, Authorize(tx, ticket, token));
    SKK_ASSIGN_OR_RETURN(Locked locked, Lock(tx, complaint_id));
    SKK_RETURN_IF_ERROR(body(tx, locked, now));
    SKK_ASSIGN_OR_RETURN(view, Load(tx, ticket));
    return absl::OkStatus();
  }));
  return view;
}

absl::StatusOr<sambat::v1::Complaint> Complaints::AddInfo(const sambat::v1::AddInfoRequest& request,
                                                     const std::string& peer) {
  return FollowUp(request.ticket(), request.tracking_token(), peer,
                  [&](PgConnection& tx, const Locked& c, absl::Time now) -> absl::Status {
    if (c.state != sambat::v1::CASE_STATE_WAITING_CITIZEN) {
      return absl::FailedPreconditionError(
          "the agency has not asked for more information on this complaint");
    }
    SKK_RETURN_IF_ERROR(media_.Attach(tx, c.complaint_id, Ids(request.media_ids()), "media_ids"));
    SKK_RETURN_IF_ERROR(tx.Execute(kSetState, {SqlParam::Text(c.complaint_id),
                                               SqlParam::Int(sambat::v1::CASE_STATE_IN_PROGRESS),
                                               SqlParam::Time(now)})
                            .status());
    SKK_RETURN_IF_ERROR(AddTimeline(tx, c.complaint_id, now, "info_added",
                                    "Anda menambahkan informasi yang diminta"));
    sambat::v1::Event event = NewEvent(kInfoAdded, c.complaint_id, now, "intake", nullptr);
    event.mutable_info_added()->set_ticket(request.ticket());
    event.mutable_info_added()->set_text(request.text());
    *event.mutable_info_added()->mutable_media_ids() = request.media_ids();
    return EnqueueEvent(tx, event);
  });
}

absl::StatusOr<sambat::v1::Complaint> Complaints::Rate(const sambat::v1::RateRequest& request,
                                                     const std::string& peer) {
  return FollowUp(request.ticket(), request.tracking_token(), peer,
                  [&](PgConnection& tx, const Locked& c, absl::Time now) -> absl::Status {
    if (c.state != sambat::v1::CASE_STATE_RESOLVED &&
        !(c.state == sambat::v1::CASE_STATE_CLOSED && c.resolved_at != absl::InfinitePast())) {
      return absl::FailedPreconditionError("a complaint can be rated once it is resolved");
    }
    if (c.rated) return absl::FailedPreconditionError("this complaint was already rated");
    SKK_RETURN_IF_ERROR(tx.Execute(kSetRating, {SqlParam::Text(c.complaint_id),
                                                SqlParam::Int(request.stars()),
                                                SqlParam::Text(request.comment()),
                                                SqlParam::Time(now)})
                            .status());
    SKK_RETURN_IF_ERROR(AddTimeline(tx, c.complaint_id, now, "rated",
                                    absl::StrCat("Anda memberi nilai ", request.stars(), " dari 5")));
    sambat::v1::Event event = NewEvent(kRated, c.complaint_id, now, "intake", nullptr);
    event.mutable_rated()->set_ticket(request.ticket());
    event.mutable_rated()->set_stars(request.stars());
    event.mutable_rated()->set_comment(request.comment());
    return EnqueueEvent(tx, event);
  });
}

absl::StatusOr<sambat::v1::Complaint> Complaints::Reopen(const sambat::v1::ReopenRequest& request,
                                                     const std::string& peer) {
  return FollowUp(request.ticket(), request.tracking_token(), peer,
                  [&](PgConnection& tx, const Locked& c, absl::Time now) -> absl::Status {
    if (c.state != sambat::v1::CASE_STATE_RESOLVED) {
      return absl::FailedPreconditionError("only a resolved complaint can be reopened");
    }
    const absl::Time until = ReopenUntil(c.resolved_at, c.close_due_at);
    if (now > until) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the time to reopen ended on ", absl::FormatTime("%d-%m-%Y %H:%M %Z", until, zone_)));
    }
    SKK_RETURN_IF_ERROR(tx.Execute(kSetState, {SqlParam::Text(c.complaint_id),
                                               SqlParam::Int(sambat::v1::CASE_STATE_REOPENED),
                                               SqlParam::Time(now)})
                            .status());
    SKK_RETURN_IF_ERROR(AddTimeline(tx, c.complaint_id, now, "reopened",
                                    "Anda membuka kembali pengaduan ini"));
    sambat::v1::Event event = NewEvent(kReopenRequested, c.complaint_id, now, "intake", nullptr);
    event.mutable_reopen_requested()->set_ticket(request.ticket());
    event.mutable_reopen_requested()->set_reason(request.reason());
    return EnqueueEvent(tx, event);
  });
}

}  // namespace skk::intake

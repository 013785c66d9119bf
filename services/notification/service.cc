#include "services/notification/service.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "services/notification/escaping.h"
#include "services/notification/store.h"
#include "services/platform/errors.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"

namespace skk::notification {
namespace {

absl::Status RequireAdmin(const Caller& caller) {
  if (caller.role != StaffRole::kAdmin) {
    return absl::PermissionDeniedError("only an administrator may do this");
  }
  return absl::OkStatus();
}

absl::Status CheckRecipient(const sambat::v1::Recipient& r, const Settings& settings) {
  std::vector<FieldViolation> v;
  if (r.id().empty() || r.id().size() > 200 || r.id().rfind("citizen:", 0) == 0) {
    v.push_back({"id", "must be 1 to 200 characters and not start with citizen:"});
  }
  if (r.role() != "humas" && r.role() != "head" && r.role() != "leadership") {
    v.push_back({"role", "must be humas, head or leadership"});
  }
  if (r.role() != "leadership" && !settings.render.agency_names.contains(r.agency_code())) {
    v.push_back({"agency_code", "must name a configured agency"});
  }
  if (r.role() == "leadership" && !r.agency_code().empty()) {
    v.push_back({"agency_code", "must be empty for leadership"});
  }
  if (r.name().empty()) v.push_back({"name", "is required"});
  if (!r.locale().empty() && r.locale() != "id" && r.locale() != "en") {
    v.push_back({"locale", "must be id or en"});
  }
  static const std::set<std::string> kChannels = {kEmail, kSms, kWhatsApp, kInbox};
  for (int i = 0; i < r.channels_size(); ++i) {
    if (!kChannels.contains(r.channels(i))) {
      v.push_back({absl::StrCat("channels[", i, "]"), "must be inbox, email, whatsapp or sms"});
    }
  }
  if (r.email().find_first_of("\r\n<>, ") != std::string::npos) {
    v.push_back({"email", "is not an email address"});
  }
  int minute = 0;
  if (!r.quiet_start().empty() && !ParseClockMinute(r.quiet_start(), &minute)) {
    v.push_back({"quiet_start", "must be HH:MM"});
  }
  if (!r.quiet_end().empty() && !ParseClockMinute(r.quiet_end(), &minute)) {
    v.push_back({"quiet_end", "must be HH:MM"});
  }
  if (r.quiet_start().empty() != r.quiet_end().empty()) {
    v.push_back({"quiet_end", "quiet hours need both a start and an end"});
  }
  return InvalidFields(v);
}

}  // namespace

absl::StatusOr<sambat::v1::ListNotificationsResponse> NotificationApi::List(
    const Caller& caller, const sambat::v1::ListNotificationsRequest& request) {
  if (!IsUuid(request.complaint_id())) {
    return InvalidFields({{"complaint_id", "must be a complaint id (UUID)"}});
  }
  // A citizen's pass is for one complaint: any other is as absent as one that never existed.
  const bool citizen = caller.role == StaffRole::kCitizen;
  if (citizen && caller.subject != request.complaint_id()) {
    return absl::NotFoundError(absl::StrCat("no complaint ", request.complaint_id()));
  }
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  // Officers and agency heads read their own agency's complaints only, as GetCase does: another
  // agency's complaint, and one not routed yet, is exactly as absent as one that never existed.
  if (RoleHasAgency(caller.role)) {
    SKK_ASSIGN_OR_RETURN(std::optional<std::string> agency,
                         CaseAgency(*conn, request.complaint_id()));
    if (!agency.has_value() || *agency != caller.agency_code) {
      return absl::NotFoundError(absl::StrCat("no complaint ", request.complaint_id()));
    }
  }
  SKK_ASSIGN_OR_RETURN(auto list, ListByComplaint(*conn, request.complaint_id()));
  const bool admin = caller.role == StaffRole::kAdmin;
  sambat::v1::ListNotificationsResponse response;
  for (auto& n : list) {
    // The citizen hears what was sent to them, not what the agency and leadership were told,
    // and not why a delivery failed (that is the operator's to read).
    if (citizen) {
      if (n.recipient_role() != "citizen") continue;
      n.clear_last_error();
      n.clear_recipient_id();
    }
    // A citizen's phone and email are theirs: only an administrator sees them whole. Nor do
    // officers, heads or leadership learn who the citizen is from the log: an anonymous
    // complaint's agency never sees who sent it (design.md), and the log needs no name to
    // show that the citizen was told. The citizen sees their own address masked too: a
    // tracking link passed on must not hand over their phone number.
    if (n.recipient_role() == "citizen" && !admin) {
      n.set_address(MaskAddress(n.address()));
      n.set_recipient_name(kCitizenWithoutName);
    }
    *response.add_notifications() = std::move(n);
  }
  return response;
}

absl::StatusOr<sambat::v1::ListInboxResponse> NotificationApi::Inbox(
    const Caller& caller, const sambat::v1::ListInboxRequest& r) {
  const int limit = r.limit() <= 0 || r.limit() > 200 ? 200 : r.limit();
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  return ListInbox(*conn, caller.subject, r.unread_only(), limit);
}

absl::StatusOr<sambat::v1::MarkReadResponse> NotificationApi::MarkRead(
    const Caller& caller, const sambat::v1::MarkReadRequest& r) {
  std::vector<std::string> ids(r.ids().begin(), r.ids().end());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!IsUuid(ids[i])) return InvalidFields({{absl::StrCat("ids[", i, "]"), "must be a message id"}});
  }
  if (ids.empty() || ids.size() > 500) {
    return InvalidFields({{"ids", "must name 1 to 500 messages"}});
  }
  int marked = 0;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(marked, notification::MarkRead(tx, caller.subject, ids, clock_.Now()));
    return absl::OkStatus();
  }));
  // Another person's message is as absent as one that never existed.
  if (marked != static_cast<int>(ids.size())) {
    return absl::NotFoundError("one or more messages are not in your inbox");
  }
  sambat::v1::MarkReadResponse response;
  response.set_marked(marked);
  return response;
}

absl::StatusOr<sambat::v1::Recipient> NotificationApi::Upsert(const Caller& caller,
                                                              const sambat::v1::Recipient& r) {
  SKK_RETURN_IF_ERROR(RequireAdmin(caller));
  SKK_RETURN_IF_ERROR(CheckRecipient(r, desk_.settings()));
  sambat::v1::Recipient row = r;
  if (row.locale().empty()) row.set_locale(desk_.settings().default_locale);
  if (row.channels().empty()) {
    for (const auto& c : desk_.settings().staff_channels) row.add_channels(c);
  }
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) {
    return WriteRecipient(tx, row, /*from_config=*/false, clock_.Now());
  }));
  log::Info("recipient upserted", {{"recipient", row.id()}, {"by", caller.subject}});
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(auto stored, LoadRecipient(*conn, row.id()));
  if (!stored.has_value()) return absl::InternalError("recipient vanished after upsert");
  return *stored;
}

absl::StatusOr<sambat::v1::ListRecipientsResponse> NotificationApi::ListRecipients(
    const Caller& caller, const sambat::v1::ListRecipientsRequest&) {
  SKK_RETURN_IF_ERROR(RequireAdmin(caller));
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(auto list, AllRecipients(*conn));
  sambat::v1::ListRecipientsResponse response;
  for (auto& r : list) *response.add_recipients() = std::move(r);
  return response;
}

absl::StatusOr<sambat::v1::ListDeadLettersResponse> NotificationApi::DeadLetters(
    const Caller& caller, const sambat::v1::ListDeadLettersRequest& r) {
  SKK_RETURN_IF_ERROR(RequireAdmin(caller));
  const int limit = r.limit() <= 0 || r.limit() > 1000 ? 1000 : r.limit();
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(auto list, ListDead(*conn, limit));
  sambat::v1::ListDeadLettersResponse response;
  for (auto& n : list) *response.add_dead_letters() = std::move(n);
  return response;
}

absl::StatusOr<sambat::v1::ReplayDeadLettersResponse> NotificationApi::Replay(
    const Caller& caller, const sambat::v1::ReplayDeadLettersRequest& r) {
  SKK_RETURN_IF_ERROR(RequireAdmin(caller));
  if (r.all() == !r.delivery_id().empty()) {
    return InvalidFields({{"delivery_id", "give one delivery id, or all without one"}});
  }
  if (!r.all() && !IsUuid(r.delivery_id())) {
    return InvalidFields({{"delivery_id", "must be a delivery id (UUID)"}});
  }
  int replayed = 0;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(replayed, notification::Replay(tx, r.delivery_id(), r.all(), clock_.Now()));
    return absl::OkStatus();
  }));
  if (!r.all() && replayed == 0) {
    return absl::NotFoundError(absl::StrCat("no dead letter ", r.delivery_id()));
  }
  log::Info("dead letters replayed", {{"count", replayed}, {"by", caller.subject},
                                      {"delivery_id", r.delivery_id()}});
  sambat::v1::ReplayDeadLettersResponse response;
  response.set_replayed(replayed);
  return response;
}

}  // namespace skk::notification

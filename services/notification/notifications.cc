#include "services/notification/notifications.h"

#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/service_host.h"
#include "services/platform/status_macros.h"

namespace skk::notification {
namespace {

constexpr SqlStatement kInsertNotification{"notification_insert", R"sql(
  INSERT INTO notifications (event_id, complaint_id, recipient_role, recipient_name, channel,
                             address, subject, body, recorded_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
  ON CONFLICT (event_id, address, channel) DO NOTHING)sql"};

constexpr SqlStatement kListByComplaint{"notification_list", R"sql(
  SELECT event_id, recipient_role, recipient_name, channel, address, subject, body, recorded_at
  FROM notifications WHERE complaint_id = $1 ORDER BY id LIMIT 1000)sql"};

}  // namespace

std::vector<std::string> ConsumedEvents() { return {kReporterContact, kCaseRouted, kEscalated}; }

EventHandlers NotificationLog::Handlers() {
  EventHandler record = [this](PgConnection& tx, const sambat::v1::Event& e) {
    return Record(tx, e);
  };
  return {{kReporterContact, record}, {kCaseRouted, record}, {kEscalated, record}};
}

absl::Status NotificationLog::Record(PgConnection& tx, const sambat::v1::Event& event) {
  const absl::Time now = clock_.Now();
  for (const OutgoingNotification& n : recipients_.For(event)) {
    SKK_RETURN_IF_ERROR(tx.Execute(kInsertNotification,
                                   {SqlParam::Text(event.event_id()),
                                    SqlParam::Text(event.complaint_id()),
                                    SqlParam::Text(n.recipient_role),
                                    SqlParam::Text(n.recipient_name), SqlParam::Text(n.channel),
                                    SqlParam::Text(n.address), SqlParam::Text(n.subject),
                                    SqlParam::Text(n.body), SqlParam::Time(now)})
                            .status());
    log::Info("notification recorded", {{"complaint_id", event.complaint_id()},
                                        {"event_id", event.event_id()},
                                        {"recipient", n.recipient_role}, {"channel", n.channel}});
  }
  return absl::OkStatus();
}

absl::StatusOr<sambat::v1::ListNotificationsResponse> NotificationLog::List(
    const std::string& complaint_id) {
  sambat::v1::ListNotificationsResponse response;
  if (!IsUuid(complaint_id)) {
    return absl::InvalidArgumentError("complaint_id: must be a complaint id (UUID)");
  }
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult rows, conn->Execute(kListByComplaint, {SqlParam::Text(complaint_id)}));
  for (int i = 0; i < rows.rows(); ++i) {
    auto* n = response.add_notifications();
    n->set_event_id(rows.GetString(i, 0));
    n->set_complaint_id(complaint_id);
    n->set_recipient_role(rows.GetString(i, 1));
    n->set_recipient_name(rows.GetString(i, 2));
    n->set_channel(rows.GetString(i, 3));
    n->set_address(rows.GetString(i, 4));
    n->set_subject(rows.GetString(i, 5));
    n->set_body(rows.GetString(i, 6));
    *n->mutable_recorded_at() = ToProtoTime(rows.GetTime(i, 7));
  }
  return response;
}

grpc::ServerUnaryReactor* NotificationService::ListNotifications(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeUnary<sambat::v1::ListNotificationsRequest, sambat::v1::ListNotificationsResponse>(
      context, request, response, executor_,
      [this](const sambat::v1::ListNotificationsRequest& list) {
        return log_.List(list.complaint_id());
      });
}

}  // namespace skk::notification

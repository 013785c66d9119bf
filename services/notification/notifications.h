#pragma once

// The notification log in notification's PostgreSQL schema, and the read API over it.
// Delivery through real channels (SMTP, SMS and WhatsApp gateways) comes later; today each
// notification is recorded exactly as it would be sent.

#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "sambat/v1/notification.grpc.pb.h"
#include "services/notification/messages.h"
#include "services/platform/clock.h"
#include "services/platform/consumer.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/migrations.h"
#include "services/platform/pg.h"

namespace skk {
const std::vector<Migration>& notification_migrations();
}  // namespace skk

namespace skk::notification {

std::vector<std::string> ConsumedEvents();

class NotificationLog {
 public:
  NotificationLog(PgPool& pool, Clock& clock, Recipients recipients)
      : pool_(pool), clock_(clock), recipients_(std::move(recipients)) {}

  EventHandlers Handlers();
  absl::Status Record(PgConnection& tx, const sambat::v1::Event& event);
  absl::StatusOr<sambat::v1::ListNotificationsResponse> List(const std::string& complaint_id);

 private:
  PgPool& pool_;
  Clock& clock_;
  Recipients recipients_;
};

class NotificationService final
    : public sambat::v1::NotificationService::WithRawCallbackMethod_ListNotifications<
          sambat::v1::NotificationService::Service> {
 public:
  NotificationService(NotificationLog& log, RequestExecutor& executor)
      : log_(log), executor_(executor) {}
  grpc::ServerUnaryReactor* ListNotifications(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;

 private:
  NotificationLog& log_;
  RequestExecutor& executor_;
};

}  // namespace skk::notification

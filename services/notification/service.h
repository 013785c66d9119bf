#pragma once

// notification's gRPC edge: the delivery log per complaint, the staff's own inbox, and the
// admin's recipients and dead letters. Every method is for staff (and the delivery log for a
// citizen with a citizen pass, auth.h), served with ServeStaff
// (grpc_edge.h); the caller lookup is injected so the edge can be tested without a token
// authority.

#include <functional>

#include "grpcpp/grpcpp.h"
#include "sambat/v1/notification.grpc.pb.h"
#include "services/notification/notifications.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/pg.h"

namespace skk::notification {

// What callers other than an admin see as the name of a citizen a message went to.
inline constexpr char kCitizenWithoutName[] = "Pelapor";

// The logic behind the RPCs, without gRPC.
class NotificationApi {
 public:
  NotificationApi(PgPool& pool, Clock& clock, NotificationDesk& desk)
      : pool_(pool), clock_(clock), desk_(desk) {}

  // Only an admin sees a citizen's name and whole address in the log; other staff see the
  // address masked and kCitizenWithoutName. A citizen with a pass for the complaint sees only
  // the messages sent to them, masked, without errors.
  absl::StatusOr<sambat::v1::ListNotificationsResponse> List(
      const Caller& caller, const sambat::v1::ListNotificationsRequest& request);
  absl::StatusOr<sambat::v1::ListInboxResponse> Inbox(const Caller& caller,
                                                      const sambat::v1::ListInboxRequest& r);
  absl::StatusOr<sambat::v1::MarkReadResponse> MarkRead(const Caller& caller,
                                                        const sambat::v1::MarkReadRequest& r);
  absl::StatusOr<sambat::v1::Recipient> Upsert(const Caller& caller,
                                               const sambat::v1::Recipient& r);
  absl::StatusOr<sambat::v1::ListRecipientsResponse> ListRecipients(
      const Caller& caller, const sambat::v1::ListRecipientsRequest& r);
  absl::StatusOr<sambat::v1::ListDeadLettersResponse> DeadLetters(
      const Caller& caller, const sambat::v1::ListDeadLettersRequest& r);
  absl::StatusOr<sambat::v1::ReplayDeadLettersResponse> Replay(
      const Caller& caller, const sambat::v1::ReplayDeadLettersRequest& r);

 private:
  PgPool& pool_;
  Clock& clock_;
  NotificationDesk& desk_;
};

class NotificationService final : public GrpcEdge<sambat::v1::NotificationService> {
 public:
  NotificationService(NotificationApi& api, RequestExecutor& executor,
                      CallerLookup callers = CallerOf)
      : GrpcEdge(executor, std::move(callers)) {
    ServeStaff("ListNotifications", api, &NotificationApi::List);
    ServeStaff("ListInbox", api, &NotificationApi::Inbox);
    ServeStaff("MarkRead", api, &NotificationApi::MarkRead);
    ServeStaff("UpsertRecipient", api, &NotificationApi::Upsert);
    ServeStaff("ListRecipients", api, &NotificationApi::ListRecipients);
    ServeStaff("ListDeadLetters", api, &NotificationApi::DeadLetters);
    ServeStaff("ReplayDeadLetters", api, &NotificationApi::Replay);
  }
};

}  // namespace skk::notification

#pragma once

// What the notification tests share: the notification binary started against the fake SMTP
// server and gateway receiver, a test publisher of events (standing in for routing and sla
// where a test needs events those services do not emit yet), and the service's logic
// in-process on the same database for the admin and inbox calls.

#include <memory>
#include <string>
#include <vector>

#include "sambat/v1/events.pb.h"
#include "services/notification/notifications.h"
#include "services/notification/service.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"
#include "tests/support/fake_receivers.h"
#include "tests/support/system.h"

namespace skk::testing {

// Flags that point notification at the fakes, with retries in milliseconds. Without
// `daily_digest` the digest job is off, so a test of single messages sees only its own.
std::vector<std::string> NotificationFlags(const FakeReceiver& smtp, const FakeReceiver& gateway,
                                           int max_attempts = 4, bool daily_digest = false);

// Publishes events to sambat.events on the world's vhost, with confirms.
void Publish(const IsolatedWorld& world, const std::vector<sambat::v1::Event>& events);

// An event of `type` for a complaint at business time `at`, produced by "test".
sambat::v1::Event TestEvent(const std::string& type, const std::string& complaint_id,
                            absl::Time at);

// notification's API logic on the world's database, for calls a staff token would make.
class InProcessNotification {
 public:
  explicit InProcessNotification(const IsolatedWorld& world, absl::Time now);
  notification::NotificationApi& api() { return *api_; }
  notification::NotificationDesk& desk() { return *desk_; }
  PgPool& pool() { return *pool_; }
  ManualClock& clock() { return clock_; }

 private:
  ManualClock clock_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<notification::NotificationDesk> desk_;
  std::unique_ptr<notification::NotificationApi> api_;
};

Caller Staff(const std::string& subject, StaffRole role, const std::string& agency = "");

}  // namespace skk::testing

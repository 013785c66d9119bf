#pragma once

// What the notification tests share: the notification binary started against the fake SMTP
// server and gateway receiver, a test publisher of events (standing in for routing and sla
// where a test needs events those services do not emit yet), and the service's logic
// in-process on the same database for the admin and inbox calls.

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sambat/v1/events.pb.h"
#include "services/notification/notifications.h"
#include "services/notification/service.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"
#include "tests/support/fake_receivers.h"
#include "tests/support/system.h"

namespace skk::testing {

// How notification runs in a test: a delivery is tried `max_attempts` times before it is
// dead; without `daily_digest` the digest job is off, so a test of single messages sees only
// its own.
struct NotificationOptions {
  int max_attempts = 4;
  bool daily_digest = false;
};

// Flags that point notification at the fakes, with retries in milliseconds.
std::vector<std::string> NotificationFlags(const FakeReceiver& smtp, const FakeReceiver& gateway,
                                           const NotificationOptions& options = {});

// The system of a test that hears what notification sends: a fake SMTP server and gateway
// receiver, and the services on a private world with notification started first, against the
// fakes (its queue exists before anything is published), then the services of `then` in
// order. The services are stopped before the fakes go.
class NotifyingSystem : public System {
 public:
  explicit NotifyingSystem(const std::string& name, const std::vector<std::string>& then = {},
                           const NotificationOptions& options = {});
  ~NotifyingSystem();

  FakeReceiver smtp{"fake_smtp.py"};
  FakeReceiver gateway{"fake_gateway.py"};
};

// An email as the fake SMTP server took it: (recipient, subject).
using Mail = std::pair<std::string, std::string>;
// The emails the server took about `ticket` (the messages' X-Ticket header).
std::multiset<Mail> MailsAbout(const FakeReceiver& smtp, const std::string& ticket);

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

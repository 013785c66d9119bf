#pragma once

// What the clients of the system were told during a fault run: every complaint intake
// acknowledged (with its id and ticket) and every officer action routing acknowledged. The
// checker (invariants.h) compares the services' tables with this, never with the services' logs.

#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace skk::faults {

struct AcknowledgedComplaint {
  std::string complaint_id;
  std::string ticket;
  std::string idempotency_key;
  std::string category;
  bool anonymous = false;
  bool assisted = false;  // channel ASSISTED, through a KIM volunteer
  int photos = 0;
  absl::Time acknowledged_at;  // business clock (the file clock) when intake answered
};

struct AcknowledgedOfficerAction {
  std::string complaint_id;
  std::string agency;
  std::string action;  // "claim", "respond" or "resolve"
  absl::Time acknowledged_at;  // business clock
};

// Thread-safe record of acknowledgements. A client adds an entry only after an OK status.
class ClientLedger {
 public:
  void Add(AcknowledgedComplaint c) {
    std::lock_guard lock(mu_);
    complaints_.push_back(std::move(c));
  }
  void Add(AcknowledgedOfficerAction a) {
    std::lock_guard lock(mu_);
    actions_.push_back(std::move(a));
  }
  std::vector<AcknowledgedComplaint> complaints() const {
    std::lock_guard lock(mu_);
    return complaints_;
  }
  std::vector<AcknowledgedOfficerAction> actions() const {
    std::lock_guard lock(mu_);
    return actions_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<AcknowledgedComplaint> complaints_;
  std::vector<AcknowledgedOfficerAction> actions_;
};

}  // namespace skk::faults

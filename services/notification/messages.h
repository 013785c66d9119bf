#pragma once

// Who must hear of an event, and what they are told. Pure: no I/O, unit-tested.

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/events.pb.h"

namespace skk::notification {

struct OutgoingNotification {
  std::string recipient_role;  // "citizen", "humas:dpuprpkp", "head:dpuprpkp", "leadership"
  std::string recipient_name;
  std::string channel;         // "email" or "sms"
  std::string address;
  std::string subject;
  std::string body;
};

class Recipients {
 public:
  // `city` must have passed ValidateCityConfig.
  explicit Recipients(const sambat::v1::CityConfig& city);

  // What to send for `event`: the citizen's contact (complaint.reporter_contact) gets a
  // "received" message, a routed case goes to the agency's humas, a level 1 escalation to the
  // agency head, a level 2 escalation to the city's leadership. Empty for other events.
  // Every message carries the ticket number.
  std::vector<OutgoingNotification> For(const sambat::v1::Event& event) const;

 private:
  std::map<std::string, sambat::v1::Agency> agencies_;
  std::vector<sambat::v1::Contact> leadership_;
  absl::TimeZone zone_;
};

}  // namespace skk::notification

#pragma once

// Local stand-ins for the world outside the city: a real SMTP server (aiosmtpd), an HTTP
// receiver for the SMS and WhatsApp gateways, and the partners' Open311 endpoint and webhook
// receivers, each a small python script under tests/support/ run as a child process on a free
// port. All record what they received as JSON lines.

#include <sys/types.h>

#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "services/platform/testing/test_env.h"

namespace skk::testing {

class FakeReceiver {
 public:
  // `script` is "fake_smtp.py", "fake_gateway.py" or "fake_partner.py"; `extra_args` go to the script as they are
  // (e.g. fake_smtp.py's --tls_cert and --tls_key).
  explicit FakeReceiver(const std::string& script, const std::vector<std::string>& extra_args = {});
  ~FakeReceiver();
  FakeReceiver(const FakeReceiver&) = delete;
  FakeReceiver& operator=(const FakeReceiver&) = delete;

  int port() const { return port_; }
  // Every record so far, oldest first.
  std::vector<google::protobuf::Struct> Records() const;
  // Gateway and partner: the next requests' behaviours, e.g. {"500 1", "hang 1"} (see the
  // scripts). The partner's stand-in reads those of SP4N-LAPOR's calls from "control.lapor",
  // so that the city's exports never take a behaviour meant for a partner.
  void Control(const std::vector<std::string>& lines, const std::string& name = "control") const;
  // Partner only: what its Open311 requests/{id}.json answers, as JSON
  // {"REQ-1": {"status": "closed", "status_notes": "..."}}.
  void SetStatuses(const std::string& json) const;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A field of a record as text ("" if absent).
std::string Field(const google::protobuf::Struct& record, const std::string& name);

}  // namespace skk::testing

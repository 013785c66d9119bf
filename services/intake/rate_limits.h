#pragma once

// Limits on what one phone, one device or one network address may ask of intake, counted in
// Redis so every replica shares them: a flood is refused with RESOURCE_EXHAUSTED and when to
// retry. When Redis is away each replica counts on its own (LocalWindows), with the same
// windows: complaints are still accepted, floods are not.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "services/platform/address_ranges.h"
#include "absl/time/time.h"
#include "services/platform/clock.h"
#include "services/platform/redis.h"

namespace skk::intake {


struct RateLimit {
  int max = 0;  // 0: no limit
  absl::Duration window = absl::Hours(1);
};

// The address a call came from, without its port, from grpc's peer string ("ipv4:1.2.3.4:5",
// "ipv6:[2001:db8::1]:5"). An IPv6 address is cut to its /64, the block one subscriber is
// usually given, so cycling through one's own addresses does not escape a limit. Anything else
// (a Unix socket) is returned whole.
std::string PeerAddress(const std::string& grpc_peer);

// The address a citizen's call counts against: the call's peer (PeerAddress), or, when the peer
// is one of the gateways in `gateways`, the address the gateway names in the
// kClientAddressMetadata header (cut the same way). Anyone else naming an address is ignored,
// so a stranger cannot spread their calls over made-up addresses.
class CitizenAddresses {
 public:
  explicit CitizenAddresses(AddressRanges gateways = {}) : gateways_(std::move(gateways)) {}
  std::string Of(const grpc::ServerContextBase& context) const;

 private:
  AddressRanges gateways_;
};

// Fixed-window counters in memory, one per key, for when Redis is away. Thread-safe. Windows
// run on `clock`. Holds at most `max_keys` live counters; when full, expired ones are dropped
// first, then a new key is refused (fails closed: memory stays bounded under a flood of keys).
class LocalWindows {
 public:
  LocalWindows(Clock& clock, size_t max_keys = 100'000) : clock_(clock), max_keys_(max_keys) {}
  // Counts one against `key`; returns 0 if within `limit`, else how long until its window ends.
  absl::Duration Count(const std::string& key, const RateLimit& limit);
  // Takes back one count of `key` if its window is still open.
  void Refund(const std::string& key);

 private:
  struct Window {
    int64_t count = 0;
    absl::Time ends;
  };
  Clock& clock_;
  size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;  // guarded by mu_
};

class RateLimiter {
 public:
  struct Limits {
    RateLimit per_reporter;
    RateLimit per_device;
    // New complaints from one address that name neither a contact nor a device.
    RateLimit anonymous_per_peer;
    // Calls with a ticket and tracking token (GetComplaint, AddInfo, Rate, Reopen) per address.
    RateLimit tracking_per_peer;
  };
  // `secret` keys the HMAC that names each counter: a key never holds, nor reveals by trying
  // every number, a phone, an email, a device id or an address.
  RateLimiter(std::string redis_addr, std::string prefix, std::string secret, Limits limits,
              Clock& clock);

  // Who sent a new complaint.
  struct Submitter {
    std::string reporter{};  // a stable key such as the normalized phone; empty for anonymous
    std::string device{};    // empty if unknown
    std::string peer{};      // PeerAddress of the call
  };

  // Counts one new complaint from `who` in one round trip: against the reporter and the
  // device, or, when it names neither, against its address. RESOURCE_EXHAUSTED with a
  // RetryInfo when a limit is passed; a refused reporter is not counted against the device.
  absl::Status Admit(const Submitter& who);

  // Gives back what Admit counted, for a request that turned out to be a retry of a stored
  // complaint: a retry never uses up the citizen's allowance.
  void Refund(const Submitter& who);

  // Counts one tracking call from `peer`; RESOURCE_EXHAUSTED with a RetryInfo past the limit.
  absl::Status AdmitTracking(const std::string& peer);

 private:
  struct Connection {
    std::mutex mu;
    std::unique_ptr<RedisClient> client;
  };
  struct Counted {
    std::vector<std::string> keys;
    std::vector<std::string> kinds;  // labels, for the refusal's message
    std::vector<const RateLimit*> limits;
  };
  Counted Keys(const Submitter& who) const;
  // Counts `who` under a key of `kind`; `label` names it in the refusal ("this device").
  void Add(Counted& counted, const std::string& kind, const std::string& label,
           const std::string& who, const RateLimit& limit) const;
  absl::Status Count(const Counted& counted, const std::string& what);
  // Index (1-based) of the key over its limit and how long until it frees, or {0, 0}.
  std::pair<size_t, absl::Duration> CountLocally(const Counted& counted);
  // One command on one of the connections; UNAVAILABLE without trying for a second after a
  // failure, so a Redis that is away costs no request a connect timeout.
  absl::StatusOr<RedisReply> Run(const std::vector<std::string>& command);

  std::string prefix_;
  std::string secret_;
  Limits limits_;
  LocalWindows local_;
  // A few connections, so request threads do not queue behind one socket.
  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<unsigned> next_{0};
  std::atomic<int64_t> redis_retry_after_ns_{0};  // steady time; Redis is skipped before it
};

}  // namespace skk::intake

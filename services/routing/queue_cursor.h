#pragma once

// The queue's page token: where the previous page ended, bound to the query it belongs to
// (agency scope and states) and signed with HMAC-SHA256, so a client can neither forge a
// position nor carry a token into another agency's queue. Pure.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/routing/case_state.h"

namespace skk::routing {

struct QueuePosition {
  std::string agency_scope;  // empty: every agency (leadership)
  std::vector<CaseState> states;
  std::string after_due;     // timestamptz text or "infinity"
  std::string after_id;      // complaint id
};

class QueueCursorCodec {
 public:
  explicit QueueCursorCodec(std::string secret) : secret_(std::move(secret)) {}

  std::string Encode(const QueuePosition& position) const;

  // The position in `token`, if it is one of ours (signature) and belongs to the query of
  // `agency_scope` and `states`; INVALID_ARGUMENT (field page_token) otherwise.
  absl::StatusOr<QueuePosition> Decode(const std::string& token, const std::string& agency_scope,
                                       const std::vector<CaseState>& states) const;

 private:
  std::string secret_;
};

}  // namespace skk::routing

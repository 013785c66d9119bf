#include "services/routing/queue_cursor.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/platform/errors.h"
#include "services/platform/secrets.h"

namespace skk::routing {
namespace {

constexpr char kVersion[] = "q1";

std::string StatesText(const std::vector<CaseState>& states) {
  std::vector<std::string> names;
  for (CaseState s : states) names.push_back(StateName(s));
  return absl::StrJoin(names, ",");
}

absl::Status BadToken(const std::string& why) {
  return InvalidFields({{"page_token", why}});
}

}  // namespace

std::string QueueCursorCodec::Encode(const QueuePosition& p) const {
  const std::string payload = absl::StrJoin(
      {std::string(kVersion), p.agency_scope, StatesText(p.states), p.after_due, p.after_id},
      "|");
  return absl::StrCat(absl::WebSafeBase64Escape(payload), ".",
                      HmacSha256Hex(secret_, payload));
}

absl::StatusOr<QueuePosition> QueueCursorCodec::Decode(const std::string& token,
                                                       const std::string& agency_scope,
                                                       const std::vector<CaseState>& states) const {
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string payload;
  if (parts.size() != 2 || !absl::WebSafeBase64Unescape(parts[0], &payload) ||
      !ConstantTimeEquals(HmacSha256Hex(secret_, payload), parts[1])) {
    return BadToken("is not a page token this service issued");
  }
  const std::vector<std::string> fields = absl::StrSplit(payload, '|');
  if (fields.size() != 5 || fields[0] != kVersion) {
    return BadToken("is not a page token this service issued");
  }
  if (fields[1] != agency_scope || fields[2] != StatesText(states)) {
    return BadToken("belongs to another query; start again without a page token");
  }
  return QueuePosition{fields[1], states, fields[3], fields[4]};
}

}  // namespace skk::routing

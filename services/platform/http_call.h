#pragma once

// One HTTP request to a system outside the city's (a partner's endpoint), with libcurl: a
// bounded wait, a bounded reply, and an outcome that says whether trying again may help.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace skk {

struct HttpCall {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // POST only
  absl::Duration timeout = absl::Seconds(10);
  // A longer reply is cut here: a partner's answer is a few hundred bytes, never a reason to
  // hold megabytes.
  size_t max_reply_bytes = 256 * 1024;
};

struct HttpReply {
  long status = 0;
  std::string body;
};

enum class HttpOutcome {
  kSuccess,    // 2xx
  kRetry,      // 408, 425, 429, 5xx: the same request may go through later
  kPermanent,  // any other status: the same request will never go through
};

// How a status is treated: 2xx success, 408/425/429/5xx retry, other permanent.
HttpOutcome ClassifyHttpReply(long status);

// `text` with every byte but RFC 3986's unreserved ones as %XX: safe as one segment of a path.
std::string PercentEncode(std::string_view text);

// An application/x-www-form-urlencoded body of `fields`, in their order (as PercentEncode, but a
// space is '+').
std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields);

// How long to wait before the next try of a call to an outside system that failed
// `attempts` times in a row: 30 s, doubling, at most an hour.
absl::Duration OutboundRetryDelay(int attempts);

// Performs a call: PerformHttpCall, or a test's stand-in.
using HttpPerformer = std::function<absl::StatusOr<HttpReply>(const HttpCall&)>;

// Performs the call. UNAVAILABLE (with libcurl's words) when no answer came: refused,
// timed out, reset. Any status the server answered with is a reply, not an error.
absl::StatusOr<HttpReply> PerformHttpCall(const HttpCall& call);

}  // namespace skk

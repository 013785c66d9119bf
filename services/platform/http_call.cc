#include "services/platform/http_call.h"

#include <algorithm>
#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace skk {
namespace {

struct Collected {
  std::string* body;
  size_t limit;
};

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* c = static_cast<Collected*>(user);
  const size_t n = size * count;
  const size_t room = c->limit > c->body->size() ? c->limit - c->body->size() : 0;
  c->body->append(data, n < room ? n : room);
  return n;  // the rest is dropped, not refused: the status still counts
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string Encode(std::string_view text, bool space_as_plus) {
  std::string out;
  for (const unsigned char ch : text) {
    if (absl::ascii_isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else if (ch == ' ' && space_as_plus) {
      out.push_back('+');
    } else {
      absl::StrAppend(&out, absl::StrFormat("%%%02X", ch));
    }
  }
  return out;
}

}  // namespace

HttpOutcome ClassifyHttpReply(long status) {
  if (status >= 200 && status < 300) return HttpOutcome::kSuccess;
  if (status == 408 || status == 425 || status == 429 || status >= 500) return HttpOutcome::kRetry;
  return HttpOutcome::kPermanent;
}

std::string PercentEncode(std::string_view text) { return Encode(text, false); }

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body.push_back('&');
    absl::StrAppend(&body, Encode(name, true), "=", Encode(value, true));
  }
  return body;
}

absl::StatusOr<HttpReply> PerformHttpCall(const HttpCall& call) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  CURL* c = curl.get();
  curl_slist* raw_headers = nullptr;
  for (const auto& [name, value] : call.headers) {
    raw_headers = curl_slist_append(raw_headers, absl::StrCat(name, ": ", value).c_str());
  }
  std::unique_ptr<curl_slist, ListDeleter> headers(raw_headers);
  HttpReply reply;
  Collected collected{&reply.body, call.max_reply_bytes};
  const long timeout_ms = static_cast<long>(absl::ToInt64Milliseconds(call.timeout));
  curl_easy_setopt(c, CURLOPT_URL, call.url.c_str());
  // Only the protocols a partner's URL may name; never a redirect to another place.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  if (call.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  } else if (call.method != "GET") {
    return absl::InvalidArgumentError(absl::StrCat("unsupported method ", call.method));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &collected);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat("http: ", curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

absl::Duration OutboundRetryDelay(int attempts) {
  absl::Duration delay = absl::Seconds(30);
  for (int i = 1; i < attempts && delay < absl::Hours(1); ++i) delay *= 2;
  return std::min(delay, absl::Hours(1));
}

}  // namespace skk

#include "services/gateway/http.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace skk::gateway {

absl::string_view HttpRequest::Header(absl::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (absl::EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

bool HttpRequest::HasHeader(absl::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (absl::EqualsIgnoreCase(h.name, name)) return true;
  }
  return false;
}

absl::string_view HttpRequest::RawPath() const {
  const absl::string_view t = target;
  return t.substr(0, t.find('?'));
}

absl::string_view HttpRequest::RawQuery() const {
  const absl::string_view t = target;
  const size_t q = t.find('?');
  return q == absl::string_view::npos ? absl::string_view() : t.substr(q + 1);
}

void HttpResponse::SetHeader(absl::string_view name, std::string value) {
  for (HttpHeader& h : headers) {
    if (absl::EqualsIgnoreCase(h.name, name)) {
      h.value = std::move(value);
      return;
    }
  }
  headers.push_back({absl::AsciiStrToLower(name), std::move(value)});
}

absl::string_view HttpResponse::Header(absl::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (absl::EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

}  // namespace skk::gateway

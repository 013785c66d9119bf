#include "services/gateway/router.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/platform/text.h"

namespace skk::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<absl::string_view> Segments(absl::string_view path) {
  if (absl::StartsWith(path, "/")) path.remove_prefix(1);
  if (path.empty()) return {};
  return absl::StrSplit(path, '/');
}

bool IsRest(absl::string_view segment) { return segment == "{path...}"; }

}  // namespace

std::optional<std::string> RouteRequest::Query(absl::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (out.find('\0') != std::string::npos || !IsValidUtf8(out)) return std::nullopt;
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    absl::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (raw_query.empty()) return pairs;
  for (absl::string_view part : absl::StrSplit(raw_query, '&', absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    std::optional<std::string> key = PercentDecode(part.substr(0, eq), true);
    std::optional<std::string> value =
        PercentDecode(eq == absl::string_view::npos ? "" : part.substr(eq + 1), true);
    if (!key.has_value() || !value.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", key.value_or("?"),
                       " is not valid percent-encoded UTF-8"));
    }
    pairs.emplace_back(*std::move(key), *std::move(value));
  }
  return pairs;
}

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

Router::Match Router::Find(absl::string_view method, absl::string_view raw_path) const {
  Match result;
  const std::vector<absl::string_view> segments = Segments(raw_path);
  for (const Route& route : routes_) {
    const std::vector<absl::string_view> pattern = Segments(route.pattern);
    const bool rest = !pattern.empty() && IsRest(pattern.back());
    // A catch-all (declared last) answers only paths no other route knows.
    if (rest && (!result.allowed.empty() || route.method != method)) continue;
    const size_t fixed = rest ? pattern.size() - 1 : pattern.size();
    if (rest ? segments.size() < fixed : segments.size() != fixed) continue;
    std::map<std::string, std::string> params;
    bool matched = true;
    for (size_t i = 0; i < fixed && matched; ++i) {
      const absl::string_view p = pattern[i];
      if (absl::StartsWith(p, "{") && absl::EndsWith(p, "}")) {
        std::optional<std::string> value = PercentDecode(segments[i], false);
        if (!value.has_value() || value->empty() || value->find('/') != std::string::npos) {
          result.bad_path = true;
          return result;
        }
        params[std::string(p.substr(1, p.size() - 2))] = *std::move(value);
      } else {
        matched = segments[i] == p;
      }
    }
    if (!matched) continue;
    if (rest) {
      std::string tail;
      for (size_t i = fixed; i < segments.size(); ++i) {
        std::optional<std::string> value = PercentDecode(segments[i], false);
        // No way out of the served directory: no "..", no hidden file, no encoded slash.
        if (!value.has_value() || *value == ".." || absl::StartsWith(*value, ".") ||
            value->find('/') != std::string::npos || value->find('\\') != std::string::npos) {
          result.bad_path = true;
          return result;
        }
        if (!tail.empty()) tail += "/";
        tail += *value;
      }
      params["path"] = std::move(tail);
    }
    if (route.method != method) {
      if (std::find(result.allowed.begin(), result.allowed.end(), route.method) ==
          result.allowed.end()) {
        result.allowed.push_back(route.method);
      }
      continue;
    }
    result.route = &route;
    result.params = std::move(params);
    result.allowed.clear();
    return result;
  }
  return result;
}

}  // namespace skk::gateway

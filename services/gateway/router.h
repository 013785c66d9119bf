#pragma once

// Which handler answers a request: routes declared as a method and a path pattern whose
// segments are literal or "{name}" (one segment, percent-decoded). The route table is also the
// list the OpenAPI test compares with docs (every route documented, every documented route
// served).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/http.h"

namespace skk::gateway {

// What a handler gets: the request, the path's named segments, the query, and the address of
// the client (after the trusted proxies, edge.h).
struct RouteRequest {
  HttpRequest& http;
  std::map<std::string, std::string> params;
  std::vector<std::pair<std::string, std::string>> query;
  std::string client_address;

  // The first value of a query parameter, or nullopt.
  std::optional<std::string> Query(absl::string_view name) const;
};

// A handler answers with a response, or with an error the app turns into its error format
// (problem.h): an absl::Status with the payloads of errors.h.
using RouteHandler = std::function<absl::StatusOr<HttpResponse>(RouteRequest&)>;

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/api/v1/complaints/{ticket}"
  BodyPolicy body;
  RouteHandler handle;
};

class Router {
 public:
  // A route whose pattern ends in "/{path...}" takes the rest of the path as params["path"]
  // (static files); add it last: it answers only what no other route knows.
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // null: none
    std::map<std::string, std::string> params;
    // When no route matched the method but some matched the path: their methods (for 405).
    std::vector<std::string> allowed;
    // A segment that did not decode (bad percent-escape, invalid UTF-8, NUL, "/" or "..").
    bool bad_path = false;
  };
  Match Find(absl::string_view method, absl::string_view raw_path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Percent-decodes one path segment or query component ("+" as space when `plus_is_space`).
// nullopt for a bad escape, invalid UTF-8 or a NUL byte.
std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

// name=value pairs of a query string, decoded. INVALID_ARGUMENT naming the first bad one.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    absl::string_view raw_query);

}  // namespace skk::gateway

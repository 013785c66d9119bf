#pragma once

// The web apps' files (web/*/dist, built by npm), served from one directory: "/" is
// index.html, every other path a file inside the directory and never outside it (the router
// refuses "..", hidden files and encoded slashes; symbolic links out are refused here).
// Fingerprinted assets (under assets/) are cached for a year; the rest is revalidated.

#include <string>

#include "services/gateway/router.h"

namespace skk::gateway {

class StaticFiles {
 public:
  // `root` empty: no files are served (404).
  explicit StaticFiles(std::string root);
  void AddRoutes(Router& router);

 private:
  absl::StatusOr<HttpResponse> Serve(const RouteRequest& request, const std::string& path) const;
  std::string root_;  // canonical, without a trailing slash
};

// The content type for a file name's extension; application/octet-stream when unknown.
std::string ContentTypeOf(const std::string& path);

}  // namespace skk::gateway

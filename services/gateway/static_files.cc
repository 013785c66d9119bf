#include "services/gateway/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/json_body.h"

namespace skk::gateway {
namespace {

constexpr uintmax_t kMaxFileBytes = 8 * 1024 * 1024;

}  // namespace

std::string ContentTypeOf(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},           {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".jpg", "image/jpeg"},                  {".webp", "image/webp"},
      {".ico", "image/x-icon"},                {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (absl::EndsWith(path, extension)) return type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::string root) {
  std::error_code ec;
  if (!root.empty()) root_ = std::filesystem::weakly_canonical(root, ec).string();
}

void StaticFiles::AddRoutes(Router& router) {
  router.Add({"GET", "/", {}, [this](RouteRequest& r) { return Serve(r, "index.html"); }});
  router.Add({"GET", "/{path...}", {}, [this](RouteRequest& r) {
                const std::string& path = r.params.at("path");
                // The links in the citizens' messages (https://…/lacak/SKK-…, /nilai/SKK-…)
                // open the app, which reads the ticket from its address.
                if (absl::StartsWith(path, "lacak/") || absl::StartsWith(path, "nilai/")) {
                  return Serve(r, "index.html");
                }
                return Serve(r, path);
              }});
}

absl::StatusOr<HttpResponse> StaticFiles::Serve(const RouteRequest& request,
                                                const std::string& asked) const {
  if (root_.empty()) return absl::NotFoundError("no such address");
  // A folder's address (/console/) is its index.html.
  const std::string path = absl::EndsWith(asked, "/") ? asked + "index.html" : asked;
  std::error_code ec;
  const std::filesystem::path file =
      std::filesystem::weakly_canonical(std::filesystem::path(root_) / path, ec);
  // A symbolic link pointing out of the directory is as good as "..".
  if (ec || !absl::StartsWith(file.string(), root_ + "/") ||
      !std::filesystem::is_regular_file(file, ec) ||
      std::filesystem::file_size(file, ec) > kMaxFileBytes) {
    return absl::NotFoundError("no such file");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  HttpResponse response;
  response.body = bytes.str();
  response.SetHeader("content-type", ContentTypeOf(file.string()));
  return WithEtag(request.http, std::move(response),
                  absl::StartsWith(path, "assets/") ? "public, max-age=31536000, immutable"
                                                    : "no-cache");
}

}  // namespace skk::gateway

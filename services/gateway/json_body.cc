#include "services/gateway/json_body.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/platform/errors.h"
#include "google/protobuf/util/json_util.h"
#include "services/platform/text.h"

namespace skk::gateway {
namespace {

// Deeper than any of our messages; protobuf's own limit (100) would also stop a hostile
// nesting, but only after the tokenizer walked it.
constexpr int kMaxNesting = 16;

bool TooDeep(absl::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxNesting) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace

absl::Status WithHttpStatus(absl::Status status, int http_status) {
  status.SetPayload(kHttpStatusPayload, absl::Cord(absl::StrCat(http_status)));
  return status;
}

absl::Status ReadJsonBody(const HttpRequest& request, google::protobuf::Message& into) {
  const std::string type = absl::AsciiStrToLower(request.Header("content-type"));
  const absl::string_view media_type = absl::string_view(type).substr(0, type.find(';'));
  if (absl::StripAsciiWhitespace(media_type) != "application/json") {
    return WithHttpStatus(absl::InvalidArgumentError("the body must be application/json"), 415);
  }
  if (!IsValidUtf8(request.body)) {
    return absl::InvalidArgumentError("the body is not valid UTF-8");
  }
  if (TooDeep(request.body)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the body nests deeper than ", kMaxNesting, " levels"));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      request.body.empty() ? "{}" : request.body, &into, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the body is not a valid request: ", parsed.message().ToString()));
  }
  return absl::OkStatus();
}

absl::Status ReadQuery(const std::vector<std::pair<std::string, std::string>>& query,
                       google::protobuf::Message& into) {
  const google::protobuf::Descriptor* type = into.GetDescriptor();
  std::map<std::string, std::vector<std::string>> values;
  for (const auto& [name, value] : query) {
    const google::protobuf::FieldDescriptor* field = type->FindFieldByName(name);
    if (field == nullptr || field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE &&
                                !absl::StartsWith(field->message_type()->full_name(),
                                                  "google.protobuf.")) {
      return InvalidFields({{name, "is not a parameter of this address"}});
    }
    if (!field->is_repeated() && values.contains(name)) {
      return InvalidFields({{name, "may be given once"}});
    }
    values[name].push_back(absl::StrCat("\"", JsonEscape(value), "\""));
  }
  std::string json = "{";
  for (const auto& [name, list] : values) {
    if (json.size() > 1) json += ",";
    const bool repeated = type->FindFieldByName(name)->is_repeated();
    absl::StrAppend(&json, "\"", name, "\":", repeated ? "[" : "", absl::StrJoin(list, ","),
                    repeated ? "]" : "");
  }
  json += "}";
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, &into, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad query parameter: ", parsed.message().ToString()));
  }
  return absl::OkStatus();
}

std::string EtagOf(const std::string& body) {
  // FNV-1a, 64 bits: stable across processes, and a cache validator needs nothing stronger.
  uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrCat("\"", absl::Hex(hash, absl::kZeroPad16), "\"");
}

HttpResponse WithEtag(const HttpRequest& request, HttpResponse response,
                      const std::string& cache_control) {
  const std::string etag = EtagOf(response.body);
  if (request.Header("if-none-match") == etag) {
    response.status = 304;
    response.body.clear();
  }
  response.SetHeader("etag", etag);
  response.SetHeader("cache-control", cache_control);
  return response;
}

HttpResponse JsonResponse(int status, const google::protobuf::Message& message) {
  HttpResponse response;
  response.status = status;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &response.body, options);
  response.SetHeader("content-type", "application/json");
  return response;
}

}  // namespace skk::gateway

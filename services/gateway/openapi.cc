#include "services/gateway/openapi.h"

#include <deque>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "nlohmann/json.hpp"

namespace skk::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using Json = nlohmann::ordered_json;

constexpr absl::string_view kSchemas = "#/components/schemas/";
constexpr absl::string_view kOurs = "sambat.v1.";

// Messages whose proto3 JSON form is not an object of their fields.
const Json* WellKnown(const std::string& full_name) {
  static const auto* known = new std::map<std::string, Json>{
      {"google.protobuf.Timestamp", {{"type", "string"}, {"format", "date-time"}}},
      {"google.protobuf.Duration", {{"type", "string"}, {"example", "1.5s"}}},
      {"google.protobuf.FieldMask", {{"type", "string"}}},
      {"google.protobuf.Struct", {{"type", "object"}}},
      {"google.protobuf.Value", Json::object()},
      {"google.protobuf.ListValue", {{"type", "array"}}},
      {"google.protobuf.Empty", {{"type", "object"}}},
      {"google.protobuf.StringValue", {{"type", "string"}}},
      {"google.protobuf.BytesValue", {{"type", "string"}, {"format", "byte"}}},
      {"google.protobuf.BoolValue", {{"type", "boolean"}}},
      {"google.protobuf.DoubleValue", {{"type", "number"}}},
      {"google.protobuf.FloatValue", {{"type", "number"}}},
      {"google.protobuf.Int32Value", {{"type", "integer"}, {"format", "int32"}}},
      {"google.protobuf.UInt32Value", {{"type", "integer"}, {"minimum", 0}}},
      {"google.protobuf.Int64Value", {{"type", "string"}, {"format", "int64"}}},
      {"google.protobuf.UInt64Value", {{"type", "string"}, {"format", "uint64"}}},
  };
  auto it = known->find(full_name);
  return it == known->end() ? nullptr : &it->second;
}

class SchemaWriter {
 public:
  // The schema of one value of `field` (an element, for a repeated field).
  absl::StatusOr<Json> Value(const FieldDescriptor& field) {
    switch (field.type()) {
      case FieldDescriptor::TYPE_STRING:
        return Json{{"type", "string"}};
      case FieldDescriptor::TYPE_BYTES:
        return Json{{"type", "string"}, {"format", "byte"}};
      case FieldDescriptor::TYPE_BOOL:
        return Json{{"type", "boolean"}};
      case FieldDescriptor::TYPE_DOUBLE:
      case FieldDescriptor::TYPE_FLOAT:
        return Json{{"type", "number"}};
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return Json{{"type", "integer"}, {"format", "int32"}};
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return Json{{"type", "integer"}, {"minimum", 0}};
      // proto3 JSON writes 64-bit integers as strings (a JavaScript number loses digits).
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return Json{{"type", "string"}, {"format", "int64"}};
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return Json{{"type", "string"}, {"format", "uint64"}};
      case FieldDescriptor::TYPE_ENUM: {
        Json names = Json::array();
        for (int i = 0; i < field.enum_type()->value_count(); ++i) {
          names.push_back(field.enum_type()->value(i)->name());
        }
        return Json{{"type", "string"}, {"enum", names}};
      }
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return Message(*field.message_type());
    }
    return absl::InvalidArgumentError(absl::StrCat(field.full_name(), ": unknown field type"));
  }

  // A reference to message `type` (queued to be written), or its inline well-known form.
  absl::StatusOr<Json> Message(const Descriptor& type) {
    if (const Json* known = WellKnown(type.full_name())) return *known;
    if (!absl::StartsWith(type.full_name(), kOurs)) {
      return absl::InvalidArgumentError(
          absl::StrCat(type.full_name(), " has no JSON schema here"));
    }
    Want(type.full_name());
    return Json{{"$ref", absl::StrCat(kSchemas, type.full_name())}};
  }

  absl::StatusOr<Json> Field(const FieldDescriptor& field) {
    if (field.is_map()) {
      absl::StatusOr<Json> value = Value(*field.message_type()->map_value());
      if (!value.ok()) return value.status();
      return Json{{"type", "object"}, {"additionalProperties", *value}};
    }
    absl::StatusOr<Json> value = Value(field);
    if (!value.ok() || !field.is_repeated()) return value;
    return Json{{"type", "array"}, {"items", *value}};
  }

  // The object schema of message `type`: its fields by their declared names, as the gateway
  // reads and writes them; a field the message lacks is refused.
  absl::StatusOr<Json> Object(const Descriptor& type) {
    Json properties = Json::object();
    for (int i = 0; i < type.field_count(); ++i) {
      absl::StatusOr<Json> field = Field(*type.field(i));
      if (!field.ok()) return field.status();
      properties[type.field(i)->name()] = *field;
    }
    return Json{{"type", "object"},
                {"description", absl::StrCat(type.full_name(), " in proto3 JSON (proto/",
                                             type.file()->name(), ")")},
                {"properties", properties},
                {"additionalProperties", false}};
  }

  void Want(const std::string& full_name) {
    if (seen_.insert(full_name).second) pending_.push_back(full_name);
  }
  bool Next(std::string* full_name) {
    if (pending_.empty()) return false;
    *full_name = pending_.front();
    pending_.pop_front();
    return true;
  }

 private:
  std::set<std::string> seen_;
  std::deque<std::string> pending_;
};

const Descriptor* FindMessage(absl::string_view full_name) {
  return google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
      std::string(full_name));
}

// Query parameters for every field of `type` (the gateway's ReadQuery: scalars, enums,
// well-known types; a repeated field by repeating the parameter).
absl::StatusOr<Json> QueryParameters(const Descriptor& type, SchemaWriter& writer) {
  Json parameters = Json::array();
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    if (field.type() == FieldDescriptor::TYPE_MESSAGE &&
        WellKnown(field.message_type()->full_name()) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(field.full_name(), ": a message field cannot be a query parameter"));
    }
    absl::StatusOr<Json> schema = writer.Field(field);
    if (!schema.ok()) return schema.status();
    Json parameter = {{"name", field.name()}, {"in", "query"}, {"schema", *schema}};
    if (field.is_repeated()) parameter["explode"] = true;
    parameters.push_back(parameter);
  }
  return parameters;
}

absl::Status Walk(Json& node, SchemaWriter& writer) {
  if (node.is_array()) {
    for (Json& item : node) {
      if (absl::Status s = Walk(item, writer); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (!node.is_object()) return absl::OkStatus();
  if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
    absl::string_view target = ref->get_ref<const std::string&>();
    if (absl::ConsumePrefix(&target, kSchemas) && absl::StartsWith(target, kOurs)) {
      if (FindMessage(target) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("no message ", target));
      }
      writer.Want(std::string(target));
    }
  }
  if (auto query = node.find("x-sambat-query"); query != node.end()) {
    const std::string name = query->get<std::string>();
    const Descriptor* type = FindMessage(name);
    if (type == nullptr) return absl::InvalidArgumentError(absl::StrCat("no message ", name));
    absl::StatusOr<Json> parameters = QueryParameters(*type, writer);
    if (!parameters.ok()) return parameters.status();
    node.erase("x-sambat-query");
    Json& list = node["parameters"];
    if (list.is_null()) list = Json::array();
    for (Json& parameter : *parameters) list.push_back(std::move(parameter));
  }
  for (auto& [key, value] : node.items()) {
    if (absl::Status s = Walk(value, writer); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> CompleteOpenApi(std::string_view template_json) {
  Json document = Json::parse(template_json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return absl::InvalidArgumentError("the OpenAPI template is not a JSON object");
  }
  SchemaWriter writer;
  if (absl::Status walked = Walk(document, writer); !walked.ok()) return walked;
  Json& schemas = document["components"]["schemas"];
  std::string name;
  while (writer.Next(&name)) {
    const Descriptor* type = FindMessage(name);
    if (type == nullptr) return absl::InvalidArgumentError(absl::StrCat("no message ", name));
    absl::StatusOr<Json> schema = writer.Object(*type);
    if (!schema.ok()) return schema.status();
    schemas[name] = *std::move(schema);
  }
  return document.dump(2);
}

std::string_view OpenApiDocument() {
  static const std::string* document = [] {
    absl::StatusOr<std::string> built = CompleteOpenApi(OpenApiTemplate());
    // The unit test builds it; a broken template is a build that never ships.
    return new std::string(built.ok() ? *std::move(built)
                                      : absl::StrCat(R"({"error": ")",
                                                     built.status().message(), R"("})"));
  }();
  return *document;
}

}  // namespace skk::gateway

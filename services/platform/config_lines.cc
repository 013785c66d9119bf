#include "services/platform/config_lines.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace skk {

namespace pb = google::protobuf;

int ConfigLines::Of(absl::string_view field, int index, absl::string_view sub) const {
  const std::string element = index < 0 ? std::string(field) : absl::StrCat(field, "[", index, "]");
  for (const std::string& path :
       {sub.empty() ? element : absl::StrCat(element, ".", sub), element, std::string(field)}) {
    if (auto it = lines_.find(path); it != lines_.end()) return it->second;
  }
  return 0;
}

ConfigLines ConfigLines::FromTextFormat(const pb::Message& message,
                                        const pb::TextFormat::ParseInfoTree& tree) {
  ConfigLines lines;
  lines.AddText(message, tree, "");
  return lines;
}

void ConfigLines::AddText(const pb::Message& message, const pb::TextFormat::ParseInfoTree& tree,
                          const std::string& prefix) {
  const pb::Descriptor* type = message.GetDescriptor();
  const pb::Reflection* reflection = message.GetReflection();
  for (int f = 0; f < type->field_count(); ++f) {
    const pb::FieldDescriptor* field = type->field(f);
    const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const int index = field->is_repeated() ? i : -1;
      const pb::TextFormat::ParseLocation at = tree.GetLocation(field, index);
      if (at.line < 0) continue;  // not in the file
      const std::string path = field->is_repeated()
                                   ? absl::StrCat(prefix, field->name(), "[", i, "]")
                                   : absl::StrCat(prefix, field->name());
      Add(path, at.line + 1);
      if (field->is_repeated() && i == 0) Add(prefix + field->name(), at.line + 1);
      // One level down is enough: an element's fields, not its contacts' fields.
      if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || !prefix.empty()) continue;
      const pb::TextFormat::ParseInfoTree* nested = tree.GetTreeForNested(field, index);
      if (nested == nullptr) continue;
      const pb::Message& element = field->is_repeated()
                                       ? reflection->GetRepeatedMessage(message, field, i)
                                       : reflection->GetMessage(message, field);
      AddText(element, *nested, path + ".");
    }
  }
}

namespace {

// "routingRules" (protobuf JSON's name) -> "routing_rules" (the field's name).
std::string FieldName(absl::string_view json_key) {
  std::string name;
  for (char c : json_key) {
    if (absl::ascii_isupper(c)) {
      name += '_';
      name += absl::ascii_tolower(c);
    } else {
      name += c;
    }
  }
  return name;
}

class Quiet final : public pb::io::ErrorCollector {
  void AddError(int, int, const std::string&) override {}
};

}  // namespace

// Walks JSON tokens recording the line of each member and array element. The JSON parser has
// accepted the text already, so the walk may stop at anything unexpected without a word.
class JsonWalk {
 public:
  JsonWalk(absl::string_view text, ConfigLines& lines)
      : input_(text.data(), static_cast<int>(text.size())),
        tokens_(&input_, &quiet_),
        lines_(lines) {
    tokens_.Next();
    Value("");
  }

 private:
  bool At(const char* symbol) { return !broken_ && tokens_.current().text == symbol; }
  bool Done() { return broken_ || tokens_.current().type == pb::io::Tokenizer::TYPE_END; }

  void Value(const std::string& path) {
    if (At("{")) {
      tokens_.Next();
      while (!Done() && !At("}")) Member(path);
      tokens_.Next();
    } else if (At("[")) {
      tokens_.Next();
      for (int i = 0; !Done() && !At("]"); ++i) {
        const std::string element = absl::StrCat(path, "[", i, "]");
        lines_.Add(element, tokens_.current().line + 1);
        Value(element);
        if (At(",")) tokens_.Next();
      }
      tokens_.Next();
    } else {
      if (At("-")) tokens_.Next();  // a negative number is two tokens
      tokens_.Next();
    }
  }

  void Member(const std::string& path) {
    if (tokens_.current().type != pb::io::Tokenizer::TYPE_STRING) {
      broken_ = true;
      return;
    }
    std::string key;
    pb::io::Tokenizer::ParseString(tokens_.current().text, &key);
    const std::string child = path.empty() ? FieldName(key) : path + "." + FieldName(key);
    lines_.Add(child, tokens_.current().line + 1);
    tokens_.Next();
    if (!At(":")) {
      broken_ = true;
      return;
    }
    tokens_.Next();
    Value(child);
    if (At(",")) tokens_.Next();
  }

  pb::io::ArrayInputStream input_;
  Quiet quiet_;
  pb::io::Tokenizer tokens_;
  ConfigLines& lines_;
  bool broken_ = false;
};

ConfigLines ConfigLines::FromJson(absl::string_view json) {
  ConfigLines lines;
  JsonWalk walk(json, lines);
  return lines;
}

}  // namespace skk

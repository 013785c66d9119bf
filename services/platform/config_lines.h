#pragma once

// Where each item of a configuration file is, by line, so a check of the parsed message can
// name the line of what it refuses. Covers the top-level fields, their elements and the
// elements' own fields ("routing_rules[3].agency"): deep enough for every item of a
// CityConfig an administrator edits.

#include <map>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace skk {

class ConfigLines {
 public:
  // No lines: a message not read from a file.
  ConfigLines() = default;
  // From the text parser's record of where it found each field of `message`
  // (TextFormat::Parser::WriteLocationsTo).
  static ConfigLines FromTextFormat(const google::protobuf::Message& message,
                                    const google::protobuf::TextFormat::ParseInfoTree& tree);
  // From protobuf JSON that the JSON parser accepted (lowerCamelCase or proto field names).
  static ConfigLines FromJson(absl::string_view json);

  // The 1-based line of `field`[`index`].`sub` (index -1: a singular field; sub empty: the
  // element itself), falling back to the element, then to the field; 0 when the file has
  // none of them.
  int Of(absl::string_view field, int index = -1, absl::string_view sub = {}) const;

 private:
  void Add(std::string path, int line) { lines_.emplace(std::move(path), line); }
  void AddText(const google::protobuf::Message& message,
               const google::protobuf::TextFormat::ParseInfoTree& tree, const std::string& prefix);
  friend class JsonWalk;

  std::map<std::string, int, std::less<>> lines_;
};

}  // namespace skk

#pragma once

// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"...","level":"info","service":"routing","msg":"case routed","complaint_id":"..."}
// Every line about a complaint carries its complaint_id, so one grep follows it everywhere.

#include <initializer_list>
#include <string>
#include <string_view>

namespace skk::log {

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, long v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)) {}
  std::string key;
  std::string value;
};

enum class Level { kDebug, kInfo, kWarn, kError };

// Names the service in every line; called once by main.
void SetService(std::string_view service);
void SetMinLevel(Level level);

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields);

inline void Debug(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, msg, fields);
}
inline void Info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, msg, fields);
}

}  // namespace skk::log

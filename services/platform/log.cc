#include "services/platform/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/platform/text.h"
#include "services/platform/trace.h"

namespace skk::log {
namespace {

std::mutex& ServiceMutex() {
  static std::mutex mu;
  return mu;
}
std::string& ServiceName() {
  static std::string name = "skk";
  return name;
}
std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  out += JsonEscape(s);
  out.push_back('"');
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

}  // namespace

void SetService(std::string_view service) {
  std::lock_guard lock(ServiceMutex());
  ServiceName() = std::string(service);
}

void SetMinLevel(Level level) { min_level = static_cast<int>(level); }

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < min_level.load()) return;
  std::string line;
  line.reserve(128 + msg.size());
  line += "{\"ts\":";
  AppendJsonString(line, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                          absl::UTCTimeZone()));
  line += ",\"level\":\"";
  line += LevelName(level);
  line += "\",\"service\":";
  {
    std::lock_guard lock(ServiceMutex());
    AppendJsonString(line, ServiceName());
  }
  line += ",\"msg\":";
  AppendJsonString(line, msg);
  // The trace of the work being done (trace.h): one id across every service's lines.
  if (const trace::TraceContext* traced = trace::Current()) {
    line += ",\"trace_id\":\"";
    line += traced->trace_id;
    line += "\",\"span_id\":\"";
    line += traced->span_id;
    line.push_back('"');
  }
  for (const Field& f : fields) {
    line.push_back(',');
    AppendJsonString(line, f.key);
    line.push_back(':');
    AppendJsonString(line, f.value);
  }
  line += "}\n";
  // One write per line keeps lines whole when several threads log at once.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace skk::log

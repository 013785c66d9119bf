#pragma once

// The city's configuration file (proto sambat.v1.CityConfig), shared by every service. Each
// service reads the part it needs; every service validates the whole with the same checks,
// so a file one service accepts no other refuses. The file is protobuf text format, or
// protobuf JSON when its name ends in ".json"; both are parsed by protobuf's own parsers.

#include <string>

#include "absl/status/statusor.h"
#include "sambat/v1/config.pb.h"

namespace skk {

// Reads the file and validates it as a whole:
// - agencies: unique codes, a kind, at least one humas contact per city agency;
// - categories: unique codes, each with exactly one SLA policy: first response 3 to 7 working
//   days, level 2 1 to 10 working days later, resolution 0 (none) or from the first
//   response's days to 60, at most 5 distinct reminders each 1 to first_response_days x 24 - 1
//   working hours before the due time (docs/sla-rules.md);
// - areas: unique codes, a kind, kelurahan inside a known kecamatan, boundaries that are
//   valid polygons (closed, 3+ points, not self-intersecting) inside the city bounds, and no
//   two areas of one kind overlapping;
// - routing rules: unique ids, known category, agency and area, and no two rules that tie
//   (same category and same area, so equally specific);
// - a known city verifier agency, a valid time zone, city bounds, leadership contacts, and
//   max_forwards in range.
// Every problem is reported at once, each as "<path>:<line>: <what>" naming the line of the
// offending item (or "<path>: <what>" for what is missing altogether). Parse errors name the
// line and column. Never returns a configuration that failed a check.
absl::StatusOr<sambat::v1::CityConfig> LoadCityConfig(const std::string& path);

// The same checks on a parsed message; `source` names it in errors ("<source>: <what>"; no
// lines, as a message has none).
absl::Status ValidateCityConfig(const sambat::v1::CityConfig& config, const std::string& source);

// A file the configuration names (a key, a secret, the holiday calendar, a base): relative to
// the directory of the configuration file `config_path` unless absolute.
std::string PathBesideConfig(const std::string& file, const std::string& config_path);
// Its bytes, as they are. NOT_FOUND naming `what` and the path when it cannot be read.
absl::StatusOr<std::string> ReadFileBesideConfig(const std::string& file,
                                                 const std::string& config_path,
                                                 absl::string_view what);

// A secret shared with a system outside the city (a text gateway, a partner), named by the
// configuration. (Every member has an initializer, so designated initializers may leave any
// out.)
struct SharedSecretFile {
  std::string file{};               // beside the configuration unless absolute
  std::string what{};               // for errors, e.g. "partner 'kejari' secret_file"
  std::string public_dev_secret{};  // the repository's value, refused unless `dev`
  std::string doc{};                // where the operator reads how to get a real one
};

// The secret from its file, trailing whitespace dropped. NOT_FOUND as above; INVALID_ARGUMENT
// naming `what` when it is shorter than 16 bytes; FAILED_PRECONDITION when it is the public
// development secret and `dev` is false.
absl::StatusOr<std::string> ReadSharedSecret(const SharedSecretFile& secret,
                                             const std::string& config_path, bool dev);

// The holiday calendar file the configuration names (holiday_calendar_file), relative to the
// configuration's own directory unless absolute. FAILED_PRECONDITION when it names none: a
// missing calendar would move every deadline.
absl::StatusOr<std::string> HolidayCalendarPath(const sambat::v1::CityConfig& city,
                                                const std::string& config_path);

// A sambat.v1.HolidayCalendar in text format, as sla counts working days with it and the
// citizens' app reads due times with it.
absl::StatusOr<sambat::v1::HolidayCalendar> ReadHolidayCalendar(const std::string& path);

}  // namespace skk

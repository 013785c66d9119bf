#pragma once

// SP4N-LAPOR, the national complaints channel (docs/lapor.md): what intake sends to LAPOR and
// reads from it, without the database or the network. LAPOR's integration API is not public;
// its paths and field names come from the city's configuration (LaporChannel), with the
// historic API's names as defaults.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/events.pb.h"
#include "sambat/v1/intake.pb.h"
#include "services/platform/http_call.h"

namespace skk::intake {

// The channel as loaded: every empty path and field name replaced by its default, the URL
// (perhaps replaced by a flag) and the token read from its file.
struct LaporEndpoint {
  sambat::v1::LaporChannel channel;
  std::string token;
};

// `channel` with every empty path, header and field name set to the historic API's.
sambat::v1::LaporChannel WithLaporDefaults(sambat::v1::LaporChannel channel);

// The endpoint of the city's configuration, or nullopt when the city is not connected. The
// token file is read (the public development token refused without `dev`); a non-empty
// `url_override` replaces the configured URL (tests, staging).
absl::StatusOr<std::optional<LaporEndpoint>> LoadLaporEndpoint(const sambat::v1::CityConfig& city,
                                                               const std::string& config_path,
                                                               const std::string& url_override,
                                                               bool dev);

// A complaint filed here, as LAPOR receives it.
struct LaporExport {
  std::string ticket;
  std::string category;       // the city's code
  std::string category_name;  // the city's words
  std::string description;
  std::string address;
  std::optional<double> latitude;
  std::optional<double> longitude;
  bool anonymous = false;
  bool confidential = false;
  std::string reporter_name;  // never for an anonymous complaint
  absl::Time submitted_at;
};

// The citizen's words go with phone numbers and email addresses masked, as the public view
// shows them: LAPOR publishes what is not secret.
HttpCall ExportCall(const LaporEndpoint& lapor, const LaporExport& complaint);
// LAPOR's tracking number in its answer to an export; INVALID_ARGUMENT when there is none, or
// when it is not a tracking number (IsLaporTrackingId).
absl::StatusOr<std::string> ReadTrackingId(const LaporEndpoint& lapor, const std::string& body);

// 2 to 100 of letters, digits and . _ : / -: a tracking number that can name a complaint in a
// path, a key and a citizen's timeline.
bool IsLaporTrackingId(std::string_view id);

// At most 200 characters of an answer, in printable ASCII (anything else '?'), for the log and
// the tables: an answer may be any bytes.
std::string ReplyExcerpt(std::string_view body);

// A complaint LAPOR disposed to the city.
struct LaporDisposition {
  std::string tracking_id;
  std::string title;
  std::string content;
  std::string category_id;
  std::string unit;
  std::string location;
  bool anonymous = false;
  bool secret = false;
  std::string reporter;
};

struct LaporDispositionPage {
  std::vector<LaporDisposition> items;
  std::string next_cursor;  // empty: the cursor does not move
  // Entries left out: not an object, or without a tracking number (IsLaporTrackingId).
  int unusable = 0;
};

// The dispositions after `cursor` ('' for the first read).
HttpCall DispositionsCall(const LaporEndpoint& lapor, const std::string& cursor);
// INVALID_ARGUMENT when the answer is not a list of dispositions; a disposition without a
// tracking number is left out and counted (it could never be answered).
absl::StatusOr<LaporDispositionPage> ReadDispositions(const LaporEndpoint& lapor,
                                                      const std::string& body);

// What an imported disposition becomes: the complaint intake stores (channel LAPOR, keyed by
// the tracking number so a second read stores nothing) and the city agency it was disposed to
// ('' when the unit is not one of the city's: routing's rules decide).
struct LaporImport {
  sambat::v1::SubmitComplaintRequest request;
  std::string agency_code;
};
LaporImport ImportOf(const LaporEndpoint& lapor, const sambat::v1::CityConfig& city,
                     const LaporDisposition& disposition);

// What LAPOR is told of a case event of a linked complaint: an agency's answer (proses), its
// resolution (selesai), a rejection (ditolak) or a closing (ditutup); nullopt for the rest.
struct LaporFollowup {
  std::string status;
  std::string text;
};
std::optional<LaporFollowup> FollowupOf(const sambat::v1::Event& event);

// `key` names the follow-up (the case event's id): the same on every retry.
HttpCall FollowupCall(const LaporEndpoint& lapor, const std::string& tracking_id,
                      const std::string& ticket, const LaporFollowup& followup, absl::Time at,
                      const std::string& key);

}  // namespace skk::intake

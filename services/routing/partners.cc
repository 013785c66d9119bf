#include "services/routing/partners.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "services/platform/city_config.h"
#include "services/platform/dev_mode.h"
#include "services/platform/events.h"
#include "services/platform/secrets.h"
#include "services/platform/status_macros.h"
#include "services/platform/text.h"

namespace skk::routing {
namespace {

namespace v1 = sambat::v1;

constexpr int kMaxReferenceChars = 100;
constexpr int kMaxNoteChars = 2000;

// The first element of an Open311 answer, which is always an array of one.
absl::StatusOr<nlohmann::json> FirstOf(const std::string& body, const char* what) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(what, ": not JSON"));
  if (doc.is_array() && !doc.empty()) doc = doc[0];
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not an array of one object"));
  }
  return doc;
}

// A string field, or a number's digits ("" if absent).
std::string Text(const nlohmann::json& object, const char* field) {
  const auto found = object.find(field);
  if (found == object.end()) return "";
  if (found->is_string()) return found->get<std::string>();
  if (found->is_number_integer()) return std::to_string(found->get<int64_t>());
  return "";
}

std::string Shortened(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  // Never cut inside a UTF-8 sequence.
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParsePartnerUrls(const std::string& flag) {
  std::map<std::string, std::string> urls;
  for (absl::string_view entry : absl::StrSplit(flag, ',', absl::SkipWhitespace())) {
    const size_t eq = entry.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--partner_urls: '", entry, "' is not <agency code>=<url>"));
    }
    urls[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  return urls;
}

absl::StatusOr<std::map<std::string, PartnerEndpoint>> LoadPartnerEndpoints(
    const v1::CityConfig& city, const std::string& config_path, bool dev,
    const std::map<std::string, std::string>& url_overrides) {
  std::map<std::string, PartnerEndpoint> endpoints;
  for (const v1::PartnerChannel& c : city.partners()) {
    PartnerEndpoint e;
    e.agency_code = c.agency();
    e.agency_name = c.agency();
    for (const v1::Agency& a : city.agencies()) {
      if (a.code() == c.agency()) e.agency_name = a.name();
    }
    e.protocol = c.protocol();
    e.url = c.url();
    e.service_codes.insert(c.service_codes().begin(), c.service_codes().end());
    e.default_service_code = c.default_service_code();
    e.jurisdiction_id = c.jurisdiction_id();
    if (c.poll_minutes() > 0) e.poll_every = absl::Minutes(c.poll_minutes());
    auto read = [&](const std::string& file, const char* field) -> absl::StatusOr<std::string> {
      if (file.empty()) return std::string();
      return ReadSharedSecret({.file = file,
                               .what = absl::StrCat("partner '", c.agency(), "' ", field),
                               .public_dev_secret = kDevPartnerSecret,
                               .doc = "docs/partners.md"},
                              config_path, dev);
    };
    SKK_ASSIGN_OR_RETURN(e.secret, read(c.secret_file(), "secret_file"));
    SKK_ASSIGN_OR_RETURN(e.api_key, read(c.api_key_file(), "api_key_file"));
    endpoints.emplace(c.agency(), std::move(e));
  }
  for (const auto& [code, url] : url_overrides) {
    const auto found = endpoints.find(code);
    if (found == endpoints.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--partner_urls names '", code, "', which is no external partner"));
    }
    found->second.url = url;
  }
  return endpoints;
}

v1::PartnerHandOff HandOffOf(const CaseRow& c, const std::string& category_name,
                             const std::string& reason, absl::Time handed_off_at) {
  v1::PartnerHandOff h;
  h.set_ticket(c.ticket);
  h.set_category(c.category);
  h.set_category_name(category_name);
  h.set_description(c.description);
  // A complaint by SMS has no point (0, 0 is in the Gulf of Guinea, not in a city).
  if (c.latitude != 0 || c.longitude != 0) {
    h.mutable_location()->set_latitude(c.latitude);
    h.mutable_location()->set_longitude(c.longitude);
  }
  h.set_address(c.address);
  if (c.submitted_at != absl::InfinitePast()) {
    *h.mutable_submitted_at() = ToProtoTime(c.submitted_at);
  }
  *h.mutable_handed_off_at() = ToProtoTime(handed_off_at);
  h.set_reason(reason);
  h.set_anonymous(c.anonymous);
  h.set_confidential(c.confidential);
  return h;
}

absl::StatusOr<HttpCall> HandOffCall(const PartnerEndpoint& partner, const v1::PartnerHandOff& h,
                                     absl::Time now) {
  HttpCall call;
  call.method = "POST";
  if (partner.protocol == "open311") {
    const auto mapped = partner.service_codes.find(h.category());
    const std::string& service_code =
        mapped != partner.service_codes.end() ? mapped->second : partner.default_service_code;
    if (service_code.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("partner '", partner.agency_code,
                                                     "' has no service_code for category '",
                                                     h.category(), "'"));
    }
    std::vector<std::pair<std::string, std::string>> fields;
    if (!partner.api_key.empty()) fields.emplace_back("api_key", partner.api_key);
    if (!partner.jurisdiction_id.empty()) {
      fields.emplace_back("jurisdiction_id", partner.jurisdiction_id);
    }
    fields.emplace_back("service_code", service_code);
    if (h.has_location()) {
      // Seven decimals: about a centimetre (StrCat's six significant digits would be 100 m).
      fields.emplace_back("lat", absl::StrFormat("%.7f", h.location().latitude()));
      fields.emplace_back("long", absl::StrFormat("%.7f", h.location().longitude()));
    }
    if (!h.address().empty()) fields.emplace_back("address_string", h.address());
    // GeoReport v2 allows 4000 characters; the ticket leads, so the partner's staff can quote it.
    fields.emplace_back("description",
                        Shortened(absl::StrCat("[", h.ticket(), "] ", h.description()), 4000));
    call.url = absl::StrCat(partner.url, "requests.json");
    call.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                    {"Accept", "application/json"}};
    call.body = FormBody(fields);
    return call;
  }
  std::string body;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (auto st = google::protobuf::util::MessageToJsonString(h, &body, options); !st.ok()) {
    return absl::InternalError(std::string(st.message()));
  }
  const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(now));
  call.url = partner.url;
  call.headers = {{"Content-Type", "application/json"},
                  {"X-Sambat-Timestamp", timestamp},
                  {"X-Sambat-Signature", WebhookSignature(partner.secret, timestamp, body)},
                  // The same on every retry: the partner drops a hand-off it already has.
                  {"Idempotency-Key", absl::StrCat("handoff-", h.ticket())}};
  call.body = std::move(body);
  return call;
}

HttpCall StatusCall(const PartnerEndpoint& partner, const std::string& reference) {
  HttpCall call;
  std::vector<std::pair<std::string, std::string>> query;
  if (!partner.jurisdiction_id.empty()) query.emplace_back("jurisdiction_id", partner.jurisdiction_id);
  // The reference is the partner's, and goes into a path: one segment, whatever it holds.
  call.url = absl::StrCat(partner.url, "requests/", PercentEncode(reference), ".json",
                          query.empty() ? "" : "?", FormBody(query));
  call.headers = {{"Accept", "application/json"}};
  return call;
}

absl::StatusOr<PartnerReport> ReadOpen311Created(const std::string& body) {
  SKK_ASSIGN_OR_RETURN(const nlohmann::json first, FirstOf(body, "open311 answer"));
  PartnerReport report;
  report.status = "received";
  report.reference = Text(first, "service_request_id");
  report.note = Shortened(Text(first, "service_notice"), kMaxNoteChars);
  if (report.reference.empty()) {
    return absl::InvalidArgumentError(
        Text(first, "token").empty()
            ? "open311 answer: no service_request_id"
            : "open311 answer: a token but no service_request_id (not supported yet)");
  }
  if (report.reference.size() > kMaxReferenceChars) {
    return absl::InvalidArgumentError("open311 answer: service_request_id longer than 100");
  }
  return report;
}

absl::StatusOr<PartnerReport> ReadOpen311Status(const std::string& body) {
  SKK_ASSIGN_OR_RETURN(const nlohmann::json first, FirstOf(body, "open311 request"));
  PartnerReport report;
  report.reference = Text(first, "service_request_id");
  const std::string status = Text(first, "status");
  if (status == "open") {
    report.status = "in_progress";
  } else if (status == "closed") {
    report.status = "closed";
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("open311 request: status '", Shortened(status, 40), "' is not open or closed"));
  }
  report.note = Shortened(Text(first, "status_notes"), kMaxNoteChars);
  return report;
}

std::vector<FieldViolation> ValidatePartnerReport(const v1::ReportPartnerStatusRequest& r) {
  std::vector<FieldViolation> v;
  if (r.ticket().empty() || r.ticket().size() > 40) {
    v.push_back({"ticket", "is required, at most 40 characters"});
  }
  if (r.partner_reference().size() > kMaxReferenceChars || !IsValidUtf8(r.partner_reference())) {
    v.push_back({"partner_reference", "must be UTF-8 text of at most 100 characters"});
  }
  const std::string& s = r.status();
  const bool last_word = s == "closed" || s == "refused";
  if (!last_word && s != "received" && s != "in_progress") {
    v.push_back({"status", "must be received, in_progress, closed or refused"});
  }
  size_t note_chars = 0;
  if (!IsValidUtf8(r.note(), &note_chars) || note_chars > kMaxNoteChars) {
    v.push_back({"note", "must be UTF-8 text of at most 2000 characters"});
  } else if (last_word && absl::StripAsciiWhitespace(r.note()).empty()) {
    v.push_back({"note", "is required when the partner closes or refuses a case: the citizen "
                         "reads why"});
  }
  return v;
}

std::string ReportText(const std::string& agency_name, const PartnerReport& report) {
  std::string what;
  if (report.status == "received") {
    what = report.reference.empty() ? "menerima pengaduan ini"
                                     : absl::StrCat("menerima pengaduan ini (nomor ",
                                                    report.reference, ")");
  } else if (report.status == "in_progress") {
    what = "sedang menangani pengaduan ini";
  } else if (report.status == "closed") {
    what = "selesai menangani pengaduan ini";
  } else {
    what = "menyatakan pengaduan ini bukan wewenangnya; diteruskan ke verifikator Pemerintah Kota";
  }
  return report.note.empty() ? absl::StrCat(agency_name, " ", what)
                             : absl::StrCat(agency_name, " ", what, ": ", report.note);
}

}  // namespace skk::routing

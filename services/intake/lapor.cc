#include "services/intake/lapor.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "services/intake/citizen_words.h"
#include "services/intake/validation.h"
#include "services/platform/city_config.h"
#include "services/platform/dev_mode.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

namespace v1 = sambat::v1;
using nlohmann::json;

void Default(std::string* field, const char* value) {
  if (field->empty()) *field = value;
}

// LAPOR's words, made fit to store: control characters (but line breaks and tabs) become
// spaces, and the text is cut at `max_chars` characters. The JSON parser has checked UTF-8.
std::string ImportedText(absl::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char && ++chars > max_chars) break;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string StringOf(const json& object, const std::string& field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return "";
}

bool BoolOf(const json& object, const std::string& field) {
  const auto it = object.find(field);
  if (it == object.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number()) return it->get<double>() != 0;
  if (it->is_string()) return *it == "1" || *it == "true" || *it == "ya";
  return false;
}

std::string Dump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::pair<std::string, std::string>> Headers(const LaporEndpoint& lapor) {
  return {{"Content-Type", "application/json"},
          {"Accept", "application/json"},
          {lapor.channel.token_header(), lapor.token}};
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace

bool IsLaporTrackingId(std::string_view id) {
  if (id.size() < 2 || id.size() > 100) return false;
  for (const char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '/' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string ReplyExcerpt(std::string_view body) {
  std::string out;
  for (const char c : body.substr(0, 200)) {
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7F ? c : '?');
  }
  return out;
}

v1::LaporChannel WithLaporDefaults(v1::LaporChannel c) {
  Default(c.mutable_export_path(), "laporan");
  Default(c.mutable_dispositions_path(), "disposisi");
  Default(c.mutable_followup_path(), "laporan/{tracking_id}/tindak-lanjut");
  Default(c.mutable_token_header(), "X-Lapor-Token");
  Default(c.mutable_import_category(), "lainnya");
  if (c.poll_minutes() == 0) c.set_poll_minutes(5);
  v1::LaporFields& f = *c.mutable_fields();
  Default(f.mutable_title(), "judul");
  Default(f.mutable_content(), "isi");
  Default(f.mutable_reporter(), "nama_pelapor");
  Default(f.mutable_anonymous(), "anonim");
  Default(f.mutable_secret(), "rahasia");
  Default(f.mutable_category(), "kategori_id");
  Default(f.mutable_location(), "lokasi");
  Default(f.mutable_tracking_id(), "tracking_id");
  Default(f.mutable_unit(), "instansi_id");
  Default(f.mutable_status(), "status");
  Default(f.mutable_occurred_at(), "tanggal");
  Default(f.mutable_reference(), "referensi");
  Default(f.mutable_items(), "data");
  Default(f.mutable_next_cursor(), "berikutnya");
  Default(f.mutable_cursor_param(), "sejak");
  return c;
}

absl::StatusOr<std::optional<LaporEndpoint>> LoadLaporEndpoint(const v1::CityConfig& city,
                                                               const std::string& config_path,
                                                               const std::string& url_override,
                                                               bool dev) {
  if (!city.has_lapor()) {
    if (!url_override.empty()) {
      return absl::InvalidArgumentError(
          "--lapor_url is set but the city configuration has no lapor channel");
    }
    return std::nullopt;
  }
  LaporEndpoint e;
  e.channel = WithLaporDefaults(city.lapor());
  if (!url_override.empty()) {
    if ((!absl::StartsWith(url_override, "http://") &&
         !absl::StartsWith(url_override, "https://")) ||
        !absl::EndsWith(url_override, "/")) {
      return absl::InvalidArgumentError(
          "--lapor_url must be an http:// or https:// base ending in '/'");
    }
    e.channel.set_url(url_override);
  }
  SKK_ASSIGN_OR_RETURN(e.token, ReadSharedSecret({.file = e.channel.token_file(),
                                                  .what = "lapor token_file",
                                                  .public_dev_secret = kDevPartnerSecret,
                                                  .doc = "docs/lapor.md"},
                                                 config_path, dev));
  return e;
}

HttpCall ExportCall(const LaporEndpoint& lapor, const LaporExport& complaint) {
  const v1::LaporChannel& c = lapor.channel;
  const v1::LaporFields& f = c.fields();
  const auto mapped = c.category_ids().find(complaint.category);
  std::string place = complaint.address;
  if (complaint.latitude.has_value() && complaint.longitude.has_value()) {
    absl::StrAppend(&place, place.empty() ? "" : " ",
                    absl::StrFormat("(%.7f, %.7f)", *complaint.latitude, *complaint.longitude));
  }
  // A title as a citizen would write one: the kind of problem and the first words.
  const std::string words = MaskContacts(complaint.description);
  std::string first_words = ImportedText(words, 60);
  if (first_words.size() < words.size()) first_words += "…";
  json body = {
      {f.title(), absl::StrCat(complaint.category_name, ": ", first_words)},
      {f.content(), words},
      {f.category(), mapped != c.category_ids().end() ? mapped->second : c.default_category_id()},
      {f.location(), place},
      {f.anonymous(), complaint.anonymous},
      {f.secret(), complaint.confidential},
      {f.reporter(), complaint.anonymous ? "" : complaint.reporter_name},
      {f.occurred_at(), Rfc3339(complaint.submitted_at)},
      {f.reference(), complaint.ticket},
  };
  HttpCall call;
  call.method = "POST";
  call.url = c.url() + c.export_path();
  call.headers = Headers(lapor);
  // The ticket names the export: a LAPOR that honours the key keeps one copy of a retry.
  call.headers.emplace_back("Idempotency-Key", absl::StrCat("sambat-", complaint.ticket));
  call.body = Dump(body);
  return call;
}

absl::StatusOr<std::string> ReadTrackingId(const LaporEndpoint& lapor, const std::string& body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const std::string& field = lapor.channel.fields().tracking_id();
  std::string id;
  if (doc.is_object()) {
    id = StringOf(doc, field);
    // Some answers wrap the record: {"data": {...}}.
    const auto data = doc.find(lapor.channel.fields().items());
    if (id.empty() && data != doc.end() && data->is_object()) id = StringOf(*data, field);
  }
  if (!IsLaporTrackingId(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("LAPOR's answer has no usable ", field, " (", ReplyExcerpt(body), ")"));
  }
  return id;
}

HttpCall DispositionsCall(const LaporEndpoint& lapor, const std::string& cursor) {
  const v1::LaporChannel& c = lapor.channel;
  HttpCall call;
  call.method = "GET";
  call.url = c.url() + c.dispositions_path();
  if (!cursor.empty()) {
    absl::StrAppend(&call.url, absl::StrContains(call.url, "?") ? "&" : "?",
                    c.fields().cursor_param(), "=", PercentEncode(cursor));
  }
  call.headers = {{"Accept", "application/json"}, {c.token_header(), lapor.token}};
  // A page of dispositions is bigger than a partner's answer, never a reason for megabytes.
  call.max_reply_bytes = 4 * 1024 * 1024;
  return call;
}

absl::StatusOr<LaporDispositionPage> ReadDispositions(const LaporEndpoint& lapor,
                                                      const std::string& body) {
  const v1::LaporFields& f = lapor.channel.fields();
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const json* items = nullptr;
  LaporDispositionPage page;
  if (doc.is_array()) {
    items = &doc;
  } else if (doc.is_object()) {
    const auto it = doc.find(f.items());
    if (it != doc.end() && it->is_array()) items = &*it;
    page.next_cursor = StringOf(doc, f.next_cursor());
  }
  if (items == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("LAPOR's dispositions are not a list (nor an object with '", f.items(), "')"));
  }
  for (const json& item : *items) {
    LaporDisposition d;
    if (item.is_object()) d.tracking_id = StringOf(item, f.tracking_id());
    if (!IsLaporTrackingId(d.tracking_id)) {
      ++page.unusable;
      continue;
    }
    d.title = StringOf(item, f.title());
    d.content = StringOf(item, f.content());
    d.category_id = StringOf(item, f.category());
    d.unit = StringOf(item, f.unit());
    d.location = StringOf(item, f.location());
    d.anonymous = BoolOf(item, f.anonymous());
    d.secret = BoolOf(item, f.secret());
    d.reporter = StringOf(item, f.reporter());
    page.items.push_back(std::move(d));
  }
  return page;
}

LaporImport ImportOf(const LaporEndpoint& lapor, const v1::CityConfig& city,
                     const LaporDisposition& d) {
  const v1::LaporChannel& c = lapor.channel;
  LaporImport out;
  v1::SubmitComplaintRequest& r = out.request;
  r.set_channel(v1::CHANNEL_LAPOR);
  // The same disposition read twice (a crash before the cursor moved) is the same complaint.
  r.set_idempotency_key(absl::StrCat("lapor:", d.tracking_id));
  r.set_category(c.import_category());
  for (const auto& [category, id] : c.category_ids()) {
    if (!d.category_id.empty() && id == d.category_id) r.set_category(category);
  }
  std::string words = d.content;
  if (!d.title.empty() && !absl::StartsWith(d.content, d.title)) {
    words = absl::StrCat(d.title, "\n\n", d.content);
  }
  words = ImportedText(absl::StripAsciiWhitespace(words), kMaxDescriptionChars);
  r.set_description(
      words.empty() ? absl::StrCat("(Laporan SP4N-LAPOR ", d.tracking_id, " tanpa isi)") : words);
  r.set_address(ImportedText(absl::StripAsciiWhitespace(d.location), 500));
  r.set_confidential(d.secret);
  v1::Reporter& reporter = *r.mutable_reporter();
  reporter.set_anonymous(d.anonymous || d.reporter.empty());
  if (!reporter.anonymous()) reporter.set_name(ImportedText(d.reporter, 200));
  const auto unit = c.unit_agencies().find(d.unit);
  if (unit != c.unit_agencies().end()) {
    for (const v1::Agency& a : city.agencies()) {
      if (a.code() == unit->second && a.kind() != v1::AGENCY_KIND_EXTERNAL) {
        out.agency_code = a.code();
      }
    }
  }
  return out;
}

std::optional<LaporFollowup> FollowupOf(const v1::Event& e) {
  const std::string& agency = e.case_after().agency_name();
  switch (e.payload_case()) {
    case v1::Event::kCaseResponded:
      return LaporFollowup{"proses", absl::StrCat(agency, ": ", e.case_responded().message())};
    case v1::Event::kCaseResolved:
      return LaporFollowup{"selesai", absl::StrCat(agency, ": ", e.case_resolved().note())};
    case v1::Event::kCasePartnerUpdated:
      if (!e.case_partner_updated().closed()) return std::nullopt;
      return LaporFollowup{"selesai", e.case_partner_updated().note()};
    case v1::Event::kCaseRejected: {
      const auto& r = e.case_rejected();
      std::string why = r.reason() == "duplicate"
                            ? absl::StrCat("sama dengan pengaduan ", r.duplicate_of_ticket())
                            : r.reason();
      if (!r.note().empty()) absl::StrAppend(&why, ". ", r.note());
      return LaporFollowup{"ditolak", absl::StrCat(agency, ": ", why)};
    }
    case v1::Event::kCaseClosed:
      return LaporFollowup{"ditutup", e.case_closed().automatic()
                                          ? "Ditutup otomatis: tidak dibuka kembali sampai batas "
                                            "waktu"
                                          : "Ditutup"};
    default:
      return std::nullopt;
  }
}

HttpCall FollowupCall(const LaporEndpoint& lapor, const std::string& tracking_id,
                      const std::string& ticket, const LaporFollowup& followup, absl::Time at,
                      const std::string& key) {
  const v1::LaporChannel& c = lapor.channel;
  const v1::LaporFields& f = c.fields();
  HttpCall call;
  call.method = "POST";
  call.url = c.url() + absl::StrReplaceAll(c.followup_path(),
                                           {{"{tracking_id}", PercentEncode(tracking_id)}});
  call.headers = Headers(lapor);
  call.headers.emplace_back("Idempotency-Key", absl::StrCat("sambat-", key));
  call.body = Dump(json{{f.status(), followup.status},
                        {f.content(), followup.text},
                        {f.occurred_at(), Rfc3339(at)},
                        {f.reference(), ticket}});
  return call;
}

}  // namespace skk::intake

#include "services/intake/validation.h"

#include <cmath>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/platform/events.h"

namespace skk::intake {

// How long a citizen's words may be, in characters.
constexpr int kMaxAddressChars = 500;
constexpr int kMaxReasonChars = 2000;
constexpr int kMaxCommentChars = 2000;

SubmissionRules RulesFromCityConfig(const sambat::v1::CityConfig& config) {
  SubmissionRules rules;
  for (const auto& c : config.categories()) rules.categories.insert(c.code());
  rules.bounds = config.bounds();
  return rules;
}

namespace {

// Control characters other than line breaks (CRLF from web forms too) and tab have no place in
// a citizen's text and are a favourite of log-injection and terminal-escape tricks.
bool HasForbiddenControl(std::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7F) return true;
  }
  return false;
}

bool IsBlank(std::string_view text) {
  for (unsigned char c : text) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// min to max bytes, each a printable ASCII character other than space: a client's own ids.
bool IsPrintableId(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

bool IsToken(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (unsigned char c : s) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

bool IsEmail(std::string_view e) {
  const size_t at = e.find('@');
  if (e.size() > 254 || at == std::string_view::npos || at == 0 || at != e.rfind('@')) {
    return false;
  }
  const std::string_view domain = e.substr(at + 1);
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.') {
    return false;
  }
  for (unsigned char c : e) {
    if (c <= 0x20 || c >= 0x7F || c == '<' || c == '>' || c == '"' || c == ',') return false;
  }
  return true;
}

void CheckMediaIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                   const std::string& field, int max, std::vector<FieldViolation>& v) {
  if (ids.size() > max) {
    v.push_back({field, absl::StrCat("at most ", max, " photos")});
    return;
  }
  for (int i = 0; i < ids.size(); ++i) {
    if (!IsMediaId(ids[i])) {
      v.push_back({absl::StrCat(field, "[", i, "]"), "is not a media id from UploadMedia"});
    }
  }
}

void CheckTicketAndToken(const std::string& ticket, const std::string& token,
                         std::vector<FieldViolation>& v) {
  if (!IsToken(ticket, 1, 40)) v.push_back({"ticket", "is not a ticket number"});
  if (!IsToken(token, 1, 128)) v.push_back({"tracking_token", "is required"});
}

}  // namespace

bool IsMediaId(std::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void CheckCitizenText(const std::string& text, const std::string& field, int max_chars,
                      bool optional, std::vector<FieldViolation>& v) {
  size_t chars = 0;
  const std::string too_long = absl::StrCat("must be at most ", max_chars, " characters");
  if (text.size() > 4 * static_cast<size_t>(max_chars)) {
    v.push_back({field, too_long});
  } else if (!IsValidUtf8(text, &chars)) {
    v.push_back({field, "must be valid UTF-8"});
  } else if (IsBlank(text)) {
    if (!optional) v.push_back({field, "is required"});
  } else if (chars > static_cast<size_t>(max_chars)) {
    v.push_back({field, too_long});
  } else if (HasForbiddenControl(text)) {
    v.push_back({field, "must not contain control characters"});
  }
}

namespace {

void CheckCategory(const std::string& category, const SubmissionRules& rules,
                   std::vector<FieldViolation>& v) {
  if (category.empty()) {
    v.push_back({"category", "is required"});
  } else if (!rules.categories.contains(category)) {
    v.push_back({"category", "is not a category of this city"});
  }
}

void CheckPointInCity(const sambat::v1::GeoPoint& point, const SubmissionRules& rules,
                      std::vector<FieldViolation>& v) {
  const double lat = point.latitude();
  const double lon = point.longitude();
  const auto& b = rules.bounds;
  if (!std::isfinite(lat) || lat < -90 || lat > 90) {
    v.push_back({"location.latitude", "must be a number from -90 to 90"});
  } else if (lat < b.min_latitude() || lat > b.max_latitude()) {
    v.push_back({"location.latitude", "is outside the city"});
  }
  if (!std::isfinite(lon) || lon < -180 || lon > 180) {
    v.push_back({"location.longitude", "must be a number from -180 to 180"});
  } else if (lon < b.min_longitude() || lon > b.max_longitude()) {
    v.push_back({"location.longitude", "is outside the city"});
  }
}

}  // namespace

std::vector<FieldViolation> ValidateNearbySearch(
    const sambat::v1::FindNearbyComplaintsRequest& request, const SubmissionRules& rules) {
  std::vector<FieldViolation> v;
  CheckCategory(request.category(), rules, v);
  if (!request.has_location()) {
    v.push_back({"location", "is required: the search is around a point"});
  } else {
    CheckPointInCity(request.location(), rules, v);
  }
  CheckCitizenText(request.description(), "description", kMaxDescriptionChars, true, v);
  return v;
}

std::vector<FieldViolation> ValidateSubmission(const sambat::v1::SubmitComplaintRequest& request,
                                               const SubmissionRules& rules) {
  std::vector<FieldViolation> v;
  CheckCategory(request.category(), rules, v);
  // A citizen who joins a complaint found nearby may add no words of their own.
  const bool joins = !request.join_ticket().empty();
  CheckCitizenText(request.description(), "description", kMaxDescriptionChars, joins, v);
  if (joins && !IsToken(request.join_ticket(), 1, 40)) {
    v.push_back({"join_ticket", "is not a ticket number"});
  } else if (joins && !request.has_location()) {
    v.push_back({"location", "is required to join a complaint nearby"});
  }

  // Where: a point on the map, an address in words, or both. A complaint gathered from text
  // messages has neither: its words say where, and the verifier or the agency reads them.
  const bool has_address = !IsBlank(request.address());
  const bool by_text = request.channel() == sambat::v1::CHANNEL_SMS ||
                       request.channel() == sambat::v1::CHANNEL_WHATSAPP;
  // SP4N-LAPOR's dispositions say where in words, if at all, and their citizens hear through
  // LAPOR (docs/lapor.md).
  const bool from_lapor = request.channel() == sambat::v1::CHANNEL_LAPOR;
  if (!request.has_location() && !has_address && !by_text && !from_lapor) {
    v.push_back({"location", "is required when there is no address"});
  }
  if (request.has_location()) CheckPointInCity(request.location(), rules, v);
  CheckCitizenText(request.address(), "address", kMaxAddressChars, true, v);
  CheckMediaIds(request.media_ids(), "media_ids", rules.max_photos, v);

  const auto& r = request.reporter();
  if (r.anonymous() && !r.name().empty()) {
    v.push_back({"reporter.name", "must be empty for an anonymous complaint"});
  } else {
    CheckCitizenText(r.name(), "reporter.name", 200, true, v);
  }
  if (!r.phone().empty() && NormalizePhone(r.phone()).empty()) {
    v.push_back({"reporter.phone", "is not an Indonesian mobile number"});
  }
  if (!r.email().empty() && !IsEmail(r.email())) {
    v.push_back({"reporter.email", "is not an email address"});
  }
  if (!r.anonymous() && r.phone().empty() && r.email().empty() && !from_lapor) {
    v.push_back({"reporter", "needs a phone or an email, or anonymous"});
  }

  // "lapor:<tracking number>" names SP4N-LAPOR's dispositions (LaporDesk): a client that took
  // one first would make intake drop that disposition as already stored.
  if (request.channel() != sambat::v1::CHANNEL_LAPOR &&
      absl::StartsWith(request.idempotency_key(), "lapor:")) {
    v.push_back({"idempotency_key", "must not start with \"lapor:\" (reserved for SP4N-LAPOR)"});
  }
  if (!sambat::v1::Channel_IsValid(request.channel())) {
    v.push_back({"channel", "is not a known channel"});
  }
  const bool assisted = request.channel() == sambat::v1::CHANNEL_ASSISTED;
  if (assisted && !IsToken(request.volunteer_id(), 1, 64)) {
    v.push_back({"volunteer_id", "is required for an assisted complaint (letters, digits, -_.)"});
  } else if (!assisted && !request.volunteer_id().empty()) {
    v.push_back({"volunteer_id", "only an assisted complaint has a volunteer"});
  }
  if (!request.device_id().empty() && !IsToken(request.device_id(), 1, 128)) {
    v.push_back({"device_id", "must be 1 to 128 letters, digits or -_."});
  }

  const std::string& key = request.idempotency_key();
  if (!key.empty() && !IsPrintableId(key, 8, 128)) {
    v.push_back({"idempotency_key", "must be 8 to 128 printable ASCII characters"});
  }
  return v;
}

std::vector<FieldViolation> ValidateTextMessage(const sambat::v1::ReceiveTextMessageRequest& request,
                                                const sambat::v1::TextMessaging& config) {
  std::vector<FieldViolation> v;
  if (!absl::c_any_of(config.gateways(),
                      [&](const auto& g) { return g.name() == request.gateway(); })) {
    v.push_back({"gateway", "is not a text gateway of this city"});
  }
  if (!IsPrintableId(request.message_id(), 1, 128)) {
    v.push_back({"message_id", "must be 1 to 128 printable ASCII characters"});
  }
  CheckCitizenText(request.text(), "text", kMaxDescriptionChars, false, v);
  return v;
}

std::vector<FieldViolation> ValidateAddInfo(const sambat::v1::AddInfoRequest& request,
                                            const SubmissionRules& rules) {
  std::vector<FieldViolation> v;
  CheckTicketAndToken(request.ticket(), request.tracking_token(), v);
  CheckCitizenText(request.text(), "text", kMaxDescriptionChars, false, v);
  CheckMediaIds(request.media_ids(), "media_ids", rules.max_photos, v);
  return v;
}

std::vector<FieldViolation> ValidateRate(const sambat::v1::RateRequest& request) {
  std::vector<FieldViolation> v;
  CheckTicketAndToken(request.ticket(), request.tracking_token(), v);
  if (request.stars() < 1 || request.stars() > 5) v.push_back({"stars", "must be 1 to 5"});
  CheckCitizenText(request.comment(), "comment", kMaxCommentChars, true, v);
  return v;
}

std::vector<FieldViolation> ValidateReopen(const sambat::v1::ReopenRequest& request) {
  std::vector<FieldViolation> v;
  CheckTicketAndToken(request.ticket(), request.tracking_token(), v);
  CheckCitizenText(request.reason(), "reason", kMaxReasonChars, false, v);
  return v;
}

std::vector<FieldViolation> ValidatePublicListing(
    const sambat::v1::ListPublicComplaintsRequest& request) {
  std::vector<FieldViolation> v;
  if (request.tickets_size() > kMaxPublicTickets) {
    v.push_back({"tickets", absl::StrCat("at most ", kMaxPublicTickets, " tickets")});
  }
  for (int i = 0; i < request.tickets_size(); ++i) {
    if (!IsToken(request.tickets(i), 1, 40)) {
      v.push_back({absl::StrCat("tickets[", i, "]"), "is not a ticket number"});
    }
  }
  for (int i = 0; i < request.categories_size(); ++i) {
    if (!IsToken(request.categories(i), 1, 64)) {
      v.push_back({absl::StrCat("categories[", i, "]"), "is not a category code"});
    }
  }
  if (request.has_submitted_from() && request.has_submitted_until()) {
    const absl::Time from = FromProtoTime(request.submitted_from());
    const absl::Time until = FromProtoTime(request.submitted_until());
    if (until < from) {
      v.push_back({"submitted_until", "must not be before submitted_from"});
    } else if (until - from > kMaxPublicWindow) {
      v.push_back({"submitted_until", "must be at most 90 days after submitted_from"});
    }
  }
  if (!sambat::v1::ListPublicComplaintsRequest::Progress_IsValid(request.progress())) {
    v.push_back({"progress", "is not a known progress"});
  }
  if (request.limit() < 0 || request.limit() > kMaxPublicComplaints) {
    v.push_back({"limit", absl::StrCat("must be 0 to ", kMaxPublicComplaints)});
  }
  return v;
}

std::vector<FieldViolation> ValidateErasure(const sambat::v1::EraseCitizenDataRequest& request) {
  std::vector<FieldViolation> v;
  using R = sambat::v1::EraseCitizenDataRequest;
  std::string erased;  // what the reason must not repeat
  switch (request.selector_case()) {
    case R::kTicket:
      if (!IsToken(request.ticket(), 1, 40)) v.push_back({"ticket", "is not a ticket number"});
      break;
    case R::kPhone:
      erased = NormalizePhone(request.phone());
      if (erased.empty()) v.push_back({"phone", "is not an Indonesian mobile number"});
      break;
    case R::kEmail:
      erased = absl::AsciiStrToLower(request.email());
      if (!IsEmail(request.email())) v.push_back({"email", "is not an email address"});
      break;
    case R::SELECTOR_NOT_SET:
      v.push_back({"selector", "name a ticket, a phone or an email"});
      break;
  }
  CheckCitizenText(request.reason(), "reason", kMaxErasureReasonChars, false, v);
  // The audit record outlives the data: it must not become the copy the erasure missed.
  // A phone is looked for without its +62 or 0, so 0812..., 62812... and +62812... all match.
  const std::string reason = absl::AsciiStrToLower(request.reason());
  const std::string needle = request.has_phone() && erased.size() > 3 ? erased.substr(3) : erased;
  if (!needle.empty() && reason.find(needle) != std::string::npos) {
    v.push_back({"reason", "must not contain the phone or email being erased"});
  }
  return v;
}

}  // namespace skk::intake

#include "services/gateway/open311.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/gateway/citizen_api.h"
#include "services/gateway/json_body.h"
#include "services/gateway/problem.h"
#include "services/platform/errors.h"
#include "services/platform/events.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace {

namespace v1 = sambat::v1;
using Json = nlohmann::ordered_json;

constexpr absl::string_view kPrefix = "/open311/";

// The XML element of one item of a list element (the spec's ⇊ and ↴).
std::string ItemName(const std::string& list) {
  static const auto* const kItems = new std::map<std::string, std::string>{
      {"services", "service"}, {"service_requests", "request"},
      {"errors", "error"},     {"attributes", "attribute"},
      {"values", "value"},     {"endpoints", "endpoint"},
      {"formats", "format"}};
  const auto found = kItems->find(list);
  return found == kItems->end() ? "item" : found->second;
}

void AppendXmlText(std::string& out, absl::string_view text) {
  for (unsigned char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no other control characters, even escaped.
        if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out.push_back(static_cast<char>(c));
    }
  }
}

void AppendXml(std::string& out, const std::string& name, const Json& value) {
  absl::StrAppend(&out, "<", name, ">");
  if (value.is_array()) {
    const std::string item = ItemName(name);
    for (const Json& element : value) AppendXml(out, item, element);
  } else if (value.is_object()) {
    for (const auto& [key, member] : value.items()) AppendXml(out, key, member);
  } else if (value.is_string()) {
    AppendXmlText(out, value.get<std::string>());
  } else if (!value.is_null()) {
    out += value.dump();  // numbers and booleans as JSON writes them
  }
  absl::StrAppend(&out, "</", name, ">");
}

HttpResponse Render(absl::string_view format, const std::string& root, const Json& body,
                    int status) {
  HttpResponse response;
  response.status = status;
  if (format == "json") {
    response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    response.SetHeader("content-type", "application/json; charset=utf-8");
  } else {
    response.body = R"(<?xml version="1.0" encoding="utf-8"?>)";
    AppendXml(response.body, root, body);
    response.SetHeader("content-type", "text/xml; charset=utf-8");
  }
  return response;
}

// The spec's error document: one error per invalid field ("lat: is not a number"), else one
// with the message; the code is the HTTP status.
HttpResponse ErrorDocument(absl::string_view format, const absl::Status& status) {
  ErrorFacts facts = FactsOf(status);
  // The spec: 403 for a missing or wrong key, 400 for any other failure of the request.
  if (facts.http_status == 401) facts.http_status = 403;
  if (facts.http_status == 409 || facts.http_status == 413 || facts.http_status == 415) {
    facts.http_status = 400;
  }
  Json errors = Json::array();
  for (const FieldViolation& field : facts.fields) {
    errors.push_back({{"code", facts.http_status},
                      {"description", absl::StrCat(field.field, ": ", field.reason)}});
  }
  if (errors.empty())
    errors.push_back({{"code", facts.http_status}, {"description", facts.detail}});
  HttpResponse response = Render(format, "errors", errors, facts.http_status);
  response.SetHeader("cache-control", "no-store");
  if (facts.retry_after_seconds > 0) {
    response.SetHeader("retry-after", absl::StrCat(facts.retry_after_seconds));
  }
  return response;
}

// "SKK-2026-000123.json" -> {"SKK-2026-000123", "json"}; nullopt without a known ending.
std::optional<std::pair<std::string, std::string>> SplitFormat(const std::string& name) {
  for (const char* format : {"json", "xml"}) {
    const std::string ending = absl::StrCat(".", format);
    if (absl::EndsWith(name, ending) && name.size() > ending.size()) {
      return std::make_pair(name.substr(0, name.size() - ending.size()), std::string(format));
    }
  }
  return std::nullopt;
}

// A comma-separated parameter ("open,closed"), its items trimmed, empty ones dropped.
std::vector<std::string> ListOf(const std::optional<std::string>& value) {
  std::vector<std::string> items;
  if (!value.has_value()) return items;
  for (absl::string_view item : absl::StrSplit(*value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

// A W3C datetime (with its zone, "2026-12-01T00:00:00+07:00" or "...Z"), or a date alone,
// read as midnight in the city.
absl::StatusOr<absl::Time> ParseW3c(const std::string& text, const std::string& field,
                                    absl::TimeZone city) {
  absl::Time t;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &error)) return t;
  if (absl::ParseTime("%Y-%m-%d", text, city, &t, &error)) return t;
  return InvalidFields({{field, "is not a W3C datetime, e.g. 2026-12-01T00:00:00+07:00"}});
}

// Intake's field names in the spec's words, so a partner reads the parameter it sent.
std::string SpecField(const std::string& field) {
  static const auto* const kNames = new std::map<std::string, std::string>{
      {"category", "service_code"},    {"location", "lat"},
      {"location.latitude", "lat"},    {"location.longitude", "long"},
      {"address", "address_string"},   {"reporter.phone", "phone"},
      {"reporter.email", "email"},     {"reporter.name", "first_name"},
      {"reporter", "email"},           {"tickets", "service_request_id"},
      {"categories", "service_code"},  {"submitted_from", "start_date"},
      {"submitted_until", "end_date"}, {"idempotency_key", "Idempotency-Key"}};
  const size_t bracket = field.find('[');
  const std::string base = field.substr(0, bracket);
  const auto found = kNames->find(base);
  return found == kNames->end() ? field : found->second;
}

absl::Status InSpecWords(absl::Status status) {
  const ErrorFacts facts = FactsOf(status);
  if (facts.fields.empty() || !absl::IsInvalidArgument(status)) return status;
  std::vector<FieldViolation> renamed;
  for (const FieldViolation& f : facts.fields) renamed.push_back({SpecField(f.field), f.reason});
  return InvalidFields(renamed);
}

}  // namespace

bool Open311::Serves(absl::string_view path) { return absl::StartsWith(path, kPrefix); }

HttpResponse Open311::ErrorFor(const HttpRequest& request, const absl::Status& status) {
  return ErrorDocument(absl::EndsWith(request.RawPath(), ".json") ? "json" : "xml", status);
}

HttpResponse Open311::MethodNotAllowed(const HttpRequest& request, absl::string_view allowed) {
  Json errors = Json::array();
  errors.push_back({{"code", 405}, {"description", absl::StrCat("this address takes ", allowed)}});
  HttpResponse response =
      Render(absl::EndsWith(request.RawPath(), ".json") ? "json" : "xml", "errors", errors, 405);
  response.SetHeader("allow", std::string(allowed));
  response.SetHeader("cache-control", "no-store");
  return response;
}

Open311::Open311(std::shared_ptr<grpc::Channel> intake, const v1::CityConfig& city, ApiKeys& keys,
                 Open311Options options)
    : intake_(v1::IntakeService::NewStub(std::move(intake))),
      keys_(keys),
      options_(std::move(options)),
      jurisdiction_(city.open311_jurisdiction_id()) {
  if (!absl::LoadTimeZone(city.time_zone(), &zone_)) zone_ = absl::FixedTimeZone(7 * 3600);
  std::map<std::string, std::string> agency_names;
  for (const v1::Agency& agency : city.agencies()) agency_names[agency.code()] = agency.name();
  for (const v1::Category& category : city.categories()) {
    services_[category.code()].name = category.name();
    service_order_.push_back(category.code());
  }
  for (const v1::RoutingRule& rule : city.routing_rules()) {
    auto found = services_.find(rule.category());
    if (found != services_.end() && rule.area().empty()) {
      found->second.group = agency_names[rule.agency()];
    }
  }
  for (const v1::SlaPolicy& policy : city.sla_policies()) {
    auto found = services_.find(policy.category());
    if (found != services_.end() && policy.first_response_days() > 0) {
      found->second.notice = absl::StrCat("Instansi menanggapi paling lambat ",
                                          policy.first_response_days(), " hari kerja.");
    }
  }
}

RouteHandler Open311::Serve(const char* format, const char* param, Handler handler) {
  return [this, format, param, handler](RouteRequest& request) -> absl::StatusOr<HttpResponse> {
    std::string answer_format = format;
    if (param != nullptr) {
      auto split = SplitFormat(request.params.at(param));
      if (!split.has_value()) {
        return ErrorDocument("xml", absl::NotFoundError("the address must end in .xml or .json"));
      }
      request.params[param] = split->first;
      answer_format = split->second;
    }
    const std::optional<std::string> jurisdiction = request.Query("jurisdiction_id");
    if (jurisdiction.has_value() && !jurisdiction->empty() && *jurisdiction != jurisdiction_) {
      return ErrorDocument(answer_format, absl::NotFoundError(absl::StrCat(
                                              "jurisdiction_id ", *jurisdiction,
                                              " is not served here; this is ", jurisdiction_)));
    }
    absl::StatusOr<Open311Answer> answer = (this->*handler)(request);
    if (!answer.ok()) return ErrorDocument(answer_format, InSpecWords(answer.status()));
    HttpResponse response = Render(answer_format, answer->root, answer->body, answer->status);
    if (answer->cacheable) return WithEtag(request.http, std::move(response), "public, max-age=60");
    response.SetHeader("cache-control", "no-store");
    return response;
  };
}

void Open311::AddRoutes(Router& router) {
  const BodyPolicy form{.max_bytes = options_.max_form_bytes};
  for (const char* format : {"json", "xml"}) {
    const std::string v2 = "/open311/v2/";
    router.Add({"GET",
                absl::StrCat("/open311/discovery.", format),
                {},
                Serve(format, nullptr, &Open311::Discovery)});
    router.Add({"GET",
                absl::StrCat(v2, "services.", format),
                {},
                Serve(format, nullptr, &Open311::Services)});
    router.Add({"GET",
                absl::StrCat(v2, "requests.", format),
                {},
                Serve(format, nullptr, &Open311::Requests)});
    router.Add({"POST", absl::StrCat(v2, "requests.", format), form,
                Serve(format, nullptr, &Open311::Submit)});
  }
  router.Add({"GET",
              "/open311/v2/services/{service_code}",
              {},
              Serve("xml", "service_code", &Open311::ServiceDefinition)});
  router.Add({"GET",
              "/open311/v2/requests/{service_request_id}",
              {},
              Serve("xml", "service_request_id", &Open311::OneRequest)});
  router.Add({"GET", "/open311/v2/tokens/{token}", {}, Serve("xml", "token", &Open311::Token)});
}

absl::StatusOr<Open311Answer> Open311::Discovery(RouteRequest& request) {
  const std::string base = BaseUrl(request);
  Json endpoint = {{"specification", "http://wiki.open311.org/GeoReport_v2"},
                   {"url", absl::StrCat(base, "/open311/v2")},
                   {"changeset", "2026-12-06T00:00:00+07:00"},
                   {"type", "production"},
                   {"formats", Json::array({"text/xml", "application/json"})}};
  Json discovery = {{"changeset", "2026-12-06T00:00:00+07:00"},
                    {"contact", "Sambat Kene Ker, Diskominfo"},
                    {"key_service", "API keys are issued by the city's administrators"},
                    {"endpoints", Json::array({endpoint})}};
  return Open311Answer{.root = "discovery", .body = std::move(discovery), .cacheable = true};
}

absl::StatusOr<Open311Answer> Open311::Services(RouteRequest&) {
  Json services = Json::array();
  for (const std::string& code : service_order_) {
    const Service& service = services_.at(code);
    services.push_back(
        {{"service_code", code},
         {"service_name", service.name},
         {"description",
          service.notice.empty() ? service.name : absl::StrCat(service.name, ". ", service.notice)},
         {"metadata", false},
         {"type", "realtime"},
         {"keywords", ""},
         {"group", service.group}});
  }
  return Open311Answer{.root = "services", .body = std::move(services), .cacheable = true};
}

absl::StatusOr<Open311Answer> Open311::ServiceDefinition(RouteRequest& request) {
  const std::string& code = request.params.at("service_code");
  if (!services_.contains(code)) {
    return absl::NotFoundError(
        absl::StrCat("service_code ", code, " is not a service of this city"));
  }
  // No category asks for more than the request's own fields: no attributes.
  Json definition = {{"service_code", code}, {"attributes", Json::array()}};
  return Open311Answer{
      .root = "service_definition", .body = std::move(definition), .cacheable = true};
}

std::string Open311::W3cTime(const google::protobuf::Timestamp& t) const {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", FromProtoTime(t), zone_);
}

std::string Open311::BaseUrl(const RouteRequest& request) const {
  if (!options_.public_base_url.empty()) return options_.public_base_url;
  return absl::StrCat("http://", request.http.Header("host"));
}

Json Open311::RequestRecord(const v1::PublicComplaint& c, const std::string& base) const {
  const auto service = services_.find(c.category());
  const auto text_or_null = [](const std::string& text) -> Json {
    return text.empty() ? Json(nullptr) : Json(text);
  };
  Json record = {
      {"service_request_id", c.ticket()},
      {"status", c.finished() ? "closed" : "open"},
      {"status_notes", text_or_null(c.status_notes())},
      {"service_name", service == services_.end() ? c.category() : service->second.name},
      {"service_code", c.category()},
      {"description", c.description()},
      {"agency_responsible", text_or_null(c.agency_name())},
      {"service_notice",
       service == services_.end() ? Json(nullptr) : text_or_null(service->second.notice)},
      {"requested_datetime", W3cTime(c.submitted_at())},
      {"updated_datetime", W3cTime(c.updated_at())},
      {"expected_datetime",
       c.has_first_response_due_at() ? Json(W3cTime(c.first_response_due_at())) : Json(nullptr)},
      {"address", text_or_null(c.address())},
      {"address_id", nullptr},
      {"zipcode", nullptr},
      {"lat", c.has_location() ? Json(c.location().latitude()) : Json(nullptr)},
      {"long", c.has_location() ? Json(c.location().longitude()) : Json(nullptr)},
      // The thumbnail: what anyone may see of a public complaint's first photo.
      {"media_url", c.media_id().empty()
                        ? Json(nullptr)
                        : Json(absl::StrCat(base, "/media/", c.media_id(), "/thumbnail"))}};
  return record;
}

absl::StatusOr<Json> Open311::List(const RouteRequest& request,
                                   const v1::ListPublicComplaintsRequest& filter) {
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, options_.call_timeout);
  v1::ListPublicComplaintsResponse listed;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->ListPublicComplaints(&context, filter, &listed)));
  Json records = Json::array();
  const std::string base = BaseUrl(request);
  for (const v1::PublicComplaint& c : listed.complaints()) {
    records.push_back(RequestRecord(c, base));
  }
  return records;
}

absl::StatusOr<Open311Answer> Open311::Requests(RouteRequest& request) {
  v1::ListPublicComplaintsRequest filter;
  for (const std::string& id : ListOf(request.Query("service_request_id"))) filter.add_tickets(id);
  for (const std::string& code : ListOf(request.Query("service_code"))) filter.add_categories(code);
  if (auto from = request.Query("start_date"); from.has_value() && !from->empty()) {
    SKK_ASSIGN_OR_RETURN(const absl::Time t, ParseW3c(*from, "start_date", zone_));
    *filter.mutable_submitted_from() = ToProtoTime(t);
  }
  if (auto until = request.Query("end_date"); until.has_value() && !until->empty()) {
    SKK_ASSIGN_OR_RETURN(const absl::Time t, ParseW3c(*until, "end_date", zone_));
    *filter.mutable_submitted_until() = ToProtoTime(t);
  }
  bool open = false, closed = false;
  for (const std::string& status : ListOf(request.Query("status"))) {
    if (status == "open") {
      open = true;
    } else if (status == "closed") {
      closed = true;
    } else {
      return InvalidFields({{"status", "must be open, closed or both (open,closed)"}});
    }
  }
  if (open != closed) {
    filter.set_progress(open ? v1::ListPublicComplaintsRequest::PROGRESS_OPEN
                             : v1::ListPublicComplaintsRequest::PROGRESS_FINISHED);
  }
  SKK_ASSIGN_OR_RETURN(Json records, List(request, filter));
  return Open311Answer{.root = "service_requests", .body = std::move(records), .cacheable = true};
}

absl::StatusOr<Open311Answer> Open311::OneRequest(RouteRequest& request) {
  v1::ListPublicComplaintsRequest filter;
  filter.add_tickets(request.params.at("service_request_id"));
  SKK_ASSIGN_OR_RETURN(Json records, List(request, filter));
  // A confidential complaint is as unknown as a ticket that never was.
  if (records.empty()) return absl::NotFoundError("no public service request with this id");
  return Open311Answer{.root = "service_requests", .body = std::move(records), .cacheable = true};
}

absl::StatusOr<Open311Answer> Open311::Token(RouteRequest&) {
  // Every service here is "realtime": a POST answers with the service_request_id itself and
  // never with a token, so no token exists to look up.
  return absl::NotFoundError(
      "no such token: this city's services are realtime, and POST requests answers with the "
      "service_request_id");
}

namespace {

// The form of a POST, name to first value ("" for a name sent empty, which the spec treats as
// not sent).
using Form = std::map<std::string, std::string>;

absl::StatusOr<Form> ReadForm(const HttpRequest& request) {
  const absl::string_view type = request.Header("content-type");
  if (!absl::StartsWithIgnoreCase(type, "application/x-www-form-urlencoded")) {
    return InvalidFields({{"Content-Type", "must be application/x-www-form-urlencoded"}});
  }
  SKK_ASSIGN_OR_RETURN(auto pairs, ParseQuery(request.body));
  Form form;
  for (auto& [name, value] : pairs) form.emplace(std::move(name), std::move(value));
  return form;
}

std::string Field(const Form& form, const std::string& name) {
  const auto found = form.find(name);
  return found == form.end() ? "" : std::string(absl::StripAsciiWhitespace(found->second));
}

// lat, long, address_string and address_id into the submission.
absl::Status ReadLocation(const Form& form, v1::SubmitComplaintRequest& submission) {
  const std::string lat = Field(form, "lat"), lon = Field(form, "long");
  submission.set_address(Field(form, "address_string"));
  if (!lat.empty() || !lon.empty()) {
    double latitude = 0, longitude = 0;
    std::vector<FieldViolation> bad;
    if (!absl::SimpleAtod(lat, &latitude)) bad.push_back({"lat", "is not a number (WGS84)"});
    if (!absl::SimpleAtod(lon, &longitude)) bad.push_back({"long", "is not a number (WGS84)"});
    SKK_RETURN_IF_ERROR(InvalidFields(bad));
    submission.mutable_location()->set_latitude(latitude);
    submission.mutable_location()->set_longitude(longitude);
  } else if (submission.address().empty()) {
    return InvalidFields(
        {{Field(form, "address_id").empty() ? "lat" : "address_id",
          "send lat and long, or address_string: this city keeps no address register"}});
  }
  return absl::OkStatus();
}

// The reporter: named with a phone or an email; without either, anonymous (and nameless, as
// intake requires of an anonymous complaint).
void ReadReporter(const Form& form, v1::Reporter& reporter) {
  reporter.set_phone(Field(form, "phone"));
  reporter.set_email(Field(form, "email"));
  if (reporter.phone().empty() && reporter.email().empty()) {
    reporter.set_anonymous(true);
    return;
  }
  reporter.set_name(std::string(absl::StripAsciiWhitespace(
      absl::StrCat(Field(form, "first_name"), " ", Field(form, "last_name")))));
}

}  // namespace

absl::StatusOr<Open311Answer> Open311::Submit(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const Form form, ReadForm(request.http));
  SKK_ASSIGN_OR_RETURN(const ApiKeyHolder partner,
                       keys_.Check(Field(form, "api_key"), kOpen311Purpose));
  const std::string jurisdiction = Field(form, "jurisdiction_id");
  if (!jurisdiction.empty() && jurisdiction != jurisdiction_) {
    return absl::NotFoundError(
        absl::StrCat("jurisdiction_id ", jurisdiction, " is not served here"));
  }
  const std::string code = Field(form, "service_code");
  if (code.empty()) return InvalidFields({{"service_code", "is required"}});
  if (!services_.contains(code)) {
    return absl::NotFoundError(
        absl::StrCat("service_code ", code, " is not a service of this city"));
  }
  v1::SubmitComplaintRequest submission;
  submission.set_category(code);
  submission.set_description(Field(form, "description"));
  submission.set_channel(v1::CHANNEL_OPEN311);
  submission.set_device_id(Field(form, "device_id"));
  submission.set_idempotency_key(std::string(request.http.Header("idempotency-key")));
  SKK_RETURN_IF_ERROR(ReadLocation(form, submission));
  ReadReporter(form, *submission.mutable_reporter());
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, options_.call_timeout);
  v1::SubmitComplaintResponse accepted;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->SubmitComplaint(&context, submission, &accepted)));
  log::Info("open311 request submitted", {{"complaint_id", accepted.complaint_id()},
                                          {"ticket", accepted.ticket()},
                                          {"key_id", partner.key_id}});
  const std::string& notice = services_.at(code).notice;
  Json created = Json::array({{{"service_request_id", accepted.ticket()},
                               {"service_notice", notice.empty() ? Json(nullptr) : Json(notice)},
                               {"account_id", nullptr}}});
  return Open311Answer{.root = "service_requests",
                       .body = std::move(created),
                       .status = accepted.duplicate() ? 200 : 201};
}

}  // namespace skk::gateway

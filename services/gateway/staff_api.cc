#include "services/gateway/staff_api.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "sambat/v1/gateway.pb.h"
#include "services/gateway/json_body.h"
#include "services/platform/errors.h"
#include "services/platform/events.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace {

namespace v1 = sambat::v1;

// Long enough for a slow call, short enough that a token copied from a log is soon worthless.
constexpr absl::Duration kTokenLifetime = absl::Minutes(5);

bool Changes(const RouteRequest& request) { return request.http.method != "GET"; }

HttpResponse NoContent() {
  HttpResponse response;
  response.status = 204;
  return response;
}

v1::StaffSession SessionMessage(const ActiveSession& session) {
  v1::StaffSession out;
  out.set_username(session.caller.subject);
  out.set_name(session.caller.name);
  out.set_role(std::string(RoleName(session.caller.role)));
  out.set_agency_code(session.caller.agency_code);
  out.set_csrf_token(session.csrf_token);
  out.set_must_change_password(session.must_change_password);
  out.set_totp_enabled(session.totp_enabled);
  // A machine client's key has no session to expire.
  if (session.expires_at != absl::InfiniteFuture()) {
    *out.mutable_expires_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(
        absl::ToUnixSeconds(session.expires_at));
  }
  return out;
}

// Sets `field` of `message` to the path's `value` (the case or escalation the address names);
// INVALID_ARGUMENT when the body named another.
absl::Status SetFromPath(google::protobuf::Message& message, const std::string& field,
                         const std::string& value) {
  std::unique_ptr<google::protobuf::Message> named(message.New());
  SKK_RETURN_IF_ERROR(ReadQuery({{field, value}}, *named));
  const google::protobuf::FieldDescriptor* f = message.GetDescriptor()->FindFieldByName(field);
  const google::protobuf::Reflection* reflection = message.GetReflection();
  if (reflection->HasField(message, f)) {
    // The body's value of that field alone, compared with the path's.
    std::unique_ptr<google::protobuf::Message> only(message.New());
    only->CopyFrom(message);
    const google::protobuf::Descriptor* type = message.GetDescriptor();
    for (int i = 0; i < type->field_count(); ++i) {
      if (type->field(i) != f) only->GetReflection()->ClearField(only.get(), type->field(i));
    }
    if (only->SerializeAsString() != named->SerializeAsString()) {
      return InvalidFields({{field, "differs from the one in the address"}});
    }
  }
  reflection->ClearField(&message, f);
  message.MergeFrom(*named);
  return absl::OkStatus();
}

}  // namespace

std::string CookieValue(absl::string_view header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    const size_t eq = part.find('=');
    if (eq != absl::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
  }
  return "";
}

StaffApi::StaffApi(StaffAccounts& accounts, ApiKeys& keys, TokenIssuer issuer, Clock& clock,
                   const StaffServices& services, AddressRateLimiter* limiter,
                   StaffApiOptions options)
    : accounts_(accounts),
      keys_(keys),
      issuer_(std::move(issuer)),
      clock_(clock),
      officers_(v1::OfficerService::NewStub(services.routing)),
      leadership_(v1::LeadershipService::NewStub(services.sla)),
      notifications_(v1::NotificationService::NewStub(services.notification)),
      routing_admin_(v1::RoutingAdminService::NewStub(services.routing)),
      sla_admin_(v1::SlaAdminService::NewStub(services.sla)),
      limiter_(limiter),
      options_(options) {
  for (const auto& [name, channel] :
       {std::pair{"intake", services.intake}, std::pair{"routing", services.routing},
        std::pair{"sla", services.sla}, std::pair{"notification", services.notification}}) {
    if (channel != nullptr) parked_[name] = v1::ParkedEventsService::NewStub(channel);
  }
}

void StaffApi::AddRoutes(Router& router) {
  const BodyPolicy json{.max_bytes = options_.max_json_bytes};
  auto bind = [this](auto method) {
    return [this, method](RouteRequest& r) { return (this->*method)(r); };
  };
  router.Add({"POST", "/api/v1/staff/session", json, bind(&StaffApi::SignIn)});
  router.Add({"GET", "/api/v1/staff/session", {}, bind(&StaffApi::WhoAmI)});
  router.Add({"DELETE", "/api/v1/staff/session", {}, bind(&StaffApi::SignOut)});
  router.Add({"POST", "/api/v1/staff/password", json, bind(&StaffApi::ChangePassword)});
  router.Add({"POST", "/api/v1/staff/totp", {}, bind(&StaffApi::BeginTotp)});
  router.Add({"POST", "/api/v1/staff/totp/confirm", json, bind(&StaffApi::ConfirmTotp)});
  router.Add({"POST", "/api/v1/staff/accounts", json, bind(&StaffApi::CreateAccount)});
  router.Add({"POST", "/api/v1/staff/accounts/{username}/reset-password", {},
              bind(&StaffApi::ResetPassword)});
  router.Add({"POST", "/api/v1/staff/accounts/{username}/disable", {},
              bind(&StaffApi::DisableAccount)});
  router.Add({"GET", "/api/v1/staff/accounts", {}, bind(&StaffApi::ListAccounts)});
  router.Add({"POST", "/api/v1/staff/accounts/{username}/enable", {},
              bind(&StaffApi::EnableAccount)});
  router.Add({"POST", "/api/v1/staff/accounts/{username}/role", json,
              bind(&StaffApi::ChangeRole)});
  router.Add({"POST", "/api/v1/staff/api-keys", json, bind(&StaffApi::IssueApiKey)});
  router.Add({"GET", "/api/v1/staff/api-keys", {}, bind(&StaffApi::ListApiKeys)});
  router.Add({"POST", "/api/v1/staff/api-keys/{key_id}/revoke", {},
              bind(&StaffApi::RevokeApiKey)});

  using Officers = v1::OfficerService::Stub;
  Officers& o = *officers_;
  router.Add({"GET", "/api/v1/staff/queue", {}, bind(&StaffApi::Queue)});
  router.Add({"GET", "/api/v1/staff/case-map", {}, Call(o, &Officers::CaseMap, "")});
  router.Add({"GET", "/api/v1/staff/templates", {}, bind(&StaffApi::Templates)});
  router.Add({"GET", "/api/v1/staff/cases/{id}", {}, Call(o, &Officers::GetCase, "complaint_id")});
  router.Add({"POST", "/api/v1/staff/cases/{id}/claim", json,
              Call(o, &Officers::Claim, "complaint_id")});
  router.Add({"POST", "/api/v1/staff/cases/{id}/release", json,
              Call(o, &Officers::Release, "complaint_id")});
  router.Add({"POST", "/api/v1/staff/cases/{id}/respond", json,
              Call(o, &Officers::Respond, "complaint_id")});
  router.Add({"POST", "/api/v1/staff/cases/{id}/request-info", json,
              Call(o, &Officers::RequestInfo, "complaint_id")});
  router.Add({"POST", "/api/v1/staff/cases/{id}/forward", json,
              Call(o, &Officers::Forward, "complaint_id")});
  router.Add({"POST", "/api/v1/staff/cases/{id}/resolve", json,
              Call(o, &Officers::Resolve, "complaint_id")});
  router.Add({"POST", "/api/v1/staff/cases/{id}/reject", json,
              Call(o, &Officers::Reject, "complaint_id")});
  router.Add({"POST", "/api/v1/staff/cases/{id}/unmerge", json,
              Call(o, &Officers::Unmerge, "complaint_id")});

  using Leaders = v1::LeadershipService::Stub;
  Leaders& l = *leadership_;
  router.Add({"GET", "/api/v1/staff/escalations", {}, Call(l, &Leaders::ListEscalations, "")});
  router.Add({"POST", "/api/v1/staff/escalations/{id}/acknowledge", json,
              Call(l, &Leaders::Acknowledge, "escalation_id")});
  router.Add({"GET", "/api/v1/staff/stats", {}, Call(l, &Leaders::AgencyStats, "")});
  router.Add({"GET", "/api/v1/staff/dashboard", {}, Call(l, &Leaders::Dashboard, "")});
  router.Add({"GET", "/api/v1/staff/report.csv", {}, bind(&StaffApi::ReportCsv)});

  using Notifications = v1::NotificationService::Stub;
  Notifications& n = *notifications_;
  router.Add({"GET", "/api/v1/staff/cases/{id}/notifications", {},
              Call(n, &Notifications::ListNotifications, "complaint_id")});
  router.Add({"GET", "/api/v1/staff/inbox", {}, Call(n, &Notifications::ListInbox, "")});
  router.Add({"POST", "/api/v1/staff/inbox/read", json, Call(n, &Notifications::MarkRead, "")});

  // The administrator's screens.
  router.Add({"GET", "/api/v1/staff/recipients", {},
              Call(n, &Notifications::ListRecipients, "")});
  router.Add({"POST", "/api/v1/staff/recipients", json,
              Call(n, &Notifications::UpsertRecipient, "")});
  router.Add({"GET", "/api/v1/staff/dead-letters", {},
              Call(n, &Notifications::ListDeadLetters, "")});
  router.Add({"POST", "/api/v1/staff/dead-letters/replay", json,
              Call(n, &Notifications::ReplayDeadLetters, "")});
  using RoutingAdmin = v1::RoutingAdminService::Stub;
  router.Add({"POST", "/api/v1/staff/routing/reload", json,
              Call(*routing_admin_, &RoutingAdmin::ReloadRoutingConfig, "")});
  using SlaAdmin = v1::SlaAdminService::Stub;
  router.Add({"GET", "/api/v1/staff/holidays", {},
              Call(*sla_admin_, &SlaAdmin::GetHolidayCalendar, "")});
  router.Add({"POST", "/api/v1/staff/holidays", json,
              Call(*sla_admin_, &SlaAdmin::ReplaceHolidayCalendar, "")});
  router.Add({"GET", "/api/v1/staff/parked", {}, bind(&StaffApi::ListParked)});
  router.Add({"POST", "/api/v1/staff/parked/replay", json, bind(&StaffApi::ReplayParked)});
}

absl::StatusOr<ActiveSession> StaffApi::Authenticate(const RouteRequest& request, bool changes,
                                                     bool temporary_password_allowed) const {
  if (absl::string_view authorization = request.http.Header("authorization");
      absl::ConsumePrefix(&authorization, "Bearer ")) {
    absl::StatusOr<ApiKeyHolder> holder = keys_.Check(authorization, kStaffPurpose);
    if (absl::IsPermissionDenied(holder.status())) {
      return absl::UnauthenticatedError(holder.status().message());
    }
    SKK_RETURN_IF_ERROR(holder.status());
    return ActiveSession{.caller = holder->caller, .expires_at = absl::InfiniteFuture()};
  }
  SKK_ASSIGN_OR_RETURN(
      ActiveSession session,
      accounts_.Session(CookieValue(request.http.Header("cookie"), kCookie)));
  // The cookie alone proves only that a browser holds it; a page of another site can make the
  // browser send it. The CSRF token is readable only by the console's own pages.
  if (changes && request.http.Header("x-csrf-token") != session.csrf_token) {
    return absl::PermissionDeniedError("missing or wrong X-CSRF-Token");
  }
  if (session.must_change_password && !temporary_password_allowed) {
    return absl::PermissionDeniedError("choose a new password first (POST /api/v1/staff/password)");
  }
  return session;
}

absl::Status StaffApi::Prepare(grpc::ClientContext& context, const ActiveSession& session) const {
  SKK_ASSIGN_OR_RETURN(const std::string token,
                       issuer_.Mint(session.caller, clock_.Now(), kTokenLifetime));
  AttachBearerToken(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
  return absl::OkStatus();
}

template <class Stub, class Request, class Response>
RouteHandler StaffApi::Call(Stub& stub,
                            grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                         Response*),
                            const char* path_field) {
  return [this, &stub, method, path_field](RouteRequest& r) -> absl::StatusOr<HttpResponse> {
    SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(r, Changes(r)));
    Request request;
    SKK_RETURN_IF_ERROR(Changes(r) ? ReadJsonBody(r.http, request) : ReadQuery(r.query, request));
    if (*path_field != '\0') {
      SKK_RETURN_IF_ERROR(SetFromPath(request, path_field, r.params.at("id")));
    }
    grpc::ClientContext context;
    SKK_RETURN_IF_ERROR(Prepare(context, session));
    Response response;
    SKK_RETURN_IF_ERROR(FromGrpcStatus((stub.*method)(&context, request, &response)));
    return Changes(r) ? JsonResponse(200, response) : WithEtag(r.http, JsonResponse(200, response), "private, no-cache");
  };
}

absl::StatusOr<HttpResponse> StaffApi::SignIn(RouteRequest& request) {
  v1::StaffSignIn sign_in;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, sign_in));
  if (limiter_ != nullptr && options_.sign_ins_per_address > 0) {
    SKK_RETURN_IF_ERROR(limiter_->Count(request.client_address, "signin",
                                        options_.sign_ins_per_address, absl::Minutes(15)));
  }
  SKK_ASSIGN_OR_RETURN(OpenedSession opened,
                       accounts_.SignIn(sign_in.username(), sign_in.password(),
                                        sign_in.totp_code()));
  HttpResponse response = JsonResponse(200, SessionMessage(opened.session));
  response.SetHeader("set-cookie",
                     absl::StrCat(kCookie, "=", opened.cookie,
                                  "; Path=/; HttpOnly; SameSite=Strict",
                                  options_.secure_cookie ? "; Secure" : ""));
  return response;
}

absl::StatusOr<HttpResponse> StaffApi::WhoAmI(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, false, true));
  return JsonResponse(200, SessionMessage(session));
}

absl::StatusOr<HttpResponse> StaffApi::SignOut(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true, true));
  SKK_RETURN_IF_ERROR(
      accounts_.SignOut(CookieValue(request.http.Header("cookie"), kCookie)));
  HttpResponse response = NoContent();
  response.SetHeader("set-cookie", absl::StrCat(kCookie, "=; Path=/; Max-Age=0; HttpOnly; "
                                                         "SameSite=Strict"));
  return response;
}

absl::StatusOr<HttpResponse> StaffApi::ChangePassword(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true, true));
  v1::ChangePassword change;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, change));
  SKK_RETURN_IF_ERROR(accounts_.ChangePassword(CookieValue(request.http.Header("cookie"), kCookie),
                                               session.caller.subject, change));
  SKK_ASSIGN_OR_RETURN(const ActiveSession now, Authenticate(request, false, true));
  return JsonResponse(200, SessionMessage(now));
}

absl::StatusOr<HttpResponse> StaffApi::BeginTotp(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  SKK_ASSIGN_OR_RETURN(const v1::TotpEnrollment enrollment,
                       accounts_.BeginTotp(session.caller.subject));
  HttpResponse response = JsonResponse(200, enrollment);
  response.SetHeader("cache-control", "no-store");
  return response;
}

absl::StatusOr<HttpResponse> StaffApi::ConfirmTotp(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  v1::TotpConfirmation confirmation;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, confirmation));
  SKK_RETURN_IF_ERROR(accounts_.ConfirmTotp(session.caller.subject, confirmation.code()));
  SKK_ASSIGN_OR_RETURN(const ActiveSession now, Authenticate(request, false));
  return JsonResponse(200, SessionMessage(now));
}

absl::StatusOr<HttpResponse> StaffApi::CreateAccount(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  v1::NewStaffAccount account;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, account));
  SKK_ASSIGN_OR_RETURN(const v1::StaffAccountIssued issued,
                       accounts_.Create(session.caller, account));
  return JsonResponse(201, issued);
}

absl::StatusOr<HttpResponse> StaffApi::ResetPassword(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  SKK_ASSIGN_OR_RETURN(const v1::StaffAccountIssued issued,
                       accounts_.ResetPassword(session.caller, request.params.at("username")));
  return JsonResponse(200, issued);
}

absl::StatusOr<HttpResponse> StaffApi::DisableAccount(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  SKK_RETURN_IF_ERROR(accounts_.Disable(session.caller, request.params.at("username")));
  return NoContent();
}

absl::StatusOr<HttpResponse> StaffApi::IssueApiKey(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  v1::NewApiKey key;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, key));
  SKK_ASSIGN_OR_RETURN(const v1::ApiKeyIssued issued, keys_.Issue(session.caller, key));
  return JsonResponse(201, issued);
}

absl::StatusOr<HttpResponse> StaffApi::ListApiKeys(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, false));
  SKK_ASSIGN_OR_RETURN(const v1::ApiKeyList keys, keys_.List(session.caller));
  HttpResponse response = JsonResponse(200, keys);
  response.SetHeader("cache-control", "no-store");
  return response;
}

absl::StatusOr<HttpResponse> StaffApi::RevokeApiKey(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  SKK_RETURN_IF_ERROR(keys_.Revoke(session.caller, request.params.at("key_id")));
  return NoContent();
}

absl::StatusOr<HttpResponse> StaffApi::Queue(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, false));
  v1::ListQueueRequest query;
  SKK_RETURN_IF_ERROR(ReadQuery(request.query, query));
  grpc::ClientContext context;
  SKK_RETURN_IF_ERROR(Prepare(context, session));
  v1::ListQueueResponse queue;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(officers_->ListQueue(&context, query, &queue)));
  return WithEtag(request.http, JsonResponse(200, queue), "private, no-cache");
}

absl::StatusOr<HttpResponse> StaffApi::ListAccounts(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, false));
  SKK_ASSIGN_OR_RETURN(const v1::StaffAccountList list, accounts_.List(session.caller));
  HttpResponse response = JsonResponse(200, list);
  response.SetHeader("cache-control", "no-store");
  return response;
}

absl::StatusOr<HttpResponse> StaffApi::EnableAccount(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  SKK_RETURN_IF_ERROR(accounts_.Enable(session.caller, request.params.at("username")));
  return NoContent();
}

absl::StatusOr<HttpResponse> StaffApi::ChangeRole(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  v1::StaffRoleChange change;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, change));
  SKK_RETURN_IF_ERROR(
      accounts_.ChangeRole(session.caller, request.params.at("username"), change));
  return NoContent();
}

absl::StatusOr<HttpResponse> StaffApi::Templates(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, false));
  v1::AnswerTemplateList list;
  if (options_.city != nullptr) {
    for (const v1::Agency& agency : options_.city->agencies()) {
      if (agency.code() != session.caller.agency_code) continue;
      for (const v1::AnswerTemplate& t : agency.answer_templates()) *list.add_templates() = t;
    }
  }
  return WithEtag(request.http, JsonResponse(200, list), "private, max-age=300");
}

namespace {

// A CSV field (RFC 4180): quoted when it holds a separator, a quote or a line break, and
// prefixed with ' when a spreadsheet would take it for a formula.
std::string CsvField(const std::string& value) {
  std::string out = value;
  if (!out.empty() && absl::string_view("=+-@").find(out[0]) != absl::string_view::npos) {
    out.insert(out.begin(), '\'');
  }
  if (out.find_first_of(",\"\r\n") == std::string::npos) return out;
  std::string quoted = "\"";
  for (char c : out) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string CsvLine(const std::string& code, const std::string& name,
                    const v1::AgencyStatsResponse& s) {
  return absl::StrCat(
      CsvField(code), ",", CsvField(name), ",", s.open(), ",", s.overdue(), ",", s.answered(),
      ",", s.answered_in_time(), ",", absl::StrFormat("%.1f", s.answered_in_time_percent()), ",",
      absl::StrFormat("%.1f", s.median_first_response_working_hours()), ",",
      absl::StrFormat("%.1f", s.p90_first_response_working_hours()), ",",
      s.escalations_level1(), ",", s.escalations_level2(), "\r\n");
}

}  // namespace

absl::StatusOr<HttpResponse> StaffApi::ReportCsv(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, false));
  v1::DashboardRequest query;
  SKK_RETURN_IF_ERROR(ReadQuery(request.query, query));
  grpc::ClientContext context;
  SKK_RETURN_IF_ERROR(Prepare(context, session));
  v1::DashboardResponse dashboard;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(leadership_->Dashboard(&context, query, &dashboard)));
  auto name_of = [this](const std::string& code) {
    if (options_.city != nullptr) {
      for (const v1::Agency& a : options_.city->agencies()) {
        if (a.code() == code) return a.name();
      }
    }
    return code;
  };
  HttpResponse response;
  response.status = 200;
  response.body =
      "agency_code,agency_name,open,overdue,answered,answered_in_time,answered_in_time_percent,"
      "median_first_response_working_hours,p90_first_response_working_hours,"
      "escalations_level1,escalations_level2\r\n";
  for (const v1::AgencyStatsResponse& agency : dashboard.agencies()) {
    absl::StrAppend(&response.body, CsvLine(agency.agency_code(), name_of(agency.agency_code()),
                                            agency));
  }
  // An agency head's report is their agency's; the city's line is leadership's.
  if (session.caller.role == StaffRole::kLeadership) {
    absl::StrAppend(&response.body,
                    CsvLine("kota", options_.city != nullptr ? options_.city->city_name() : "",
                            dashboard.city()));
  }
  absl::TimeZone zone = absl::FixedTimeZone(7 * 3600);  // WIB, if the city names none
  if (options_.city != nullptr) (void)absl::LoadTimeZone(options_.city->time_zone(), &zone);
  const std::string day =
      query.has_from() ? absl::FormatTime("%Y-%m-%d", FromProtoTime(query.from()), zone) : "";
  response.SetHeader("content-type", "text/csv; charset=utf-8");
  response.SetHeader("content-disposition",
                     absl::StrCat("attachment; filename=\"laporan-sambat-", day, ".csv\""));
  response.SetHeader("cache-control", "private, no-store");
  return response;
}

absl::StatusOr<v1::ParkedEventsService::Stub*> StaffApi::ParkedOf(const std::string& service) {
  auto it = parked_.find(service);
  if (it == parked_.end()) {
    return InvalidFields({{"service", "must be intake, routing, sla or notification"}});
  }
  return it->second.get();
}

absl::StatusOr<HttpResponse> StaffApi::ListParked(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, false));
  v1::ListParkedRequest query;
  SKK_RETURN_IF_ERROR(ReadQuery(request.query, query));
  SKK_ASSIGN_OR_RETURN(v1::ParkedEventsService::Stub * stub, ParkedOf(query.service()));
  grpc::ClientContext context;
  SKK_RETURN_IF_ERROR(Prepare(context, session));
  v1::ListParkedResponse parked;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(stub->ListParked(&context, query, &parked)));
  HttpResponse response = JsonResponse(200, parked);
  response.SetHeader("cache-control", "no-store");
  return response;
}

absl::StatusOr<HttpResponse> StaffApi::ReplayParked(RouteRequest& request) {
  SKK_ASSIGN_OR_RETURN(const ActiveSession session, Authenticate(request, true));
  v1::ReplayParkedRequest replay;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, replay));
  SKK_ASSIGN_OR_RETURN(v1::ParkedEventsService::Stub * stub, ParkedOf(replay.service()));
  grpc::ClientContext context;
  SKK_RETURN_IF_ERROR(Prepare(context, session));
  v1::ReplayParkedResponse replayed;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(stub->ReplayParked(&context, replay, &replayed)));
  return JsonResponse(200, replayed);
}

}  // namespace skk::gateway

#include "services/gateway/citizen_api.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sambat/v1/gateway.pb.h"
#include "services/gateway/json_body.h"
#include "services/gateway/openapi.h"
#include "services/gateway/problem.h"
#include "services/platform/address_ranges.h"
#include "services/platform/errors.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace {

namespace v1 = sambat::v1;

constexpr size_t kUploadChunk = 64 * 1024;
constexpr size_t kMaxIdempotencyKey = 128;

v1::PublicCity PublicCityOf(const v1::CityConfig& city, const CitizenApiOptions& options) {
  v1::PublicCity out;
  out.set_city_name(city.city_name());
  out.set_time_zone(city.time_zone());
  *out.mutable_categories() = city.categories();
  for (const v1::Agency& a : city.agencies()) {
    v1::PublicAgency* p = out.add_agencies();
    p->set_code(a.code());
    p->set_name(a.name());
    p->set_full_name(a.full_name());
  }
  *out.mutable_bounds() = city.bounds();
  *out.mutable_holidays() = options.holidays.holidays();
  out.set_map_tile_url(options.map_tile_url);
  out.set_map_attribution(options.map_attribution);
  return out;
}

// The tracking token travels in a header, never in a URL that logs and proxies keep.
absl::StatusOr<std::string> TrackingToken(const RouteRequest& request) {
  const absl::string_view token = request.http.Header("x-tracking-token");
  if (token.empty()) {
    return InvalidFields({{"X-Tracking-Token", "is required: the token given at submission"}});
  }
  return std::string(token);
}

// A follow-up's body may repeat the ticket, but not name another one.
absl::Status SameTicket(const std::string& in_body, const std::string& in_path) {
  if (in_body.empty() || in_body == in_path) return absl::OkStatus();
  return InvalidFields({{"ticket", "differs from the ticket in the address"}});
}

HttpResponse ComplaintResponse(const RouteRequest& request, const v1::Complaint& complaint) {
  return WithEtag(request.http, JsonResponse(200, complaint), "private, no-cache");
}

}  // namespace

CitizenApi::CitizenApi(const CitizenServices& services, TokenIssuer issuer, Clock& clock,
                       const v1::CityConfig& city, CitizenApiOptions options)
    : intake_(v1::IntakeService::NewStub(services.intake)),
      notifications_(v1::NotificationService::NewStub(services.notification)),
      issuer_(std::move(issuer)),
      clock_(clock),
      options_(options) {
  city_json_ = JsonResponse(200, PublicCityOf(city, options_)).body;
}

void CitizenApi::AddRoutes(Router& router) {
  const BodyPolicy json{.max_bytes = options_.max_json_bytes};
  // A little over the photo limit, so intake (which knows the limit) says what is too large.
  const BodyPolicy photo{.max_bytes = options_.max_photo_bytes + 64 * 1024, .streamed = true};
  auto bind = [this](auto method) {
    return [this, method](RouteRequest& r) { return (this->*method)(r); };
  };
  router.Add({"GET", "/api/v1/openapi.json", {}, [](RouteRequest&) -> absl::StatusOr<HttpResponse> {
                HttpResponse response;
                response.body = std::string(OpenApiDocument());
                response.SetHeader("content-type", "application/json");
                response.SetHeader("cache-control", "public, max-age=300");
                return response;
              }});
  router.Add({"GET", "/api/v1/city", {}, bind(&CitizenApi::City)});
  router.Add({"POST", "/api/v1/media", photo, bind(&CitizenApi::UploadPhoto)});
  router.Add({"POST", "/api/v1/nearby", json, bind(&CitizenApi::Nearby)});
  router.Add({"POST", "/api/v1/complaints", json, bind(&CitizenApi::Submit)});
  router.Add({"GET", "/api/v1/complaints/{ticket}", {}, bind(&CitizenApi::Track)});
  router.Add({"GET", "/api/v1/complaints/{ticket}/notifications", {},
              bind(&CitizenApi::Notifications)});
  using Intake = v1::IntakeService::Stub;
  router.Add({"POST", "/api/v1/complaints/{ticket}/info", json,
              [this](RouteRequest& r) { return FollowUp(r, &Intake::AddInfo); }});
  router.Add({"POST", "/api/v1/complaints/{ticket}/rating", json,
              [this](RouteRequest& r) { return FollowUp(r, &Intake::Rate); }});
  router.Add({"POST", "/api/v1/complaints/{ticket}/reopen", json,
              [this](RouteRequest& r) { return FollowUp(r, &Intake::Reopen); }});
}

void PrepareCitizenCall(grpc::ClientContext& context, const RouteRequest& request,
                        absl::Duration timeout) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (IsIpAddress(request.client_address)) {
    context.AddMetadata(kClientAddressMetadata, request.client_address);
  }
}

absl::StatusOr<HttpResponse> CitizenApi::City(RouteRequest& request) const {
  HttpResponse response;
  response.body = city_json_;
  response.SetHeader("content-type", "application/json");
  return WithEtag(request.http, std::move(response), "public, max-age=300");
}

absl::StatusOr<HttpResponse> CitizenApi::UploadPhoto(RouteRequest& request) {
  v1::UploadMediaRequest header;
  header.mutable_header()->set_declared_type(
      absl::AsciiStrToLower(request.http.Header("content-type")));
  int64_t declared_size = 0;
  if (absl::SimpleAtoi(request.http.Header("content-length"), &declared_size)) {
    header.mutable_header()->set_size_bytes(declared_size);
  }
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, options_.upload_timeout);
  v1::UploadMediaResponse stored;
  std::unique_ptr<grpc::ClientWriter<v1::UploadMediaRequest>> upload =
      intake_->UploadMedia(&context, &stored);
  bool open = upload->Write(header);
  std::string chunk;
  while (open) {
    chunk.clear();
    absl::StatusOr<size_t> got = request.http.body_stream->Read(chunk, kUploadChunk);
    if (!got.ok()) {
      // Intake stores nothing of an upload that did not finish.
      context.TryCancel();
      (void)upload->Finish();
      if (absl::IsDeadlineExceeded(got.status())) {
        return WithHttpStatus(absl::InvalidArgumentError(got.status().message()), 408);
      }
      if (absl::IsOutOfRange(got.status())) {
        return WithHttpStatus(absl::InvalidArgumentError(got.status().message()), 413);
      }
      return absl::InvalidArgumentError(got.status().message());
    }
    if (*got == 0) break;
    v1::UploadMediaRequest part;
    part.set_chunk(chunk);
    open = upload->Write(part);
  }
  if (open) upload->WritesDone();
  SKK_RETURN_IF_ERROR(FromGrpcStatus(upload->Finish()));
  HttpResponse response = JsonResponse(stored.already_stored() ? 200 : 201, stored);
  response.SetHeader("location", absl::StrCat("/media/", stored.media_id()));
  return response;
}

absl::StatusOr<HttpResponse> CitizenApi::Nearby(RouteRequest& request) {
  v1::FindNearbyComplaintsRequest search;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, search));
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, options_.call_timeout);
  v1::FindNearbyComplaintsResponse found;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->FindNearbyComplaints(&context, search, &found)));
  HttpResponse response = JsonResponse(200, found);
  // What is near changes with every complaint filed: never kept by a cache.
  response.SetHeader("cache-control", "no-store");
  return response;
}

absl::StatusOr<HttpResponse> CitizenApi::Submit(RouteRequest& request) {
  v1::SubmitComplaintRequest submission;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, submission));
  const std::string key(request.http.Header("idempotency-key"));
  if (key.empty() || key.size() > kMaxIdempotencyKey) {
    return InvalidFields({{"Idempotency-Key",
                           "is required: 1 to 128 characters, the same on every retry of this "
                           "complaint"}});
  }
  if (!submission.idempotency_key().empty() && submission.idempotency_key() != key) {
    return InvalidFields({{"idempotency_key", "differs from the Idempotency-Key header"}});
  }
  submission.set_idempotency_key(key);
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, options_.call_timeout);
  v1::SubmitComplaintResponse accepted;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->SubmitComplaint(&context, submission, &accepted)));
  HttpResponse response = JsonResponse(accepted.duplicate() ? 200 : 201, accepted);
  response.SetHeader("location", absl::StrCat("/api/v1/complaints/", accepted.ticket()));
  return response;
}

absl::StatusOr<HttpResponse> CitizenApi::Track(RouteRequest& request) {
  v1::GetComplaintRequest track;
  track.set_ticket(request.params.at("ticket"));
  SKK_ASSIGN_OR_RETURN(*track.mutable_tracking_token(), TrackingToken(request));
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, options_.call_timeout);
  v1::Complaint complaint;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->GetComplaint(&context, track, &complaint)));
  return ComplaintResponse(request, complaint);
}

absl::StatusOr<HttpResponse> CitizenApi::Notifications(RouteRequest& request) {
  v1::GetComplaintRequest track;
  track.set_ticket(request.params.at("ticket"));
  SKK_ASSIGN_OR_RETURN(*track.mutable_tracking_token(), TrackingToken(request));
  v1::Complaint complaint;
  {
    grpc::ClientContext context;
    PrepareCitizenCall(context, request, options_.call_timeout);
    SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->GetComplaint(&context, track, &complaint)));
  }
  // Intake has accepted the tracking token for this complaint: only now does the gateway
  // vouch for the citizen, for this complaint alone.
  SKK_ASSIGN_OR_RETURN(const std::string pass,
                       issuer_.MintCitizenPass(complaint.complaint_id(), clock_.Now()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
  AttachBearerToken(context, pass);
  v1::ListNotificationsRequest list;
  list.set_complaint_id(complaint.complaint_id());
  v1::ListNotificationsResponse sent;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(notifications_->ListNotifications(&context, list, &sent)));
  return WithEtag(request.http, JsonResponse(200, sent), "private, no-cache");
}

template <class Request>
absl::StatusOr<HttpResponse> CitizenApi::FollowUp(
    RouteRequest& request,
    grpc::Status (v1::IntakeService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                    v1::Complaint*)) {
  Request follow_up;
  SKK_RETURN_IF_ERROR(ReadJsonBody(request.http, follow_up));
  SKK_RETURN_IF_ERROR(SameTicket(follow_up.ticket(), request.params.at("ticket")));
  follow_up.set_ticket(request.params.at("ticket"));
  SKK_ASSIGN_OR_RETURN(*follow_up.mutable_tracking_token(), TrackingToken(request));
  grpc::ClientContext context;
  PrepareCitizenCall(context, request, options_.call_timeout);
  v1::Complaint complaint;
  SKK_RETURN_IF_ERROR(FromGrpcStatus(((*intake_).*method)(&context, follow_up, &complaint)));
  return ComplaintResponse(request, complaint);
}

}  // namespace skk::gateway

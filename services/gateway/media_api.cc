#include "services/gateway/media_api.h"

#include "absl/strings/match.h"
#include "services/gateway/citizen_api.h"
#include "services/gateway/json_body.h"
#include "services/platform/grpc_edge.h"
#include "services/platform/status_macros.h"

namespace skk::gateway {
namespace {

namespace v1 = sambat::v1;

// Whether the request names a member of staff (the console's cookie or a machine's key).
bool CarriesStaffCredentials(const HttpRequest& request) {
  return !CookieValue(request.Header("cookie"), StaffApi::kCookie).empty() ||
         absl::StartsWith(request.Header("authorization"), "Bearer ");
}

}  // namespace

MediaApi::MediaApi(std::shared_ptr<grpc::Channel> intake, const StaffApi& staff,
                   absl::Duration call_timeout)
    : intake_(v1::IntakeService::NewStub(std::move(intake))),
      staff_(staff),
      call_timeout_(call_timeout) {}

void MediaApi::AddRoutes(Router& router) {
  router.Add({"GET", "/media/{id}", {}, [this](RouteRequest& r) { return Get(r, false); }});
  router.Add(
      {"GET", "/media/{id}/thumbnail", {}, [this](RouteRequest& r) { return Get(r, true); }});
}

absl::StatusOr<HttpResponse> MediaApi::Get(RouteRequest& request, bool thumbnail) {
  v1::GetMediaRequest wanted;
  wanted.set_media_id(request.params.at("id"));
  wanted.set_thumbnail(thumbnail);
  v1::MediaFile file;
  // A session that has ended still sees what anyone may: a thumbnail on a public page.
  absl::StatusOr<ActiveSession> session = absl::UnauthenticatedError("no staff credentials");
  if (CarriesStaffCredentials(request.http)) session = staff_.Authenticate(request, false);
  if (session.ok()) {
    grpc::ClientContext context;
    SKK_RETURN_IF_ERROR(staff_.Prepare(context, *session));
    SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->GetCaseMedia(&context, wanted, &file)));
  } else if (absl::IsUnauthenticated(session.status())) {
    wanted.set_ticket(request.Query("ticket").value_or(""));
    wanted.set_tracking_token(std::string(request.http.Header("x-tracking-token")));
    grpc::ClientContext context;
    PrepareCitizenCall(context, request, call_timeout_);
    SKK_RETURN_IF_ERROR(FromGrpcStatus(intake_->GetPublicMedia(&context, wanted, &file)));
  } else {
    return session.status();
  }
  HttpResponse response;
  response.body = std::move(*file.mutable_data());
  response.SetHeader("content-type", file.content_type());
  response.SetHeader("content-disposition", "inline");
  // An id names the same bytes for ever; who may see them can change (a forward, an erasure),
  // so only what anyone may see is cached for long where others share it.
  return WithEtag(request.http, std::move(response),
                  file.public_() ? "public, max-age=31536000, immutable" : "private, max-age=3600");
}

}  // namespace skk::gateway

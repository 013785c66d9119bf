#include "services/gateway/problem.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/json_body.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "sambat/v1/gateway.pb.h"
#include "services/platform/log.h"

namespace skk::gateway {
namespace {

struct Kind {
  const char* type;
  const char* title;
};

// One type per status: a client branches on the status and shows the detail.
Kind KindOf(int http_status) {
  switch (http_status) {
    case 400: return {"urn:sambat:problem:invalid-request", "Permintaan tidak valid"};
    case 401: return {"urn:sambat:problem:unauthenticated", "Perlu masuk terlebih dahulu"};
    case 403: return {"urn:sambat:problem:forbidden", "Tidak diizinkan"};
    case 404: return {"urn:sambat:problem:not-found", "Tidak ditemukan"};
    case 405: return {"urn:sambat:problem:method-not-allowed", "Metode tidak didukung"};
    case 408: return {"urn:sambat:problem:too-slow", "Permintaan terlalu lambat"};
    case 409: return {"urn:sambat:problem:conflict", "Tidak dapat dilakukan pada keadaan ini"};
    case 412: return {"urn:sambat:problem:precondition-failed", "Data telah berubah"};
    case 413: return {"urn:sambat:problem:too-large", "Data terlalu besar"};
    case 415: return {"urn:sambat:problem:unsupported-media-type", "Jenis data tidak didukung"};
    case 429: return {"urn:sambat:problem:too-many-requests", "Terlalu banyak permintaan"};
    case 431: return {"urn:sambat:problem:headers-too-large", "Header terlalu besar"};
    case 501: return {"urn:sambat:problem:not-implemented", "Belum tersedia"};
    case 503: return {"urn:sambat:problem:unavailable", "Layanan sedang tidak tersedia"};
    case 504: return {"urn:sambat:problem:timeout", "Layanan terlalu lama menjawab"};
    default: return {"urn:sambat:problem:internal", "Terjadi kesalahan"};
  }
}

}  // namespace

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kResourceExhausted: return 429;
    case absl::StatusCode::kUnimplemented: return 501;
    case absl::StatusCode::kUnavailable: return 503;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    default: return 500;
  }
}

HttpResponse Problem(int http_status, absl::string_view detail,
                     const std::vector<FieldViolation>& fields, int retry_after_seconds) {
  const Kind kind = KindOf(http_status);
  sambat::v1::Problem problem;
  problem.set_type(kind.type);
  problem.set_title(kind.title);
  problem.set_status(http_status);
  problem.set_detail(std::string(detail));
  for (const FieldViolation& f : fields) {
    sambat::v1::Problem::FieldError* e = problem.add_errors();
    e->set_field(f.field);
    e->set_reason(f.reason);
  }
  problem.set_retry_after_seconds(retry_after_seconds);
  HttpResponse response = JsonResponse(http_status, problem);
  response.SetHeader("content-type", "application/problem+json");
  response.SetHeader("cache-control", "no-store");
  if (retry_after_seconds > 0) response.SetHeader("retry-after", absl::StrCat(retry_after_seconds));
  return response;
}

ErrorFacts FactsOf(const absl::Status& status) {
  ErrorFacts facts{.http_status = HttpStatusFor(status.code())};
  if (absl::optional<absl::Cord> forced = status.GetPayload(kHttpStatusPayload)) {
    int parsed = 0;
    if (absl::SimpleAtoi(std::string(*forced), &parsed)) facts.http_status = parsed;
  }
  if (facts.http_status == 500) {
    log::Error("internal error behind the gateway", {{"error", status.ToString()}});
    facts.detail = "terjadi kesalahan di sistem; tidak ada yang berubah, silakan coba lagi";
    return facts;
  }
  facts.detail = std::string(status.message());
  if (absl::optional<absl::Cord> payload = status.GetPayload(kBadRequestType)) {
    google::rpc::BadRequest bad;
    if (bad.ParseFromString(std::string(*payload))) {
      for (const auto& v : bad.field_violations()) {
        facts.fields.push_back({v.field(), v.description()});
      }
    }
  }
  if (facts.http_status == 503) facts.retry_after_seconds = 5;
  if (absl::optional<absl::Cord> payload = status.GetPayload(kRetryInfoType)) {
    google::rpc::RetryInfo retry;
    if (retry.ParseFromString(std::string(*payload))) {
      facts.retry_after_seconds =
          static_cast<int>(std::max<int64_t>(1, retry.retry_delay().seconds()));
    }
  }
  if (facts.http_status == 429 && facts.retry_after_seconds == 0) facts.retry_after_seconds = 60;
  return facts;
}

HttpResponse ProblemFor(const absl::Status& status) {
  const ErrorFacts facts = FactsOf(status);
  return Problem(facts.http_status, facts.detail, facts.fields, facts.retry_after_seconds);
}

}  // namespace skk::gateway

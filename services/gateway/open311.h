#pragma once

// Open311 GeoReport v2 at /open311/v2/ (docs/open311.md), for partners' 311 apps: the city's
// categories as services, requests submitted with a partner's API key, the public view of
// requests with the spec's filters, in XML (the spec's required format) and JSON, with the
// spec's own error documents. The public view comes from intake's ListPublicComplaints: no
// confidential complaint, nothing of a reporter. The shapes are fixed by the standard, not by
// us, so they are written with nlohmann::json rather than protobuf's JSON mapping.

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "services/gateway/api_keys.h"
#include "services/gateway/router.h"

namespace skk::gateway {

struct Open311Options {
  // Where clients reach the gateway, e.g. "https://sambat.malangkota.go.id": the discovery
  // document's endpoint URL. Empty: taken from the request's Host.
  std::string public_base_url;
  absl::Duration call_timeout = absl::Seconds(10);
  size_t max_form_bytes = 64 * 1024;
};

// A document of the spec before it is written as XML or JSON: `body` is the JSON form (an
// array of records, or one object), `root` the XML root element's name.
struct Open311Answer {
  std::string root;
  nlohmann::ordered_json body;
  int status = 200;
  // Public and the same for everyone: sent with an ETag and a short cache lifetime.
  bool cacheable = false;
};

class Open311 {
 public:
  // `city.open311_jurisdiction_id` must be set (main serves no Open311 without it).
  Open311(std::shared_ptr<grpc::Channel> intake, const sambat::v1::CityConfig& city, ApiKeys& keys,
          Open311Options options);
  void AddRoutes(Router& router);

  // The spec's error document for a request under /open311/ that failed before or outside a
  // route (no such address, wrong method, rate limit): XML unless the path ends in ".json".
  static HttpResponse ErrorFor(const HttpRequest& request, const absl::Status& status);
  static bool Serves(absl::string_view path);
  // 405 in the spec's error format, with Allow naming `allowed` ("GET, POST").
  static HttpResponse MethodNotAllowed(const HttpRequest& request, absl::string_view allowed);

  // What the services list says of each category.
  struct Service {
    std::string name;
    std::string group;   // the agency its complaints go to (a rule with no area), if any
    std::string notice;  // how soon the agency answers, from the SLA policy, if any
  };

 private:
  using Handler = absl::StatusOr<Open311Answer> (Open311::*)(RouteRequest&);
  // A route answering in `format` ("json" or "xml"), or, with `param`, in the format its
  // ending names ("{id}" of "requests/{id}" is "SKK-2026-000123.json").
  RouteHandler Serve(const char* format, const char* param, Handler handler);

  absl::StatusOr<Open311Answer> Services(RouteRequest& request);
  absl::StatusOr<Open311Answer> ServiceDefinition(RouteRequest& request);
  absl::StatusOr<Open311Answer> Submit(RouteRequest& request);
  absl::StatusOr<Open311Answer> Requests(RouteRequest& request);
  absl::StatusOr<Open311Answer> OneRequest(RouteRequest& request);
  absl::StatusOr<Open311Answer> Token(RouteRequest& request);
  absl::StatusOr<Open311Answer> Discovery(RouteRequest& request);
  // The public view of the complaints `filter` selects, as the spec's request records.
  absl::StatusOr<nlohmann::ordered_json> List(
      const RouteRequest& request, const sambat::v1::ListPublicComplaintsRequest& filter);
  // `base` is where clients reach the gateway (BaseUrl): media_url points at the thumbnail.
  nlohmann::ordered_json RequestRecord(const sambat::v1::PublicComplaint& complaint,
                                       const std::string& base) const;
  // --public_base_url, or http://<the request's Host>.
  std::string BaseUrl(const RouteRequest& request) const;
  std::string W3cTime(const google::protobuf::Timestamp& t) const;

  std::unique_ptr<sambat::v1::IntakeService::Stub> intake_;
  ApiKeys& keys_;
  Open311Options options_;
  std::string jurisdiction_;
  absl::TimeZone zone_;
  std::map<std::string, Service> services_;  // by category code, in the config's order below
  std::vector<std::string> service_order_;
};

}  // namespace skk::gateway

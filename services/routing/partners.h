#pragma once

// What routing's outbound adapter says to an external partner and understands of its answers
// (docs/partners.md). Pure: no database, no network; partner_handoffs.h does the sending.
//
// Two protocols, chosen per partner in the city configuration (Agency.partner):
//  - "open311": the case as a GeoReport v2 service request, POSTed form-encoded to
//    <url>requests.json; the partner's service_request_id is kept, and <url>requests/{id}.json
//    is read every poll interval for its status and status_notes.
//  - "webhook": the case as JSON POSTed to <url>, signed (X-Sambat-Timestamp,
//    X-Sambat-Signature: WebhookSignature); the partner reports back to the gateway's
//    /webhooks/partners/{agency}, signed the same way.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/routing.pb.h"
#include "services/platform/errors.h"
#include "services/platform/http_call.h"
#include "services/routing/case_store.h"

namespace skk::routing {

// A partner as the adapter reaches it, its secrets read.
struct PartnerEndpoint {
  // (Every member has an initializer, so designated initializers may leave any out.)
  std::string agency_code{};
  std::string agency_name{};
  std::string protocol{};  // "open311" or "webhook"
  std::string url{};
  std::string secret{};   // webhook
  std::string api_key{};  // open311, may be empty
  std::map<std::string, std::string> service_codes{};
  std::string default_service_code{};
  std::string jurisdiction_id{};
  absl::Duration poll_every = absl::Minutes(15);
};

// Every external agency's endpoint, with secrets read beside the configuration.
// `url_overrides` (agency code -> URL, from --partner_urls) replaces configured URLs.
// FAILED_PRECONDITION for the repository's public development secret unless `dev`;
// NOT_FOUND / INVALID_ARGUMENT naming the agency for a secret that cannot be read.
absl::StatusOr<std::map<std::string, PartnerEndpoint>> LoadPartnerEndpoints(
    const sambat::v1::CityConfig& city, const std::string& config_path, bool dev,
    const std::map<std::string, std::string>& url_overrides);

// "polresta=http://...,kejari=http://..." as a map. INVALID_ARGUMENT for an entry without '='.
absl::StatusOr<std::map<std::string, std::string>> ParsePartnerUrls(const std::string& flag);

// What a partner is told of a case: the case's facts, `category_name` for its category,
// `reason` the trail's reason for the hand-off.
sambat::v1::PartnerHandOff HandOffOf(const CaseRow& c, const std::string& category_name,
                                     const std::string& reason, absl::Time handed_off_at);

// The request that hands `h` to `partner` at `now`. INVALID_ARGUMENT when an Open311 partner
// has no service code for the case's category.
absl::StatusOr<HttpCall> HandOffCall(const PartnerEndpoint& partner,
                                     const sambat::v1::PartnerHandOff& h, absl::Time now);

// The request that asks an Open311 partner how its request `reference` stands.
HttpCall StatusCall(const PartnerEndpoint& partner, const std::string& reference);

// The partner's word on a case, from whichever direction it came.
struct PartnerReport {
  std::string reference{};  // the partner's own id of the case
  std::string status{};     // "received", "in_progress", "closed" or "refused"
  std::string note{};
};

// An Open311 partner's answer to the hand-off POST: [{"service_request_id": ...}]. A partner
// that answers with a token only ([{"token": ...}]) has not yet assigned an id: the reference
// is empty and nothing can be polled (INVALID_ARGUMENT names the problem, for the log).
absl::StatusOr<PartnerReport> ReadOpen311Created(const std::string& body);
// An Open311 partner's requests/{id}.json: [{"status": "open"|"closed", "status_notes": ...}].
// "open" is in_progress.
absl::StatusOr<PartnerReport> ReadOpen311Status(const std::string& body);

// What is wrong with a partner's report (ReportPartnerStatusRequest), field by field.
std::vector<FieldViolation> ValidatePartnerReport(const sambat::v1::ReportPartnerStatusRequest& r);



// What the citizen and the trail read of a report, e.g. "Polresta Malang Kota: diterima
// (nomor POL-17). <note>".
std::string ReportText(const std::string& agency_name, const PartnerReport& report);

}  // namespace skk::routing

#pragma once

// Checks what a citizen sends before anything is stored. Pure: no I/O, unit-tested.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.pb.h"
#include "services/platform/errors.h"
#include "services/platform/text.h"

namespace skk::intake {

// What a submission is checked against: the city's categories and bounds, and how many photos
// a complaint may carry.
// A complaint's words, and so a complaint gathered from text messages, at most.
inline constexpr int kMaxDescriptionChars = 4000;

struct SubmissionRules {
  std::set<std::string> categories;
  sambat::v1::CityBounds bounds;
  int max_photos = 5;
};
SubmissionRules RulesFromCityConfig(const sambat::v1::CityConfig& config);

// Every problem with the request, in field order; empty when it may be stored.
std::vector<FieldViolation> ValidateSubmission(const sambat::v1::SubmitComplaintRequest& request,
                                               const SubmissionRules& rules);

// Checks of an "already reported nearby" search: a category of the city, a point inside it and
// words (optional) as sound as a description's.
std::vector<FieldViolation> ValidateNearbySearch(
    const sambat::v1::FindNearbyComplaintsRequest& request, const SubmissionRules& rules);

// Checks of the citizen's follow-ups (what can be checked without the stored complaint).
std::vector<FieldViolation> ValidateAddInfo(const sambat::v1::AddInfoRequest& request,
                                            const SubmissionRules& rules);
std::vector<FieldViolation> ValidateRate(const sambat::v1::RateRequest& request);
std::vector<FieldViolation> ValidateReopen(const sambat::v1::ReopenRequest& request);
// A citizen's SMS or WhatsApp message: a configured gateway, its message id, sound text.
std::vector<FieldViolation> ValidateTextMessage(const sambat::v1::ReceiveTextMessageRequest& request,
                                                const sambat::v1::TextMessaging& config);

// The public listing's bounds (Open311: at most 90 days and 1000 requests at once).
inline constexpr int kMaxPublicTickets = 100;
inline constexpr int kMaxPublicComplaints = 1000;
inline constexpr absl::Duration kMaxPublicWindow = absl::Hours(24 * 90);

// Checks of a public listing's filters: tickets and categories well formed, a window of at
// most 90 days that does not end before it starts, a limit from 0 to 1000.
std::vector<FieldViolation> ValidatePublicListing(
    const sambat::v1::ListPublicComplaintsRequest& request);

inline constexpr int kMaxErasureReasonChars = 500;

// Checks of an administrator's erasure request: one selector (a ticket, an Indonesian mobile
// number, an email address) and a reason that does not repeat the phone or email erased.
std::vector<FieldViolation> ValidateErasure(const sambat::v1::EraseCitizenDataRequest& request);

// Checks a free text a citizen typed: valid UTF-8, not blank (unless `optional`), at most
// `max_chars` characters, and no control characters but line breaks and tabs. Appends a
// violation for `field` if not.
void CheckCitizenText(const std::string& text, const std::string& field, int max_chars,
                      bool optional, std::vector<FieldViolation>& violations);

// A media id: 64 lowercase hex characters (a SHA-256).
bool IsMediaId(std::string_view id);

}  // namespace skk::intake

#pragma once

// Complaints by SMS and WhatsApp (docs/text-messages.md): the messages a citizen's number sends
// to the city's number, as the HTTP gateway forwards them with a phone pass. SAMBAT starts a
// complaint that the number's next messages join while they keep coming within gather_seconds
// of each other; once the number is quiet, SubmitGathered submits it like any complaint
// (channel SMS or WhatsApp, the number as the reporter's phone), and the citizen's "received"
// message brings the ticket. CEK, INFO, NILAI and BUKA act only on a complaint the same number
// reported: the number stands in for the tracking token.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.pb.h"
#include "services/intake/complaints.h"
#include "services/intake/text_commands.h"
#include "services/intake/validation.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "services/platform/pg.h"

namespace skk::intake {

class TextDesk {
 public:
  TextDesk(PgPool& pool, Clock& clock, const sambat::v1::CityConfig& city, Complaints& complaints,
           SubmissionRules rules);

  // One message from the number `sender` names (a phone pass). INVALID_ARGUMENT names a field.
  absl::StatusOr<sambat::v1::ReceiveTextMessageResponse> Receive(
      const Caller& sender, const sambat::v1::ReceiveTextMessageRequest& request);

  // Submits every gathered complaint whose number has been quiet gather_seconds, and drops the
  // messages kept longer than 30 days. Safe to run from several replicas at once, and again
  // after a crash (a draft is submitted under one idempotency key). Returns how many complaints
  // it submitted.
  absl::StatusOr<int> SubmitGathered();

  // The messages' record is personal data: erased with the number (CitizenData, by phone).
  static absl::Status EraseNumber(PgConnection& tx, const std::string& phone);

 private:
  // CEK, INFO, NILAI and BUKA, on a complaint `phone` reported.
  absl::StatusOr<sambat::v1::ReceiveTextMessageResponse> OnComplaint(const std::string& phone,
                                                                     const ParsedText& parsed);
  // SAMBAT and the messages that follow it, inside the number's transaction.
  absl::StatusOr<sambat::v1::ReceiveTextMessageResponse> Gather(
      PgConnection& tx, const std::string& phone, const std::string& channel, bool starts,
      const std::string& body, absl::Time now);
  absl::Status SubmitDraft(const PgRow& draft);

  PgPool& pool_;
  Clock& clock_;
  Complaints& complaints_;
  SubmissionRules rules_;
  const sambat::v1::CityConfig& city_;
  absl::TimeZone zone_;
  absl::Duration gather_;
  int messages_per_hour_;
};

}  // namespace skk::intake

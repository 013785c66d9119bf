#include "services/notification/digest.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/notification/store.h"
#include "services/platform/log.h"
#include "services/platform/status_macros.h"
#include "services/platform/retry_loop.h"

namespace skk::notification {

absl::CivilDay DigestDayAt(absl::Time now, absl::TimeZone zone, int digest_hour) {
  const absl::CivilSecond local = absl::ToCivilSecond(now, zone);
  const absl::CivilDay today(local);
  return local.hour() >= digest_hour ? today : today - 1;
}

absl::StatusOr<int> DigestJob::RunOnce() {
  const Settings& s = desk_.settings();
  const absl::Time now = clock_.Now();
  const absl::CivilDay target = DigestDayAt(now, s.render.zone, s.digest_hour);
  if (done_through_.has_value() && *done_through_ >= target) return 0;
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(std::vector<sambat::v1::Recipient> recipients, DigestRecipients(*conn));
  int claimed = 0;
  for (const sambat::v1::Recipient& r : recipients) {
    SKK_ASSIGN_OR_RETURN(std::optional<absl::CivilDay> last, LastDigestDay(*conn, r.id()));
    // A recipient's first digest is today's; a gap (no replica ran) is caught up, a week at most.
    absl::CivilDay first = last.has_value() ? std::max(*last + 1, target - 6) : target;
    for (absl::CivilDay day = first; day <= target; ++day) {
      SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
        SKK_ASSIGN_OR_RETURN(bool mine, ClaimDigest(tx, r.id(), day, now));
        if (!mine) return absl::OkStatus();
        const std::string agency = r.role() == "leadership" ? "" : r.agency_code();
        SKK_ASSIGN_OR_RETURN(CaseCounts counts, CountCases(tx, agency, now));
        DigestSummary summary;
        summary.day = day;
        auto name = s.render.agency_names.find(agency);
        summary.scope = agency.empty() ? s.city_name
                        : name == s.render.agency_names.end() ? agency
                                                              : name->second;
        summary.open = counts.open;
        summary.overdue = counts.overdue;
        summary.overdue_tickets = counts.overdue_tickets;
        const std::string role = agency.empty() ? r.role() : absl::StrCat(r.role(), ":", agency);
        ++claimed;
        log::Info("digest claimed", {{"recipient", r.id()}, {"day", absl::FormatCivilTime(day)},
                                     {"open", counts.open}, {"overdue", counts.overdue}});
        return desk_.AddDeliveries(
            tx, absl::StrCat("digest:", absl::FormatCivilTime(day)), "", "", r, role,
            /*urgent=*/false, [&](const std::string& locale, const std::string& channel) {
              return RenderDigest(summary, locale, channel);
            });
      }));
    }
  }
  done_through_ = target;
  return claimed;
}

void DigestJob::Run(const std::atomic<bool>& stop, absl::Duration poll) {
  // A failed run is tried again at the next poll, like a day that has not come yet.
  RunUntilStopped(stop, {.failure_message = "digest run failed",
                         .backoff = {.initial = poll, .max = poll}},
                  [&]() -> RoundResult {
                    SKK_RETURN_IF_ERROR(RunOnce().status());
                    return poll;
                  });
}

}  // namespace skk::notification

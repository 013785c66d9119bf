#include "services/notification/erasure.h"

#include "services/platform/events.h"
#include "services/platform/status_macros.h"

namespace skk::notification {
namespace {

constexpr SqlStatement kTombstone{"ntf_erase_tombstone", R"sql(
  INSERT INTO erased_complaints (complaint_id, erasure_id, erased_at) VALUES ($1, $2, $3)
  ON CONFLICT (complaint_id) DO NOTHING)sql"};

constexpr SqlStatement kDeleteContact{"ntf_erase_contact", R"sql(
  DELETE FROM citizen_contacts WHERE complaint_id = $1)sql"};

constexpr SqlStatement kDeleteHeld{"ntf_erase_backlog", R"sql(
  DELETE FROM citizen_backlog WHERE complaint_id = $1)sql"};

// First, so the complaint's delivery rows are locked before their attempts are: a worker
// finishing an attempt locks the delivery, then writes the attempt (FinishAttempts).
constexpr SqlStatement kScrubDeliveries{"ntf_erase_deliveries", R"sql(
  UPDATE deliveries SET
    body = $2,
    address = CASE WHEN recipient_role = 'citizen' THEN '' ELSE address END,
    recipient_name = CASE WHEN recipient_role = 'citizen' THEN '' ELSE recipient_name END,
    last_error = CASE WHEN last_error = 'erased' THEN last_error ELSE '' END
  WHERE complaint_id = $1
    AND (body <> $2 OR last_error NOT IN ('', 'erased')
         OR (recipient_role = 'citizen' AND (address <> '' OR recipient_name <> ''))))sql"};

constexpr SqlStatement kFinishUnsent{"ntf_erase_unsent", R"sql(
  UPDATE deliveries SET state = 'dead', last_error = 'erased', lease_until = NULL,
                        finished_at = $2
  WHERE complaint_id = $1 AND recipient_role = 'citizen'
    AND state IN ('pending', 'queued', 'retrying', 'sending'))sql"};

constexpr SqlStatement kScrubAttempts{"ntf_erase_attempts", R"sql(
  UPDATE delivery_attempts a SET detail = ''
  FROM deliveries d
  WHERE d.id = a.delivery_id AND d.complaint_id = $1 AND a.detail <> '')sql"};

}  // namespace

absl::StatusOr<bool> EraseCitizenData(PgConnection& tx, const std::string& complaint_id,
                                      const std::string& erasure_id, absl::Time now) {
  const SqlParam id = SqlParam::Text(complaint_id);
  SKK_ASSIGN_OR_RETURN(PgResult tombstone,
                       tx.Execute(kTombstone, {id, SqlParam::Text(erasure_id), SqlParam::Time(now)}));
  SKK_RETURN_IF_ERROR(tx.Execute(kDeleteContact, {id}).status());
  SKK_RETURN_IF_ERROR(tx.Execute(kDeleteHeld, {id}).status());
  SKK_RETURN_IF_ERROR(tx.Execute(kScrubDeliveries, {id, SqlParam::Text(kErasedText)}).status());
  SKK_RETURN_IF_ERROR(tx.Execute(kFinishUnsent, {id, SqlParam::Time(now)}).status());
  SKK_RETURN_IF_ERROR(tx.Execute(kScrubAttempts, {id}).status());
  return tombstone.affected() == 1;
}

}  // namespace skk::notification

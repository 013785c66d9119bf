#include "services/routing/erasure.h"

#include <string>
#include <utility>

#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"
#include "services/routing/case_state.h"
#include "services/routing/case_store.h"

namespace skk::routing {
namespace {

// One lock per complaint, taken by the erasure and by every event that may carry the citizen's
// words before either reads anything of the complaint. A row lock would not do: the erasure may
// come before the complaint has a case row to lock. The first key names this use (two-key
// advisory locks never meet the one-key lock of the migrations).
constexpr SqlStatement kLockComplaint{"routing_lock_complaint_data",
                                      "SELECT pg_advisory_xact_lock(1397443397, hashtext($1))"};

constexpr SqlStatement kFindErasure{"routing_find_erasure",
                                    "SELECT photos FROM erased_complaints WHERE complaint_id = $1"};

constexpr SqlStatement kRecordErasure{"routing_record_erasure", R"sql(
  INSERT INTO erased_complaints (complaint_id, erasure_id, photos, erased_at)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (complaint_id) DO UPDATE SET photos = erased_complaints.photos OR EXCLUDED.photos
  RETURNING photos)sql"};

// An empty text had nothing to erase and stays empty.
constexpr SqlStatement kEraseCase{"routing_erase_case", R"sql(
  UPDATE cases
  SET description = CASE WHEN description = '' THEN '' ELSE $2 END,
      address = CASE WHEN address = '' THEN '' ELSE $2 END,
      rating_comment = CASE WHEN rating_comment IS NULL OR rating_comment = '' THEN rating_comment
                            ELSE $2 END,
      media_ids = CASE WHEN $3 THEN '{}'::text[] ELSE media_ids END
  WHERE complaint_id = $1)sql"};

// A rating's entry reads "4/5: <comment>" (Cases::OnRated): the stars stay.
constexpr SqlStatement kEraseCitizenHistory{"routing_erase_citizen_history", R"sql(
  UPDATE case_history
  SET reason = CASE
        WHEN action <> $4 THEN $2
        WHEN position(': ' in reason) > 0
          THEN left(reason, position(': ' in reason) - 1) || ': ' || $2
        ELSE reason END
  WHERE complaint_id = $1 AND actor = $3 AND reason <> '')sql"};

absl::Status LockComplaint(PgConnection& tx, const std::string& complaint_id) {
  return tx.Execute(kLockComplaint, {SqlParam::Text(complaint_id)}).status();
}

}  // namespace

absl::Status ApplyErasure(PgConnection& tx, const sambat::v1::Event& event, absl::Time now) {
  const auto& erasure = event.complaint_erasure_requested();
  const std::string& id = event.complaint_id();
  SKK_RETURN_IF_ERROR(LockComplaint(tx, id));
  SKK_ASSIGN_OR_RETURN(PgResult recorded,
                       tx.Execute(kRecordErasure,
                                  {SqlParam::Text(id), SqlParam::Text(erasure.erasure_id()),
                                   SqlParam::Bool(erasure.photos()), SqlParam::Time(now)}));
  // An earlier erasure that took the photos took them for good.
  const bool photos = recorded.Row(0).Bool("photos");
  SKK_ASSIGN_OR_RETURN(PgResult cases,
                       tx.Execute(kEraseCase, {SqlParam::Text(id), SqlParam::Text(kErasedText),
                                               SqlParam::Bool(photos)}));
  SKK_ASSIGN_OR_RETURN(
      PgResult history,
      tx.Execute(kEraseCitizenHistory,
                 {SqlParam::Text(id), SqlParam::Text(kErasedText),
                  SqlParam::Text(Actor::Citizen().id),
                  SqlParam::Text(std::string(ActionName(CaseAction::kRate)))}));
  SKK_ASSIGN_OR_RETURN(const int outbox, EraseOutboxPersonalData(tx, id, photos));
  log::Info("citizen's personal data erased",
            {{"complaint_id", id}, {"erasure_id", erasure.erasure_id()},
             {"photos", photos ? "true" : "false"},
             {"case", cases.affected() > 0 ? "erased" : "none yet"},
             {"history_entries", static_cast<long long>(history.affected())},
             {"outbox_events", outbox}});
  return absl::OkStatus();
}

absl::StatusOr<sambat::v1::Event> ErasedIfErased(PgConnection& tx,
                                                 const sambat::v1::Event& event) {
  SKK_RETURN_IF_ERROR(LockComplaint(tx, event.complaint_id()));
  SKK_ASSIGN_OR_RETURN(PgResult found,
                       tx.Execute(kFindErasure, {SqlParam::Text(event.complaint_id())}));
  if (found.rows() == 0) return event;
  sambat::v1::Event erased = event;
  ErasePersonalData(erased, found.Row(0).Bool("photos"));
  log::Info("event of an erased complaint applied erased",
            {{"complaint_id", event.complaint_id()}, {"event_id", event.event_id()},
             {"type", event.type()}});
  return erased;
}

EventHandler KeepingErasures(EventHandler handler) {
  return [handler = std::move(handler)](PgConnection& tx,
                                        const sambat::v1::Event& event) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(const sambat::v1::Event applied, ErasedIfErased(tx, event));
    return handler(tx, applied);
  };
}

}  // namespace skk::routing

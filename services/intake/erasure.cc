#include "services/intake/erasure.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/intake/text_desk.h"
#include "services/intake/validation.h"
#include "services/platform/events.h"
#include "services/platform/ids.h"
#include "services/platform/log.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

// The complaints a selector names, locked, with whether each is already erased as asked.
constexpr SqlStatement kByTicket{"intake_erase_by_ticket", R"sql(
  SELECT complaint_id, ticket, erased_at IS NOT NULL AND (photos_erased OR NOT $2) AS done
  FROM complaints WHERE ticket = $1 FOR UPDATE)sql"};
constexpr SqlStatement kByPhone{"intake_erase_by_phone", R"sql(
  SELECT c.complaint_id, c.ticket, c.erased_at IS NOT NULL AND (c.photos_erased OR NOT $2) AS done
  FROM complaints c JOIN reporters r USING (complaint_id)
  WHERE r.phone = $1 ORDER BY c.submitted_at FOR UPDATE OF c)sql"};
constexpr SqlStatement kByEmail{"intake_erase_by_email", R"sql(
  SELECT c.complaint_id, c.ticket, c.erased_at IS NOT NULL AND (c.photos_erased OR NOT $2) AS done
  FROM complaints c JOIN reporters r USING (complaint_id)
  WHERE lower(r.email) = $1 ORDER BY c.submitted_at FOR UPDATE OF c)sql"};

// Finished complaints past retention (states RESOLVED, CLOSED, REJECTED and MERGED, as
// sambat.v1.CaseState numbers); SKIP LOCKED so two replicas share the work.
constexpr SqlStatement kExpired{"intake_erase_expired", R"sql(
  SELECT complaint_id, ticket FROM complaints
  WHERE erased_at IS NULL AND state IN (5, 6, 7, 8)
    AND state_changed_at < $1
  ORDER BY state_changed_at LIMIT $2 FOR UPDATE SKIP LOCKED)sql"};

// The citizen's words become the marker; a field that was empty stays empty, so the view
// does not invent an address or a comment that was never given.
constexpr SqlStatement kEraseComplaint{"intake_erase_complaint", R"sql(
  UPDATE complaints SET
    description = $2,
    address = CASE WHEN coalesce(address, '') = '' THEN address ELSE $2 END,
    rating_comment = CASE WHEN coalesce(rating_comment, '') = '' THEN rating_comment ELSE $2 END,
    idempotency_key = NULL,
    erased_at = coalesce(erased_at, $3),
    photos_erased = photos_erased OR $4,
    updated_at = $3
  WHERE complaint_id = $1)sql"};
constexpr SqlStatement kDeleteReporter{"intake_erase_reporter", R"sql(
  DELETE FROM reporters WHERE complaint_id = $1)sql"};
// The uploader is the citizen's network address.
constexpr SqlStatement kForgetUploader{"intake_erase_uploader", R"sql(
  UPDATE media SET uploader = NULL WHERE complaint_id = $1)sql"};
// Detached and dated long ago, the photos are the media collector's to remove: rows and files
// under the same lock an upload takes.
constexpr SqlStatement kDetachPhotos{"intake_erase_photos", R"sql(
  UPDATE media SET complaint_id = NULL, uploaded_at = '-infinity', uploader = NULL
  WHERE complaint_id = $1)sql"};

constexpr SqlStatement kRecordErasure{"intake_record_erasure", R"sql(
  INSERT INTO erasures (erasure_id, requested_at, requested_by, reason, basis, photos, tickets)
  VALUES ($1, $2, $3, $4, $5, $6, $7::text[]))sql"};
constexpr SqlStatement kListErasures{"intake_list_erasures", R"sql(
  SELECT erasure_id, requested_at, requested_by, reason, basis, photos, tickets
  FROM erasures ORDER BY requested_at DESC, erasure_id LIMIT $1)sql"};

std::string BasisName(sambat::v1::ErasureBasis basis) {
  return basis == sambat::v1::ERASURE_BASIS_RETENTION ? "retention" : "request";
}

}  // namespace

absl::StatusOr<sambat::v1::EraseCitizenDataResponse> CitizenData::Erase(
    const Caller& caller, const sambat::v1::EraseCitizenDataRequest& request) {
  SKK_RETURN_IF_ERROR(InvalidFields(ValidateErasure(request)));
  sambat::v1::EraseCitizenDataResponse response;
  bool any = false;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    response.Clear();
    any = false;
    const SqlParam photos = SqlParam::Bool(request.photos());
    absl::StatusOr<PgResult> found;
    if (request.has_ticket()) {
      found = tx.Execute(kByTicket, {SqlParam::Text(request.ticket()), photos});
    } else if (request.has_phone()) {
      // What the number sent by SMS or WhatsApp goes with it, gathered or not.
      SKK_RETURN_IF_ERROR(TextDesk::EraseNumber(tx, NormalizePhone(request.phone())));
      found = tx.Execute(kByPhone, {SqlParam::Text(NormalizePhone(request.phone())), photos});
    } else {
      found = tx.Execute(kByEmail, {SqlParam::Text(absl::AsciiStrToLower(request.email())), photos});
    }
    SKK_RETURN_IF_ERROR(found.status());
    any = found->rows() > 0;
    std::vector<Target> targets;
    for (PgRow complaint : *found) {
      if (complaint.Bool("done")) continue;  // erased before, as asked
      targets.push_back({complaint.String("complaint_id"), complaint.String("ticket")});
    }
    if (targets.empty()) return absl::OkStatus();
    SKK_ASSIGN_OR_RETURN(std::string id,
                         EraseIn(tx, targets, caller.subject, request.reason(),
                                 sambat::v1::ERASURE_BASIS_REQUEST, request.photos(), clock_.Now()));
    response.set_erasure_id(id);
    for (const Target& t : targets) response.add_tickets(t.ticket);
    return absl::OkStatus();
  }));
  // The same answer for a ticket that never existed and a contact that is nowhere any more:
  // after an erasure by phone, the phone is gone, which is the point.
  if (!any) return absl::NotFoundError("no complaint matches; nothing was erased");
  if (request.photos() && response.tickets_size() > 0) {
    // The photos were detached in the transaction; removing their files now rather than at
    // the next collection pass. A failure here leaves them to that pass.
    if (absl::StatusOr<Collected> done = media_.CollectGarbage(); !done.ok()) {
      log::Warn("photos of an erasure left to the next collection",
                {{"erasure_id", response.erasure_id()},
                 {"error", std::string(done.status().message())}});
    }
  }
  return response;
}

absl::StatusOr<std::string> CitizenData::EraseIn(PgConnection& tx,
                                                 const std::vector<Target>& targets,
                                                 const std::string& requested_by,
                                                 const std::string& reason,
                                                 sambat::v1::ErasureBasis basis, bool photos,
                                                 absl::Time now) {
  const std::string erasure_id = NewUuid();
  std::vector<std::optional<std::string>> tickets;
  for (const Target& t : targets) {
    const SqlParam id = SqlParam::Text(t.complaint_id);
    SKK_RETURN_IF_ERROR(tx.Execute(kEraseComplaint, {id, SqlParam::Text(kErasedText),
                                                     SqlParam::Time(now), SqlParam::Bool(photos)})
                            .status());
    SKK_RETURN_IF_ERROR(tx.Execute(kDeleteReporter, {id}).status());
    SKK_RETURN_IF_ERROR(tx.Execute(photos ? kDetachPhotos : kForgetUploader, {id}).status());
    SKK_RETURN_IF_ERROR(EraseOutboxPersonalData(tx, t.complaint_id, photos).status());
    sambat::v1::Event event = NewEvent(kErasureRequested, t.complaint_id, now, "intake", nullptr);
    event.set_actor(basis == sambat::v1::ERASURE_BASIS_RETENTION ? "system"
                                                                  : absl::StrCat("admin:", requested_by));
    auto* p = event.mutable_complaint_erasure_requested();
    p->set_ticket(t.ticket);
    p->set_erasure_id(erasure_id);
    p->set_photos(photos);
    p->set_basis(basis);
    SKK_RETURN_IF_ERROR(EnqueueEvent(tx, event));
    tickets.push_back(t.ticket);
    log::Info("personal data erased", {{"complaint_id", t.complaint_id},
                                       {"erasure_id", erasure_id},
                                       {"basis", BasisName(basis)}});
  }
  SKK_RETURN_IF_ERROR(tx.Execute(kRecordErasure,
                                 {SqlParam::Text(erasure_id), SqlParam::Time(now),
                                  SqlParam::Text(requested_by), SqlParam::Text(reason),
                                  SqlParam::Text(BasisName(basis)), SqlParam::Bool(photos),
                                  SqlParam::Array(tickets)})
                          .status());
  return erasure_id;
}

absl::StatusOr<sambat::v1::ListErasuresResponse> CitizenData::List(
    const sambat::v1::ListErasuresRequest& request) {
  if (request.limit() < 0 || request.limit() > 500) {
    return InvalidFields({{"limit", "must be 0 (default 50) to 500"}});
  }
  const int limit = request.limit() == 0 ? 50 : request.limit();
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult r, conn->Execute(kListErasures, {SqlParam::Int(limit)}));
  sambat::v1::ListErasuresResponse response;
  for (PgRow row : r) {
    sambat::v1::Erasure* e = response.add_erasures();
    e->set_erasure_id(row.String("erasure_id"));
    *e->mutable_requested_at() = ToProtoTime(row.Time("requested_at"));
    e->set_requested_by(row.String("requested_by"));
    e->set_reason(row.String("reason"));
    e->set_basis(row.String("basis") == "retention" ? sambat::v1::ERASURE_BASIS_RETENTION
                                                    : sambat::v1::ERASURE_BASIS_REQUEST);
    e->set_photos(row.Bool("photos"));
    for (std::string& ticket : row.TextArray("tickets")) e->add_tickets(std::move(ticket));
  }
  return response;
}

absl::StatusOr<int> CitizenData::EraseExpired() {
  if (options_.retention <= absl::ZeroDuration()) return 0;
  const int batch = std::max(1, options_.retention_batch);
  const std::string reason = absl::StrCat("retention period of ",
                                          absl::ToInt64Hours(options_.retention) / 24,
                                          " days after the complaint finished");
  int erased = 0;
  while (true) {
    const absl::Time now = clock_.Now();
    int found = 0;
    SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
      SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kExpired, {SqlParam::Time(now - options_.retention),
                                                             SqlParam::Int(batch)}));
      found = r.rows();
      if (found == 0) return absl::OkStatus();
      std::vector<Target> targets;
      for (PgRow complaint : r) {
        targets.push_back({complaint.String("complaint_id"), complaint.String("ticket")});
      }
      return EraseIn(tx, targets, "retention", reason, sambat::v1::ERASURE_BASIS_RETENTION,
                     /*photos=*/true, now)
          .status();
    }));
    erased += found;
    if (found < batch) break;
  }
  if (erased > 0) {
    if (absl::StatusOr<Collected> done = media_.CollectGarbage(); !done.ok()) {
      log::Warn("photos of retention left to the next collection",
                {{"error", std::string(done.status().message())}});
    }
    log::Info("retention erased finished complaints", {{"complaints", erased}});
  }
  return erased;
}

}  // namespace skk::intake

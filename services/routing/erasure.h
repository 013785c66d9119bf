#pragma once

// The citizen's personal data in routing's tables, erased on complaint.erasure_requested
// (UU 27/2022 PDP; docs/officer-workflow.md, "The citizen's personal data"). What routing keeps
// of a citizen: the complaint's description, free-text address and photo ids (cases), the
// rating comment (cases), and the words of every audit-trail entry the citizen made: answers,
// reopen reasons, rating comments (case_history, actor "citizen"); and the same in the events
// still in its outbox. Never the reporter's name, phone or email: routing never receives them.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/consumer.h"
#include "services/platform/pg.h"

namespace skk::routing {

// Applies complaint.erasure_requested in `tx`: the case's description, address and rating
// comment and the words of the citizen's audit-trail entries become kErasedText (the stars of
// a rating stay), the case's photo ids go when the event says `photos`, the complaint's events
// still in the outbox are erased alike, and erased_complaints records the erasure (its first
// erasure id; photos once any erasure asked for them) so that later events of the complaint
// bring nothing back (ErasedIfErased). The case's ticket, category, agency, location, state,
// deadlines and the officers' own words stay. Works before the complaint has a case too (its
// complaint.submitted may come later). Idempotent.
absl::Status ApplyErasure(PgConnection& tx, const sambat::v1::Event& event, absl::Time now);

// `event` as routing may apply it in `tx`: unchanged, unless the complaint's personal data was
// erased, then passed through ErasePersonalData. Serializes with the complaint's erasure
// (whichever commits first, the other sees it), so call it before the event's handler reads or
// writes anything of the complaint.
absl::StatusOr<sambat::v1::Event> ErasedIfErased(PgConnection& tx, const sambat::v1::Event& event);

// `handler`, applying the events of an erased complaint erased (ErasedIfErased): a late event
// still moves the case, with kErasedText where the citizen's words were.
EventHandler KeepingErasures(EventHandler handler);

}  // namespace skk::routing

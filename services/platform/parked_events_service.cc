#include "services/platform/parked_events_service.h"

#include "services/platform/errors.h"
#include "services/platform/log.h"
#include "services/platform/parked_events.h"
#include "services/platform/status_macros.h"

namespace skk {

absl::Status ParkedEventsDesk::IsThisService(const std::string& named) const {
  if (named.empty() || named == service_) return absl::OkStatus();
  return InvalidFields({{"service", absl::StrCat("this is ", service_, ", not ", named)}});
}

absl::StatusOr<sambat::v1::ListParkedResponse> ParkedEventsDesk::List(
    const Caller&, const sambat::v1::ListParkedRequest& r) {
  if (r.limit() < 0 || r.limit() > 1000) {
    return InvalidFields({{"limit", "must be 0 (100) to 1000"}});
  }
  SKK_RETURN_IF_ERROR(IsThisService(r.service()));
  SKK_ASSIGN_OR_RETURN(std::vector<ParkedEvent> parked,
                       ListParked(endpoint_, service_, r.limit() == 0 ? 100 : r.limit()));
  sambat::v1::ListParkedResponse response;
  response.set_service(service_);
  for (const ParkedEvent& e : parked) {
    sambat::v1::ParkedEventView& view = *response.add_events();
    view.set_event_id(e.event_id);
    view.set_event_type(e.event_type);
    view.set_complaint_id(e.complaint_id);
    view.set_decode_error(e.decode_error);
    view.set_original_routing_key(e.original_routing_key);
    view.set_attempt(e.attempt);
    view.set_last_error(e.last_error);
    view.set_size_bytes(static_cast<int64_t>(e.size_bytes));
  }
  return response;
}

absl::StatusOr<sambat::v1::ReplayParkedResponse> ParkedEventsDesk::Replay(
    const Caller& caller, const sambat::v1::ReplayParkedRequest& r) {
  if (r.all() == !r.event_id().empty()) {
    return InvalidFields({{"event_id", "give one event id, or all without one"}});
  }
  if (r.event_id().size() > 200) return InvalidFields({{"event_id", "is longer than 200 bytes"}});
  SKK_RETURN_IF_ERROR(IsThisService(r.service()));
  SKK_ASSIGN_OR_RETURN(const int replayed,
                       ReplayParked(endpoint_, service_, {.all = r.all(), .event_id = r.event_id()}));
  if (!r.all() && replayed == 0) {
    return absl::NotFoundError(absl::StrCat("no parked event ", r.event_id(), " in ", service_));
  }
  log::Info("parked events replayed",
            {{"count", replayed}, {"by", caller.subject}, {"event_id", r.event_id()}});
  sambat::v1::ReplayParkedResponse response;
  response.set_replayed(replayed);
  return response;
}

}  // namespace skk

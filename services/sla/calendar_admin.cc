#include "services/sla/calendar_admin.h"

#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "services/platform/city_config.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/retry_loop.h"
#include "services/platform/status_macros.h"

namespace skk::sla {
namespace {

constexpr SqlStatement kInsertCalendar{"sla_insert_holiday_calendar", R"sql(
  INSERT INTO holiday_calendars (loaded_at, loaded_by, decree, calendar)
  VALUES ($1, $2, $3, $4) RETURNING id)sql"};

// One replacement at a time across replicas: the newest id is the one in force.
constexpr SqlStatement kLockCalendars{"sla_lock_holiday_calendars", R"sql(
  LOCK TABLE holiday_calendars IN SHARE ROW EXCLUSIVE MODE)sql"};

constexpr SqlStatement kNewestCalendar{"sla_newest_holiday_calendar", R"sql(
  SELECT id, loaded_at, loaded_by, decree, calendar FROM holiday_calendars
  ORDER BY id DESC LIMIT 1)sql"};

constexpr int kMovedListed = 200;
constexpr size_t kMaxDecree = 500;
constexpr int kMaxHolidays = 2000;

struct StoredCalendar {
  int64_t id = 0;
  absl::Time loaded_at;
  std::string loaded_by;
  std::string decree;
  sambat::v1::HolidayCalendar calendar;
};

absl::StatusOr<std::optional<StoredCalendar>> Newest(PgConnection& conn) {
  SKK_ASSIGN_OR_RETURN(PgResult r, conn.Execute(kNewestCalendar, {}));
  if (r.rows() == 0) return std::nullopt;
  const PgRow row = r.Row(0);
  StoredCalendar stored;
  stored.id = row.Int("id");
  stored.loaded_at = row.Time("loaded_at");
  stored.loaded_by = row.String("loaded_by");
  stored.decree = row.String("decree");
  if (!google::protobuf::TextFormat::ParseFromString(row.String("calendar"), &stored.calendar)) {
    return absl::DataLossError(absl::StrCat("holiday calendar ", stored.id, " does not parse"));
  }
  return stored;
}

}  // namespace

std::vector<FieldViolation> CheckReplacement(const sambat::v1::ReplaceHolidayCalendarRequest& r) {
  std::vector<FieldViolation> v;
  if (r.decree().empty()) {
    v.push_back({"decree", "name the decree the calendar comes from"});
  } else if (r.decree().size() > kMaxDecree) {
    v.push_back({"decree", absl::StrCat("at most ", kMaxDecree, " characters")});
  }
  const auto& holidays = r.calendar().holidays();
  if (holidays.empty()) {
    // A whole calendar replaces the one in force: an empty one would make every holiday a
    // working day, surely a mistake.
    v.push_back({"calendar.holidays", "the calendar has no holidays"});
  } else if (holidays.size() > kMaxHolidays) {
    v.push_back({"calendar.holidays", absl::StrCat("at most ", kMaxHolidays, " holidays")});
    return v;
  }
  for (FieldViolation& p : CalendarProblems(r.calendar())) {
    v.push_back({"calendar." + p.field, std::move(p.reason)});
  }
  return v;
}

absl::StatusOr<sambat::v1::ReplaceHolidayCalendarResponse> HolidayCalendars::Replace(
    const Caller& caller, const sambat::v1::ReplaceHolidayCalendarRequest& request) {
  if (caller.role != StaffRole::kAdmin) {
    return absl::PermissionDeniedError("only an administrator replaces the holiday calendar");
  }
  SKK_RETURN_IF_ERROR(InvalidFields(CheckReplacement(request)));
  SKK_ASSIGN_OR_RETURN(WorkingCalendar working,
                       WorkingCalendar::Create(options_.time_zone, request.calendar()));
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(request.calendar(), &text)) {
    return absl::InternalError("the calendar could not be written as text");
  }
  const absl::Time now = clock_.Now();
  ActiveCalendar active{0, std::move(working)};
  CaseClocks::CalendarChange change;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    if (!request.dry_run()) {
      SKK_RETURN_IF_ERROR(tx.Execute(kLockCalendars, {}).status());
      SKK_ASSIGN_OR_RETURN(PgResult r, tx.Execute(kInsertCalendar,
                                                  {SqlParam::Time(now),
                                                   SqlParam::Text(caller.subject),
                                                   SqlParam::Text(request.decree()),
                                                   SqlParam::Text(text)}));
      active.id = r.Row(0).Int("id");
    } else {
      // Every running clock is "older" than a calendar not stored yet.
      active.id = std::numeric_limits<int64_t>::max();
    }
    SKK_ASSIGN_OR_RETURN(change, clocks_.FollowCalendar(tx, active, request.dry_run()));
    return absl::OkStatus();
  }));
  sambat::v1::ReplaceHolidayCalendarResponse out;
  out.set_clocks_checked(change.checked);
  out.set_clocks_moved(static_cast<int32_t>(change.moved.size()));
  for (const CaseClocks::MovedClock& m : change.moved) {
    if (out.moved_size() >= kMovedListed) break;
    auto* d = out.add_moved();
    d->set_ticket(m.ticket);
    d->set_agency_code(m.agency);
    d->set_kind(m.kind);
    *d->mutable_old_due_at() = ToProtoTime(m.old_due);
    *d->mutable_new_due_at() = ToProtoTime(m.new_due);
  }
  if (request.dry_run()) return out;
  out.set_calendar_id(active.id);
  const int64_t id = active.id;
  policies_.Use(std::make_shared<const ActiveCalendar>(std::move(active)));
  log::Info("holiday calendar replaced", {{"calendar_id", static_cast<long long>(id)},
                                          {"decree", request.decree()},
                                          {"by", caller.subject},
                                          {"clocks_moved", static_cast<long long>(out.clocks_moved())}});
  // A clock this replica's consumers planned by the old calendar between the commit and the
  // swap above follows now; other replicas follow within their interval (Run).
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    return clocks_.FollowCalendar(tx, *policies_.active(), false).status();
  }));
  return out;
}

absl::StatusOr<sambat::v1::GetHolidayCalendarResponse> HolidayCalendars::Get(
    const Caller& caller, const sambat::v1::GetHolidayCalendarRequest&) {
  if (caller.role != StaffRole::kAdmin && caller.role != StaffRole::kLeadership) {
    return absl::PermissionDeniedError("the holiday calendar is for administrators and leadership");
  }
  SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
  SKK_ASSIGN_OR_RETURN(std::optional<StoredCalendar> stored, Newest(*conn));
  sambat::v1::GetHolidayCalendarResponse out;
  if (stored.has_value()) {
    out.set_calendar_id(stored->id);
    out.set_decree(stored->decree);
    out.set_loaded_by(stored->loaded_by);
    *out.mutable_loaded_at() = ToProtoTime(stored->loaded_at);
    *out.mutable_calendar() = std::move(stored->calendar);
    return out;
  }
  SKK_ASSIGN_OR_RETURN(*out.mutable_calendar(), ReadHolidayCalendar(options_.file_path));
  out.set_decree(options_.file_path);
  return out;
}

absl::StatusOr<bool> HolidayCalendars::Follow() {
  std::optional<StoredCalendar> stored;
  {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SKK_ASSIGN_OR_RETURN(stored, Newest(*conn));
  }
  const bool newer = stored.has_value() && stored->id > policies_.active()->id;
  if (newer) {
    SKK_ASSIGN_OR_RETURN(WorkingCalendar working,
                         WorkingCalendar::Create(options_.time_zone, stored->calendar));
    policies_.Use(std::make_shared<const ActiveCalendar>(
        ActiveCalendar{stored->id, std::move(working)}));
    log::Info("holiday calendar in force", {{"calendar_id", static_cast<long long>(stored->id)},
                                            {"decree", stored->decree}});
  }
  // On start too: clocks a replica planned by an older calendar before it learnt of this one.
  // Otherwise only when this replica swaps (each replica moves what it planned meanwhile).
  const bool first = !followed_once_.exchange(true);
  if (policies_.active()->id == 0 || !(newer || first)) return newer;
  SKK_RETURN_IF_ERROR(pool_.Transact([&](PgConnection& tx) -> absl::Status {
    return clocks_.FollowCalendar(tx, *policies_.active(), false).status();
  }));
  return newer;
}

void HolidayCalendars::Run(const std::atomic<bool>& stop) {
  RunUntilStopped(stop, {.failure_message = "following the holiday calendar failed, will retry"},
                  [&]() -> RoundResult {
                    SKK_RETURN_IF_ERROR(Follow().status());
                    return options_.follow_interval;
                  });
}

}  // namespace skk::sla

#include "services/platform/outbox.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/platform/events.h"
#include "services/platform/log.h"
#include "services/platform/metrics.h"
#include "services/platform/retry_loop.h"
#include "services/platform/status_macros.h"

namespace skk {
namespace {

// Many events in one round trip, in the order given (the outbox's id orders publishing).
constexpr SqlStatement kInsertOutbox{"skk_outbox_insert", R"sql(
  INSERT INTO outbox (event_id, routing_key, complaint_id, correlation_id, payload)
  SELECT e.event_id, e.routing_key, e.complaint_id, e.correlation_id, decode(e.payload, 'hex')
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
         AS e(event_id, routing_key, complaint_id, correlation_id, payload, position)
  ORDER BY e.position)sql"};

// SKIP LOCKED instead of "rows after the highest id sent": ids commit out of order, and a
// relay that remembered a high-water mark would miss the late ones (design.md, known traps).
constexpr SqlStatement kClaimOutbox{"skk_outbox_claim", R"sql(
  SELECT id, event_id, routing_key, complaint_id, correlation_id, payload, created_at,
         unroutable_count
  FROM outbox WHERE retry_at IS NULL OR retry_at <= now()
  ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)sql"};

constexpr SqlStatement kDeleteOutbox{"skk_outbox_delete",
                                     "DELETE FROM outbox WHERE id = ANY($1::bigint[])"};

constexpr SqlStatement kSetAsideOutbox{"skk_outbox_set_aside", R"sql(
  UPDATE outbox o SET unroutable_count = o.unroutable_count + 1,
                      retry_at = now() + make_interval(secs => r.seconds)
  FROM unnest($1::bigint[], $2::double precision[]) AS r(id, seconds)
  WHERE o.id = r.id)sql"};

std::string IdArray(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) absl::StrAppend(&out, i ? "," : "", ids[i]);
  return out + "}";
}

// FOR UPDATE: a relay that claimed some of these rows holds them until it has published
// (and deleted) them or given up; either way the rows read here are then the current ones.
constexpr SqlStatement kLockComplaintOutbox{"skk_outbox_lock_complaint", R"sql(
  SELECT id, payload FROM outbox WHERE complaint_id = $1 ORDER BY id FOR UPDATE)sql"};

constexpr SqlStatement kRewriteOutbox{"skk_outbox_rewrite",
                                      "UPDATE outbox SET payload = $2 WHERE id = $1"};

// Commits of this process that wrote outbox rows, counted, so its relay wakes at once.
// In-process instead of NOTIFY: NOTIFY takes PostgreSQL's global notify-queue lock at every
// commit, which serialized all submissions.
std::mutex commit_mu;
std::condition_variable commit_cv;
uint64_t commits_with_events = 0;

void SignalOutboxCommit() {
  {
    std::lock_guard lock(commit_mu);
    ++commits_with_events;
  }
  commit_cv.notify_all();
}

uint64_t OutboxCommitCount() {
  std::lock_guard lock(commit_mu);
  return commits_with_events;
}

void WaitForOutboxCommit(uint64_t seen, absl::Duration timeout) {
  std::unique_lock lock(commit_mu);
  commit_cv.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                     [&] { return commits_with_events != seen; });
}

class PgOutboxBatch final : public OutboxBatch {
 public:
  PgOutboxBatch(PgConnection& conn, std::vector<OutboxRow> rows)
      : conn_(conn), rows_(std::move(rows)) {}
  ~PgOutboxBatch() override {
    if (!done_ && conn_.healthy()) (void)conn_.ExecuteScript("ROLLBACK");
  }
  const std::vector<OutboxRow>& rows() const override { return rows_; }
  absl::Status Complete(const std::vector<SetAsideRow>& set_aside) override {
    std::vector<int64_t> published;
    for (const OutboxRow& row : rows_) {
      if (std::none_of(set_aside.begin(), set_aside.end(),
                       [&](const SetAsideRow& s) { return s.row_id == row.id; })) {
        published.push_back(row.id);
      }
    }
    if (!published.empty()) {
      SKK_RETURN_IF_ERROR(
          conn_.Execute(kDeleteOutbox, {SqlParam::Text(IdArray(published))}).status());
    }
    if (!set_aside.empty()) {
      std::vector<int64_t> ids;
      std::string seconds = "{";
      for (size_t i = 0; i < set_aside.size(); ++i) {
        ids.push_back(set_aside[i].row_id);
        absl::StrAppend(&seconds, i ? "," : "", absl::ToDoubleSeconds(set_aside[i].retry_in));
      }
      seconds += "}";
      SKK_RETURN_IF_ERROR(conn_.Execute(kSetAsideOutbox, {SqlParam::Text(IdArray(ids)),
                                                          SqlParam::Text(seconds)})
                              .status());
    }
    SKK_RETURN_IF_ERROR(conn_.ExecuteScript("COMMIT"));
    done_ = true;
    return absl::OkStatus();
  }

 private:
  PgConnection& conn_;
  std::vector<OutboxRow> rows_;
  bool done_ = false;
};

class PgOutboxStore final : public OutboxStore {
 public:
  PgOutboxStore(std::string uri, std::string schema)
      : uri_(std::move(uri)), schema_(std::move(schema)) {}

  absl::StatusOr<std::unique_ptr<OutboxBatch>> Claim(int limit) override {
    if (conn_ == nullptr || !conn_->healthy()) {
      conn_.reset();
      SKK_ASSIGN_OR_RETURN(conn_, PgConnection::Connect(uri_, schema_));
    }
    SKK_RETURN_IF_ERROR(conn_->ExecuteScript("BEGIN"));
    auto result = conn_->Execute(kClaimOutbox, {SqlParam::Int(limit)});
    if (!result.ok()) {
      if (conn_->healthy()) (void)conn_->ExecuteScript("ROLLBACK");
      return result.status();
    }
    std::vector<OutboxRow> rows;
    rows.reserve(result->rows());
    for (PgRow row : *result) {
      rows.push_back({.id = row.Int("id"),
                      .event_id = row.String("event_id"),
                      .routing_key = row.String("routing_key"),
                      .complaint_id = row.String("complaint_id"),
                      .correlation_id = row.String("correlation_id"),
                      .payload = row.Bytes("payload"),
                      .created_at = row.Time("created_at"),
                      .unroutable_count = static_cast<int>(row.Int("unroutable_count"))});
    }
    return std::make_unique<PgOutboxBatch>(*conn_, std::move(rows));
  }

  void WaitForRows(absl::Duration timeout) override {
    // Woken by a commit of this process that wrote events (EnqueueEvents asks for the signal);
    // rows of other processes sharing the schema wait for the timeout at most.
    const uint64_t seen = OutboxCommitCount();
    if (seen != last_seen_) {
      last_seen_ = seen;
      return;
    }
    WaitForOutboxCommit(seen, timeout);
    last_seen_ = OutboxCommitCount();
  }

 private:
  std::string uri_;
  std::string schema_;
  std::unique_ptr<PgConnection> conn_;
  uint64_t last_seen_ = 0;
};

class AmqpEventPublisher final : public EventPublisher {
 public:
  AmqpEventPublisher(AmqpEndpoint endpoint, std::string name)
      : publisher_(std::move(endpoint), std::move(name)) {}
  absl::StatusOr<std::vector<std::string>> PublishBatch(
      const std::vector<AmqpMessage>& messages) override {
    return publisher_.PublishBatchReportingUnroutable(messages);
  }

 private:
  ConfirmingPublisher publisher_;
};

}  // namespace

absl::Status EnqueueEvent(PgConnection& tx, const sambat::v1::Event& event) {
  return EnqueueEvents(tx, {&event});
}

absl::Status EnqueueEvents(PgConnection& tx, const std::vector<const sambat::v1::Event*>& events) {
  if (events.empty()) return absl::OkStatus();
  std::vector<std::optional<std::string>> event_id, routing_key, complaint_id, correlation_id,
      payload;
  for (const sambat::v1::Event* event : events) {
    event_id.push_back(event->event_id());
    routing_key.push_back(event->type());
    complaint_id.push_back(event->complaint_id());
    correlation_id.push_back(event->correlation_id());
    payload.push_back(absl::BytesToHexString(event->SerializeAsString()));
  }
  SKK_RETURN_IF_ERROR(
      tx.Execute(kInsertOutbox, {SqlParam::Array(event_id), SqlParam::Array(routing_key),
                                 SqlParam::Array(complaint_id), SqlParam::Array(correlation_id),
                                 SqlParam::Array(payload)})
          .status());
  tx.AfterCommit(SignalOutboxCommit);
  return absl::OkStatus();
}

absl::StatusOr<int> EraseOutboxPersonalData(PgConnection& tx, const std::string& complaint_id,
                                            bool photos) {
  SKK_ASSIGN_OR_RETURN(PgResult rows,
                       tx.Execute(kLockComplaintOutbox, {SqlParam::Text(complaint_id)}));
  int rewritten = 0;
  for (PgRow row : rows) {
    const int64_t id = row.Int("id");
    const std::string payload = row.Bytes("payload");
    sambat::v1::Event event;
    if (!event.ParseFromString(payload)) {
      return absl::InternalError(absl::StrCat("outbox row ", id, " is not a sambat.v1.Event"));
    }
    ErasePersonalData(event, photos);
    std::string erased = event.SerializeAsString();
    if (erased == payload) continue;  // nothing personal in it, or erased before
    SKK_RETURN_IF_ERROR(
        tx.Execute(kRewriteOutbox, {SqlParam::Int(id), SqlParam::Bytes(std::move(erased))})
            .status());
    ++rewritten;
  }
  return rewritten;
}

std::unique_ptr<OutboxStore> MakePgOutboxStore(std::string uri, std::string schema) {
  return std::make_unique<PgOutboxStore>(std::move(uri), std::move(schema));
}

std::unique_ptr<EventPublisher> MakeAmqpEventPublisher(AmqpEndpoint endpoint, std::string name) {
  return std::make_unique<AmqpEventPublisher>(std::move(endpoint), std::move(name));
}

absl::StatusOr<int> OutboxRelay::RelayOnce() {
  SKK_ASSIGN_OR_RETURN(std::unique_ptr<OutboxBatch> batch, store_.Claim(options_.batch_size));
  const auto& rows = batch->rows();
  if (rows.empty()) return 0;
  std::vector<AmqpMessage> messages;
  messages.reserve(rows.size());
  for (const OutboxRow& row : rows) {
    AmqpMessage m;
    m.exchange = options_.exchange;
    m.routing_key = row.routing_key;
    m.message_id = row.event_id;
    m.type = row.routing_key;
    m.body = row.payload;
    m.timestamp = row.created_at;
    m.correlation_id = row.correlation_id;
    messages.push_back(std::move(m));
  }
  // Rows are removed only after the broker confirmed every message; a failure leaves them all
  // to be published again (consumers drop the duplicates).
  SKK_ASSIGN_OR_RETURN(const std::vector<std::string> unroutable,
                       publisher_.PublishBatch(messages));
  static auto& relayed = metrics::CounterFamily(
      "skk_outbox_relayed_total", "Outbox rows the relay published (confirmed) or set aside as unroutable");
  if (unroutable.empty()) {
    SKK_RETURN_IF_ERROR(batch->Complete());
    relayed.Add({{"outcome", "published"}}).Increment(static_cast<double>(rows.size()));
    for (const OutboxRow& row : rows) {
      log::Debug("event published", {{"event_id", row.event_id}, {"type", row.routing_key},
                                     {"complaint_id", row.complaint_id}});
    }
    return static_cast<int>(rows.size());
  }

  // Returned events reached no queue: keep them, loudly, and try them again later (the
  // consuming service may just not have declared its queue yet). One unroutable type must
  // not hold back every other event, so the rest of the batch is done with.
  std::vector<SetAsideRow> set_aside;
  for (const OutboxRow& row : rows) {
    if (std::find(unroutable.begin(), unroutable.end(), row.event_id) == unroutable.end()) {
      continue;
    }
    absl::Duration retry_in = options_.unroutable_first_retry;
    for (int i = 0; i < row.unroutable_count && retry_in < options_.unroutable_max_retry; ++i) {
      retry_in *= 2;
    }
    set_aside.push_back({row.id, std::min(retry_in, options_.unroutable_max_retry)});
  }
  if (set_aside.size() != unroutable.size()) {
    // A returned message this batch cannot name (no or unknown id): keep the whole batch.
    return absl::InternalError(absl::StrCat(
        "the broker returned ", unroutable.size(), " messages, ", set_aside.size(),
        " of them known in this outbox batch: ", absl::StrJoin(unroutable, ", ")));
  }
  SKK_RETURN_IF_ERROR(batch->Complete(set_aside));
  relayed.Add({{"outcome", "published"}}).Increment(static_cast<double>(rows.size() - set_aside.size()));
  relayed.Add({{"outcome", "unroutable"}}).Increment(static_cast<double>(set_aside.size()));
  for (const OutboxRow& row : rows) {
    auto kept = std::find_if(set_aside.begin(), set_aside.end(),
                             [&](const SetAsideRow& s) { return s.row_id == row.id; });
    if (kept == set_aside.end()) {
      log::Debug("event published", {{"event_id", row.event_id}, {"type", row.routing_key},
                                     {"complaint_id", row.complaint_id}});
      continue;
    }
    log::Error("event reached no queue: no consuming service is bound for its type; kept in "
               "the outbox and tried again",
               {{"event_id", row.event_id}, {"type", row.routing_key},
                {"complaint_id", row.complaint_id},
                {"times_returned", row.unroutable_count + 1},
                {"retry_in_s", static_cast<long long>(absl::ToInt64Seconds(kept->retry_in))}});
  }
  return static_cast<int>(rows.size() - set_aside.size());
}

void OutboxRelay::Run(const std::atomic<bool>& stop) {
  RunUntilStopped(stop,
                  {.failure_message = "outbox relay failed, will retry",
                   .backoff = {.max = options_.max_backoff}},
                  [&]() -> RoundResult {
                    SKK_ASSIGN_OR_RETURN(const int published, RelayOnce());
                    // Rows arriving wake the relay at once; a full batch means more are there.
                    if (published < options_.batch_size) store_.WaitForRows(options_.idle_wait);
                    return absl::ZeroDuration();
                  });
}

absl::Status MeasureOutbox(PgPool& pool) {
  static constexpr SqlStatement kMeasure{"skk_outbox_measure", R"sql(
    SELECT count(*) FILTER (WHERE retry_at IS NULL) AS waiting,
           count(*) FILTER (WHERE retry_at IS NOT NULL) AS set_aside,
           COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest
    FROM outbox)sql"};
  static auto& rows = metrics::GaugeFamily(
      "skk_outbox_rows", "Events in the outbox not published yet, by state (waiting, set_aside)");
  static auto& oldest = metrics::GaugeFamily(
      "skk_outbox_oldest_seconds", "Age of the oldest event in the outbox (0 when empty)");
  SKK_ASSIGN_OR_RETURN(PgPool::Lease lease, pool.Acquire());
  SKK_ASSIGN_OR_RETURN(PgResult result, lease->Execute(kMeasure));
  const PgRow row(result, 0);
  rows.Add({{"state", "waiting"}}).Set(static_cast<double>(row.Int("waiting")));
  rows.Add({{"state", "set_aside"}}).Set(static_cast<double>(row.Int("set_aside")));
  oldest.Add({}).Set(row.Double("oldest"));
  return absl::OkStatus();
}

}  // namespace skk

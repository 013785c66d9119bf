#include "services/intake/submission_writer.h"

#include <algorithm>
#include <set>

#include "services/platform/log.h"
#include "services/platform/metrics.h"
#include "services/platform/outbox.h"
#include "services/platform/status_macros.h"

namespace skk::intake {
namespace {

// Rows are inserted in idempotency-key order, so two batches that share keys (a citizen's
// retries landing in both) wait on each other in one order and never deadlock.
constexpr SqlStatement kWriteSubmissions{"intake_write_submissions_v2", R"sql(
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::float8[], $7::float8[], $8::text[], $9::text[], $10::text[],
                         $11::bool[], $12::bool[], $13::timestamptz[], $14::text[])
      AS t(complaint_id, ticket, idempotency_key, category, description, latitude, longitude,
           address, channel, volunteer_id, anonymous, confidential, submitted_at,
           timeline_text)
  ),
  inserted AS (
    INSERT INTO complaints (complaint_id, ticket, idempotency_key, category, description,
                            latitude, longitude, address, channel, volunteer_id, anonymous,
                            confidential, submitted_at, updated_at, state_changed_at)
    SELECT complaint_id, ticket, idempotency_key, category, description, latitude, longitude,
           address, channel, volunteer_id, anonymous, confidential, submitted_at,
           submitted_at, submitted_at
    FROM input ORDER BY idempotency_key
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING complaint_id
  ),
  reporter_rows AS (
    INSERT INTO reporters (complaint_id, name, phone, email)
    SELECT r.complaint_id, r.name, r.phone, r.email
    FROM unnest($15::uuid[], $16::text[], $17::text[], $18::text[])
           AS r(complaint_id, name, phone, email)
    JOIN inserted n ON n.complaint_id = r.complaint_id
  ),
  timeline_rows AS (
    INSERT INTO complaint_timeline (complaint_id, at, kind, text)
    SELECT i.complaint_id, i.submitted_at, 'submitted', i.timeline_text
    FROM input i JOIN inserted n ON n.complaint_id = i.complaint_id
  ),
  lapor_rows AS (
    INSERT INTO lapor_links (complaint_id, direction, state, tracking_id, next_attempt_at,
                             linked_at)
    SELECT l.complaint_id, l.direction,
           CASE WHEN l.direction = 'import' THEN 'linked' ELSE 'pending' END, l.tracking_id,
           i.submitted_at, CASE WHEN l.direction = 'import' THEN i.submitted_at END
    FROM unnest($19::uuid[], $20::text[], $21::text[]) AS l(complaint_id, direction, tracking_id)
    JOIN inserted n ON n.complaint_id = l.complaint_id
    JOIN input i ON i.complaint_id = l.complaint_id
  )
  SELECT complaint_id::text AS complaint_id FROM inserted)sql"};

using Column = std::vector<std::optional<std::string>>;

std::optional<std::string> DoubleText(const std::optional<double>& v) {
  if (!v.has_value()) return std::nullopt;
  return SqlParam::Double(*v).value;
}

}  // namespace

absl::StatusOr<std::vector<bool>> WriteSubmissions(PgConnection& tx,
                                                   const std::vector<const SubmissionRow*>& rows) {
  Column id, ticket, key, category, description, latitude, longitude, address, channel,
      volunteer, anonymous, confidential, submitted_at, timeline;
  Column reporter_id, reporter_name, reporter_phone, reporter_email;
  Column lapor_id, lapor_direction, lapor_tracking;
  for (const SubmissionRow* row : rows) {
    id.push_back(row->complaint_id);
    ticket.push_back(row->ticket);
    key.push_back(row->idempotency_key);
    category.push_back(row->category);
    description.push_back(row->description);
    latitude.push_back(DoubleText(row->latitude));
    longitude.push_back(DoubleText(row->longitude));
    address.push_back(row->address);
    channel.push_back(row->channel);
    volunteer.push_back(row->volunteer_id);
    anonymous.push_back(SqlParam::Bool(row->anonymous).value);
    confidential.push_back(SqlParam::Bool(row->confidential).value);
    submitted_at.push_back(SqlParam::Time(row->submitted_at).value);
    timeline.push_back(row->timeline_text);
    if (row->has_reporter) {
      reporter_id.push_back(row->complaint_id);
      reporter_name.push_back(row->reporter_name);
      reporter_phone.push_back(row->reporter_phone);
      reporter_email.push_back(row->reporter_email);
    }
    if (!row->lapor_direction.empty()) {
      lapor_id.push_back(row->complaint_id);
      lapor_direction.push_back(row->lapor_direction);
      lapor_tracking.push_back(row->lapor_tracking_id);
    }
  }
  std::vector<SqlParam> params;
  for (const Column* column :
       {&id, &ticket, &key, &category, &description, &latitude, &longitude, &address, &channel,
        &volunteer, &anonymous, &confidential, &submitted_at, &timeline, &reporter_id,
        &reporter_name, &reporter_phone, &reporter_email, &lapor_id, &lapor_direction,
        &lapor_tracking}) {
    params.push_back(SqlParam::Array(*column));
  }
  SKK_ASSIGN_OR_RETURN(PgResult inserted, tx.Execute(kWriteSubmissions, params));
  std::set<std::string> stored;
  for (PgRow complaint : inserted) stored.insert(complaint.String("complaint_id"));
  // Events only for the complaints this batch stored: a retry already stored has its events.
  std::vector<bool> result;
  std::vector<const sambat::v1::Event*> events;
  for (const SubmissionRow* row : rows) {
    result.push_back(stored.contains(row->complaint_id));
    if (!result.back()) continue;
    for (const sambat::v1::Event& event : row->events) events.push_back(&event);
  }
  SKK_RETURN_IF_ERROR(EnqueueEvents(tx, events));
  return result;
}

SubmissionWriter::SubmissionWriter(Options options) : options_(std::move(options)) {
  for (int i = 0; i < std::max(1, options_.writers); ++i) threads_.emplace_back([this] { Run(); });
}

SubmissionWriter::~SubmissionWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

absl::StatusOr<bool> SubmissionWriter::Write(const SubmissionRow& row) {
  Pending pending{&row, {}};
  std::future<absl::StatusOr<bool>> done = pending.done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return absl::UnavailableError("intake is shutting down; try again");
    queue_.push_back(&pending);
  }
  wake_.notify_one();
  return done.get();
}

absl::Status SubmissionWriter::WriteBatch(PgConnection& conn, std::vector<Pending*>& batch) {
  // The first of several rows with one key is written; the others are its duplicates.
  std::vector<const SubmissionRow*> rows;
  std::vector<int> written_as(batch.size(), -1);
  std::map<std::string, int> by_key;
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto& key = batch[i]->row->idempotency_key;
    if (key.has_value()) {
      auto [it, fresh] = by_key.emplace(*key, static_cast<int>(rows.size()));
      if (!fresh) continue;
    }
    written_as[i] = static_cast<int>(rows.size());
    rows.push_back(batch[i]->row);
  }
  std::vector<bool> stored;
  SKK_RETURN_IF_ERROR(InTransaction(conn, [&](PgConnection& tx) -> absl::Status {
    SKK_ASSIGN_OR_RETURN(stored, WriteSubmissions(tx, rows));
    return absl::OkStatus();
  }));
  static auto& received = metrics::CounterFamily(
      "skk_complaints_received_total",
      "Complaints durably accepted (duplicates of an idempotency key not counted), by channel "
      "and category");
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!stored[i]) continue;
    received.Add({{"channel", rows[i]->channel}, {"category", rows[i]->category}}).Increment();
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->done.set_value(written_as[i] >= 0 && stored[written_as[i]]);
  }
  return absl::OkStatus();
}

void SubmissionWriter::Run() {
  std::unique_ptr<PgConnection> conn;
  while (true) {
    std::vector<Pending*> batch;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued was written
      while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    if (conn == nullptr || !conn->healthy()) {
      auto connected = PgConnection::Connect(options_.pg_uri, options_.pg_schema);
      if (!connected.ok()) {
        for (Pending* p : batch) p->done.set_value(connected.status());
        conn.reset();
        continue;
      }
      conn = std::move(connected).value();
    }
    absl::Status st = WriteBatch(*conn, batch);
    if (st.ok()) continue;
    if (batch.size() == 1 || !conn->healthy()) {
      for (Pending* p : batch) p->done.set_value(st);
      continue;
    }
    // One bad row must not cost the others their complaint: write them one by one.
    log::Warn("batched submission write failed, writing one by one",
              {{"error", std::string(st.message())}, {"batch", static_cast<long long>(batch.size())}});
    for (Pending* p : batch) {
      std::vector<Pending*> single = {p};
      if (absl::Status one = WriteBatch(*conn, single); !one.ok()) p->done.set_value(one);
    }
  }
}

}  // namespace skk::intake

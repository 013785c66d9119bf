#pragma once

// Writes new complaints to intake's schema. Submissions are durable before the citizen gets a
// ticket, and a commit costs a disk flush (milliseconds), so concurrent text submissions are
// gathered into one transaction: one statement and one flush for many citizens ("group
// commit"), each answered only after that commit.

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"
#include "services/platform/pg.h"

namespace skk::intake {

// One complaint as stored, with the events its submission emits.
struct SubmissionRow {
  std::string complaint_id;
  std::string ticket;
  std::optional<std::string> idempotency_key;
  std::string category;
  std::string description;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::optional<std::string> address;
  std::string channel;
  std::optional<std::string> volunteer_id;
  bool anonymous = false;
  bool confidential = false;
  absl::Time submitted_at;
  // The reporter's row, when a name or a contact was given.
  bool has_reporter = false;
  std::optional<std::string> reporter_name;
  std::optional<std::string> reporter_phone;
  std::optional<std::string> reporter_email;
  // The first line of the citizen's timeline.
  std::string timeline_text;
  // Linked to SP4N-LAPOR (docs/lapor.md): "export" (to send), "import" (disposed by LAPOR,
  // with its tracking number), or "" (not linked).
  std::string lapor_direction;
  std::optional<std::string> lapor_tracking_id;
  std::vector<sambat::v1::Event> events;
};

// Inserts `rows` (with reporter, timeline and outbox rows) inside the caller's transaction, in
// one statement. A row whose idempotency key is already stored is skipped with everything it
// carries; the result says, per row, whether it was stored.
absl::StatusOr<std::vector<bool>> WriteSubmissions(PgConnection& tx,
                                                   const std::vector<const SubmissionRow*>& rows);

class SubmissionWriter {
 public:
  struct Options {
    std::string pg_uri;
    std::string pg_schema;
    int writers = 4;      // transactions in flight at once, each on its own connection
    int max_batch = 128;  // complaints per transaction at most
  };

  explicit SubmissionWriter(Options options);
  // Writes what is queued, then stops.
  ~SubmissionWriter();
  SubmissionWriter(const SubmissionWriter&) = delete;
  SubmissionWriter& operator=(const SubmissionWriter&) = delete;

  // Returns once `row` is committed (true) or found already stored under its idempotency key
  // (false), or with the error that kept it from being stored.
  absl::StatusOr<bool> Write(const SubmissionRow& row);

 private:
  struct Pending {
    const SubmissionRow* row;
    std::promise<absl::StatusOr<bool>> done;
  };
  void Run();
  absl::Status WriteBatch(PgConnection& conn, std::vector<Pending*>& batch);

  Options options_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace skk::intake

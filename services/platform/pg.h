#pragma once

// PostgreSQL access through libpq. Statements are named constants (SqlStatement) prepared once
// per connection; parameters are passed separately, never spliced into SQL text.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace skk {

// A statement with a stable name, prepared on first use on each connection.
struct SqlStatement {
  std::string_view name;
  std::string_view sql;
};

// One positional parameter ($1, $2, ...): text, or binary for bytea; nullopt is SQL NULL.
struct SqlParam {
  std::optional<std::string> value;
  bool binary = false;

  static SqlParam Null() { return {}; }
  static SqlParam Text(std::string v) { return {std::move(v), false}; }
  static SqlParam Bytes(std::string v) { return {std::move(v), true}; }
  static SqlParam Int(int64_t v) { return {std::to_string(v), false}; }
  static SqlParam Double(double v);
  static SqlParam Bool(bool v) { return {v ? "true" : "false", false}; }
  // A timestamptz, microsecond precision.
  static SqlParam Time(absl::Time t);
  // A PostgreSQL array literal of text items (nullopt is NULL), to cast in SQL, e.g.
  // unnest($1::uuid[]): many rows in one statement.
  static SqlParam Array(const std::vector<std::optional<std::string>>& items);
};

// The result of a statement. Cells are read as text (columns are requested in text format).
class PgResult {
 public:
  explicit PgResult(PGresult* result);
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  // Number of rows an INSERT/UPDATE/DELETE touched.
  int64_t affected() const;
  bool IsNull(int row, int col) const;
  std::string GetString(int row, int col) const;
  int64_t GetInt(int row, int col) const;
  double GetDouble(int row, int col) const;
  bool GetBool(int row, int col) const;
  // A bytea cell, unescaped.
  std::string GetBytes(int row, int col) const;
  // A timestamptz cell (the connection's TimeZone is UTC).
  absl::Time GetTime(int row, int col) const;

  PGresult* raw() const { return result_; }

 private:
  PGresult* result_;
};

// One connection. Not thread-safe: a connection belongs to one thread at a time (see PgPool).
class PgConnection {
 public:
  // `uri` is a libpq connection URI. The session's TimeZone is set to UTC and, when `schema`
  // is not empty, its search_path to that schema only. Unless the URI says otherwise, connecting
  // gives up after 10 s, TCP keepalives find a dead server within about a minute, and a
  // statement or a transaction left idle is ended by the server after 60 s. TLS is the URI's
  // (sslmode=verify-full&sslrootcert=..., docs/security.md).
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& uri,
                                                               const std::string& schema);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Failures map libpq/SQLSTATE to absl codes: connection trouble is UNAVAILABLE (worth a
  // retry), a unique violation ALREADY_EXISTS, serialization failures and deadlocks ABORTED.
  absl::StatusOr<PgResult> Execute(const SqlStatement& statement,
                                   const std::vector<SqlParam>& params = {});
  // Runs SQL text as given, possibly several statements (migrations, BEGIN/COMMIT).
  absl::Status ExecuteScript(std::string_view sql);

  // False once the server connection is lost; a pool replaces such a connection.
  bool healthy() const;

  // The outbox marks a transaction that wrote events, so InTransaction can wake this
  // process's relay once the rows are committed (see SignalOutboxCommit).
  void NoteOutboxWrite() { wrote_outbox_ = true; }
  bool TakeOutboxWrite() { return std::exchange(wrote_outbox_, false); }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  absl::Status StatusFrom(PGresult* result, std::string_view what) const;

  PGconn* conn_;
  std::unordered_set<std::string> prepared_;
  bool broken_ = false;
  bool wrote_outbox_ = false;
};

// Wakes the outbox relay of this process after a commit that wrote outbox rows. In-process
// instead of NOTIFY: NOTIFY takes PostgreSQL's global notify-queue lock at every commit, which
// serialized all submissions. Rows written by another process are found by the relay's poll.
void SignalOutboxCommit();
// A counter that grows with every signal; WaitForOutboxCommit returns when it differs from
// `seen` (true) or after `timeout` (false).
uint64_t OutboxCommitCount();
bool WaitForOutboxCommit(uint64_t seen, absl::Duration timeout);

// The deadline of the client request this thread serves (ServeUnary sets it for the handler's
// run). A transaction begun under it gets a statement_timeout that ends at the deadline, so a
// query keeps no connection busy for a client that stopped waiting, and fails with
// DEADLINE_EXCEEDED. Nested scopes restore the outer deadline.
class RequestDeadlineScope {
 public:
  explicit RequestDeadlineScope(std::chrono::system_clock::time_point deadline);
  ~RequestDeadlineScope();
  RequestDeadlineScope(const RequestDeadlineScope&) = delete;
  RequestDeadlineScope& operator=(const RequestDeadlineScope&) = delete;
  // InfiniteFuture outside any scope.
  static absl::Time Current();

 private:
  absl::Time previous_;
};

// Runs `body` inside BEGIN ... COMMIT on `conn`. Any error from `body` or COMMIT rolls back.
// A deadlock or serialization failure re-runs `body` up to 3 times. Under a request deadline
// (RequestDeadlineScope) the transaction is bounded by it.
absl::Status InTransaction(PgConnection& conn,
                           const std::function<absl::Status(PgConnection&)>& body);

// A fixed-size pool of connections shared by a service's threads.
class PgPool {
 public:
  struct Options {
    std::string uri;
    std::string schema;
    int size = 8;
    absl::Duration acquire_timeout = absl::Seconds(5);
  };

  // A connection on loan; returned to the pool (or discarded if broken) when destroyed.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease();
    PgConnection& operator*() { return *conn_; }
    PgConnection* operator->() { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  explicit PgPool(Options options) : options_(std::move(options)) {}

  // Connects lazily: a lost server makes Acquire fail with UNAVAILABLE until it is back.
  absl::StatusOr<Lease> Acquire();

  // Acquires a connection and runs `body` in a transaction on it.
  absl::Status Transact(const std::function<absl::Status(PgConnection&)>& body);

  const Options& options() const { return options_; }

 private:
  void Release(std::unique_ptr<PgConnection> conn);

  Options options_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;
};

// Prunes bookkeeping that has served its purpose without one long transaction: runs the
// DELETE `statement` again and again until it removes fewer than `batch` rows. The statement
// takes `params` and then the batch size as its last parameter (for its LIMIT). Returns how
// many rows it removed in all.
absl::StatusOr<int64_t> DeleteInBatches(PgPool& pool, const SqlStatement& statement,
                                        std::vector<SqlParam> params, int batch = 5000);

}  // namespace skk

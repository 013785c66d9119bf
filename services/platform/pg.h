#pragma once

// PostgreSQL access through libpq. Statements are named constants (SqlStatement) prepared once
// per connection; parameters are passed separately, never spliced into SQL text.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <initializer_list>
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

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

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
  // A timestamptz, microsecond precision; InfiniteFuture and InfinitePast are 'infinity' and
  // '-infinity' (as PgRow::Time reads them).
  static SqlParam Time(absl::Time t);
  // A PostgreSQL array literal of text items (nullopt is NULL), to cast in SQL, e.g.
  // unnest($1::uuid[]): many rows in one statement.
  static SqlParam Array(const std::vector<std::optional<std::string>>& items);
  static SqlParam Array(const std::vector<std::string>& items);
};

class PgResult;

// One row of a result, its cells read by column name: a statement names its columns in its
// SQL (`AS name` where an expression would have none), so the code that reads a row does not
// depend on the order of the SELECT list. An unknown name is a programming error and crashes
// (every statement's reader runs in the tests). Cells are text, as requested from the server.
class PgRow {
 public:
  PgRow(const PgResult& result, int row) : result_(&result), row_(row) {}

  bool IsNull(std::string_view column) const;
  // NULL reads as "".
  std::string String(std::string_view column) const;
  int64_t Int(std::string_view column) const;
  double Double(std::string_view column) const;
  // NULL reads as false.
  bool Bool(std::string_view column) const;
  // A bytea cell, unescaped.
  std::string Bytes(std::string_view column) const;
  // A timestamptz cell (the connection's TimeZone is UTC); 'infinity' and '-infinity' read as
  // InfiniteFuture and InfinitePast.
  absl::Time Time(std::string_view column) const;
  // A one-dimensional text[] cell (SqlParam::Array's counterpart); NULL reads as empty.
  std::vector<std::string> TextArray(std::string_view column) const;
  std::optional<int64_t> OptionalInt(std::string_view column) const;
  std::optional<absl::Time> OptionalTime(std::string_view column) const;

  // Copies each named column into the message's field of the same name, read as the field's
  // type (string, bool, integer or double): the rows-to-message readers list their columns
  // once instead of one setter a column. A name the message lacks is a programming error.
  void CopyInto(google::protobuf::Message& message,
                std::initializer_list<std::string_view> columns) const;

 private:
  int Column(std::string_view name) const;
  const char* Cell(std::string_view name) const;

  const PgResult* result_;
  int row_;
};

// The result of a statement: `for (PgRow row : result)` reads its rows in order.
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
  PgRow Row(int row) const { return PgRow(*this, row); }
  // The one cell of a result of one row and one column, whatever its name (a count, an
  // aggregate, a test's probe); any other shape is a programming error and crashes.
  std::string OnlyCell() const;
  int64_t OnlyInt() const;

  class Iterator {
   public:
    Iterator(const PgResult* result, int row) : result_(result), row_(row) {}
    PgRow operator*() const { return PgRow(*result_, row_); }
    Iterator& operator++() {
      ++row_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return row_ != other.row_; }

   private:
    const PgResult* result_;
    int row_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, rows()); }

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

  // Runs `action` after the transaction this connection is in commits (InTransaction), and
  // never if it rolls back: what a commit makes true elsewhere (a relay woken for the rows it
  // wrote) happens only once it is true.
  void AfterCommit(std::function<void()> action) { after_commit_.push_back(std::move(action)); }
  std::vector<std::function<void()>> TakeAfterCommit() { return std::exchange(after_commit_, {}); }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  absl::Status StatusFrom(PGresult* result, std::string_view what) const;

  PGconn* conn_;
  std::unordered_set<std::string> prepared_;
  bool broken_ = false;
  std::vector<std::function<void()>> after_commit_;
};

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

  // OK when the server answers now. After a failed statement it tells a database that is away
  // (the work must wait, not spend its attempts) from a statement that failed on its own.
  absl::Status Ping();

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

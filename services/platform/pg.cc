#include "services/platform/pg.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/platform/status_macros.h"

namespace skk {

SqlParam SqlParam::Double(double v) { return {absl::StrFormat("%.17g", v), false}; }

SqlParam SqlParam::Array(const std::vector<std::optional<std::string>>& items) {
  std::string literal = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) literal += ',';
    if (!items[i].has_value()) {
      literal += "NULL";
      continue;
    }
    literal += '"';
    for (char c : *items[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return {std::move(literal), false};
}

SqlParam SqlParam::Time(absl::Time t) {
  return {absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone()), false};
}

PgResult::PgResult(PGresult* result) : result_(result) {}
PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}
PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

int PgResult::rows() const { return result_ == nullptr ? 0 : PQntuples(result_); }

int64_t PgResult::affected() const {
  if (result_ == nullptr) return 0;
  int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_), &n) ? n : 0;
}

bool PgResult::IsNull(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }

std::string PgResult::GetString(int row, int col) const {
  return std::string(PQgetvalue(result_, row, col),
                     static_cast<size_t>(PQgetlength(result_, row, col)));
}

int64_t PgResult::GetInt(int row, int col) const {
  int64_t v = 0;
  SKK_CHECK(absl::SimpleAtoi(PQgetvalue(result_, row, col), &v), "integer column expected");
  return v;
}

double PgResult::GetDouble(int row, int col) const {
  double v = 0;
  SKK_CHECK(absl::SimpleAtod(PQgetvalue(result_, row, col), &v), "numeric column expected");
  return v;
}

bool PgResult::GetBool(int row, int col) const { return PQgetvalue(result_, row, col)[0] == 't'; }

std::string PgResult::GetBytes(int row, int col) const {
  size_t len = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, col)), &len);
  SKK_CHECK(raw != nullptr, "bytea column expected");
  std::string out(reinterpret_cast<char*>(raw), len);
  PQfreemem(raw);
  return out;
}

absl::Time PgResult::GetTime(int row, int col) const {
  // The session TimeZone is UTC, so timestamptz reads like "2026-03-02 02:00:00.123+00".
  std::string text = GetString(row, col);
  absl::Time t;
  std::string err;
  SKK_CHECK(absl::ParseTime("%Y-%m-%d %H:%M:%E*S%z", text, &t, &err),
            "timestamptz column expected");
  return t;
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& uri,
                                                                    const std::string& schema) {
  // Limits a city's database needs from every client, before the URI so that settings the URI
  // names win: a connect that hangs on a dead network, a dead peer noticed only by TCP's
  // two-hour default, a statement or an open transaction that holds locks forever (a handler
  // stuck mid-transaction must not stall every officer's queue behind its row locks).
  static constexpr const char* kKeywords[] = {
      "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
      "keepalives_count", "options", "dbname", nullptr};
  const char* values[] = {
      "10", "1", "30", "10", "3",
      "-c statement_timeout=60s -c idle_in_transaction_session_timeout=60s", uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(kKeywords, values, /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string err = conn == nullptr ? "out of memory" : PQerrorMessage(conn);
    if (conn != nullptr) PQfinish(conn);
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return absl::UnavailableError(absl::StrCat("postgresql connect: ", err));
  }
  // Server notices ("relation exists, skipping") are not errors; keep them out of the logs.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConnection> pg(new PgConnection(conn));
  std::string setup = "SET TIME ZONE 'UTC'";
  if (!schema.empty()) {
    char* ident = PQescapeIdentifier(conn, schema.data(), schema.size());
    absl::StrAppend(&setup, "; SET search_path TO ", ident);
    PQfreemem(ident);
  }
  SKK_RETURN_IF_ERROR(pg->ExecuteScript(setup));
  return pg;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

namespace {

// A data exception's message quotes the value it could not take (`invalid input syntax for
// type uuid: "0812..."`, `value "..." is out of range`): every double-quoted part goes.
std::string WithoutQuotedValues(std::string_view message) {
  std::string out;
  bool quoted = false;
  for (char c : message) {
    if (c == '"') {
      if (!quoted) out += "\"...\"";
      quoted = !quoted;
    } else if (!quoted) {
      out += c;
    }
  }
  return out;
}

// What a statement's failure says, without the row data PostgreSQL puts beside it: its DETAIL
// ("Failing row contains (...)", "Key (phone)=(...) already exists"), CONTEXT and HINT may quote
// the row's values, and these statuses end in logs and in dead-letter headers. Kept: the primary
// message (which names the table, column and constraint, never the row), the constraint's name
// and the SQLSTATE.
std::string ErrorText(const PGresult* result, std::string_view state) {
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  std::string text;
  if (primary != nullptr) {
    text = state.substr(0, 2) == "22" ? WithoutQuotedValues(primary) : primary;
  } else {
    // Not from the server (libpq's own): its first line, which has no DETAIL.
    std::string_view all = PQresultErrorMessage(result);
    text = std::string(all.substr(0, all.find('\n')));
  }
  if (const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME)) {
    if (text.find(constraint) == std::string::npos) {
      absl::StrAppend(&text, " (constraint ", constraint, ")");
    }
  }
  return text;
}

}  // namespace

absl::Status PgConnection::StatusFrom(PGresult* result, std::string_view what) const {
  ExecStatusType st = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
    return absl::OkStatus();
  }
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string msg;
  if (state != nullptr) {
    msg = ErrorText(result, state);
  } else {
    // The connection failed: libpq's message says how, and holds no row.
    msg = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  }
  std::string text = absl::StrCat(std::string(what), ": ", msg, state ? absl::StrCat(" [", state, "]") : "");
  if (PQstatus(conn_) != CONNECTION_OK || state == nullptr) {
    return absl::UnavailableError(text);
  }
  std::string_view code(state);
  if (code == "23505") return absl::AlreadyExistsError(text);
  if (code == "40001" || code == "40P01") return absl::AbortedError(text);
  if (code.substr(0, 2) == "08" || code == "57P01" || code == "57P02" || code == "57P03" ||
      code == "53300") {
    return absl::UnavailableError(text);
  }
  if (code.substr(0, 2) == "22" || code.substr(0, 2) == "23") {
    return absl::InvalidArgumentError(text);
  }
  return absl::InternalError(text);
}

absl::StatusOr<PgResult> PgConnection::Execute(const SqlStatement& statement,
                                               const std::vector<SqlParam>& params) {
  std::string name(statement.name);
  if (!prepared_.contains(name)) {
    PgResult prep(PQprepare(conn_, name.c_str(), std::string(statement.sql).c_str(), 0, nullptr));
    absl::Status st = StatusFrom(prep.raw(), absl::StrCat("prepare ", name));
    if (!st.ok()) {
      if (absl::IsUnavailable(st)) broken_ = true;
      return st;
    }
    prepared_.insert(name);
  }
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i].value ? params[i].value->data() : nullptr;
    lengths[i] = params[i].value ? static_cast<int>(params[i].value->size()) : 0;
    formats[i] = params[i].binary ? 1 : 0;
  }
  PgResult result(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()),
                                 values.data(), lengths.data(), formats.data(), 0));
  absl::Status st = StatusFrom(result.raw(), name);
  if (!st.ok()) {
    if (absl::IsUnavailable(st)) broken_ = true;
    return st;
  }
  return result;
}

absl::Status PgConnection::ExecuteScript(std::string_view sql) {
  PgResult result(PQexec(conn_, std::string(sql).c_str()));
  absl::Status st = StatusFrom(result.raw(), "script");
  if (absl::IsUnavailable(st)) broken_ = true;
  return st;
}

namespace {
std::mutex outbox_commit_mu;
std::condition_variable outbox_commit_cv;
uint64_t outbox_commits = 0;
}  // namespace

void SignalOutboxCommit() {
  {
    std::lock_guard lock(outbox_commit_mu);
    ++outbox_commits;
  }
  outbox_commit_cv.notify_all();
}

uint64_t OutboxCommitCount() {
  std::lock_guard lock(outbox_commit_mu);
  return outbox_commits;
}

bool WaitForOutboxCommit(uint64_t seen, absl::Duration timeout) {
  std::unique_lock lock(outbox_commit_mu);
  return outbox_commit_cv.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                                   [&] { return outbox_commits != seen; });
}

namespace {
thread_local absl::Time request_deadline = absl::InfiniteFuture();

// Past this the session's own statement_timeout (60 s) is the tighter bound.
constexpr absl::Duration kSessionStatementTimeout = absl::Seconds(60);
}  // namespace

RequestDeadlineScope::RequestDeadlineScope(std::chrono::system_clock::time_point deadline)
    : previous_(request_deadline) {
  // gRPC's "no deadline" is the clock's maximum, which absl maps to InfiniteFuture.
  request_deadline = std::min(previous_, absl::FromChrono(deadline));
}

RequestDeadlineScope::~RequestDeadlineScope() { request_deadline = previous_; }

absl::Time RequestDeadlineScope::Current() { return request_deadline; }

absl::Status InTransaction(PgConnection& conn,
                           const std::function<absl::Status(PgConnection&)>& body) {
  constexpr int kAttempts = 3;
  absl::Status last;
  const absl::Time deadline = request_deadline;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::string begin = "BEGIN";
    if (deadline != absl::InfiniteFuture()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return absl::DeadlineExceededError("the client's deadline passed; nothing was changed");
      }
      if (left < kSessionStatementTimeout) {
        // One round trip with BEGIN; SET LOCAL ends with the transaction.
        absl::StrAppend(&begin, "; SET LOCAL statement_timeout = ",
                        std::max<int64_t>(1, absl::ToInt64Milliseconds(left)));
      }
    }
    SKK_RETURN_IF_ERROR(conn.ExecuteScript(begin));
    (void)conn.TakeOutboxWrite();
    absl::Status st = body(conn);
    if (st.ok()) st = conn.ExecuteScript("COMMIT");
    const bool wrote_outbox = conn.TakeOutboxWrite();
    if (st.ok()) {
      if (wrote_outbox) SignalOutboxCommit();
      return st;
    }
    if (conn.healthy()) {
      // ROLLBACK after a failed COMMIT is harmless; keep the first error, which says why.
      (void)conn.ExecuteScript("ROLLBACK");
    }
    last = st;
    // The statement_timeout set from the deadline cancelled a statement: say so, rather than
    // the "canceling statement" error that would read as a fault of ours.
    if (deadline != absl::InfiniteFuture() && absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("the client's deadline passed; nothing was changed (", st.message(), ")"));
    }
    if (!absl::IsAborted(st)) return st;
  }
  return last;
}

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() +
                  absl::ToChronoMilliseconds(options_.acquire_timeout);
  while (idle_.empty() && open_ >= options_.size) {
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout &&
        idle_.empty() && open_ >= options_.size) {
      return absl::ResourceExhaustedError(
          absl::StrCat("postgresql pool: all ", options_.size, " connections busy"));
    }
  }
  if (!idle_.empty()) {
    std::unique_ptr<PgConnection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = PgConnection::Connect(options_.uri, options_.schema);
  if (!conn.ok()) {
    std::lock_guard relock(mu_);
    --open_;
    available_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(mu_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;  // dropped; the next Acquire connects afresh
  }
  available_.notify_one();
}

absl::Status PgPool::Transact(const std::function<absl::Status(PgConnection&)>& body) {
  SKK_ASSIGN_OR_RETURN(Lease lease, Acquire());
  return InTransaction(*lease, body);
}

absl::StatusOr<int64_t> DeleteInBatches(PgPool& pool, const SqlStatement& statement,
                                        std::vector<SqlParam> params, int batch) {
  params.push_back(SqlParam::Int(batch));
  int64_t deleted = 0;
  while (true) {
    SKK_ASSIGN_OR_RETURN(PgPool::Lease lease, pool.Acquire());
    SKK_ASSIGN_OR_RETURN(PgResult r, lease->Execute(statement, params));
    deleted += r.affected();
    if (r.affected() < batch) return deleted;
  }
}

}  // namespace skk

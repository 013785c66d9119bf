#include "services/platform/pg.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
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

SqlParam SqlParam::Array(const std::vector<std::string>& items) {
  return Array(std::vector<std::optional<std::string>>(items.begin(), items.end()));
}

SqlParam SqlParam::Time(absl::Time t) {
  if (t == absl::InfiniteFuture()) return {"infinity", false};
  if (t == absl::InfinitePast()) return {"-infinity", false};
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

std::string PgResult::OnlyCell() const {
  SKK_CHECK(rows() == 1 && PQnfields(result_) == 1, "a result of one row and one column");
  return std::string(PQgetvalue(result_, 0, 0), static_cast<size_t>(PQgetlength(result_, 0, 0)));
}

int64_t PgResult::OnlyInt() const {
  int64_t v = 0;
  SKK_CHECK(absl::SimpleAtoi(OnlyCell(), &v), "integer column expected");
  return v;
}

int PgRow::Column(std::string_view name) const {
  PGresult* raw = result_->raw();
  const int columns = raw == nullptr ? 0 : PQnfields(raw);
  for (int i = 0; i < columns; ++i) {
    if (name == PQfname(raw, i)) return i;
  }
  const std::string message = absl::StrCat("the result has no column \"", std::string(name), "\"");
  internal::CheckFailed(__FILE__, __LINE__, "a known column", message.c_str());
}

const char* PgRow::Cell(std::string_view name) const {
  return PQgetvalue(result_->raw(), row_, Column(name));
}

bool PgRow::IsNull(std::string_view column) const {
  return PQgetisnull(result_->raw(), row_, Column(column)) != 0;
}

std::string PgRow::String(std::string_view column) const {
  const int col = Column(column);
  return std::string(PQgetvalue(result_->raw(), row_, col),
                     static_cast<size_t>(PQgetlength(result_->raw(), row_, col)));
}

int64_t PgRow::Int(std::string_view column) const {
  int64_t v = 0;
  SKK_CHECK(absl::SimpleAtoi(Cell(column), &v), "integer column expected");
  return v;
}

double PgRow::Double(std::string_view column) const {
  double v = 0;
  SKK_CHECK(absl::SimpleAtod(Cell(column), &v), "numeric column expected");
  return v;
}

bool PgRow::Bool(std::string_view column) const { return Cell(column)[0] == 't'; }

std::string PgRow::Bytes(std::string_view column) const {
  size_t len = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(Cell(column)), &len);
  SKK_CHECK(raw != nullptr, "bytea column expected");
  std::string out(reinterpret_cast<char*>(raw), len);
  PQfreemem(raw);
  return out;
}

absl::Time PgRow::Time(std::string_view column) const {
  // The session TimeZone is UTC, so timestamptz reads like "2026-03-02 02:00:00.123+00".
  const std::string text = String(column);
  if (text == "infinity") return absl::InfiniteFuture();
  if (text == "-infinity") return absl::InfinitePast();
  absl::Time t;
  std::string err;
  SKK_CHECK(absl::ParseTime("%Y-%m-%d %H:%M:%E*S%z", text, &t, &err),
            "timestamptz column expected");
  return t;
}

std::vector<std::string> PgRow::TextArray(std::string_view column) const {
  // PostgreSQL's text form of a one-dimensional text[]: {a,"b c","d\"e"}.
  const std::string text = String(column);
  std::vector<std::string> items;
  if (text.size() < 2) return items;
  std::string current;
  bool quoted = false;
  bool any = false;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\' && i + 2 < text.size()) {
        current += text[++i];
      } else if (c == '"') {
        quoted = false;
      } else {
        current += c;
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      items.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
      any = true;
    }
  }
  if (any || !items.empty()) items.push_back(std::move(current));
  return items;
}

std::optional<int64_t> PgRow::OptionalInt(std::string_view column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::optional<absl::Time> PgRow::OptionalTime(std::string_view column) const {
  if (IsNull(column)) return std::nullopt;
  return Time(column);
}

void PgRow::CopyInto(google::protobuf::Message& message,
                     std::initializer_list<std::string_view> columns) const {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (std::string_view column : columns) {
    const FieldDescriptor* field =
        message.GetDescriptor()->FindFieldByName(std::string(column));
    SKK_CHECK(field != nullptr && !field->is_repeated(), "a column named after a singular field");
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        reflection->SetString(&message, field, String(column));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        reflection->SetBool(&message, field, Bool(column));
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        reflection->SetInt32(&message, field, static_cast<int32_t>(Int(column)));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        reflection->SetInt64(&message, field, Int(column));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        reflection->SetDouble(&message, field, Double(column));
        break;
      default:
        SKK_CHECK(false, "a string, bool, integer or double field");
    }
  }
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
    (void)conn.TakeAfterCommit();
    absl::Status st = body(conn);
    if (st.ok()) st = conn.ExecuteScript("COMMIT");
    std::vector<std::function<void()>> after_commit = conn.TakeAfterCommit();
    if (st.ok()) {
      for (const std::function<void()>& action : after_commit) action();
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

absl::Status PgPool::Ping() {
  static constexpr SqlStatement kPing{"skk_ping", "SELECT 1"};
  SKK_ASSIGN_OR_RETURN(Lease lease, Acquire());
  return lease->Execute(kPing).status();
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

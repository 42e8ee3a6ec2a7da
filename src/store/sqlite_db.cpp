#include "store/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>

namespace skintrack::store {

Error SqliteError(int code, std::string_view detail, std::string_view path, std::string_view what) {
  const int primary = code & 0xff;
  std::string message = std::string(what) + " failed on database " + std::string(path) + ": ";
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      message += "the database is locked by another process (" + std::string(detail) +
                 "); wait for the other skintrack command to finish and retry";
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      message += "the database is corrupt or not a skintrack database (" + std::string(detail) +
                 "); restore it from a backup or point --db at another file";
      break;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      message += std::string(detail) + "; check that the file and its folder exist and are writable";
      break;
    case SQLITE_FULL:
    case SQLITE_IOERR:
      message += std::string(detail) + "; check free disk space and the storage device";
      break;
    default:
      message += std::string(detail);
  }
  return StorageError(std::move(message));
}

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : stmt_(other.stmt_), description_(std::move(other.description_)), error_(std::move(other.error_)) {
  other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    description_ = std::move(other.description_);
    error_ = std::move(other.error_);
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

namespace {
Status BindResult(int rc, sqlite3_stmt* stmt, const std::string& path) {
  if (rc == SQLITE_OK) return OkStatus();
  return SqliteError(rc, sqlite3_errmsg(sqlite3_db_handle(stmt)), path, "binding a parameter");
}
}  // namespace

Statement& Statement::Bind(int index, std::int64_t value) {
  const Status s = BindResult(sqlite3_bind_int64(stmt_, index, value), stmt_, description_);
  if (error_.ok() && !s.ok()) error_ = s;
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  const Status s = BindResult(sqlite3_bind_double(stmt_, index, value), stmt_, description_);
  if (error_.ok() && !s.ok()) error_ = s;
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  const Status s = BindResult(sqlite3_bind_text(stmt_, index, value.data(),
                                                static_cast<int>(value.size()), SQLITE_TRANSIENT),
                              stmt_, description_);
  if (error_.ok() && !s.ok()) error_ = s;
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<double>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::Bind(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  const Status s = BindResult(sqlite3_bind_null(stmt_, index), stmt_, description_);
  if (error_.ok() && !s.ok()) error_ = s;
  return *this;
}

Result<bool> Statement::Step() {
  if (!error_.ok()) return error_.error();
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* sql = sqlite3_sql(stmt_);
  return SqliteError(rc, sqlite3_errmsg(sqlite3_db_handle(stmt_)), description_,
                     std::string("statement '") + (sql != nullptr ? std::string(sql).substr(0, 60) : "") +
                         "'");
}

Status Statement::Run() {
  SKT_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  return OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }
double Statement::ColumnDouble(int index) const { return sqlite3_column_double(stmt_, index); }
bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}
std::string Statement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}
std::optional<std::string> Statement::ColumnOptionalText(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnText(index);
}
std::optional<double> Statement::ColumnOptionalDouble(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnDouble(index);
}

// ---- Database ----

Database::Database(Database&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) {
  other.db_ = nullptr;
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    other.db_ = nullptr;
  }
  return *this;
}

Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Error Database::LastError(std::string_view what) const {
  return SqliteError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_), path_, what);
}

Result<Database> Database::Open(const std::filesystem::path& path, const DatabaseOptions& options) {
  Database db;
  db.path_ = path.string();
  const bool memory = db.path_ == ":memory:";
  std::error_code ec;
  if (!memory && !std::filesystem::exists(path, ec)) {
    if (!options.create || options.read_only) {
      return StorageError("database " + db.path_ +
                          " does not exist; create it with `skintrack import ... --db " + db.path_ +
                          "`");
    }
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    // Create the file ourselves so that it is private (0600) from the first byte.
    const int fd = ::open(db.path_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      return StorageError("cannot create database " + db.path_ + ": " +
                          std::generic_category().message(errno) +
                          "; check that the folder exists and is writable");
    }
    if (fd >= 0) ::close(fd);
  }
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(db.path_.c_str(), &db.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = db.db_ != nullptr ? sqlite3_errmsg(db.db_) : sqlite3_errstr(rc);
    return SqliteError(rc, detail, db.path_, "opening");
  }
  sqlite3_extended_result_codes(db.db_, 1);
  sqlite3_busy_timeout(db.db_, options.busy_timeout_ms);
  // Reading the schema surfaces "file is not a database" here rather than at the first query.
  SKT_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys = ON"));
  {
    SKT_ASSIGN_OR_RETURN(Statement probe, db.Prepare("SELECT count(*) FROM sqlite_master"));
    SKT_RETURN_IF_ERROR(probe.Step().status());
  }
  if (!memory && !options.read_only) {
    SKT_ASSIGN_OR_RETURN(Statement wal, db.Prepare("PRAGMA journal_mode = WAL"));
    SKT_RETURN_IF_ERROR(wal.Step().status());
    SKT_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = NORMAL"));
  }
  return db;
}

Status Database::Exec(std::string_view sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return OkStatus();
  const std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return SqliteError(sqlite3_extended_errcode(db_), detail, path_,
                     "'" + std::string(sql.substr(0, 60)) + "'");
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    if (stmt != nullptr) sqlite3_finalize(stmt);
    return SqliteError(rc, sqlite3_errmsg(db_), path_,
                       "preparing '" + std::string(sql.substr(0, 60)) + "'");
  }
  return Statement(stmt, path_);
}

std::int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

// ---- Transaction ----

Result<Transaction> Transaction::Begin(Database& db) {
  SKT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  Database* db = db_;
  db_ = nullptr;
  const Status s = db->Exec("COMMIT");
  if (!s.ok()) (void)db->Exec("ROLLBACK");
  return s;
}

}  // namespace skintrack::store

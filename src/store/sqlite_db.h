#pragma once
// The one checked wrapper through which every SQLite call in skintrack goes.
//
// Every failing call becomes a Status/Result with ErrorCode::kStorage and a message that names the
// database file, what was being done and what to do about it:
//   SQLITE_BUSY / SQLITE_LOCKED  -> "database is locked by another process (...)"
//   SQLITE_CORRUPT / SQLITE_NOTADB -> "database is corrupt or not a skintrack database (...)"
//   SQLITE_READONLY / SQLITE_CANTOPEN / SQLITE_FULL / SQLITE_IOERR -> the SQLite message + hint
// Constraint violations keep kStorage too; callers that can attribute them to input check first.
//
// Connections are opened with foreign keys on, WAL journalling (file databases), a busy timeout,
// and files created with mode 0600. Ownership: Database and Statement are move-only RAII handles.
// Thread-safety: one connection per thread (SQLite's multi-thread mode); separate processes may
// read while one writes (WAL).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace skintrack::store {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, std::string description) : stmt_(stmt), description_(std::move(description)) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const std::optional<double>& value);
  Statement& Bind(int index, const std::optional<std::string>& value);
  Statement& BindNull(int index);

  // true: a row is available; false: done. Errors map as described above.
  Result<bool> Step();
  // Steps once and expects no row (INSERT/UPDATE/DELETE).
  Status Run();
  void Reset();

  std::int64_t ColumnInt(int index) const;
  double ColumnDouble(int index) const;
  std::string ColumnText(int index) const;  // "" for NULL
  std::optional<std::string> ColumnOptionalText(int index) const;
  std::optional<double> ColumnOptionalDouble(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::string description_;  // "<db path>" for messages
  Status error_;             // first bind error, reported by Step()
};

struct DatabaseOptions {
  bool read_only = false;
  bool create = true;            // create the file (mode 0600) when missing
  int busy_timeout_ms = 5000;    // wait this long for another writer before reporting "locked"
};

class Database {
 public:
  Database() = default;
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Opens (or creates) `path`; ":memory:" opens a private in-memory database.
  static Result<Database> Open(const std::filesystem::path& path, const DatabaseOptions& options = {});

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  std::int64_t LastInsertRowId() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

  // Maps the connection's last error to a Status (for callers of the raw handle).
  Error LastError(std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// BEGIN IMMEDIATE on construction (so a competing writer is detected up front); ROLLBACK on
// destruction unless Commit() succeeded. Usage:
//   SKT_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db));
//   ... writes ...
//   SKT_RETURN_IF_ERROR(tx.Commit());
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_ = nullptr;
};

// Maps an SQLite result code to a storage Error mentioning `path` and `what`.
Error SqliteError(int code, std::string_view detail, std::string_view path, std::string_view what);

}  // namespace skintrack::store

#include "store/store.h"

#include <cstdlib>

namespace skintrack::store {
namespace {

// Forward migrations: kMigrations[i] takes a database from version i to version i + 1. Append new
// steps; never edit a released one.
constexpr const char* kMigrations[] = {
    // 0 -> 1: the original schema.
    R"sql(
CREATE TABLE subjects (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  skin_type TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  subject_id INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  started_at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('baseline', 'repeat', 'treatment', 'follow-up',
                                     'post-treatment-check')),
  device TEXT NOT NULL DEFAULT '',
  needle_depth_mm REAL,
  notes TEXT NOT NULL DEFAULT '',
  UNIQUE (subject_id, label)
);
CREATE TABLE captures (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  captured_at TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  lighting_set TEXT NOT NULL DEFAULT '',
  px_per_mm REAL,
  calibration_json TEXT NOT NULL DEFAULT '{}',
  alignment_json TEXT NOT NULL DEFAULT '{}',
  warnings_json TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE scores (
  id INTEGER PRIMARY KEY,
  capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  unit TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  pipeline_version TEXT NOT NULL,
  params_hash TEXT NOT NULL,
  UNIQUE (capture_id, metric, region)
);
CREATE INDEX sessions_by_subject ON sessions(subject_id, started_at);
CREATE INDEX captures_by_session ON captures(session_id);
CREATE INDEX scores_by_capture ON scores(capture_id);
)sql",
    // 1 -> 2: study arm per subject (treated / control) for treated-vs-control statistics.
    R"sql(
ALTER TABLE subjects ADD COLUMN arm TEXT NOT NULL DEFAULT '';
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

std::filesystem::path DefaultDatabasePath() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  std::filesystem::path base;
  if (xdg != nullptr && *xdg != '\0') {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    base = std::filesystem::path(home != nullptr ? home : ".") / ".local" / "share";
  }
  return base / "skintrack" / "skintrack.db";
}

Result<Store> Store::Open(const std::filesystem::path& path, const DatabaseOptions& options) {
  SKT_ASSIGN_OR_RETURN(Database db, Database::Open(path, options));
  Store store(std::move(db));
  if (options.read_only) {
    SKT_ASSIGN_OR_RETURN(int version, store.SchemaVersion());
    if (version != kSchemaVersion) {
      return StorageError("database " + path.string() + " has schema version " +
                          std::to_string(version) + " but this skintrack reads version " +
                          std::to_string(kSchemaVersion) +
                          "; open it once without read-only access to migrate it");
    }
    return store;
  }
  SKT_RETURN_IF_ERROR(store.Migrate());
  return store;
}

Result<int> Store::SchemaVersion() {
  SKT_ASSIGN_OR_RETURN(Statement exists,
                       db_.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                   "name = 'schema_version'"));
  SKT_RETURN_IF_ERROR(exists.Step().status());
  if (exists.ColumnInt(0) == 0) return 0;
  SKT_ASSIGN_OR_RETURN(Statement stmt, db_.Prepare("SELECT max(version) FROM schema_version"));
  SKT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.ColumnIsNull(0)) return 0;
  return static_cast<int>(stmt.ColumnInt(0));
}

Status Store::Migrate() {
  {
    // Up to date: no write lock needed, so readers can open while another process imports.
    SKT_ASSIGN_OR_RETURN(int current, SchemaVersion());
    if (current == kSchemaVersion) return OkStatus();
  }
  SKT_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_));
  SKT_RETURN_IF_ERROR(db_.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT "
      "NULL DEFAULT (datetime('now')))"));
  SKT_ASSIGN_OR_RETURN(int version, SchemaVersion());
  if (version > kSchemaVersion) {
    return StorageError("database " + db_.path() + " has schema version " +
                        std::to_string(version) + ", newer than this skintrack understands (" +
                        std::to_string(kSchemaVersion) + "); upgrade skintrack to open it");
  }
  if (version == 0) {
    // A file with unrelated tables is not ours: refuse instead of adding tables to it.
    SKT_ASSIGN_OR_RETURN(Statement other,
                         db_.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                     "name NOT IN ('schema_version')"));
    SKT_RETURN_IF_ERROR(other.Step().status());
    if (other.ColumnInt(0) > 0) {
      return StorageError("database " + db_.path() +
                          " already holds tables but no skintrack schema; point --db at a "
                          "skintrack database or a new file");
    }
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    SKT_RETURN_IF_ERROR(db_.Exec(kMigrations[v]));
    SKT_ASSIGN_OR_RETURN(Statement record,
                         db_.Prepare("INSERT INTO schema_version(version) VALUES (?)"));
    SKT_RETURN_IF_ERROR(record.Bind(1, static_cast<std::int64_t>(v + 1)).Run());
  }
  return tx.Commit();
}

Result<std::int64_t> Store::EnsureSubject(const SubjectRecord& subject) {
  SKT_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_));
  SKT_ASSIGN_OR_RETURN(std::int64_t id, EnsureSubjectInTransaction(subject));
  SKT_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Result<std::int64_t> Store::EnsureSubjectInTransaction(const SubjectRecord& subject) {
  SKT_ASSIGN_OR_RETURN(Statement find, db_.Prepare("SELECT id FROM subjects WHERE code = ?"));
  SKT_ASSIGN_OR_RETURN(bool found, find.Bind(1, subject.code).Step());
  std::int64_t id = 0;
  if (found) {
    id = find.ColumnInt(0);
    SKT_ASSIGN_OR_RETURN(
        Statement update,
        db_.Prepare("UPDATE subjects SET display_name = CASE WHEN display_name = '' THEN ? ELSE "
                    "display_name END, skin_type = CASE WHEN skin_type = '' THEN ? ELSE skin_type "
                    "END, arm = CASE WHEN arm = '' THEN ? ELSE arm END WHERE id = ?"));
    SKT_RETURN_IF_ERROR(update.Bind(1, subject.display_name)
                            .Bind(2, subject.skin_type)
                            .Bind(3, subject.arm)
                            .Bind(4, id)
                            .Run());
  } else {
    SKT_ASSIGN_OR_RETURN(Statement insert,
                         db_.Prepare("INSERT INTO subjects(code, display_name, skin_type, arm) "
                                     "VALUES (?, ?, ?, ?)"));
    SKT_RETURN_IF_ERROR(insert.Bind(1, subject.code)
                            .Bind(2, subject.display_name)
                            .Bind(3, subject.skin_type)
                            .Bind(4, subject.arm)
                            .Run());
    id = db_.LastInsertRowId();
  }
  return id;
}

namespace {
SubjectRecord ReadSubject(const Statement& s) {
  SubjectRecord r;
  r.id = s.ColumnInt(0);
  r.code = s.ColumnText(1);
  r.display_name = s.ColumnText(2);
  r.skin_type = s.ColumnText(3);
  r.arm = s.ColumnText(4);
  return r;
}
}  // namespace

Result<std::optional<SubjectRecord>> Store::FindSubject(const std::string& code) {
  SKT_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT id, code, display_name, skin_type, arm "
                                                "FROM subjects WHERE code = ?"));
  SKT_ASSIGN_OR_RETURN(bool row, s.Bind(1, code).Step());
  if (!row) return std::optional<SubjectRecord>();
  return std::optional<SubjectRecord>(ReadSubject(s));
}

Result<std::vector<SubjectRecord>> Store::ListSubjects() {
  SKT_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT id, code, display_name, skin_type, arm "
                                                "FROM subjects ORDER BY code"));
  std::vector<SubjectRecord> out;
  while (true) {
    SKT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadSubject(s));
  }
  return out;
}

Result<std::int64_t> Store::EnsureSession(const SessionRecord& session) {
  SKT_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_));
  SKT_ASSIGN_OR_RETURN(std::int64_t id, EnsureSessionInTransaction(session));
  SKT_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Result<std::int64_t> Store::EnsureSessionInTransaction(const SessionRecord& session) {
  SKT_ASSIGN_OR_RETURN(Statement find,
                       db_.Prepare("SELECT id, started_at, kind FROM sessions WHERE subject_id = ? "
                                   "AND label = ?"));
  SKT_ASSIGN_OR_RETURN(bool found, find.Bind(1, session.subject_id).Bind(2, session.label).Step());
  if (found) {
    const std::string day = find.ColumnText(1).substr(0, 10);
    if (day != session.started_at.substr(0, 10) || find.ColumnText(2) != session.kind) {
      return BadInputError("session '" + session.label + "' is already stored with date " + day +
                           " and kind " + find.ColumnText(2) + ", not " +
                           session.started_at.substr(0, 10) + " and " + session.kind +
                           "; give the new session another name");
    }
    return find.ColumnInt(0);
  }
  SKT_ASSIGN_OR_RETURN(Statement dup,
                       db_.Prepare("SELECT label FROM sessions WHERE subject_id = ? AND kind = ? "
                                   "AND substr(started_at, 1, 10) = ?"));
  SKT_ASSIGN_OR_RETURN(bool duplicate, dup.Bind(1, session.subject_id)
                                           .Bind(2, session.kind)
                                           .Bind(3, session.started_at.substr(0, 10))
                                           .Step());
  // Repeat sessions are the exception: several of them on the baseline day are how a protocol
  // measures its noise (DESIGN.md, "Noise").
  if (duplicate && session.kind != "repeat") {
    return BadInputError("duplicate session: '" + session.label + "' and '" + dup.ColumnText(0) +
                         "' are both " + session.kind + " sessions on " +
                         session.started_at.substr(0, 10) +
                         "; use one session name for captures of the same visit");
  }
  SKT_ASSIGN_OR_RETURN(Statement insert,
                       db_.Prepare("INSERT INTO sessions(subject_id, label, started_at, kind, "
                                   "device, needle_depth_mm, notes) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  SKT_RETURN_IF_ERROR(insert.Bind(1, session.subject_id)
                          .Bind(2, session.label)
                          .Bind(3, session.started_at)
                          .Bind(4, session.kind)
                          .Bind(5, session.device)
                          .Bind(6, session.needle_depth_mm)
                          .Bind(7, session.notes)
                          .Run());
  return db_.LastInsertRowId();
}

Result<std::vector<SessionRecord>> Store::ListSessions(std::int64_t subject_id) {
  SKT_ASSIGN_OR_RETURN(Statement s,
                       db_.Prepare("SELECT id, subject_id, label, started_at, kind, device, "
                                   "needle_depth_mm, notes FROM sessions WHERE subject_id = ? "
                                   "ORDER BY started_at, id"));
  s.Bind(1, subject_id);
  std::vector<SessionRecord> out;
  while (true) {
    SKT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    SessionRecord r;
    r.id = s.ColumnInt(0);
    r.subject_id = s.ColumnInt(1);
    r.label = s.ColumnText(2);
    r.started_at = s.ColumnText(3);
    r.kind = s.ColumnText(4);
    r.device = s.ColumnText(5);
    r.needle_depth_mm = s.ColumnOptionalDouble(6);
    r.notes = s.ColumnText(7);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::optional<std::int64_t>> Store::FindCaptureBySha(const std::string& sha256) {
  SKT_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT id FROM captures WHERE sha256 = ?"));
  SKT_ASSIGN_OR_RETURN(bool row, s.Bind(1, sha256).Step());
  if (!row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(s.ColumnInt(0));
}

Result<std::vector<CaptureRecord>> Store::ListCaptures() {
  SKT_ASSIGN_OR_RETURN(Statement s,
                       db_.Prepare("SELECT id, session_id, path, sha256, captured_at, region, "
                                   "lighting_set, px_per_mm, calibration_json, alignment_json, "
                                   "warnings_json FROM captures ORDER BY id"));
  std::vector<CaptureRecord> out;
  while (true) {
    SKT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    CaptureRecord c;
    c.id = s.ColumnInt(0);
    c.session_id = s.ColumnInt(1);
    c.path = s.ColumnText(2);
    c.sha256 = s.ColumnText(3);
    c.captured_at = s.ColumnText(4);
    c.region = s.ColumnText(5);
    c.lighting_set = s.ColumnText(6);
    c.px_per_mm = s.ColumnOptionalDouble(7);
    c.calibration_json = s.ColumnText(8);
    c.alignment_json = s.ColumnText(9);
    c.warnings_json = s.ColumnText(10);
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::int64_t> Store::CountCaptures(std::int64_t session_id) {
  SKT_ASSIGN_OR_RETURN(Statement s,
                       db_.Prepare("SELECT count(*) FROM captures WHERE session_id = ?"));
  SKT_RETURN_IF_ERROR(s.Bind(1, session_id).Step().status());
  return s.ColumnInt(0);
}

namespace {
Status InsertScores(Database& db, std::int64_t capture_id, const std::vector<ScoreRecord>& scores) {
  SKT_ASSIGN_OR_RETURN(Statement insert,
                       db.Prepare("INSERT INTO scores(capture_id, metric, value, unit, region, "
                                  "pipeline_version, params_hash) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  for (const ScoreRecord& score : scores) {
    insert.Reset();
    SKT_RETURN_IF_ERROR(insert.Bind(1, capture_id)
                            .Bind(2, score.metric)
                            .Bind(3, score.value)
                            .Bind(4, score.unit)
                            .Bind(5, score.region)
                            .Bind(6, score.pipeline_version)
                            .Bind(7, score.params_hash)
                            .Run());
  }
  return OkStatus();
}
}  // namespace

Result<std::int64_t> Store::AddCapture(const CaptureRecord& capture,
                                       const std::vector<ScoreRecord>& scores) {
  SKT_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_));
  SKT_ASSIGN_OR_RETURN(std::int64_t id, AddCaptureInTransaction(capture, scores));
  SKT_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Result<std::int64_t> Store::ImportCapture(const SubjectRecord& subject, SessionRecord session,
                                          CaptureRecord capture,
                                          const std::vector<ScoreRecord>& scores) {
  SKT_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_));
  SKT_ASSIGN_OR_RETURN(session.subject_id, EnsureSubjectInTransaction(subject));
  SKT_ASSIGN_OR_RETURN(capture.session_id, EnsureSessionInTransaction(session));
  SKT_ASSIGN_OR_RETURN(std::int64_t id, AddCaptureInTransaction(capture, scores));
  SKT_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Result<std::int64_t> Store::AddCaptureInTransaction(const CaptureRecord& capture,
                                                    const std::vector<ScoreRecord>& scores) {
  SKT_ASSIGN_OR_RETURN(Statement insert,
                       db_.Prepare("INSERT INTO captures(session_id, path, sha256, captured_at, "
                                   "region, lighting_set, px_per_mm, calibration_json, "
                                   "alignment_json, warnings_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                                   "?, ?)"));
  SKT_RETURN_IF_ERROR(insert.Bind(1, capture.session_id)
                          .Bind(2, capture.path)
                          .Bind(3, capture.sha256)
                          .Bind(4, capture.captured_at)
                          .Bind(5, capture.region)
                          .Bind(6, capture.lighting_set)
                          .Bind(7, capture.px_per_mm)
                          .Bind(8, capture.calibration_json.empty() ? "{}" : capture.calibration_json)
                          .Bind(9, capture.alignment_json.empty() ? "{}" : capture.alignment_json)
                          .Bind(10, capture.warnings_json.empty() ? "[]" : capture.warnings_json)
                          .Run());
  const std::int64_t id = db_.LastInsertRowId();
  SKT_RETURN_IF_ERROR(InsertScores(db_, id, scores));
  return id;
}

Status Store::ReplaceScores(std::int64_t capture_id, const std::vector<ScoreRecord>& scores,
                            const std::string& calibration_json, const std::string& warnings_json) {
  SKT_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(db_));
  SKT_ASSIGN_OR_RETURN(Statement remove, db_.Prepare("DELETE FROM scores WHERE capture_id = ?"));
  SKT_RETURN_IF_ERROR(remove.Bind(1, capture_id).Run());
  SKT_ASSIGN_OR_RETURN(Statement update,
                       db_.Prepare("UPDATE captures SET calibration_json = ?, warnings_json = ? "
                                   "WHERE id = ?"));
  SKT_RETURN_IF_ERROR(update.Bind(1, calibration_json.empty() ? "{}" : calibration_json)
                          .Bind(2, warnings_json.empty() ? "[]" : warnings_json)
                          .Bind(3, capture_id)
                          .Run());
  SKT_RETURN_IF_ERROR(InsertScores(db_, capture_id, scores));
  return tx.Commit();
}

Result<std::vector<ScoreRow>> Store::LoadScores(const std::string& subject) {
  SKT_ASSIGN_OR_RETURN(
      Statement s,
      db_.Prepare("SELECT su.code, su.arm, se.label, se.kind, se.started_at, c.id, sc.metric, "
                  "sc.value, sc.unit, sc.region FROM scores sc JOIN captures c ON c.id = "
                  "sc.capture_id JOIN sessions se ON se.id = c.session_id JOIN subjects su ON "
                  "su.id = se.subject_id WHERE (? = '' OR su.code = ?) ORDER BY su.code, "
                  "se.started_at, se.id, c.id, sc.metric"));
  s.Bind(1, subject).Bind(2, subject);
  std::vector<ScoreRow> out;
  while (true) {
    SKT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ScoreRow r;
    r.subject = s.ColumnText(0);
    r.arm = s.ColumnText(1);
    r.session_label = s.ColumnText(2);
    r.session_kind = s.ColumnText(3);
    r.started_at = s.ColumnText(4);
    r.capture_id = s.ColumnInt(5);
    r.metric = s.ColumnText(6);
    r.value = s.ColumnDouble(7);
    r.unit = s.ColumnText(8);
    r.region = s.ColumnText(9);
    out.push_back(std::move(r));
  }
  return out;
}

Status Store::CheckIntegrity() {
  SKT_ASSIGN_OR_RETURN(Statement integrity, db_.Prepare("PRAGMA integrity_check"));
  SKT_ASSIGN_OR_RETURN(bool row, integrity.Step());
  if (!row || integrity.ColumnText(0) != "ok") {
    return StorageError("database " + db_.path() + " failed its integrity check: " +
                        (row ? integrity.ColumnText(0) : std::string("no answer")));
  }
  SKT_ASSIGN_OR_RETURN(Statement fk, db_.Prepare("PRAGMA foreign_key_check"));
  SKT_ASSIGN_OR_RETURN(bool violation, fk.Step());
  if (violation) {
    return StorageError("database " + db_.path() + " has a dangling reference in table " +
                        fk.ColumnText(0));
  }
  return OkStatus();
}

}  // namespace skintrack::store

#pragma once
// The skintrack store: subjects, sessions, captures and scores in one SQLite file (docs/STORAGE.md).
//
// Photos stay as files referenced by path and SHA-256; derived data (scores, calibration, quality
// warnings, alignment) lives here. The schema is versioned (`schema_version` table) and upgraded by
// forward migrations when an older file is opened; a file written by a newer skintrack (higher
// version) is refused with kStorage rather than misread.
//
// Every write runs in a transaction, so a killed process leaves either all or none of a capture
// and its scores. Errors: kStorage for database problems (locked, corrupt, unwritable, newer
// schema); kBadInput for records that contradict stored ones (see each function).
// Thread-safety: one Store per thread; several processes may read while one writes (WAL).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "store/sqlite_db.h"

namespace skintrack::store {

// The schema version this build writes; migrations bring older files up to it.
inline constexpr int kSchemaVersion = 2;

// Session kinds as stored (same names as compare::SessionKindName).
inline constexpr const char* kSessionKinds[] = {"baseline", "repeat", "treatment", "follow-up",
                                                "post-treatment-check"};

struct SubjectRecord {
  std::int64_t id = 0;
  std::string code;          // pseudonymous ID, unique ("P001")
  std::string display_name;  // optional, never exported unless asked
  std::string skin_type;     // optional (e.g. Fitzpatrick "III")
  std::string arm;           // "treated", "control" or empty
};

struct SessionRecord {
  std::int64_t id = 0;
  std::int64_t subject_id = 0;
  std::string label;       // unique per subject ("2026-03-01_baseline")
  std::string started_at;  // "YYYY-MM-DDTHH:MM:SS" local time
  std::string kind;        // one of kSessionKinds
  std::string device;      // treatment parameters (optional)
  std::optional<double> needle_depth_mm;
  std::string notes;
};

struct CaptureRecord {
  std::int64_t id = 0;
  std::int64_t session_id = 0;
  std::string path;
  std::string sha256;
  std::string captured_at;  // EXIF or manifest time, may be empty
  std::string region;       // view/region ("face", "left_cheek", ...)
  std::string lighting_set; // photometric-stereo lights.json, if any
  std::optional<double> px_per_mm;
  std::string calibration_json;  // the score document's calibration block
  std::string alignment_json;    // registration to the baseline, when computed
  std::string warnings_json;     // quality and pipeline warnings (JSON array)
};

struct ScoreRecord {
  std::int64_t capture_id = 0;
  std::string metric;  // "group.key"
  double value = 0;
  std::string unit;
  std::string region;
  std::string pipeline_version;
  std::string params_hash;
};

// One score joined with its session and subject, for timelines and claims.
struct ScoreRow {
  std::string subject;
  std::string arm;
  std::string session_label;
  std::string session_kind;
  std::string started_at;
  std::int64_t capture_id = 0;
  std::string metric;
  double value = 0;
  std::string unit;
  std::string region;
};

class Store {
 public:
  // Opens or creates the store at `path` (":memory:" for tests) and migrates it to kSchemaVersion.
  static Result<Store> Open(const std::filesystem::path& path, const DatabaseOptions& options = {});

  Result<int> SchemaVersion();
  Database& db() { return db_; }

  // Subjects: insert, or return the existing id for the same code (display name / skin type / arm
  // are filled in when the stored ones are empty).
  Result<std::int64_t> EnsureSubject(const SubjectRecord& subject);
  Result<std::optional<SubjectRecord>> FindSubject(const std::string& code);
  Result<std::vector<SubjectRecord>> ListSubjects();

  // Sessions: insert, or return the existing id for the same (subject, label). kBadInput when that
  // label exists with another date or kind, or when another session of the subject has the same
  // day and kind (a duplicate session).
  Result<std::int64_t> EnsureSession(const SessionRecord& session);
  Result<std::vector<SessionRecord>> ListSessions(std::int64_t subject_id);

  Result<std::optional<std::int64_t>> FindCaptureBySha(const std::string& sha256);
  Result<std::vector<CaptureRecord>> ListCaptures();
  Result<std::int64_t> CountCaptures(std::int64_t session_id);

  // Adds a capture and its scores in one transaction (nothing is written on failure).
  Result<std::int64_t> AddCapture(const CaptureRecord& capture, const std::vector<ScoreRecord>& scores);
  // Subject, session (as EnsureSubject/EnsureSession), capture and scores in one transaction: the
  // importer's unit of work, so a killed import leaves no empty session behind.
  Result<std::int64_t> ImportCapture(const SubjectRecord& subject, SessionRecord session,
                                     CaptureRecord capture, const std::vector<ScoreRecord>& scores);
  // Replaces every score of a capture (rescore), with its calibration and warnings, atomically.
  Status ReplaceScores(std::int64_t capture_id, const std::vector<ScoreRecord>& scores,
                       const std::string& calibration_json, const std::string& warnings_json);

  // Every score of a subject (all subjects when `subject` is empty), ordered by session time.
  Result<std::vector<ScoreRow>> LoadScores(const std::string& subject = "");

  // Consistency check: PRAGMA integrity_check and foreign_key_check. kStorage naming the problem.
  Status CheckIntegrity();

 private:
  explicit Store(Database db) : db_(std::move(db)) {}
  Status Migrate();
  Result<std::int64_t> EnsureSubjectInTransaction(const SubjectRecord& subject);
  Result<std::int64_t> EnsureSessionInTransaction(const SessionRecord& session);
  Result<std::int64_t> AddCaptureInTransaction(const CaptureRecord& capture,
                                               const std::vector<ScoreRecord>& scores);
  Database db_;
};

// `$XDG_DATA_HOME/skintrack/skintrack.db`, or `~/.local/share/skintrack/skintrack.db`.
std::filesystem::path DefaultDatabasePath();

}  // namespace skintrack::store

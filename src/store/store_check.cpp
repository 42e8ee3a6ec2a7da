#include "store/store_check.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>

#include <nlohmann/json.hpp>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace skintrack::store {
namespace {

// Findings listed per check; the rest are counted.
constexpr int kMaxFindingsPerCheck = 20;

class Findings {
 public:
  explicit Findings(StoreCheckReport& report) : report_(report) {}
  void Add(const std::string& check, std::string message, bool error = true) {
    int& count = counts_[check];
    ++count;
    if (count <= kMaxFindingsPerCheck) {
      report_.findings.push_back({check, std::move(message), error});
    }
  }
  // Appends "... and N more" for checks that were cut short.
  void Finish() {
    for (const auto& entry : counts_) {
      const std::string& check = entry.first;  // (a named copy: lambdas cannot capture bindings)
      const int count = entry.second;
      if (count > kMaxFindingsPerCheck) {
        const bool error = std::any_of(report_.findings.begin(), report_.findings.end(),
                                       [&](const StoreFinding& f) {
                                         return f.check == check && f.error;
                                       });
        report_.findings.push_back(
            {check, "... and " + std::to_string(count - kMaxFindingsPerCheck) + " more", error});
      }
    }
  }

 private:
  StoreCheckReport& report_;
  std::map<std::string, int> counts_;
};

bool IsDigits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return false;
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(pos),
                     text.begin() + static_cast<std::ptrdiff_t>(pos + count),
                     [](char c) { return c >= '0' && c <= '9'; });
}

bool IsStoredDateTime(std::string_view t) {
  return t.size() == 19 && IsDigits(t, 0, 4) && t[4] == '-' && IsDigits(t, 5, 2) && t[7] == '-' &&
         IsDigits(t, 8, 2) && t[10] == 'T' && IsDigits(t, 11, 2) && t[13] == ':' &&
         IsDigits(t, 14, 2) && t[16] == ':' && IsDigits(t, 17, 2);
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsKnownKind(const std::string& kind) {
  return std::find_if(std::begin(kSessionKinds), std::end(kSessionKinds),
                      [&](const char* k) { return kind == k; }) != std::end(kSessionKinds);
}

// Runs `sql` and calls `row(statement)` for every row; a failing query becomes a finding.
template <typename RowFn>
void ForEachRow(Database& db, Findings& findings, const std::string& check, const char* sql,
                RowFn row) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) {
    findings.Add(check, "cannot run the check: " + stmt.error().message);
    return;
  }
  while (true) {
    auto more = stmt->Step();
    if (!more.ok()) {
      findings.Add(check, "cannot run the check: " + more.error().message);
      return;
    }
    if (!*more) return;
    row(*stmt);
  }
}

std::int64_t Count(Database& db, const char* table) {
  auto stmt = db.Prepare(std::string("SELECT count(*) FROM ") + table);
  if (!stmt.ok()) return 0;
  auto row = stmt->Step();
  return row.ok() && *row ? stmt->ColumnInt(0) : 0;
}

void CheckPermissions(const std::filesystem::path& path, Findings& findings) {
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    const std::string file = path.string() + suffix;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) continue;
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%03o", static_cast<unsigned>(st.st_mode & 0777));
      findings.Add("permissions",
                   file + " has mode " + mode +
                       ": other users of this computer can read patient data; run chmod 600 " +
                       file,
                   /*error=*/false);
    }
  }
}

void CheckRows(Database& db, Findings& findings) {
  ForEachRow(db, findings, "sessions", "SELECT id, label, started_at, kind FROM sessions ORDER BY id",
             [&](Statement& s) {
               const std::string where =
                   "session " + std::to_string(s.ColumnInt(0)) + " ('" + s.ColumnText(1) + "')";
               if (!IsStoredDateTime(s.ColumnText(2))) {
                 findings.Add("sessions", where + ": started_at '" + s.ColumnText(2) +
                                              "' is not YYYY-MM-DDTHH:MM:SS");
               }
               if (!IsKnownKind(s.ColumnText(3))) {
                 findings.Add("sessions", where + ": unknown kind '" + s.ColumnText(3) + "'");
               }
             });
  ForEachRow(db, findings, "captures",
             "SELECT id, sha256, calibration_json, alignment_json, warnings_json FROM captures "
             "ORDER BY id",
             [&](Statement& s) {
               const std::string where = "capture " + std::to_string(s.ColumnInt(0));
               if (!IsSha256Hex(s.ColumnText(1))) {
                 findings.Add("captures", where + ": sha256 '" + s.ColumnText(1).substr(0, 80) +
                                              "' is not 64 lower-case hex digits");
               }
               static constexpr const char* kJsonColumns[] = {"calibration_json", "alignment_json",
                                                              "warnings_json"};
               for (int c = 0; c < 3; ++c) {
                 if (!nlohmann::json::accept(s.ColumnText(2 + c))) {
                   findings.Add("captures", where + ": " + kJsonColumns[c] + " is not valid JSON");
                 }
               }
             });
  ForEachRow(db, findings, "scores",
             "SELECT id, capture_id, metric, value FROM scores "
             "WHERE value IS NULL OR value > 1e308 OR value < -1e308 OR value != value "
             "OR instr(metric, '.') < 2 OR substr(metric, -1) = '.' ORDER BY id",
             [&](Statement& s) {
               findings.Add("scores", "score " + std::to_string(s.ColumnInt(0)) + " of capture " +
                                          std::to_string(s.ColumnInt(1)) + " ('" +
                                          s.ColumnText(2) +
                                          "'): the value must be finite and the metric group.key");
             });
  ForEachRow(db, findings, "empty",
             "SELECT s.id, s.label FROM sessions s WHERE NOT EXISTS "
             "(SELECT 1 FROM captures c WHERE c.session_id = s.id) ORDER BY s.id",
             [&](Statement& s) {
               findings.Add("empty",
                            "session " + std::to_string(s.ColumnInt(0)) + " ('" + s.ColumnText(1) +
                                "') has no capture",
                            /*error=*/false);
             });
}

}  // namespace

bool StoreCheckReport::ok() const {
  return std::none_of(findings.begin(), findings.end(),
                      [](const StoreFinding& f) { return f.error; });
}

Result<StoreCheckReport> CheckStoreFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return StorageError("database " + path.string() + " does not exist (or is not a file)");
  }
  StoreCheckReport report;
  report.path = path;
  Findings findings(report);
  CheckPermissions(path, findings);
  DatabaseOptions options;
  options.read_only = true;
  options.create = false;
  auto opened = Database::Open(path, options);
  if (!opened.ok()) {
    findings.Add("open", opened.error().message);
    findings.Finish();
    return report;
  }
  Database db = std::move(opened).value();

  // SQLite's own structure checks come first: the later queries assume a readable file.
  bool structure_ok = true;
  ForEachRow(db, findings, "integrity", "PRAGMA integrity_check(20)", [&](Statement& s) {
    const std::string text = s.ColumnText(0);
    if (text != "ok") {
      structure_ok = false;
      findings.Add("integrity", text + " (restore the file from a backup)");
    }
  });
  ForEachRow(db, findings, "foreign_keys", "PRAGMA foreign_key_check", [&](Statement& s) {
    findings.Add("foreign_keys", "row " + std::to_string(s.ColumnInt(1)) + " of " +
                                     s.ColumnText(0) + " refers to a missing row of " +
                                     s.ColumnText(2));
  });

  bool has_version_table = false;
  ForEachRow(db, findings, "schema",
             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
             [&](Statement& s) { has_version_table = s.ColumnInt(0) > 0; });
  if (!has_version_table) {
    findings.Add("schema", "no schema_version table: this is not a skintrack database");
  } else {
    ForEachRow(db, findings, "schema", "SELECT max(version) FROM schema_version",
               [&](Statement& s) { report.schema_version = static_cast<int>(s.ColumnInt(0)); });
    if (report.schema_version > kSchemaVersion) {
      findings.Add("schema", "schema version " + std::to_string(report.schema_version) +
                                 " is newer than this skintrack understands (" +
                                 std::to_string(kSchemaVersion) + "); upgrade skintrack");
    } else if (report.schema_version < 1) {
      findings.Add("schema", "schema_version is empty: the database was never set up");
    } else if (report.schema_version < kSchemaVersion) {
      findings.Add("schema",
                   "schema version " + std::to_string(report.schema_version) +
                       " is older than this build's " + std::to_string(kSchemaVersion) +
                       "; the next import or rescore migrates it",
                   /*error=*/false);
    }
  }
  if (structure_ok && report.schema_version >= 1 && report.schema_version <= kSchemaVersion) {
    report.subjects = Count(db, "subjects");
    report.sessions = Count(db, "sessions");
    report.captures = Count(db, "captures");
    report.scores = Count(db, "scores");
    CheckRows(db, findings);
  }
  findings.Finish();
  return report;
}

}  // namespace skintrack::store

#pragma once
// What the library panel lists: subjects, their sessions (date, kind) and each session's photos.
//
// Sources:
//   * a manifest CSV read by core/io/manifest.h (subject,session,date,kind,image; rejected rows are
//     kept in `warnings`); image paths are relative to the manifest's folder;
//   * a folder: its manifest.csv if it has one, else <folder>/<subject>/<session>/<photos>, else a
//     flat folder of photos (one subject named after the folder, one session per photo);
//   * the SQLite store (--db) when the viewer is built with src/store.
// Sessions are ordered by date, then id. Errors: kBadInput naming the file, line and column.
// Thread-safety: plain values; load on a worker, hand the result to the UI thread.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/base/result.h"

namespace skintrack::viewer {

struct CatalogPhoto {
  std::filesystem::path path;  // absolute or relative to the working directory
  // Scale from the manifest's px_per_mm column or the database capture (its row's scale, else
  // the scale its stored score took from the chart); scoring uses it instead of reading the chart
  // again, as `skintrack score --px-per-mm` does.
  std::optional<double> px_per_mm;
};

struct CatalogSession {
  std::string id;
  std::string date;  // ISO 8601 "YYYY-MM-DD" (may be empty)
  std::string kind;  // e.g. "baseline", "treatment", "follow-up", "repeat"
  std::vector<CatalogPhoto> photos;
};

struct CatalogSubject {
  std::string id;
  std::vector<CatalogSession> sessions;
};

struct Catalog {
  std::filesystem::path source;  // manifest, folder or database
  std::string source_kind;       // "manifest", "folder" or "database"
  std::vector<CatalogSubject> subjects;
  std::vector<std::string> warnings;  // rows the source could not use, with line and reason

  CatalogSubject* FindSubject(const std::string& id);
  const CatalogSubject* FindSubject(const std::string& id) const;
};

const CatalogSession* FindSession(const CatalogSubject& subject, const std::string& id);

// True for session kinds that mark a treatment event ("treatment", "microneedling", ...).
bool IsTreatmentKind(const std::string& kind);

Result<Catalog> LoadManifestCatalog(const std::filesystem::path& manifest_csv);
Result<Catalog> LoadFolderCatalog(const std::filesystem::path& folder);
// Opens a manifest file or a folder, whichever `path` is.
Result<Catalog> LoadCatalog(const std::filesystem::path& path);
// Opens the SQLite store; kUsage when this build has no store module.
Result<Catalog> LoadDatabaseCatalog(const std::filesystem::path& database);

// The scale (px/mm) a score was measured at: its `calibration` block's px_per_mm when that is a
// finite positive number, else nullopt (no scale; also for a block that is not an object).
std::optional<double> CalibrationScale(const nlohmann::json& calibration);

// Writes the catalog as a manifest CSV (atomic), image paths relative to the manifest's folder
// where possible.
Status SaveManifestCatalog(const Catalog& catalog, const std::filesystem::path& manifest_csv);

// Sorts sessions by (date, id) in every subject.
void SortSessions(Catalog& catalog);

}  // namespace skintrack::viewer

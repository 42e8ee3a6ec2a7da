#include "viewer/catalog.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"
#include "core/io/csv.h"
#include "core/io/manifest.h"

#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_STORE)
#include "store/store.h"
#endif

namespace skintrack::viewer {

namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool IsPhotoFile(const std::filesystem::path& path) {
  const std::string ext = Lower(path.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".tif" || ext == ".tiff";
}

std::vector<std::filesystem::path> SortedEntries(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> entries;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    entries.push_back(entry.path());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace

CatalogSubject* Catalog::FindSubject(const std::string& id) {
  for (CatalogSubject& subject : subjects) {
    if (subject.id == id) return &subject;
  }
  return nullptr;
}

const CatalogSubject* Catalog::FindSubject(const std::string& id) const {
  for (const CatalogSubject& subject : subjects) {
    if (subject.id == id) return &subject;
  }
  return nullptr;
}

const CatalogSession* FindSession(const CatalogSubject& subject, const std::string& id) {
  for (const CatalogSession& session : subject.sessions) {
    if (session.id == id) return &session;
  }
  return nullptr;
}

bool IsTreatmentKind(const std::string& kind) {
  const std::string lower = Lower(kind);
  return lower.find("treat") != std::string::npos || lower.find("needl") != std::string::npos ||
         lower.find("procedure") != std::string::npos;
}

void SortSessions(Catalog& catalog) {
  for (CatalogSubject& subject : catalog.subjects) {
    std::stable_sort(subject.sessions.begin(), subject.sessions.end(),
                     [](const CatalogSession& a, const CatalogSession& b) {
                       return std::tie(a.date, a.id) < std::tie(b.date, b.id);
                     });
  }
}

Result<Catalog> LoadManifestCatalog(const std::filesystem::path& manifest_csv) {
  // One manifest reader for batch, import and the viewer (core/io/manifest.h).
  SKT_ASSIGN_OR_RETURN(const core::Manifest manifest, core::ReadManifest(manifest_csv));
  Catalog catalog;
  catalog.source = manifest_csv;
  catalog.source_kind = "manifest";
  for (const core::ManifestRejectedRow& rejected : manifest.rejected) {
    catalog.warnings.push_back(rejected.message);
  }
  for (const core::ManifestEntry& entry : manifest.entries) {
    CatalogSubject* subject = catalog.FindSubject(entry.subject);
    if (subject == nullptr) {
      catalog.subjects.push_back({entry.subject, {}});
      subject = &catalog.subjects.back();
    }
    auto session = std::find_if(subject->sessions.begin(), subject->sessions.end(),
                                [&](const CatalogSession& s) { return s.id == entry.session; });
    if (session == subject->sessions.end()) {
      subject->sessions.push_back(
          {entry.session, entry.date, core::CaptureKindName(entry.kind), {}});
      session = subject->sessions.end() - 1;
    }
    session->photos.push_back({entry.image_path, entry.px_per_mm});
  }
  SortSessions(catalog);
  return catalog;
}

Result<Catalog> LoadFolderCatalog(const std::filesystem::path& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    return BadInputError(folder.string() + " is not a folder");
  }
  if (std::filesystem::exists(folder / "manifest.csv", ec)) {
    return LoadManifestCatalog(folder / "manifest.csv");
  }
  Catalog catalog;
  catalog.source = folder;
  catalog.source_kind = "folder";
  // <folder>/<subject>/<session>/<photos>
  for (const auto& subject_dir : SortedEntries(folder)) {
    if (!std::filesystem::is_directory(subject_dir, ec)) continue;
    CatalogSubject subject{subject_dir.filename().string(), {}};
    for (const auto& session_dir : SortedEntries(subject_dir)) {
      if (!std::filesystem::is_directory(session_dir, ec)) continue;
      CatalogSession session{session_dir.filename().string(), "", "", {}};
      for (const auto& file : SortedEntries(session_dir)) {
        if (IsPhotoFile(file)) session.photos.push_back({file, std::nullopt});
      }
      if (!session.photos.empty()) subject.sessions.push_back(std::move(session));
    }
    if (!subject.sessions.empty()) catalog.subjects.push_back(std::move(subject));
  }
  if (catalog.subjects.empty()) {
    // A flat folder of photos: one subject, one session per photo.
    CatalogSubject subject{folder.filename().string(), {}};
    for (const auto& file : SortedEntries(folder)) {
      if (IsPhotoFile(file)) subject.sessions.push_back({file.stem().string(), "", "", {{file, std::nullopt}}});
    }
    if (!subject.sessions.empty()) catalog.subjects.push_back(std::move(subject));
  }
  if (catalog.subjects.empty()) {
    return BadInputError("no photos found in " + folder.string() +
                         "; expected manifest.csv, <subject>/<session>/<photo> folders or photos");
  }
  SortSessions(catalog);
  return catalog;
}

Result<Catalog> LoadCatalog(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return LoadFolderCatalog(path);
  if (!std::filesystem::exists(path, ec)) {
    return BadInputError(path.string() + " does not exist; give a manifest.csv or a folder");
  }
  return LoadManifestCatalog(path);
}

std::optional<double> CalibrationScale(const nlohmann::json& calibration) {
  if (!calibration.is_object()) return std::nullopt;
  const auto scale = calibration.find("px_per_mm");
  if (scale == calibration.end() || !scale->is_number()) return std::nullopt;
  const double value = scale->get<double>();
  if (!std::isfinite(value) || value <= 0) return std::nullopt;
  return value;
}

#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_STORE)
namespace {

// The scale a stored capture was scored at: its row's own, else the one its stored score took
// from the chart (read with the chart pitch given at import). The viewer's own scoring then sizes
// its maps as the stored scores were sized.
std::optional<double> StoredScale(const store::CaptureRecord& capture) {
  if (capture.px_per_mm) return capture.px_per_mm;
  return CalibrationScale(
      nlohmann::json::parse(capture.calibration_json, nullptr, /*allow_exceptions=*/false));
}

}  // namespace
#endif

Result<Catalog> LoadDatabaseCatalog(const std::filesystem::path& database) {
#if defined(SKINTRACK_VIEWER_HAS_SKINTRACK_STORE)
  std::error_code ec;
  if (!std::filesystem::is_regular_file(database, ec)) {
    // Opening would create an empty store; a typo should not do that.
    return BadInputError("database " + database.string() +
                         " does not exist; create it with `skintrack import PATH --db " +
                         database.string() + "`");
  }
  SKT_ASSIGN_OR_RETURN(store::Store db, store::Store::Open(database));
  SKT_ASSIGN_OR_RETURN(const std::vector<store::SubjectRecord> subjects, db.ListSubjects());
  SKT_ASSIGN_OR_RETURN(const std::vector<store::CaptureRecord> captures, db.ListCaptures());
  Catalog catalog;
  catalog.source = database;
  catalog.source_kind = "database";
  for (const store::SubjectRecord& subject_record : subjects) {
    CatalogSubject subject{subject_record.code, {}};
    SKT_ASSIGN_OR_RETURN(const std::vector<store::SessionRecord> sessions,
                         db.ListSessions(subject_record.id));
    for (const store::SessionRecord& session_record : sessions) {
      CatalogSession session{session_record.label, session_record.started_at.substr(0, 10),
                             session_record.kind, {}};
      for (const store::CaptureRecord& capture : captures) {
        if (capture.session_id == session_record.id) {
          session.photos.push_back({capture.path, StoredScale(capture)});
        }
      }
      subject.sessions.push_back(std::move(session));
    }
    catalog.subjects.push_back(std::move(subject));
  }
  SortSessions(catalog);
  return catalog;
#else
  return UsageError("this skintrack-viewer was built without the store module, so it cannot open " +
                    database.string() + "; open a manifest.csv or a folder instead");
#endif
}

Status SaveManifestCatalog(const Catalog& catalog, const std::filesystem::path& manifest_csv) {
  std::ostringstream out;
  out << "subject,session,date,kind,image,px_per_mm\n";
  const std::filesystem::path base = manifest_csv.parent_path();
  for (const CatalogSubject& subject : catalog.subjects) {
    for (const CatalogSession& session : subject.sessions) {
      for (const CatalogPhoto& photo : session.photos) {
        std::error_code ec;
        std::filesystem::path relative = std::filesystem::relative(photo.path, base, ec);
        if (ec || relative.empty() || relative.string().rfind("..", 0) == 0) relative = photo.path;
        std::string record;
        char scale[32] = "";
        if (photo.px_per_mm) std::snprintf(scale, sizeof(scale), "%.9g", *photo.px_per_mm);
        core::AppendCsvRecord(record, {subject.id, session.id, session.date, session.kind,
                                       relative.string(), scale});
        out << record;
      }
    }
  }
  return WriteFileAtomic(manifest_csv, out.str());
}

}  // namespace skintrack::viewer

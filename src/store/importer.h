#pragma once
// Import of captures into the store, from a folder or a manifest CSV, scoring each new image.
//
// Folder convention: DIR/<subject>/<YYYY-MM-DD>_<kind>/<image>.jpg|jpeg|png|tif|tiff, e.g.
// `P001/2026-03-01_baseline/face_01.jpg` (kind as in compare::ParseSessionKind, with '-' or '_').
// Manifest CSV (RFC 4180, header required): columns subject, session, date, kind, image; optional
// region, px_per_mm, lights, arm, device, needle_depth_mm, notes, display_name, skin_type. Paths are
// relative to the manifest. An empty date takes the capture time from EXIF (DateTimeOriginal).
//
// Every row is validated before anything is written (unknown kind, malformed date, missing image,
// a session name reused with another date or kind, two session names for one visit): the first
// problem is returned as kBadInput "<manifest>:<line>: column '<name>': <problem>".
// Import is idempotent: an image whose SHA-256 is already stored is skipped. Each capture is
// written with its subject, session and scores in one transaction, so a killed import leaves a
// consistent database and running it again completes it.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "store/store.h"

namespace skintrack::store {

struct ImportRow {
  int line = 0;                // manifest line (0 for folder imports)
  std::string source;          // manifest path or folder, for messages
  std::string subject;
  std::string session;         // label
  std::string date;            // normalised "YYYY-MM-DDTHH:MM:SS", empty = from EXIF
  std::string kind;            // normalised (kSessionKinds)
  std::filesystem::path image; // absolute or relative to the working directory
  std::string region;
  std::optional<double> px_per_mm;
  std::string lights;
  std::string arm;
  std::string device;
  std::optional<double> needle_depth_mm;
  std::string notes;
  std::string display_name;
  std::string skin_type;

  std::string Where() const;  // "manifest.csv:12" or the image path
};

Result<std::vector<ImportRow>> ReadManifest(const std::filesystem::path& manifest);
Result<std::vector<ImportRow>> ScanFolder(const std::filesystem::path& folder);

// Normalises a session kind name ("followup" -> "follow-up"); kBadInput listing the valid names.
Result<std::string> NormalizeSessionKind(std::string_view text);
// Normalises "YYYY-MM-DD[ T]HH:MM[:SS]" or EXIF "YYYY:MM:DD HH:MM:SS" to "YYYY-MM-DDTHH:MM:SS";
// kBadInput when malformed or not a real date.
Result<std::string> NormalizeDateTime(std::string_view text);

// Scores one row's image and returns its skintrack.score/1 document.
using ScoreFunction = std::function<Result<nlohmann::json>(const ImportRow& row)>;

struct ImportOptions {
  std::string pipeline_version;  // stored with every score
  std::string params_hash;       // hash of the scoring options
  // Called after each row (imported, skipped or failed) with the row and what happened.
  std::function<void(const ImportRow&, const std::string& outcome)> progress;
};

struct ImportReport {
  int rows = 0;
  int imported = 0;
  int skipped_existing = 0;
  std::vector<std::string> failures;  // "<where>: <message>" for images that could not be scored
  Error first_failure;                // valid when !failures.empty()
};

// Validates every row, then imports the new ones. A row whose image cannot be scored is reported
// in `failures` and the others are still imported; storage errors stop the import.
Result<ImportReport> ImportRows(Store& store, const std::vector<ImportRow>& rows,
                                const ScoreFunction& score, const ImportOptions& options);

// The numeric metrics of a score document as score records (`metrics.<group>.<key>`, units from
// `metrics.<group>.units`). Booleans, strings and the units blocks are skipped.
std::vector<ScoreRecord> ScoresFromDocument(const nlohmann::json& doc, const std::string& region,
                                            const std::string& pipeline_version,
                                            const std::string& params_hash);

}  // namespace skintrack::store

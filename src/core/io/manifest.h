#pragma once
// The capture manifest: one CSV row per photo of a study, read by `skintrack batch` (and usable by
// `import` and the viewer).
//
// Columns (header names, any order, case-insensitive; unknown columns are ignored and listed):
//   required  subject, session, date, kind, image
//   optional  region     free text naming the body/face region ("left_cheek"); empty = whole image
//             roi        ROI mask PNG or polygon JSON (core/mask/roi.h) for this photo
//             px_per_mm  scale in pixels per millimetre (0.1 to 1000), overrides a chart's
//             lights     lights.json of a photometric-stereo set (surface captures)
// Paths (image, roi, lights) are relative to the manifest's folder unless absolute.
// kind is one of baseline, repeat, treatment, followup, post_treatment_check (hyphens and case are
// accepted: "Follow-up" reads as followup; post, check and post_treatment mean
// post_treatment_check, as in the store importer). date is `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`
// with a real calendar date.
//
// File-level problems (missing/unreadable file, malformed CSV, a required column missing, no rows)
// fail the read with kBadInput. Row-level problems (bad date, unknown kind, empty subject, a
// duplicate row, bad px_per_mm) do not: the row goes to `rejected` with its line, column and a
// message, so a batch can finish the good rows and list the bad ones. Nothing here touches the
// image files (existence is checked when they are loaded).
// Thread-safety: pure functions over values.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/io/csv.h"

namespace skintrack::core {

enum class CaptureKind { kBaseline, kRepeat, kTreatment, kFollowup, kPostTreatmentCheck };

// Canonical manifest spelling ("baseline", ..., "post_treatment_check").
const char* CaptureKindName(CaptureKind kind);
// Accepts canonical names, hyphens for underscores ("follow-up", "post-treatment-check"), the
// aliases post/check/post_treatment, and any case; nullopt for anything else.
std::optional<CaptureKind> ParseCaptureKind(std::string_view text);

// True for `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` naming a valid calendar date and time.
bool IsValidManifestDate(std::string_view text);

struct ManifestEntry {
  int line = 0;            // 1-based line in the manifest where the row starts
  std::size_t row = 0;     // 0-based index among all data rows (accepted and rejected)
  std::string subject;
  std::string session;
  std::string date;        // as written (validated)
  CaptureKind kind = CaptureKind::kBaseline;
  std::string image;       // as written in the manifest (relative path, used in outputs)
  std::filesystem::path image_path;  // resolved against the manifest's folder
  std::string region;
  std::string roi;                   // as written; empty when none
  std::filesystem::path roi_path;    // resolved; empty when none
  std::optional<double> px_per_mm;
  std::string lights;                // as written; empty when none
  std::filesystem::path lights_path; // resolved; empty when none
};

struct ManifestRejectedRow {
  int line = 0;
  std::size_t row = 0;
  std::string column;   // the offending column ("date"), or "" for a whole-row problem
  std::string subject;  // as written (may be empty)
  std::string session;
  std::string image;
  std::string message;  // what is wrong and what to do, naming line and column
};

struct Manifest {
  std::filesystem::path path;      // the manifest file
  std::filesystem::path base_dir;  // folder that relative paths are resolved against
  std::vector<ManifestEntry> entries;        // accepted rows, in manifest order
  std::vector<ManifestRejectedRow> rejected;  // rejected rows, in manifest order
  std::vector<std::string> ignored_columns;   // header names that are not manifest columns
  std::size_t row_count = 0;                  // data rows read (accepted + rejected)
};

struct ManifestOptions {
  CsvLimits limits;  // defaults: 1,000,000 rows, 64 KiB per field
};

// Parses manifest text; `base_dir` resolves relative paths, `source_name` names it in messages.
Result<Manifest> ParseManifest(std::string_view text, const std::filesystem::path& base_dir,
                               std::string_view source_name, const ManifestOptions& options = {});

// Reads a manifest file; relative paths resolve against its folder.
Result<Manifest> ReadManifest(const std::filesystem::path& path,
                              const ManifestOptions& options = {});

}  // namespace skintrack::core

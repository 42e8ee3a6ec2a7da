#pragma once
// One capture in, one score document out: load -> quality -> calibration -> mask -> metrics.
//
// The document is the `skintrack.score/1` JSON that `skintrack score --json`, `batch` and the store
// share, so every consumer sees the same keys (DESIGN.md "Metrics"). Each stage that is not
// possible for this capture (no chart, no scale) records why in `warnings` instead of failing.
//
// Errors: bad input files -> kBadInput; analysis impossible (e.g. --require-chart without a chart,
// no skin) -> kAnalysisFailed. Thread-safety: reentrant; OpenCV may use its own threads.

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/io/image_io.h"

namespace skintrack::core {

enum class CalibrateMode { kAuto, kNone, kRequire };

struct ScoreOptions {
  LoadOptions load;
  CalibrateMode calibrate = CalibrateMode::kAuto;
  std::optional<double> px_per_mm;           // user-supplied scale; overrides the chart's
  std::filesystem::path roi_path;            // optional ROI mask PNG or polygon JSON
  std::filesystem::path maps_dir;            // when set, per-pixel maps are written here
  std::filesystem::path surface_path;        // optional height map (float TIFF, mm)
  bool include_paths = true;                 // false: record only the file name (privacy)
};

// Scores an image that is already loaded (used by compare, batch and the viewer).
Result<nlohmann::json> ScoreLoadedImage(const LoadedImage& image, const ScoreOptions& options);

// Loads and scores one file.
Result<nlohmann::json> ScoreImageFile(const std::filesystem::path& path,
                                      const ScoreOptions& options);

// The `input` block of a score document (path, sha256, size, EXIF capture facts).
nlohmann::json InputToJson(const LoadedImage& image, bool include_path);

}  // namespace skintrack::core

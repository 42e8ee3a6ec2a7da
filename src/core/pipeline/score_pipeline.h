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
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/calibration/chart_geometry.h"
#include "core/io/image_io.h"
#include "core/mask/skin_mask.h"
#include "core/registration/registration.h"

namespace skintrack::core {

enum class CalibrateMode { kAuto, kNone, kRequire };

struct ScoreOptions {
  LoadOptions load;
  CalibrateMode calibrate = CalibrateMode::kAuto;
  std::optional<double> px_per_mm;           // user-supplied scale; overrides the chart's
  // Patch centre-to-centre distance of the colour chart in the frame (default the ColorChecker
  // Classic's 44 mm); the chart's scale is read against it.
  double chart_pitch_mm = kClassicPatchPitchMm;
  std::filesystem::path roi_path;            // optional ROI mask PNG or polygon JSON
  std::filesystem::path maps_dir;            // when set, per-pixel maps are written here
  std::filesystem::path surface_path;        // optional height map (float TIFF, mm)
  bool include_paths = true;                 // false: record only the file name (privacy)

  // Measure on a region given in another image's frame (batch and compare: a follow-up on the
  // skin its baseline shows, DESIGN.md pipeline step 6). `roi_mask` (and `face`) are then in
  // `fixed_frame->fixed_size` pixels and must be set; they are carried onto this capture's own
  // pixels (WarpToMoving) and everything is measured there, at the capture's own scale (user or
  // chart). The capture is never resampled: interpolation smooths the finest detail, which read as
  // fewer pores and less roughness (a false improvement) in the baseline's frame.
  std::optional<Registration> fixed_frame;
  // In-memory region to measure, CV_8U, non-zero = measure, of this capture's size (or of
  // `fixed_frame->fixed_size` with `fixed_frame`); when set it replaces `roi_path` and the
  // automatic skin mask (the chart is still left out).
  cv::Mat roi_mask;
  // What `roi_mask` is, for the score's `metrics.mask.source` (empty: "baseline_common" with
  // `fixed_frame`, else "given").
  std::string roi_mask_source;
  // With `roi_mask`: the face box found on the image the region comes from (the baseline's), in
  // that image's pixels. The named regions and the whole-face rules then apply as they did on that
  // image, so a follow-up is measured on the same face regions as its baseline.
  std::optional<cv::Rect> face;
  // Clockwise quarter turns that bring `face` upright (FindFace). With `fixed_frame`, it is
  // carried into this capture's frame, face or none: a follow-up without a face is measured turned
  // the way its baseline lay (the line and pore filters are not the same for a photo turned a
  // quarter).
  int face_quarter_turns = 0;
  // The tilt of `face` (FindFace; clockwise as viewed), carried into this capture's frame with the
  // rotation the registration finds beyond whole quarter turns.
  double face_tilt_deg = 0;
};

// Scores an image that is already loaded (used by compare, batch and the viewer).
Result<nlohmann::json> ScoreLoadedImage(const LoadedImage& image, const ScoreOptions& options);

// The region ScoreLoadedImage measures on this image with these options (the user ROI or the
// automatic skin mask, computed on the calibrated image, chart excluded): `mask` is CV_8U 0/255
// of the image size, with the face box when one was found. Batch intersects a baseline's mask
// with each aligned follow-up and hands the face on (ScoreOptions::face). Errors as the
// calibration and mask stages of ScoreLoadedImage.
Result<SkinMaskResult> ScoringMask(const LoadedImage& image, const ScoreOptions& options);

// Loads and scores one file.
Result<nlohmann::json> ScoreImageFile(const std::filesystem::path& path,
                                      const ScoreOptions& options);

// The `input` block of a score document (path, sha256, size, EXIF capture facts).
nlohmann::json InputToJson(const LoadedImage& image, bool include_path);

// The warning codes of a score document (its `warnings` array; strings only). None when the
// document has no such array, e.g. a damaged file or a store written by hand.
std::vector<std::string> WarningCodes(const nlohmann::json& score_doc);

// The same codes from a stored `warnings` array as text (the store's captures.warnings_json);
// none when the text is empty or not a JSON array.
std::vector<std::string> StoredWarningCodes(std::string_view warnings_json);

}  // namespace skintrack::core

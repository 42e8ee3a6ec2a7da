// Calibration stage: colour correction from a ColorChecker in the frame and the physical scale,
// through core/calibration (the same code as `skintrack calibrate`, so both report the same
// `calibration` block).
#include <algorithm>

#include "core/calibration/calibration.h"
#include "core/pipeline/stages.h"

namespace skintrack::core {

Result<CalibratedCapture> RunCalibrationStage(const LoadedImage& image, const ScoreOptions& options) {
  CalibrationOptions calibration_options;
  calibration_options.detect_chart = options.calibrate != CalibrateMode::kNone;
  calibration_options.detection.geometry.patch_pitch_mm = options.chart_pitch_mm;
  calibration_options.detection.geometry.patch_size_mm =
      options.chart_pitch_mm * kClassicPatchSizeMm / kClassicPatchPitchMm;
  CalibrationResult result = CalibrateImage(image.bgr, calibration_options);
  if (options.calibrate == CalibrateMode::kRequire && !result.chart_found) {
    return AnalysisError("no colour chart found in '" + image.path.filename().string() +
                         "' and a chart is required; include a ColorChecker Classic 24, fully "
                         "visible and evenly lit, in the frame");
  }

  CalibratedCapture capture;
  capture.rgb_linear = std::move(result.rgb_linear);
  capture.chart_mask = std::move(result.chart_mask);
  capture.calibration = std::move(result.json);
  capture.warnings = result.warnings;
  capture.blur_px = result.edge_blur_px;
  const bool marked = std::find(capture.warnings.begin(), capture.warnings.end(),
                                "uncalibrated_colour") != capture.warnings.end();
  if (!result.fit && !marked) capture.warnings.push_back("uncalibrated_colour");
  if (options.px_per_mm) {
    // The user's scale wins; the chart's, if any, stays in the block for comparison.
    if (result.chart_found) capture.calibration["chart_px_per_mm"] = result.chart->px_per_mm;
    capture.px_per_mm = options.px_per_mm;
    capture.calibration["px_per_mm"] = *options.px_per_mm;
    capture.calibration["px_per_mm_uncertainty"] = nullptr;
    capture.calibration["scale_source"] = "user";
  } else if (result.chart_found) {
    capture.px_per_mm = result.chart->px_per_mm;
    capture.calibration["scale_source"] = "chart";
  } else {
    capture.calibration["scale_source"] = "none";
  }
  return capture;
}

}  // namespace skintrack::core

// Calibration stage: colour correction from a ColorChecker in the frame and the physical scale.
// Until chart detection lands (core/calibration) this linearises without correction.
#include "core/color/srgb.h"
#include "core/pipeline/stages.h"

namespace skintrack::core {

Result<CalibratedCapture> RunCalibrationStage(const LoadedImage& image, const ScoreOptions& options) {
  CalibratedCapture capture;
  capture.rgb_linear = BgrToLinearRgb(image.bgr);
  capture.calibration = {{"method", "none"}, {"chart_found", false}};
  if (options.px_per_mm) {
    capture.px_per_mm = options.px_per_mm;
    capture.calibration["px_per_mm"] = *options.px_per_mm;
    capture.calibration["scale_source"] = "user";
  } else {
    capture.calibration["px_per_mm"] = nullptr;
    capture.calibration["scale_source"] = "none";
  }
  if (options.calibrate == CalibrateMode::kRequire) {
    return AnalysisError("no colour chart found in '" + image.path.filename().string() +
                         "' and a chart is required; include a ColorChecker Classic 24 in the frame");
  }
  capture.warnings.push_back("uncalibrated_colour");
  return capture;
}

}  // namespace skintrack::core

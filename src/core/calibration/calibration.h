#pragma once
// One call from a loaded photo to a calibrated capture: find the ColorChecker, fit the colour
// correction, derive px/mm, and describe it all as the `calibration` JSON block shared by
// `skintrack calibrate` and `skintrack score` (docs/COLOUR.md lists the keys).
//
// Without a chart the image is only linearised (method "none"), `chart_found` is false and a
// warning says that absolute colour is not comparable across sessions; that is not an error.
// Errors: a chart whose patches are unusable (e.g. overexposed) is reported as a warning and the
// image stays uncorrected; a detection whose colours do not match a chart at all
// (max_chart_delta_e00) is rejected with the `no_colour_chart` warning; only programmer errors
// throw (SKT_CHECK).
// Thread-safety: reentrant.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/calibration/chart_detection.h"
#include "core/calibration/color_correction.h"

namespace skintrack::core {

struct CalibrationOptions {
  ChartDetectionOptions detection;
  ColorCorrectionOptions correction;  // its `reference` is overwritten by detection.reference
  bool detect_chart = true;           // false: linearise only (score --calibrate none)
  bool correct_image = true;          // false: fit and report, but keep rgb_linear uncorrected
  // A detection whose 24 patches stay further than this from the reference colours after the best
  // correction (mean ΔE00) is not a ColorChecker: the detector also matches tiled walls, mosaics
  // and printed grids. It is then treated as no chart: no correction and no scale are taken from
  // it. Real charts fit to 1-6; false matches to 20 and more. (default 10)
  double max_chart_delta_e00 = 10.0;
};

struct CalibrationResult {
  cv::Mat rgb_linear;   // CV_32FC3 linear sRGB (R,G,B), corrected when a correction was fitted
  bool chart_found = false;
  std::optional<ChartDetection> chart;
  std::optional<ColorCorrectionFit> fit;
  cv::Mat chart_mask;   // CV_8U, 255 over the chart and its card border; empty without a chart
  // The capture's blur (SD of its point spread, image px) measured on the chart's edges
  // (edge_blur.h); empty without a chart or when too few edges could be measured.
  std::optional<double> edge_blur_px;
  std::vector<std::string> warnings;  // short codes ("no_colour_chart", ...)
  std::vector<std::string> messages;  // human-readable text for each warning
  nlohmann::json json;  // the `calibration` block
};

// `bgr` is the loaded image (CV_8UC3/CV_16UC3, encoded sRGB).
CalibrationResult CalibrateImage(const cv::Mat& bgr, const CalibrationOptions& options = {});

}  // namespace skintrack::core

#pragma once
// The stages of ScoreLoadedImage (score_pipeline.cpp), each in its own file so the calibration and
// metrics code can grow independently:
//   calibration_stage.cpp : colour correction + scale      -> CalibratedCapture
//   metrics_stage.cpp     : skin mask + metric groups       -> the `metrics` JSON block
// Internal to core/pipeline; other modules call ScoreLoadedImage.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/io/image_io.h"
#include "core/mask/skin_mask.h"
#include "core/pipeline/score_pipeline.h"

namespace skintrack::core {

// JPEG files saved below this IJG quality get the `heavy_compression` warning.
inline constexpr int kMinJpegQuality = 50;
// Pores whose mean diameter spans fewer than kPoreBlockScalePx of the photo's own pixels, in a
// JPEG saved below kMinPoreJpegQuality, get `pores_compressed`: their size is a fraction of the
// 8x8 block whose fine frequencies the quantiser rounds, and re-saving the photo moves their count
// by more than the pores' default MDC95 (docs/METRICS.md, Resolution). Pores of 6 px and more
// were unmoved down to quality 65.
inline constexpr int kMinPoreJpegQuality = 90;
inline constexpr double kPoreBlockScalePx = 5.0;
// Skin with an ITA° under this (brown and dark, ClassifyIta) photographed where pores are near or
// below the resolution gets `dark_skin_low_resolution` (score_pipeline.cpp).
inline constexpr double kDarkSkinItaDeg = 10.0;

struct CalibratedCapture {
  // Linear RGB (R,G,B order, CV_32FC3). After a chart-based correction this is linear sRGB whose
  // Bradford-adapted CIELAB (D50) matches the chart reference; without a chart it is the camera's
  // encoded sRGB linearised, uncorrected.
  cv::Mat rgb_linear;
  std::optional<double> px_per_mm;  // physical scale, from the user or the chart
  nlohmann::json calibration;       // the document's `calibration` block
  std::vector<std::string> warnings;
  cv::Mat chart_mask;               // CV_8U, non-zero over the chart (excluded from skin); may be empty
  std::optional<double> blur_px;    // point spread SD measured on the chart's edges, capture px
};

Result<CalibratedCapture> RunCalibrationStage(const LoadedImage& image, const ScoreOptions& options);

// The region to measure: options.roi_mask, else the ROI file, else the automatic skin mask
// (core/mask/capture_mask.h), always without the chart.
Result<SkinMaskResult> SelectSkinMask(const CalibratedCapture& capture,
                                      const ScoreOptions& options);

// Fills the `metrics` block; per-pixel maps go to options.maps_dir when set. Adds warnings. Takes
// the capture, whose full-resolution image it releases once the analysis frame is built.
// `measured_mask`, when given, receives the region measured (CV_8U, the photo's pixels): the skin
// found, the ROI or the region carried from the baseline.
Result<nlohmann::json> RunMetricsStage(const LoadedImage& image, CalibratedCapture capture,
                                       const ScoreOptions& options,
                                       std::vector<std::string>& warnings,
                                       cv::Mat* measured_mask = nullptr);

}  // namespace skintrack::core

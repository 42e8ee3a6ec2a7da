#include "core/pipeline/score_pipeline.h"

#include <opencv2/imgproc.hpp>

#include "core/base/deadline.h"
#include "core/base/version.h"
#include "core/pipeline/stages.h"
#include "core/quality/capture_quality.h"

namespace skintrack::core {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// JPEG files saved below this IJG quality get the `heavy_compression` warning.
constexpr int kMinJpegQuality = 50;

json QualityToJson(const CaptureQuality& q) {
  json out = {
      {"focus_laplacian_var", q.focus_laplacian_var},
      {"clipped_highlights_pct", q.clipped_highlights_pct},
      {"clipped_shadows_pct", q.clipped_shadows_pct},
      {"glare_pct", q.glare_pct},
      {"median_luminance", q.median_luminance},
      {"colourless_pct", q.colourless_pct},
      {"colour_cast_rg", q.colour_cast_rg ? json(*q.colour_cast_rg) : json(nullptr)},
      {"colour_cast_bg", q.colour_cast_bg ? json(*q.colour_cast_bg) : json(nullptr)},
  };
  json warnings = json::array();
  for (const auto& w : q.warnings) warnings.push_back({{"code", w.code}, {"message", w.message}});
  out["warnings"] = warnings;
  return out;
}

// Resamples the calibrated capture into the registration's fixed frame (see
// ScoreOptions::fixed_frame): the colour correction and the scale were found on the capture's own
// pixels, so the chart and every pixel keep their calibrated values; only geometry changes.
Status MoveToFixedFrame(const Registration& registration, CalibratedCapture& capture) {
  SKT_ASSIGN_OR_RETURN(capture.rgb_linear, WarpToFixed(capture.rgb_linear, registration));
  if (!capture.chart_mask.empty()) {
    SKT_ASSIGN_OR_RETURN(capture.chart_mask,
                         WarpToFixed(capture.chart_mask, registration, cv::INTER_NEAREST));
  }
  if (capture.blur_px) capture.blur_px = *capture.blur_px * registration.scale;
  if (capture.px_per_mm) {
    capture.px_per_mm = *capture.px_per_mm * registration.scale;
    capture.calibration["px_per_mm_own_frame"] = capture.calibration["px_per_mm"];
    capture.calibration["px_per_mm"] = *capture.px_per_mm;
  }
  capture.calibration["frame"] = "aligned_to_baseline";
  return OkStatus();
}

}  // namespace

Result<SkinMaskResult> ScoringMask(const LoadedImage& image, const ScoreOptions& options) {
  SKT_ASSIGN_OR_RETURN(CalibratedCapture capture, RunCalibrationStage(image, options));
  return SelectSkinMask(capture, options);
}

json InputToJson(const LoadedImage& image, bool include_path) {
  json input = {
      {"path", include_path ? image.path.string() : image.path.filename().string()},
      {"sha256", image.sha256},
      {"format", image.header.format},
      {"width", image.bgr.cols},
      {"height", image.bgr.rows},
      {"bits_per_channel", image.bgr.depth() == CV_16U ? 16 : 8},
      {"file_bytes", image.file_bytes},
      {"exif_orientation", image.metadata.orientation},
      {"captured_at", image.metadata.captured_at ? json(*image.metadata.captured_at) : json(nullptr)},
      {"jpeg_quality", image.header.jpeg_quality ? json(*image.header.jpeg_quality) : json(nullptr)},
  };
  json camera = {{"make", image.metadata.camera_make}, {"model", image.metadata.camera_model}};
  camera["exposure_time_s"] =
      image.metadata.exposure_time_s ? json(*image.metadata.exposure_time_s) : json(nullptr);
  camera["f_number"] = image.metadata.f_number ? json(*image.metadata.f_number) : json(nullptr);
  camera["iso"] = image.metadata.iso ? json(*image.metadata.iso) : json(nullptr);
  input["camera"] = camera;
  return input;
}

Result<json> ScoreLoadedImage(const LoadedImage& image, const ScoreOptions& options) {
  json doc;
  doc["schema"] = "skintrack.score/1";
  doc["tool"] = {{"name", kToolName}, {"version", kToolVersion}, {"commit", kGitCommit}};
  doc["input"] = InputToJson(image, options.include_paths);
  CaptureQuality quality = AssessCaptureQuality(image.bgr);
  // Below IJG quality 50 the 8×8 blocks and the lost fine detail are at the scale of pores and
  // texture (a photo re-sent through a messaging app, for example).
  if (image.header.jpeg_quality && *image.header.jpeg_quality < kMinJpegQuality) {
    quality.warnings.push_back(
        {"heavy_compression", "the JPEG was saved at quality " +
                                  std::to_string(*image.header.jpeg_quality) + " (below " +
                                  std::to_string(kMinJpegQuality) +
                                  "): fine detail (pores, texture, fine lines) is lost in its 8x8 "
                                  "blocks; use the camera's original file"});
  }
  doc["quality"] = QualityToJson(quality);
  json warnings = json::array();
  for (const auto& w : quality.warnings) warnings.push_back(w.code);

  SKT_RETURN_IF_ERROR(CheckDeadline("the capture-quality check"));
  SKT_ASSIGN_OR_RETURN(CalibratedCapture capture, RunCalibrationStage(image, options));
  SKT_RETURN_IF_ERROR(CheckDeadline("colour calibration"));
  if (options.fixed_frame) {
    SKT_RETURN_IF_ERROR(MoveToFixedFrame(*options.fixed_frame, capture));
  }
  doc["calibration"] = capture.calibration;
  for (const auto& w : capture.warnings) warnings.push_back(w);
  std::vector<std::string> metric_warnings;
  SKT_ASSIGN_OR_RETURN(json metrics,
                       RunMetricsStage(image, std::move(capture), options, metric_warnings));
  doc["metrics"] = std::move(metrics);
  for (const auto& w : metric_warnings) warnings.push_back(w);
  doc["warnings"] = warnings;
  return doc;
}

Result<json> ScoreImageFile(const fs::path& path, const ScoreOptions& options) {
  SKT_ASSIGN_OR_RETURN(LoadedImage image, LoadImage(path, options.load));
  return ScoreLoadedImage(image, options);
}

}  // namespace skintrack::core

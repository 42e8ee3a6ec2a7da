#include "core/pipeline/score_pipeline.h"

#include <algorithm>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/base/deadline.h"
#include "core/base/version.h"
#include "core/pipeline/stages.h"
#include "core/quality/capture_quality.h"

namespace skintrack::core {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

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

// Carries the region to measure (and the face box) from the registration's fixed frame onto the
// capture's own pixels (see ScoreOptions::fixed_frame). The capture itself is not resampled: an
// interpolated copy is smoother than the photo (bilinear at half a pixel halves the finest
// detail), and a follow-up so smoothed read 30-45 % fewer pores and 12-14 % less roughness than
// the same photo shifted by a fraction of a pixel: an "improvement" made by the alignment.
Status MapRegionToOwnFrame(const Registration& registration, ScoreOptions& options) {
  SKT_CHECK(!options.roi_mask.empty()) << "fixed_frame needs roi_mask";
  SKT_ASSIGN_OR_RETURN(options.roi_mask, WarpToMoving(options.roi_mask, registration));
  if (options.face) {
    const cv::Rect face = FixedRectToMoving(*options.face, registration);
    options.face = face.empty() ? std::nullopt : std::optional<cv::Rect>(face);
  }
  // A follow-up taken with the camera turned from the baseline's holds the face turned too; with
  // no face, it is measured turned the way the baseline lay.
  options.face_quarter_turns =
      (options.face_quarter_turns - QuarterTurnsFixedToMoving(registration) + 4) % 4;
  options.face_tilt_deg += TiltFixedToMovingDeg(registration);
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

std::vector<std::string> WarningCodes(const json& score_doc) {
  std::vector<std::string> codes;
  if (!score_doc.is_object()) return codes;
  const auto warnings = score_doc.find("warnings");
  if (warnings == score_doc.end() || !warnings->is_array()) return codes;
  for (const auto& w : *warnings) {
    if (w.is_string()) codes.push_back(w.get<std::string>());
  }
  return codes;
}

std::vector<std::string> StoredWarningCodes(std::string_view warnings_json) {
  return WarningCodes(
      {{"warnings", json::parse(warnings_json, nullptr, /*allow_exceptions=*/false)}});
}

Result<json> ScoreLoadedImage(const LoadedImage& image, const ScoreOptions& options) {
  json doc;
  doc["schema"] = "skintrack.score/1";
  doc["tool"] = {{"name", kToolName}, {"version", kToolVersion}, {"commit", kGitCommit}};
  doc["input"] = InputToJson(image, options.include_paths);
  // The photo reduced once for both quality judgements, before and after the skin is found.
  const cv::Mat quality_copy = QualityWorkingCopy(image.bgr);
  CaptureQuality quality = AssessCaptureQuality(quality_copy);
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
  // Transparency is not skin: the alpha channel is dropped, so a cut-out photo's background (or a
  // faded overlay) would be measured as the colour values stored under it.
  if (image.transparent_pct > 0) {
    char share[32];
    std::snprintf(share, sizeof(share), "%.1f", image.transparent_pct);
    quality.warnings.push_back(
        {"alpha_ignored", std::string(share) +
                              " % of the photo is transparent or partly transparent; skintrack "
                              "measures the colour stored under it (the alpha channel is "
                              "ignored): give the skin with --roi, or use the original photo"});
  }
  SKT_RETURN_IF_ERROR(CheckDeadline("the capture-quality check"));
  SKT_ASSIGN_OR_RETURN(CalibratedCapture capture, RunCalibrationStage(image, options));
  SKT_RETURN_IF_ERROR(CheckDeadline("colour calibration"));
  ScoreOptions own_frame = options;
  if (options.fixed_frame) {
    SKT_RETURN_IF_ERROR(MapRegionToOwnFrame(*options.fixed_frame, own_frame));
  }
  doc["calibration"] = capture.calibration;
  const std::vector<std::string> calibration_warnings = capture.warnings;
  std::vector<std::string> metric_warnings;
  cv::Mat measured;
  SKT_ASSIGN_OR_RETURN(json metrics, RunMetricsStage(image, std::move(capture), own_frame,
                                                     metric_warnings, &measured));
  doc["metrics"] = std::move(metrics);
  const auto warned = [&](const char* code) {
    return std::find(metric_warnings.begin(), metric_warnings.end(), code) != metric_warnings.end();
  };
  // A chart read as a ColorChecker Classic that leaves even the largest pores under 3 px: a
  // close-up photographed with a smaller chart (a Mini, Passport or Nano, or `skintrack phantom`'s)
  // is then read as several times farther away than it is (docs/METRICS.md, Resolution).
  if (doc["calibration"].value("scale_source", "") == "chart" &&
      options.chart_pitch_mm == kClassicPatchPitchMm && warned("pores_below_resolution")) {
    metric_warnings.push_back("chart_pitch_check");
  }
  // Brown and dark skin (ITA° under 10) at the pores' near-resolution scale or coarser (below
  // 13.3 px/mm): the blue channel is a few JPEG codes there and its noise, chroma-subsampled into
  // blocks the size of small scars, draws dark blobs and lines. `skintrack phantom`'s dark skin
  // at 10 px/mm read its wrinkle length at a median 0.73 of truth (0 of 8 captures within 15 %)
  // and its pore density at 0.85 (2 of 8 within 10 %), where 15 px/mm read 1.04 and 0.97
  // (docs/METRICS.md, tones).
  if (warned("pores_near_resolution") || warned("pores_below_resolution")) {
    const json& measured_metrics = doc["metrics"];
    const json ita = measured_metrics.contains("pigmentation")
                         ? measured_metrics["pigmentation"].value("ita_deg", json())
                         : json();
    if (ita.is_number() && ita.get<double>() < kDarkSkinItaDeg) {
      metric_warnings.push_back("dark_skin_low_resolution");
    }
  }
  // The light's colour is read off the near-neutral pixels the skin measured is not (pale skin is
  // near-neutral and reddish, and a close-up's skin read as a warm cast); clipping and glare are
  // judged on the skin measured, not on a backdrop (docs/QUALITY.md).
  if (measured.type() == CV_8U && measured.size() == image.bgr.size()) {
    JudgeAgainstRegion(quality_copy, measured, quality);
  }
  MarkStageEnd("the final quality check");
  doc["quality"] = QualityToJson(quality);
  json warnings = json::array();
  for (const auto& w : quality.warnings) warnings.push_back(w.code);
  for (const auto& w : calibration_warnings) warnings.push_back(w);
  for (const auto& w : metric_warnings) warnings.push_back(w);
  doc["warnings"] = warnings;
  return doc;
}

Result<json> ScoreImageFile(const fs::path& path, const ScoreOptions& options) {
  SKT_ASSIGN_OR_RETURN(LoadedImage image, LoadImage(path, options.load));
  return ScoreLoadedImage(image, options);
}

}  // namespace skintrack::core

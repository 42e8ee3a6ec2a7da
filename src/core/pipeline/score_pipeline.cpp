#include "core/pipeline/score_pipeline.h"

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
      {"colour_cast_rg", q.colour_cast_rg ? json(*q.colour_cast_rg) : json(nullptr)},
      {"colour_cast_bg", q.colour_cast_bg ? json(*q.colour_cast_bg) : json(nullptr)},
  };
  json warnings = json::array();
  for (const auto& w : q.warnings) warnings.push_back({{"code", w.code}, {"message", w.message}});
  out["warnings"] = warnings;
  return out;
}

}  // namespace

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
  const CaptureQuality quality = AssessCaptureQuality(image.bgr);
  doc["quality"] = QualityToJson(quality);
  json warnings = json::array();
  for (const auto& w : quality.warnings) warnings.push_back(w.code);

  SKT_ASSIGN_OR_RETURN(CalibratedCapture capture, RunCalibrationStage(image, options));
  doc["calibration"] = capture.calibration;
  for (const auto& w : capture.warnings) warnings.push_back(w);
  std::vector<std::string> metric_warnings;
  SKT_ASSIGN_OR_RETURN(json metrics, RunMetricsStage(image, capture, options, metric_warnings));
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

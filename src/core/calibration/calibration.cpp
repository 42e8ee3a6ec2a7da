#include "core/calibration/calibration.h"

#include <cmath>
#include <cstdio>

#include "core/calibration/edge_blur.h"
#include "core/color/srgb.h"

namespace skintrack::core {
namespace {

using nlohmann::json;

json Vec(const cv::Vec3d& v, double digits_scale = 1e4) {
  auto round = [digits_scale](double x) { return std::round(x * digits_scale) / digits_scale; };
  return json::array({round(v[0]), round(v[1]), round(v[2])});
}

json Number(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }


json ChartJson(const ChartDetection& chart, const ChartDetectionOptions& options) {
  json corners = json::array();
  for (const auto& p : chart.corners_px) corners.push_back({std::round(p.x * 10) / 10, std::round(p.y * 10) / 10});
  return {
      {"type", "colorchecker_classic_24"},
      {"corners_px", corners},
      {"corner_order", "patch1_top_left, top_right, bottom_right, bottom_left"},
      {"rotation_deg", std::round(chart.rotation_deg * 10) / 10},
      {"mirrored", chart.mirrored},
      {"orientation_delta_e00", chart.orientation_delta_e00},
      {"orientation_margin", Number(chart.orientation_margin)},
      {"detection_cost", chart.detection_cost},
      {"refined_full_resolution", chart.refined},
      {"refined_on_patches", chart.patch_refined},
      {"patch_pitch_mm", options.geometry.patch_pitch_mm},
      {"patch_size_mm", options.geometry.patch_size_mm},
  };
}

}  // namespace

CalibrationResult CalibrateImage(const cv::Mat& bgr, const CalibrationOptions& options) {
  CalibrationResult result;
  result.rgb_linear = BgrToLinearRgb(bgr);
  json& j = result.json;
  j = {{"method", "none"}, {"chart_found", false}};
  j["reference"] = ChartReferenceName(options.detection.reference);
  j["delta_e00_mean"] = nullptr;
  j["delta_e00_max"] = nullptr;
  j["delta_e00_loo_mean"] = nullptr;
  j["px_per_mm"] = nullptr;
  j["px_per_mm_uncertainty"] = nullptr;

  auto warn = [&result](const std::string& code, const std::string& message) {
    result.warnings.push_back(code);
    result.messages.push_back(message);
  };

  if (!options.detect_chart) {
    j["detection"] = "skipped";
    warn("uncalibrated_colour",
         "colour calibration was switched off; absolute colour is not comparable across sessions");
    return result;
  }

  const ChartSearchResult search = DetectChart(bgr, result.rgb_linear, options.detection);
  if (!search.chart) {
    j["detection"] = search.failure_reason;
    warn("no_colour_chart",
         "no ColorChecker Classic 24 found (" + search.failure_reason +
             "); colour is uncorrected and not comparable across sessions; include the chart in "
             "the frame, fully visible and evenly lit");
    return result;
  }
  const ChartDetection& chart = *search.chart;
  result.chart_found = true;
  result.chart = chart;
  result.chart_mask = ChartMask(chart, bgr.size());
  j["chart_found"] = true;
  j["detection"] = "mcc";
  j["chart"] = ChartJson(chart, options.detection);
  j["px_per_mm"] = chart.px_per_mm;
  j["px_per_mm_uncertainty"] = chart.px_per_mm_uncertainty;
  j["px_per_mm_range"] = {chart.px_per_mm_min, chart.px_per_mm_max};
  if (chart.px_per_mm_max > 1.1 * chart.px_per_mm_min) {
    warn("chart_oblique", "the chart is viewed at an angle: the scale varies from " +
                              std::to_string(chart.px_per_mm_min) + " to " +
                              std::to_string(chart.px_per_mm_max) +
                              " px/mm across it; photograph the chart square to the camera");
  }
  if (chart.orientation_margin < 1.5) {
    warn("chart_orientation_uncertain",
         "the chart's orientation is ambiguous (colour agreement of the best and second-best "
         "orientation differ by less than 1.5x); check the patch table");
  }

  if (const auto blur = MeasureEdgeBlur(result.rgb_linear, chart, options.detection.geometry)) {
    result.edge_blur_px = blur->sigma_px;
    j["edge_blur_px"] = std::round(blur->sigma_px * 1000) / 1000;
    j["edge_blur_spread_px"] = std::round(blur->spread_px * 1000) / 1000;
    j["edge_blur_edges"] = blur->edges;
  } else {
    j["edge_blur_px"] = nullptr;
  }

  ColorCorrectionOptions correction_options = options.correction;
  correction_options.reference = options.detection.reference;
  std::array<cv::Vec3d, kChartPatches> measured;
  for (int i = 0; i < kChartPatches; ++i) measured[i] = chart.patches[i].rgb_linear;
  Result<ColorCorrectionFit> fit = FitColorCorrection(measured, correction_options);

  json patches = json::array();
  const auto& names = ChartPatchNames();
  for (int i = 0; i < kChartPatches; ++i) {
    json p = {{"index", i + 1},
              {"name", names[i]},
              {"measured_rgb_linear", Vec(chart.patches[i].rgb_linear, 1e6)},
              {"pixels", chart.patches[i].pixels},
              {"rejected_pixels", chart.patches[i].rejected},
              {"centre_px", {std::round(chart.patches[i].centre_px.x * 10) / 10,
                             std::round(chart.patches[i].centre_px.y * 10) / 10}}};
    if (fit.ok()) {
      const PatchCorrection& c = fit->patches[i];
      p["reference_lab"] = Vec(c.reference_lab);
      p["measured_lab"] = Vec(c.measured_lab);
      p["corrected_lab"] = Vec(c.corrected_lab);
      p["delta_e00_uncorrected"] = c.delta_e00_uncorrected;
      p["delta_e00"] = c.delta_e00;
      p["delta_e00_loo"] = Number(c.delta_e00_loo);
      p["clipped"] = c.clipped;
    }
    patches.push_back(p);
  }
  j["patches"] = patches;
  if (!fit.ok()) {
    warn("colour_correction_failed", fit.error().message);
    return result;
  }
  if (fit->delta_e00_mean > options.max_chart_delta_e00) {
    // Not a chart (a tiled wall, a mosaic): neither its colours nor its size can be trusted, and
    // the warnings about its angle and orientation do not apply either.
    char reason[160];
    std::snprintf(reason, sizeof(reason),
                  "rejected: its patch colours do not match a ColorChecker (mean ΔE00 %.1f after "
                  "the best correction; a chart gives at most %.0f)",
                  fit->delta_e00_mean, options.max_chart_delta_e00);
    CalibrationResult rejected;
    rejected.rgb_linear = result.rgb_linear;
    rejected.json = {{"method", "none"}, {"chart_found", false}, {"reference", j["reference"]}};
    for (const char* key : {"delta_e00_mean", "delta_e00_max", "delta_e00_loo_mean", "px_per_mm",
                            "px_per_mm_uncertainty"}) {
      rejected.json[key] = nullptr;
    }
    rejected.json["detection"] = reason;
    rejected.json["rejected_chart"] = j["chart"];
    rejected.warnings.push_back("no_colour_chart");
    rejected.messages.push_back(std::string("a chart-like pattern was found but ") + reason +
                                "; colour is uncorrected and not comparable across sessions, "
                                "and no scale was taken from it; include a real ColorChecker "
                                "Classic 24, fully visible and evenly lit");
    return rejected;
  }
  const ColorCorrectionFit& f = *fit;
  result.fit = f;
  j["method"] = "chart_" + f.correction.Name();
  j["model"] = CorrectionModelName(f.correction.model());
  j["tone_curve"] = f.correction.tone_curve();
  j["exposure_gain"] = f.correction.exposure_gain();
  j["channel_gain"] = Vec(f.correction.channel_gain(), 1e6);
  j["channel_gamma"] = Vec(f.correction.channel_gamma(), 1e6);
  j["patches_used"] = f.patches_used;
  j["delta_e00_uncorrected_mean"] = f.delta_e00_uncorrected_mean;
  j["delta_e00_mean"] = f.delta_e00_mean;
  j["delta_e00_max"] = f.delta_e00_max;
  j["delta_e00_loo_mean"] = f.delta_e00_loo_mean;
  j["delta_e00_loo_max"] = f.delta_e00_loo_max;
  json models = json::array();
  for (const ModelSummary& m : f.models) {
    models.push_back({{"model", CorrectionModelName(m.model)},
                      {"tone_curve", m.tone_curve},
                      {"delta_e00_mean", m.delta_e00_mean},
                      {"delta_e00_max", m.delta_e00_max},
                      {"delta_e00_loo_mean", m.delta_e00_loo_mean},
                      {"delta_e00_loo_max", m.delta_e00_loo_max}});
  }
  j["models"] = models;
  if (f.patches_used < kChartPatches) {
    warn("chart_patches_clipped", std::to_string(kChartPatches - f.patches_used) +
                                      " chart patches are clipped and were left out of the fit");
  }
  if (f.delta_e00_loo_mean > 5.0) {
    warn("poor_colour_correction",
         "the colour correction is poor (leave-one-out mean ΔE00 " +
             std::to_string(f.delta_e00_loo_mean) +
             "); check the lighting on the chart (glare, shadow) and the --reference edition");
  }
  // Corrected from the encoded photo into the linearised copy's own buffer (nothing else holds it).
  if (options.correct_image) f.correction.ApplyToEncoded(bgr, result.rgb_linear);
  return result;
}

}  // namespace skintrack::core

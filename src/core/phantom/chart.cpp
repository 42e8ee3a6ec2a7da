#include "core/phantom/chart.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/calibration/chart_geometry.h"
#include "core/color/color_space.h"

namespace skintrack::core::phantom {

cv::Rect ChartLayout::PatchRect(int index) const {
  const int row = index / kChartColumns;
  const int column = index % kChartColumns;
  const int gap = pitch_px - patch_px;
  return cv::Rect(rect_px.x + border_px + gap + column * pitch_px,
                  rect_px.y + border_px + gap + row * pitch_px, patch_px, patch_px);
}

Result<ChartLayout> MakeChartLayout(const PhantomOptions& o) {
  ChartLayout chart;
  chart.classic_pitch_mm = kClassicPatchPitchMm;
  if (!o.features.chart) return chart;
  const double ppm = o.px_per_mm;
  const double width_mm = o.width_px / ppm;
  const double box_per_pitch = kChartColumns + (1.0 - kClassicPatchSizeMm / kClassicPatchPitchMm);
  double pitch_mm = o.features.chart_patch_pitch_mm;
  if (pitch_mm <= 0) pitch_mm = std::min(kClassicPatchPitchMm, 0.3 * width_mm / box_per_pitch);
  chart.pitch_px = static_cast<int>(std::lround(pitch_mm * ppm));
  chart.patch_px = static_cast<int>(
      std::lround(chart.pitch_px * kClassicPatchSizeMm / kClassicPatchPitchMm));
  const int gap = chart.pitch_px - chart.patch_px;
  if (chart.patch_px < 8 || gap < 1) {
    return UsageError("the ColorChecker would be too small at " + std::to_string(ppm) +
                      " px/mm (patches under 8 px); raise --px-per-mm or --size, or use --no-chart");
  }
  chart.pitch_mm = chart.pitch_px / ppm;
  chart.patch_mm = chart.patch_px / ppm;
  chart.border_px = 2 * gap;
  const int box_w = kChartColumns * chart.pitch_px + gap;
  const int box_h = kChartRows * chart.pitch_px + gap;
  const int body_w = box_w + 2 * chart.border_px;
  const int body_h = box_h + 2 * chart.border_px;
  const int margin = static_cast<int>(std::lround(3.0 * ppm));
  if (body_w + 2 * margin > o.width_px / 2 || body_h + 2 * margin > o.height_px / 2) {
    return UsageError("the ColorChecker (pitch " + std::to_string(chart.pitch_mm) +
                      " mm) does not fit in a quarter of the image; lower the chart pitch, raise "
                      "--size or use --no-chart");
  }
  chart.rect_px = cv::Rect(o.width_px - margin - body_w, o.height_px - margin - body_h, body_w,
                           body_h);
  const auto& lab = ChartReferenceLabD50(ChartReference::kPost2014);
  const auto& names = ChartPatchNames();
  for (int i = 0; i < kChartPatches; ++i) {
    ChartPatch patch;
    patch.lab_d50 = lab[static_cast<std::size_t>(i)];
    patch.name = std::string(names[static_cast<std::size_t>(i)]);
    const cv::Vec3d rgb = LinearSrgbFromLabD50(patch.lab_d50);
    for (int c = 0; c < 3; ++c) {
      if (rgb[c] < 0 || rgb[c] > 1) patch.in_srgb_gamut = false;
      patch.rgb_linear[c] = std::clamp(rgb[c], 0.0, 1.0);
    }
    chart.patches.push_back(patch);
  }
  chart.present = true;
  return chart;
}

}  // namespace skintrack::core::phantom

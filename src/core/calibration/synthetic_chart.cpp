#include "core/calibration/synthetic_chart.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/base/check.h"
#include "core/color/color_space.h"

namespace skintrack::core {

cv::Matx33d ChartPlacement(cv::Point2d origin_px, double px_per_mm, double angle_deg) {
  const double a = angle_deg * 3.14159265358979323846 / 180.0;
  const double c = std::cos(a) * px_per_mm;
  const double s = std::sin(a) * px_per_mm;
  return {c, -s, origin_px.x, s, c, origin_px.y, 0, 0, 1};
}

void RenderChart(cv::Mat& canvas, const cv::Matx33d& image_from_chart_mm,
                 const ChartGeometry& geometry, ChartReference reference,
                 const CameraResponse& camera) {
  SKT_CHECK(canvas.type() == CV_32FC3) << "canvas must be CV_32FC3 linear RGB";
  const auto& lab = ChartReferenceLabD50(reference);
  std::vector<cv::Vec3d> colours(kChartPatches);
  for (int i = 0; i < kChartPatches; ++i) colours[i] = camera(LinearSrgbFromLabD50(lab[i]));
  // Frame: a dark grey (reflectance ~3 %) like the chart's black border.
  const cv::Vec3d frame = camera(cv::Vec3d(0.03, 0.03, 0.03));
  const cv::Matx33d chart_from_image = image_from_chart_mm.inv();
  // Bounding box of the chart in the image.
  double min_x = 1e30, min_y = 1e30, max_x = -1e30, max_y = -1e30;
  for (const cv::Point2d corner : {cv::Point2d(0, 0), cv::Point2d(geometry.BoxWidthMm(), 0),
                                   cv::Point2d(geometry.BoxWidthMm(), geometry.BoxHeightMm()),
                                   cv::Point2d(0, geometry.BoxHeightMm())}) {
    const cv::Vec3d v = image_from_chart_mm * cv::Vec3d(corner.x, corner.y, 1);
    min_x = std::min(min_x, v[0] / v[2]);
    max_x = std::max(max_x, v[0] / v[2]);
    min_y = std::min(min_y, v[1] / v[2]);
    max_y = std::max(max_y, v[1] / v[2]);
  }
  const int x0 = std::max(0, static_cast<int>(std::floor(min_x)) - 1);
  const int y0 = std::max(0, static_cast<int>(std::floor(min_y)) - 1);
  const int x1 = std::min(canvas.cols - 1, static_cast<int>(std::ceil(max_x)) + 1);
  const int y1 = std::min(canvas.rows - 1, static_cast<int>(std::ceil(max_y)) + 1);
  constexpr int kSuper = 4;
  for (int y = y0; y <= y1; ++y) {
    auto* row = canvas.ptr<cv::Vec3f>(y);
    for (int x = x0; x <= x1; ++x) {
      cv::Vec3d sum(0, 0, 0);
      int inside = 0;
      for (int sy = 0; sy < kSuper; ++sy) {
        for (int sx = 0; sx < kSuper; ++sx) {
          const double px = x - 0.5 + (sx + 0.5) / kSuper;
          const double py = y - 0.5 + (sy + 0.5) / kSuper;
          const cv::Vec3d v = chart_from_image * cv::Vec3d(px, py, 1);
          const double mx = v[0] / v[2], my = v[1] / v[2];
          if (mx < 0 || my < 0 || mx > geometry.BoxWidthMm() || my > geometry.BoxHeightMm()) continue;
          ++inside;
          const double gx = mx - geometry.GapMm(), gy = my - geometry.GapMm();
          const int column = static_cast<int>(std::floor(gx / geometry.patch_pitch_mm));
          const int patch_row = static_cast<int>(std::floor(gy / geometry.patch_pitch_mm));
          const bool on_patch = gx >= 0 && gy >= 0 && column < kChartColumns &&
                                patch_row < kChartRows &&
                                gx - column * geometry.patch_pitch_mm <= geometry.patch_size_mm &&
                                gy - patch_row * geometry.patch_pitch_mm <= geometry.patch_size_mm;
          sum += on_patch ? colours[patch_row * kChartColumns + column] : frame;
        }
      }
      if (inside == 0) continue;
      const double w = static_cast<double>(inside) / (kSuper * kSuper);
      const cv::Vec3d mean = sum / static_cast<double>(inside);
      for (int c = 0; c < 3; ++c) {
        row[x][c] = static_cast<float>((1.0 - w) * row[x][c] + w * mean[c]);
      }
    }
  }
}

}  // namespace skintrack::core

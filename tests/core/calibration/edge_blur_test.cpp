// The capture's blur measured on the chart's edges (edge_blur.h) against known blurs.
#include "core/calibration/edge_blur.h"

#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/calibration/synthetic_chart.h"

namespace skintrack::core {
namespace {

// A chart on grey skin-toned paper, tilted by `angle_deg`, blurred by a Gaussian of `blur_px`, with
// mild sensor noise, and a detection that knows where it lies (as chart detection would report).
struct BlurredChart {
  cv::Mat rgb;
  ChartDetection chart;
};

BlurredChart RenderBlurredChart(double angle_deg, double blur_px, double px_per_mm = 1.6) {
  BlurredChart scene;
  scene.rgb = cv::Mat(720, 800, CV_32FC3, cv::Scalar(0.35, 0.3, 0.25));
  const ChartGeometry geometry;
  scene.chart.image_from_chart_mm = ChartPlacement({140, 100}, px_per_mm, angle_deg);
  RenderChart(scene.rgb, scene.chart.image_from_chart_mm, geometry, ChartReference::kPost2014,
              [](const cv::Vec3d& v) { return v; });
  if (blur_px > 0) cv::GaussianBlur(scene.rgb, scene.rgb, cv::Size(), blur_px, blur_px);
  cv::Mat noise(scene.rgb.size(), CV_32FC3);
  cv::randn(noise, 0.0, 0.002);
  scene.rgb += noise;
  return scene;
}

// The renderer integrates each pixel over its area (4 x 4 sub-pixels), which the edge model holds;
// the blur measured is that of the kernel GaussianBlur samples (below 0.5 px well under σ).
double KernelSd(double blur_px) {
  const int size = cvRound(blur_px * 4 * 2 + 1) | 1;  // GaussianBlur's size for float images
  const cv::Mat kernel = cv::getGaussianKernel(size, blur_px, CV_64F);
  double variance = 0;
  for (int i = 0; i < size; ++i) {
    const double offset = i - size / 2;
    variance += kernel.at<double>(i) * offset * offset;
  }
  return std::sqrt(variance);
}

TEST(EdgeBlur, MeasuresTheSpreadOfATiltedChart) {
  for (double angle : {3.0, -7.0, 20.0}) {
    for (double blur : {0.3, 0.6, 1.0, 1.6}) {
      const BlurredChart scene = RenderBlurredChart(angle, blur);
      const auto measured = MeasureEdgeBlur(scene.rgb, scene.chart, ChartGeometry{});
      ASSERT_TRUE(measured.has_value()) << angle << " " << blur;
      std::printf("angle %5.1f blur %.2f: measured %.3f px (kernel SD %.3f), %d edges\n", angle,
                  blur, measured->sigma_px, KernelSd(blur), measured->edges);
      EXPECT_NEAR(measured->sigma_px, KernelSd(blur), 0.07 + 0.03 * blur)
          << angle << " " << blur;
      EXPECT_GE(measured->edges, 4);
    }
  }
}

TEST(EdgeBlur, NothingWithoutEnoughEdgesInTheImage) {
  BlurredChart scene = RenderBlurredChart(3.0, 0.6);
  // The chart's bottom row cut off by the image border: its edges cannot be measured.
  scene.rgb = scene.rgb(cv::Rect(0, 0, 800, 330)).clone();
  EXPECT_FALSE(MeasureEdgeBlur(scene.rgb, scene.chart, ChartGeometry{}).has_value());
}

}  // namespace
}  // namespace skintrack::core

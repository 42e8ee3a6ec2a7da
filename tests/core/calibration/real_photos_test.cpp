// The chart photos in ../shared/data/photos/chart (8 MP phone photos, 2014; the chart is a
// small-format 24-patch ColorChecker, seen at an angle and partly painted over by the uploader).
// Corners were measured by hand on full-resolution crops (outer edge of the black frame that
// surrounds the patch field), in chart-frame order: the corner beside patch 1 (dark skin), beside
// patch 6 (bluish green), beside patch 24 (black), beside patch 19 (white).
#include <filesystem>

#include <gtest/gtest.h>

#include "core/calibration/calibration.h"
#include "core/io/image_io.h"
#include "test_support/photos.h"

namespace skintrack::core {
namespace {

struct HandMeasuredChart {
  const char* file;
  std::array<cv::Point2d, 4> corners_px;
};

const HandMeasuredChart kCharts[] = {
    {"chart/IMG_20140613_203438.jpg",
     {cv::Point2d(1650.7, 898.3), cv::Point2d(1146.7, 1412.7), cv::Point2d(715.0, 1200.7),
      cv::Point2d(1252.7, 745.0)}},
    {"chart/IMG_20140613_203524.jpg",
     {cv::Point2d(2200.6, 1765.6), cv::Point2d(2422.0, 1976.0), cv::Point2d(2318.0, 2138.0),
      cv::Point2d(2087.0, 1920.0)}},
};

// Scale implied by the hand corners: mean of side length / side length in mm.
double HandPxPerMm(const std::array<cv::Point2d, 4>& c, const ChartGeometry& g) {
  const double sides_mm[4] = {g.BoxWidthMm(), g.BoxHeightMm(), g.BoxWidthMm(), g.BoxHeightMm()};
  double sum = 0;
  for (int k = 0; k < 4; ++k) sum += cv::norm(c[(k + 1) % 4] - c[k]) / sides_mm[k];
  return sum / 4.0;
}

TEST(RealChartPhotos, FoundWithPatchOrderAndScale) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const HandMeasuredChart& expected : kCharts) {
    SCOPED_TRACE(expected.file);
    auto image = LoadImage(photos / expected.file);
    ASSERT_TRUE(image.ok()) << image.error().message;
    const CalibrationResult result = CalibrateImage(image->bgr);
    ASSERT_TRUE(result.chart_found) << result.json.dump(1);
    const ChartDetection& chart = *result.chart;
    const double chart_size_px = cv::norm(expected.corners_px[2] - expected.corners_px[0]);
    // Patch order: every corner lands on its hand-measured counterpart (a rotated or mirrored
    // assignment would put at least two corners a chart side away).
    for (int k = 0; k < 4; ++k) {
      EXPECT_LT(cv::norm(chart.corners_px[k] - expected.corners_px[k]), 0.03 * chart_size_px)
          << "corner " << k << " detected at " << chart.corners_px[k];
    }
    const double hand = HandPxPerMm(expected.corners_px, ChartGeometry{});
    EXPECT_NEAR(chart.px_per_mm, hand, 0.02 * hand);
    EXPECT_FALSE(chart.mirrored);
    EXPECT_TRUE(result.json["px_per_mm"].is_number());
    EXPECT_EQ(result.json["patches"].size(), 24u);
  }
}

TEST(RealChartPhotos, FacePhotoHasNoChart) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  auto image = LoadImage(photos / "faces/001_03.jpg");
  ASSERT_TRUE(image.ok()) << image.error().message;
  const CalibrationResult result = CalibrateImage(image->bgr);
  EXPECT_FALSE(result.chart_found);
  EXPECT_EQ(result.json["method"], "none");
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_EQ(result.warnings[0], "no_colour_chart");
}

TEST(RealChartPhotos, TiledWallIsNotTakenForAChart) {
  // The blue and white tiles behind this sitter match mcc's chart pattern; their colours do not.
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  auto image = LoadImage(photos / "faces/zoom_60cm.jpg");
  ASSERT_TRUE(image.ok()) << image.error().message;
  const CalibrationResult result = CalibrateImage(image->bgr);
  EXPECT_FALSE(result.chart_found) << result.json.dump();
  EXPECT_TRUE(result.json["px_per_mm"].is_null());
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_EQ(result.warnings[0], "no_colour_chart");
}

}  // namespace
}  // namespace skintrack::core

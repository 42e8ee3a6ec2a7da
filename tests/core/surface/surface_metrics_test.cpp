// ISO 25178 parameters on sampled analytic surfaces (REFERENCES.md section 4) and scar detection.
#include "core/surface/surface_metrics.h"

#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/surface/analytic_surfaces.h"
#include "core/surface/form_removal.h"

namespace skintrack::core {
namespace {

// Heights in mm with px_per_mm = 1 so that A = 1 and lambda = 20 are in the same unit, as in the
// reference table.
cv::Mat SampledMm(const testing::AnalyticSurface& s) { return s.height_px.clone(); }

TEST(Iso25178, SampledSineMatchesSurfalizeAndAnalyticValues) {
  // 200 x 200 samples of sin(2 pi x / 20): 10 whole periods.
  const cv::Mat z = SampledMm(testing::Sine(cv::Size(200, 200), 1.0, 20.0));
  auto iso = ComputeIso25178(z, 1.0);
  ASSERT_TRUE(iso.ok());
  // surfalize's sine test (discrete sampling at lambda = 20 px): Sa 0.63137515, Sq 0.70710678,
  // Sz 2.0, Ssk 0, Sku 1.5. Heights here are mm, reported in um.
  EXPECT_NEAR(iso->sa_um / 1000, 0.63137515, 1e-6);
  EXPECT_NEAR(iso->sq_um / 1000, 0.70710678, 1e-6);
  EXPECT_NEAR(iso->sz_um / 1000, 2.0, 1e-6);
  EXPECT_NEAR(iso->sp_um / 1000, 1.0, 1e-6);
  EXPECT_NEAR(iso->sv_um / 1000, 1.0, 1e-6);
  EXPECT_NEAR(iso->ssk, 0.0, 1e-6);
  EXPECT_NEAR(iso->sku, 1.5, 1e-6);
  // Sdr with forward differences at dx = 1: 2.4017 % (analytic, continuous: 2.4235 %); the 199
  // differences of a 200-sample row are not whole periods, which costs 0.4 % (2.3926 %).
  EXPECT_NEAR(iso->sdr_pct, 2.4017, 0.015);
  EXPECT_NEAR(iso->sdr_pct, 2.4235, 0.05 * 2.4235);
}

TEST(Iso25178, SampledEggCrateMatchesAnalyticValues) {
  const cv::Mat z = SampledMm(testing::EggCrate(cv::Size(200, 200), 1.0, 20.0));
  auto iso = ComputeIso25178(z, 1.0);
  ASSERT_TRUE(iso.ok());
  EXPECT_NEAR(iso->sa_um / 1000, 4.0 / (CV_PI * CV_PI), 0.02 * 0.40528);
  EXPECT_NEAR(iso->sq_um / 1000, 0.5, 1e-6);  // exact for whole periods
  EXPECT_NEAR(iso->ssk, 0.0, 1e-6);
  EXPECT_NEAR(iso->sku, 2.25, 1e-6);
  EXPECT_NEAR(iso->sz_um / 1000, 2.0, 1e-6);
  EXPECT_NEAR(iso->sdr_pct, 2.4306, 0.05 * 2.4306);
}

TEST(Iso25178, UnitsAndScaleAreApplied) {
  // A 10 um sine sampled at 100 px/mm, wavelength 0.2 mm (20 px): same shape as above.
  cv::Mat z = testing::Sine(cv::Size(200, 100), 1.0, 20.0).height_px * 0.010;
  auto iso = ComputeIso25178(z, 100.0);
  ASSERT_TRUE(iso.ok());
  EXPECT_NEAR(iso->sq_um, 10.0 / std::sqrt(2.0), 1e-4);
  // Slopes are scale-free: k A = 2 pi 0.01 / 0.2, the same as A = 1, lambda = 20.
  EXPECT_NEAR(iso->sdr_pct, 2.4017, 0.015);
  // Skewness: a surface with a deep narrow pit is negatively skewed.
  cv::Mat pitted = cv::Mat::zeros(100, 100, CV_32FC1);
  cv::circle(pitted, {50, 50}, 5, cv::Scalar(-0.1), cv::FILLED);
  auto skewed = ComputeIso25178(pitted, 10.0);
  ASSERT_TRUE(skewed.ok());
  EXPECT_LT(skewed->ssk, -2.0);
}

TEST(Iso25178, RefusesWrongInputs) {
  auto empty = ComputeIso25178(cv::Mat(), 10.0);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kBadInput);
  auto bytes = ComputeIso25178(cv::Mat(10, 10, CV_8UC1, cv::Scalar(3)), 10.0);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, ErrorCode::kBadInput);
  auto scale = ComputeIso25178(cv::Mat(10, 10, CV_32FC1, cv::Scalar(0)), 0.0);
  ASSERT_FALSE(scale.ok());
  EXPECT_EQ(scale.error().code, ErrorCode::kUsage);
  // NaN heights are missing values, not numbers.
  cv::Mat with_nan = testing::Sine(cv::Size(200, 200), 1.0, 20.0).height_px.clone();
  with_nan.at<float>(3, 3) = std::numeric_limits<float>::quiet_NaN();
  auto nan = ComputeIso25178(with_nan, 1.0);
  ASSERT_TRUE(nan.ok());
  EXPECT_TRUE(std::isfinite(nan->sq_um));
  EXPECT_NEAR(nan->sq_um / 1000, 0.7071, 0.001);
}

// A flat-bottomed (boxcar-like) circular depression of given diameter and depth, with walls one
// pixel wide, or a conical (V) one.
void AddPit(cv::Mat& z, cv::Point2d centre_px, double diameter_px, double depth_mm, bool conical) {
  const double r = diameter_px / 2;
  for (int y = 0; y < z.rows; ++y) {
    for (int x = 0; x < z.cols; ++x) {
      const double d = std::hypot(x - centre_px.x, y - centre_px.y);
      if (d >= r) continue;
      const double depth = conical ? depth_mm * (1 - d / r) : depth_mm;
      z.at<float>(y, x) -= static_cast<float>(depth);
    }
  }
}

TEST(Scars, FindsDepressionsWithAreaDepthVolumeAndType) {
  const double px_per_mm = 20;  // 50 um pixels
  cv::Mat z = cv::Mat::zeros(400, 400, CV_32FC1);
  AddPit(z, {60, 60}, 1.0 * px_per_mm, 0.6, true);     // 1 mm V: icepick
  AddPit(z, {200, 60}, 3.0 * px_per_mm, 0.3, false);   // 3 mm flat: boxcar
  AddPit(z, {200, 250}, 6.0 * px_per_mm, 0.15, false); // 6 mm: rolling
  AddPit(z, {60, 250}, 1.8 * px_per_mm, 0.4, false);   // 1.8 mm flat bottom: boxcar (overlap)
  AddPit(z, {60, 350}, 1.8 * px_per_mm, 0.8, true);    // 1.8 mm V: icepick (overlap)
  AddPit(z, {350, 350}, 2.0 * px_per_mm, 0.03, false); // shallower than 50 um: not a scar
  auto scars = FindScars(z, px_per_mm);
  ASSERT_TRUE(scars.ok()) << scars.error().message;
  ASSERT_EQ(scars->count, 5);
  auto find = [&](double x, double y) -> const SurfaceScar& {
    for (const SurfaceScar& s : scars->items) {
      if (std::hypot(s.centroid_px.x - x, s.centroid_px.y - y) < 3) return s;
    }
    ADD_FAILURE() << "no scar near " << x << ", " << y;
    return scars->items.front();
  };
  const SurfaceScar& boxcar = find(200, 60);
  EXPECT_EQ(boxcar.type, ScarType::kBoxcar);
  EXPECT_NEAR(boxcar.area_mm2, CV_PI * 1.5 * 1.5, 0.03 * CV_PI * 1.5 * 1.5);
  EXPECT_NEAR(boxcar.width_mm, 3.0, 0.05);
  EXPECT_NEAR(boxcar.depth_max_mm, 0.3, 1e-6);
  EXPECT_NEAR(boxcar.depth_mean_mm, 0.3, 1e-6);
  EXPECT_NEAR(boxcar.volume_mm3, 0.3 * CV_PI * 1.5 * 1.5, 0.03 * 0.3 * CV_PI * 1.5 * 1.5);
  const SurfaceScar& icepick = find(60, 60);
  EXPECT_EQ(icepick.type, ScarType::kIcepick);
  EXPECT_NEAR(icepick.depth_max_mm, 0.6, 0.05);
  // Cone volume: pi r^2 h / 3 (less the sub-threshold rim, under 1 %).
  EXPECT_NEAR(icepick.volume_mm3, CV_PI * 0.25 * 0.6 / 3, 0.1 * CV_PI * 0.25 * 0.6 / 3);
  EXPECT_EQ(find(200, 250).type, ScarType::kRolling);
  EXPECT_EQ(find(60, 250).type, ScarType::kBoxcar);
  EXPECT_EQ(find(60, 350).type, ScarType::kIcepick);
  EXPECT_NEAR(scars->depth_max_mm, 0.8, 0.05);
  double volume = 0;
  for (const SurfaceScar& s : scars->items) volume += s.volume_mm3;
  EXPECT_NEAR(scars->volume_mm3, volume, 1e-9);
  const int label = scars->labels.at<int>(60, 200);
  ASSERT_GT(label, 0);
  EXPECT_EQ(&scars->items[static_cast<std::size_t>(label - 1)], &boxcar);
}

TEST(AnalyseHeightMap, LevelsTiltedSurfacesBeforeMeasuring) {
  const double px_per_mm = 20;
  cv::Mat z = cv::Mat::zeros(300, 300, CV_32FC1);
  AddPit(z, {150, 150}, 3.0 * px_per_mm, 0.25, false);
  // Tilt of 1 % in x and 0.5 % in y.
  for (int y = 0; y < z.rows; ++y) {
    for (int x = 0; x < z.cols; ++x) {
      z.at<float>(y, x) += static_cast<float>((0.01 * x + 0.005 * y) / px_per_mm + 0.7);
    }
  }
  SurfaceAnalysisOptions options;
  options.form.method = FormRemovalMethod::kPlane;
  auto metrics = AnalyseHeightMap(z, px_per_mm, options);
  ASSERT_TRUE(metrics.ok()) << metrics.error().message;
  ASSERT_EQ(metrics->scars.count, 1);
  EXPECT_NEAR(metrics->scars.depth_max_mm, 0.25, 0.005);
  EXPECT_NEAR(metrics->analysed_area_mm2, 15.0 * 15.0, 1e-6);
  const nlohmann::json json = SurfaceMetricsToJson(*metrics);
  EXPECT_EQ(json["scars"]["count"], 1);
  EXPECT_EQ(json["scars"]["items"][0]["type"], "boxcar");
  EXPECT_TRUE(json["iso25178"].contains("sdr_pct"));

  // Gaussian high-pass with a cut-off well above the scar width keeps most of its depth.
  options.form.method = FormRemovalMethod::kGaussian;
  options.form.cutoff_mm = 25;
  auto gaussian = AnalyseHeightMap(z, px_per_mm, options);
  ASSERT_TRUE(gaussian.ok());
  ASSERT_EQ(gaussian->scars.count, 1);
  EXPECT_NEAR(gaussian->scars.depth_max_mm, 0.25, 0.03);
}

}  // namespace
}  // namespace skintrack::core

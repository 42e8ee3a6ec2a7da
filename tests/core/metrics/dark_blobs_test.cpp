#include "core/metrics/dark_blobs.h"

#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace skintrack::core {
namespace {

double ExpectedMaxima(double area_lambda, double t) {
  return area_lambda / std::pow(2.0 * std::numbers::pi, 1.5) * t * std::exp(-0.5 * t * t);
}

TEST(DarkBlobs, SnrForExpectedMaximaSolvesTheEulerCharacteristicEquation) {
  for (const double area_lambda : {10.0, 1e3, 1e5}) {
    for (const double alpha : {0.01, 0.1, 1.0}) {
      const double t = SnrForExpectedMaxima(area_lambda, alpha);
      if (t > 1.0) {
        EXPECT_NEAR(ExpectedMaxima(area_lambda, t) / alpha, 1.0, 1e-6);
      }
    }
  }
  // A hundred times the area (or the resolution) needs a stricter threshold, not a different rule.
  EXPECT_GT(SnrForExpectedMaxima(1e5, 0.1), SnrForExpectedMaxima(1e3, 0.1) + 0.5);
  EXPECT_DOUBLE_EQ(SnrForExpectedMaxima(1e-3, 0.1), 1.0);  // too small to produce any
  EXPECT_LE(SnrForExpectedMaxima(1e300, 1e-12), kMaxSnr);
}

// Blob maxima on smooth Gaussian noise per scale level, at a fixed SNR threshold or at the
// random-field threshold for `alpha` false maxima per level.
double NoiseBlobsPerLevel(double d_min, double d_max, double alpha, double min_snr) {
  DarkBlobOptions o;
  o.min_diameter_px = d_min;
  o.max_diameter_px = d_max;
  o.min_contrast = 0;
  o.min_roundness = 0;
  o.min_snr = min_snr;
  o.false_maxima_per_level = alpha;
  const cv::Mat mask(384, 384, CV_8U, cv::Scalar(255));
  cv::RNG rng(12345);
  int blobs = 0;
  constexpr int kFields = 12;
  for (int i = 0; i < kFields; ++i) {
    cv::Mat noise(mask.size(), CV_32F);
    rng.fill(noise, cv::RNG::NORMAL, 0.0, 1.0);
    blobs += static_cast<int>(DetectDarkBlobs(noise, mask, o).size());
  }
  const double step = std::pow(2.0, 1.0 / o.scales_per_octave);
  const double levels = std::log(d_max / d_min) / std::log(step) + 1;
  return blobs / (kFields * levels);
}

TEST(DarkBlobs, RandomFieldThresholdBoundsTheFalseRateAtEveryScale) {
  // A fixed SNR passes far more noise maxima at fine scales, which hold more of them.
  const double fixed_fine = NoiseBlobsPerLevel(2, 4, 0, 3.0);
  const double fixed_coarse = NoiseBlobsPerLevel(16, 32, 0, 3.0);
  EXPECT_GT(fixed_fine, 10 * fixed_coarse);
  // The random-field threshold passes about the design rate at both ends.
  constexpr double kAlpha = 0.5;
  const double fine = NoiseBlobsPerLevel(2, 4, kAlpha, 0);
  const double coarse = NoiseBlobsPerLevel(16, 32, kAlpha, 0);
  std::printf("noise blobs per level: fixed SNR 3 %.3f fine, %.3f coarse; alpha %.1f: %.3f fine, "
              "%.3f coarse\n", fixed_fine, fixed_coarse, kAlpha, fine, coarse);
  // Scale-space maxima are a subset of each level's maxima, so the rate is at most the design
  // rate, at every scale.
  EXPECT_LE(fine, kAlpha);
  EXPECT_LE(coarse, kAlpha);
  // And a looser design rate passes more.
  EXPECT_GT(NoiseBlobsPerLevel(2, 4, 50, 0) + NoiseBlobsPerLevel(16, 32, 50, 0), fine + coarse);
}

TEST(DarkBlobs, ShadedWallRulesStayInsideTheImageAtItsBorders) {
  // Dark blobs in all four corners and along the edges, plus noise, so that candidates and their
  // neighbours at the next scales sit on the first and last rows and columns (an AddressSanitizer
  // run found a read past the last row here).
  cv::Mat contrast(96, 128, CV_32F);
  cv::RNG rng(99);
  rng.fill(contrast, cv::RNG::NORMAL, 0.0, 0.01);
  for (const cv::Point c : {cv::Point(3, 3), cv::Point(124, 3), cv::Point(3, 92), cv::Point(124, 92),
                            cv::Point(64, 2), cv::Point(125, 48), cv::Point(64, 93)}) {
    cv::circle(contrast, c, 3, cv::Scalar(-0.3), cv::FILLED);
  }
  // Small spots on the second and last rows and columns.
  for (int i = 0; i < 6; ++i) {
    contrast.at<float>(94, 10 + 18 * i) = -0.5f;
    contrast.at<float>(95, 19 + 18 * i) = -0.5f;
    contrast.at<float>(10 + 14 * i, 126) = -0.5f;
    contrast.at<float>(17 + 14 * i, 127) = -0.5f;
  }
  DarkBlobOptions o;
  o.min_diameter_px = 2;
  o.max_diameter_px = 12;
  o.min_roundness = 0.5;
  o.tolerate_shaded_walls = true;
  const cv::Mat mask(contrast.size(), CV_8U, cv::Scalar(255));
  const std::vector<DarkBlob> blobs = DetectDarkBlobs(contrast, mask, o);
  for (const DarkBlob& b : blobs) {
    EXPECT_TRUE(b.center_px.x >= 1 && b.center_px.x <= 126 && b.center_px.y >= 1 &&
                b.center_px.y <= 94);
  }
  EXPECT_GE(blobs.size(), 4u);
}

}  // namespace
}  // namespace skintrack::core

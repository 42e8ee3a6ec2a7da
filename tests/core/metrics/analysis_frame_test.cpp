#include "core/metrics/analysis_frame.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/metrics/hair.h"
#include "core/metrics/synthetic_skin.h"

namespace skintrack::core {
namespace {

TEST(AnalysisFrame, DownsamplesFineCapturesToTheAnalysisScale) {
  const cv::Mat rgb(1000, 800, CV_32FC3, cv::Scalar(0.4, 0.3, 0.2));
  auto frame = MakeAnalysisFrame(rgb, cv::Mat(), 40.0, std::nullopt);
  ASSERT_TRUE(frame.ok());
  EXPECT_TRUE(frame->scale_known);
  EXPECT_NEAR(frame->px_per_mm, 20.0, 0.1);
  EXPECT_NEAR(frame->downscale, 0.5, 1e-3);
  EXPECT_EQ(frame->rgb_linear.cols, 400);
  EXPECT_NEAR(frame->MaskAreaCm2(), 5.0, 0.01);  // 25 mm x 20 mm
}

TEST(AnalysisFrame, RefusesAnEmptyMask) {
  const cv::Mat rgb(100, 100, CV_32FC3, cv::Scalar(0.4, 0.3, 0.2));
  const cv::Mat mask(100, 100, CV_8U, cv::Scalar(0));
  auto frame = MakeAnalysisFrame(rgb, mask, 10.0, std::nullopt);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().code, ErrorCode::kAnalysisFailed);
  EXPECT_NE(frame.error().message.find("--roi"), std::string::npos);
}

TEST(FlatField, ConstantAndGradientGiveZeroContrast) {
  cv::Mat y(200, 300, CV_32F);
  for (int r = 0; r < y.rows; ++r) y.row(r).setTo(0.2 + 0.001 * r);
  const cv::Mat mask(y.size(), CV_8U, cv::Scalar(255));
  const cv::Mat c = FlatFieldContrast(y, mask, 20.0);
  double lo, hi;
  cv::minMaxLoc(c(cv::Rect(40, 40, 220, 120)), &lo, &hi);
  EXPECT_LT(std::max(std::abs(lo), std::abs(hi)), 2e-3);
}

TEST(MaskedGaussian, IgnoresPixelsOutsideTheMask) {
  cv::Mat values(100, 100, CV_32F, cv::Scalar(1.0));
  values(cv::Rect(0, 0, 50, 100)).setTo(100.0);
  cv::Mat mask(100, 100, CV_8U, cv::Scalar(0));
  mask(cv::Rect(50, 0, 50, 100)).setTo(255);
  const cv::Mat blurred = MaskedGaussian(values, mask, 10.0);
  EXPECT_NEAR(blurred.at<float>(50, 52), 1.0, 1e-3);
}

TEST(MaskedSmoother, EqualsMaskedGaussianForEachImageAndSigma) {
  cv::Mat a(120, 160, CV_32F), b(120, 160, CV_32F);
  cv::RNG rng(5);
  rng.fill(a, cv::RNG::UNIFORM, 0.0, 1.0);
  rng.fill(b, cv::RNG::NORMAL, 0.0, 2.0);
  cv::Mat mask(a.size(), CV_8U, cv::Scalar(0));
  cv::circle(mask, {80, 60}, 50, cv::Scalar(255), cv::FILLED);
  MaskedSmoother smoother(mask);
  for (double sigma : {1.5, 12.0, 1.5}) {  // the repeated sigma reuses its denominator
    for (const cv::Mat* values : {&a, &b}) {
      const cv::Mat expected = MaskedGaussian(*values, mask, sigma);
      EXPECT_EQ(cv::norm(smoother.Smooth(*values, sigma), expected, cv::NORM_INF), 0.0)
          << "sigma " << sigma;
    }
  }
}

TEST(MaskedPercentiles, EachEqualsItsOwnOrderStatistic) {
  cv::Mat values(90, 70, CV_32F);
  cv::RNG rng(9);
  rng.fill(values, cv::RNG::NORMAL, 0.0, 1.0);
  cv::Mat mask(values.size(), CV_8U, cv::Scalar(0));
  mask(cv::Rect(10, 5, 40, 60)).setTo(255);
  std::vector<float> inside;
  for (int y = 0; y < values.rows; ++y) {
    for (int x = 0; x < values.cols; ++x) {
      if (mask.at<uchar>(y, x) != 0) inside.push_back(values.at<float>(y, x));
    }
  }
  std::sort(inside.begin(), inside.end());
  const std::vector<double> pct = {0.0, 1.0, 50.0, 99.0, 100.0};
  const std::vector<double> got = MaskedPercentiles(values, mask, pct);
  ASSERT_EQ(got.size(), pct.size());
  for (size_t i = 0; i < pct.size(); ++i) {
    const auto k = static_cast<size_t>(std::lround(pct[i] / 100.0 * static_cast<double>(inside.size() - 1)));
    EXPECT_EQ(got[i], inside[k]) << pct[i] << " %";
    EXPECT_EQ(MaskedPercentile(values, mask, pct[i]), inside[k]);
  }
}

TEST(PercentileBandMask, KeepsTheMaskPixelsBetweenThePercentiles) {
  cv::Mat values(1, 101, CV_32F);
  for (int x = 0; x <= 100; ++x) values.at<float>(0, x) = static_cast<float>(x);
  const cv::Mat mask(values.size(), CV_8U, cv::Scalar(255));
  const cv::Mat band = PercentileBandMask(values, mask, 10.0, 90.0);
  EXPECT_EQ(cv::countNonZero(band), 81);  // 10..90 inclusive
  EXPECT_EQ(band.at<uchar>(0, 9), 0);
  EXPECT_EQ(band.at<uchar>(0, 10), 255);
  EXPECT_EQ(band.at<uchar>(0, 91), 0);
}

}  // namespace
}  // namespace skintrack::core

namespace skintrack::core {
namespace {

// Light skin (linear R,G,B) with a little colour noise at 20 px/mm, and a mat of white hairs 3 px
// wide, 1 px apart, over its left half: averaged over 0.25 mm (the hairs and the skin between
// them) the mat keeps about a sixth of the skin's chroma, and it is left out whole; the skin
// keeps all of its chroma and stays, and so does a patch of yellowish skin. With no colour at all
// (a greyscale photo) nothing is left out.
TEST(FindColourlessArea, TakesAMatOfWhiteHairAndNotSkin) {
  constexpr double kPxPerMm = 20;
  cv::Mat skin(300, 400, CV_32FC3, cv::Scalar(0.42, 0.27, 0.22));
  cv::Mat noise(skin.size(), CV_32FC3);
  cv::RNG rng(5);
  rng.fill(noise, cv::RNG::NORMAL, 0, 0.01);
  skin += noise;
  const cv::Mat mask(skin.size(), CV_8U, cv::Scalar(255));
  // A patch of yellowish skin (R and G alike, B low), whose chroma points away from the pink
  // skin's but is as strong, is skin.
  skin(cv::Rect(300, 100, 60, 60)) = cv::Scalar(0.45, 0.40, 0.25);
  const ColourlessArea bare = FindColourlessArea(skin, mask, kPxPerMm);
  EXPECT_LT(bare.share, 0.001);
  EXPECT_LT(bare.area.empty() ? 0 : cv::countNonZero(bare.area), 100);

  cv::Mat haired = skin.clone();
  for (int x = 0; x < 170; x += 4) {
    cv::line(haired, {x, 0}, {x + 30, 299}, cv::Scalar(0.75, 0.75, 0.73), 3);
  }
  const ColourlessArea mat = FindColourlessArea(haired, mask, kPxPerMm);
  EXPECT_GT(mat.share, 0.35) << "the mat covers about half the mask";
  EXPECT_LT(mat.share, 0.6);
  ASSERT_FALSE(mat.area.empty());
  // Inside the mat (x 30-160) all is left out; clear of it (x from 240) nothing.
  const cv::Rect inside(30, 10, 130, 280);
  const cv::Rect clear(240, 0, 160, 300);
  EXPECT_GE(cv::countNonZero(mat.area(inside)), 0.98 * inside.area());
  EXPECT_EQ(cv::countNonZero(mat.area(clear)), 0);

  // A mat over two thirds of the region: the skin's chroma is read on its upper quartile, which
  // the skin still holds, so the mat is found (the median would be the mat's).
  cv::Mat thick = haired.clone();
  for (int x = 170; x < 270; x += 4) {
    cv::line(thick, {x, 0}, {x + 30, 299}, cv::Scalar(0.75, 0.75, 0.73), 3);
  }
  const ColourlessArea most = FindColourlessArea(thick, mask, kPxPerMm);
  EXPECT_GT(most.share, 0.55);
  ASSERT_FALSE(most.area.empty());
  EXPECT_GE(cv::countNonZero(most.area(cv::Rect(30, 10, 230, 280))), 0.98 * 230 * 280);

  cv::Mat grey;
  cv::cvtColor(haired, grey, cv::COLOR_RGB2GRAY);
  cv::cvtColor(grey, grey, cv::COLOR_GRAY2RGB);
  const ColourlessArea none = FindColourlessArea(grey, mask, kPxPerMm);
  EXPECT_EQ(none.share, 0.0);
  EXPECT_TRUE(none.area.empty());
}

}  // namespace
}  // namespace skintrack::core

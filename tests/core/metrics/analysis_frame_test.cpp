#include "core/metrics/analysis_frame.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace skintrack::core

#include "core/color/srgb.h"

#include <gtest/gtest.h>

namespace skintrack::core {
namespace {

TEST(Srgb, TransferFunctionMatchesIec61966) {
  EXPECT_DOUBLE_EQ(SrgbToLinear(0.0), 0.0);
  EXPECT_DOUBLE_EQ(SrgbToLinear(1.0), 1.0);
  EXPECT_NEAR(SrgbToLinear(0.04045), 0.04045 / 12.92, 1e-12);
  EXPECT_NEAR(SrgbToLinear(0.5), 0.214041140, 1e-8);
  for (double v = 0; v <= 1.0; v += 0.01) EXPECT_NEAR(LinearToSrgb(SrgbToLinear(v)), v, 1e-12);
}

TEST(Srgb, LookupTablesAgreeWithFormula) {
  const auto& lut8 = SrgbToLinearLut8();
  for (int i = 0; i < 256; ++i) EXPECT_NEAR(lut8[i], SrgbToLinear(i / 255.0), 1e-7);
  const auto& lut16 = SrgbToLinearLut16();
  for (int i = 0; i < 65536; i += 997) EXPECT_NEAR(lut16[i], SrgbToLinear(i / 65535.0), 1e-7);
}

TEST(Srgb, ImageConversionIsRgbOrderedAndRoundTrips) {
  cv::Mat bgr(8, 9, CV_8UC3);
  cv::randu(bgr, 0, 256);
  const cv::Mat linear = BgrToLinearRgb(bgr);
  ASSERT_EQ(linear.type(), CV_32FC3);
  const cv::Vec3b p = bgr.at<cv::Vec3b>(3, 4);
  const cv::Vec3f l = linear.at<cv::Vec3f>(3, 4);
  EXPECT_NEAR(l[0], SrgbToLinear(p[2] / 255.0), 1e-6);  // R first
  EXPECT_NEAR(l[2], SrgbToLinear(p[0] / 255.0), 1e-6);
  EXPECT_EQ(cv::norm(LinearRgbToBgr8(linear), bgr, cv::NORM_INF), 0.0);

  cv::Mat deep(8, 9, CV_16UC3);
  cv::randu(deep, 0, 65536);
  EXPECT_LE(cv::norm(LinearRgbToBgr16(BgrToLinearRgb(deep)), deep, cv::NORM_INF), 2.0);
}

}  // namespace
}  // namespace skintrack::core

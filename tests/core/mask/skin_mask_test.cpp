#include "core/mask/skin_mask.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace skintrack::core {
namespace {

// A skin-coloured ellipse (with pores and a wrinkle, which are skin) on a grey background, dark
// "hair" across the top of the ellipse, and a chart area to exclude.
struct Scene {
  cv::Mat rgb;
  cv::Mat truth;    // skin pixels
  cv::Mat exclude;  // chart
};

Scene MakeScene(cv::Vec3f skin) {
  Scene s;
  s.rgb = cv::Mat(480, 640, CV_32FC3, cv::Scalar(0.18, 0.18, 0.18));
  s.truth = cv::Mat(s.rgb.size(), CV_8U, cv::Scalar(0));
  cv::ellipse(s.truth, {320, 260}, {200, 180}, 0, 0, 360, cv::Scalar(255), cv::FILLED);
  cv::Mat hair(s.rgb.size(), CV_8U, cv::Scalar(0));
  cv::rectangle(hair, cv::Rect(100, 60, 440, 70), cv::Scalar(255), cv::FILLED);
  s.truth.setTo(0, hair);
  s.rgb.setTo(cv::Scalar(skin[0], skin[1], skin[2]), s.truth);
  s.rgb.setTo(cv::Scalar(0.03, 0.02, 0.015), hair);  // dark brown hair
  for (int i = 0; i < 20; ++i) {
    cv::circle(s.rgb, {200 + 12 * i, 300}, 2, cv::Scalar(skin[0] * 0.8, skin[1] * 0.8, skin[2] * 0.8),
               cv::FILLED);
  }
  cv::line(s.rgb, {200, 360}, {440, 370}, cv::Scalar(skin[0] * 0.8, skin[1] * 0.8, skin[2] * 0.8), 3);
  s.exclude = cv::Mat(s.rgb.size(), CV_8U, cv::Scalar(0));
  s.exclude(cv::Rect(380, 300, 80, 60)).setTo(255);
  return s;
}

double Overlap(const cv::Mat& a, const cv::Mat& b) {
  return static_cast<double>(cv::countNonZero(a & b)) / std::max(1, cv::countNonZero(b));
}

TEST(SkinMask, SeparatesSkinFromBackgroundHairAndChart) {
  for (const cv::Vec3f& skin : {cv::Vec3f(0.45f, 0.30f, 0.22f), cv::Vec3f(0.10f, 0.055f, 0.035f)}) {
    Scene s = MakeScene(skin);
    auto result = DetectSkinMask(s.rgb, s.exclude, std::nullopt);
    ASSERT_TRUE(result.ok()) << result.error().message;
    const cv::Mat& mask = result->mask;
    cv::Mat expected = s.truth & ~s.exclude;
    EXPECT_GT(Overlap(mask, expected), 0.93) << "skin recall, tone " << skin;
    EXPECT_GT(Overlap(expected, mask), 0.97) << "skin precision, tone " << skin;
    EXPECT_EQ(cv::countNonZero(mask & s.exclude), 0) << "chart must be excluded";
  }
}

TEST(SkinMask, FailsClearlyWithoutSkin) {
  const cv::Mat grey(200, 200, CV_32FC3, cv::Scalar(0.3, 0.3, 0.3));
  auto result = DetectSkinMask(grey, cv::Mat(), std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kAnalysisFailed);
  EXPECT_NE(result.error().message.find("--roi"), std::string::npos);
}

}  // namespace
}  // namespace skintrack::core

#include "core/metrics/texture.h"

#include <random>

#include <gtest/gtest.h>

#include "core/metrics/synthetic_skin.h"

namespace skintrack::core {
namespace {

using testing::FrameOf;

// Skin with band-limited relief shading of RMS `amplitude` (relative), fixed pattern.
cv::Mat TexturedSkin(double amplitude) {
  cv::Mat noise(400, 400, CV_32F);
  cv::RNG rng(7);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, 1.0);
  cv::GaussianBlur(noise, noise, cv::Size(), 3.0);
  cv::Scalar mean, sd;
  cv::meanStdDev(noise, mean, sd);
  noise = (noise - mean[0]) / sd[0] * amplitude;
  cv::Mat rgb(noise.size(), CV_32FC3);
  const cv::Vec3f skin = testing::SkinColour();
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) rgb.at<cv::Vec3f>(y, x) = skin * (1.0f + noise.at<float>(y, x));
  }
  return rgb;
}

TEST(Texture, RoughnessGrowsInProportionToReliefAmplitude) {
  double previous = 0;
  double first_ratio = 0;
  for (double amplitude : {0.01, 0.02, 0.04, 0.08}) {
    auto group = MeasureTexture(FrameOf(TexturedSkin(amplitude), 20.0));
    ASSERT_TRUE(group.ok());
    const double rq = group->Get("roughness_rq");
    const double ra = group->Get("roughness_ra");
    EXPECT_GT(rq, previous);
    EXPECT_GT(rq, ra);  // Rq ≥ Ra for any signal
    const double ratio = rq / amplitude;
    if (first_ratio == 0) first_ratio = ratio;
    EXPECT_NEAR(ratio, first_ratio, 0.05 * first_ratio) << "Rq must scale linearly";
    previous = rq;
  }
}

TEST(Texture, FlatSkinIsSmoothAndExposureDoesNotMatter) {
  auto flat = MeasureTexture(FrameOf(TexturedSkin(0.0), 20.0));
  ASSERT_TRUE(flat.ok());
  EXPECT_LT(flat->Get("roughness_rq"), 1e-3);
  const cv::Mat rough = TexturedSkin(0.03);
  auto bright = MeasureTexture(FrameOf(rough, 20.0));
  auto dim = MeasureTexture(FrameOf(rough * 0.5, 20.0));
  ASSERT_TRUE(bright.ok() && dim.ok());
  EXPECT_NEAR(bright->Get("roughness_rq"), dim->Get("roughness_rq"), 1e-3);
}

}  // namespace
}  // namespace skintrack::core

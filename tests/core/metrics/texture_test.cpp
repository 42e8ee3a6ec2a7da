#include "core/metrics/texture.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "core/metrics/synthetic_skin.h"

namespace skintrack::core {
namespace {

using testing::FrameOf;

// Skin with band-limited relief shading of RMS `amplitude` (relative), fixed pattern: white noise
// smoothed by `grain_px`, then blurred by `lens_blur_px` without renormalising (a softer capture of
// the same skin).
cv::Mat TexturedSkin(double amplitude, double grain_px = 3.0, double lens_blur_px = 0.0) {
  cv::Mat noise(400, 400, CV_32F);
  cv::RNG rng(7);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, 1.0);
  cv::GaussianBlur(noise, noise, cv::Size(), grain_px);
  cv::Scalar mean, sd;
  cv::meanStdDev(noise, mean, sd);
  noise = (noise - mean[0]) / sd[0] * amplitude;
  if (lens_blur_px > 0) cv::GaussianBlur(noise, noise, cv::Size(), lens_blur_px);
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

// Black hairs (0.1 mm, 80 % darker, 5 mm and longer) over textured skin at 20 px/mm: the roughness
// is that of the skin between them (AnalysisFrame::hair), as without the hairs; with no hair search
// they add to it.
TEST(Texture, HairIsNotTexture) {
  const cv::Mat bare = TexturedSkin(0.03);
  cv::Mat hairy = bare.clone();
  cv::RNG rng(4);
  for (int i = 0; i < 10;) {
    // Whole hairs: a stub shorter than 1 mm (cut by the photo's edge) is not told from texture.
    const cv::Point a(rng.uniform(20, 380), rng.uniform(20, 380));
    const cv::Point b(rng.uniform(20, 380), rng.uniform(20, 380));
    if (cv::norm(a - b) < 100) continue;
    ++i;
    cv::Mat line(hairy.size(), CV_32F, cv::Scalar(0));
    cv::line(line, a, b, cv::Scalar(0.8), 2, cv::LINE_AA);
    for (int y = 0; y < hairy.rows; ++y) {
      for (int x = 0; x < hairy.cols; ++x) hairy.at<cv::Vec3f>(y, x) *= 1.0f - line.at<float>(y, x);
    }
  }
  const AnalysisFrame hairy_frame = FrameOf(hairy, 20.0);
  ASSERT_GT(hairy_frame.hair_px, 0.0);
  auto without = MeasureTexture(FrameOf(bare, 20.0));
  auto with = MeasureTexture(hairy_frame);
  ASSERT_TRUE(without.ok() && with.ok());
  // Measured: 2.23 % without the hairs, 2.37 % with them (their faint ends stay), 9.03 % with
  // them and no hair search.
  const double rq = without->Get("roughness_rq");
  EXPECT_NEAR(with->Get("roughness_rq"), rq, 0.1 * rq);
  AnalysisFrameOptions no_hair;
  no_hair.hair.find = false;
  auto blind_frame = MakeAnalysisFrame(hairy, cv::Mat(), 20.0, std::nullopt, no_hair);
  ASSERT_TRUE(blind_frame.ok());
  auto blind = MeasureTexture(*blind_frame);
  ASSERT_TRUE(blind.ok());
  EXPECT_GT(blind->Get("roughness_rq"), 2.0 * rq);
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

// A softer capture of the same skin measures the same roughness when the chart gave its blur: the
// band's fine edge is the total smoothing, lens and applied together. Fine grain at 10 px/mm,
// where the fine edge (0.08 mm) is 0.8 px and a lens blur of 0.5 px takes 7 % of the roughness
// away.
TEST(Texture, KnownCaptureBlurIsPartOfTheBandsFineEdge) {
  const cv::Mat sharp = TexturedSkin(0.03, 1.0);
  const cv::Mat soft = TexturedSkin(0.03, 1.0, 0.5);
  core::AnalysisFrame sharp_frame = FrameOf(sharp, 10.0);
  sharp_frame.SetCaptureBlur(0.0);
  auto reference = MeasureTexture(sharp_frame);
  core::AnalysisFrame soft_frame = FrameOf(soft, 10.0);
  auto uncorrected = MeasureTexture(soft_frame);
  soft_frame.SetCaptureBlur(0.5);
  auto corrected = MeasureTexture(soft_frame);
  ASSERT_TRUE(reference.ok() && uncorrected.ok() && corrected.ok());
  const double rq = reference->Get("roughness_rq");
  const double uncorrected_error = std::abs(uncorrected->Get("roughness_rq") - rq);
  const double corrected_error = std::abs(corrected->Get("roughness_rq") - rq);
  EXPECT_GT(uncorrected_error, 0.05 * rq);  // 7 % low
  EXPECT_LT(corrected_error, 0.03 * rq);    // 2 % high
  EXPECT_LT(corrected_error, 0.4 * uncorrected_error);
  EXPECT_TRUE(corrected->warnings.empty()) << corrected->warnings.front();

  // A blur wider than the fine edge cannot be undone, and says so.
  soft_frame.SetCaptureBlur(1.0);
  auto too_soft = MeasureTexture(soft_frame);
  ASSERT_TRUE(too_soft.ok());
  EXPECT_NE(
      std::find(too_soft->warnings.begin(), too_soft->warnings.end(), "texture_capture_blurred"),
      too_soft->warnings.end());
}

// The same skin with white pixel noise (sensor noise, a darker room's higher ISO) measures the same
// roughness: the noise's share of the band is estimated from the finest differences and taken out
// in quadrature. At 5 px/mm, where the band's fine edge is the pixel itself, noise of 2 % of the
// skin's luminance would read 60 % rougher than the skin.
TEST(Texture, PixelNoiseIsTakenOutOfTheRoughness) {
  const cv::Mat skin = TexturedSkin(0.03);
  auto clean = MeasureTexture(FrameOf(skin, 5.0));
  ASSERT_TRUE(clean.ok());
  const double rq = clean->Get("roughness_rq");
  const auto label = [](const MetricGroup& group, const std::string& name) {
    for (const auto& [key, value] : group.labels) {
      if (key == name) return std::stod(value);
    }
    return -1.0;
  };
  double previous_noise = label(*clean, "pixel_noise_rq");
  EXPECT_GE(previous_noise, 0.0);
  EXPECT_LT(previous_noise, 0.1 * rq);
  for (double noise_sd : {0.01, 0.02}) {
    cv::Mat noise(skin.size(), CV_32F);
    cv::RNG rng(11);
    rng.fill(noise, cv::RNG::NORMAL, 0.0, noise_sd);
    cv::Mat noisy = skin.clone();
    for (int y = 0; y < noisy.rows; ++y) {
      for (int x = 0; x < noisy.cols; ++x) {
        noisy.at<cv::Vec3f>(y, x) += testing::SkinColour() * noise.at<float>(y, x);
      }
    }
    auto measured = MeasureTexture(FrameOf(noisy, 5.0));
    ASSERT_TRUE(measured.ok());
    const double noise_rq = label(*measured, "pixel_noise_rq");
    // What the band would read with the noise left in.
    const double raw = std::hypot(measured->Get("roughness_rq"), noise_rq);
    EXPECT_GT(noise_rq, previous_noise) << noise_sd;
    EXPECT_NEAR(measured->Get("roughness_rq"), rq, 0.05 * rq) << noise_sd << ", raw " << raw;
    EXPECT_GT(raw, 1.1 * rq) << noise_sd;
    previous_noise = noise_rq;
    const bool dominated = std::find(measured->warnings.begin(), measured->warnings.end(),
                                     "texture_noise_dominated") != measured->warnings.end();
    EXPECT_EQ(dominated, noise_rq > 0.6 * raw) << noise_sd;
  }
}

// A pattern at the pixel scale (white noise as the "texture") cannot be told from sensor noise in
// one photo. It is flagged, and never taken out whole: a stronger pattern still reads rougher, and
// none reads zero.
TEST(Texture, PixelScalePatternKeepsItsOrderOfRoughness) {
  double previous = 0;
  for (double amplitude : {0.02, 0.04, 0.08, 0.12}) {
    cv::Mat pattern(400, 400, CV_32F);
    cv::RNG rng(13);
    rng.fill(pattern, cv::RNG::NORMAL, 0.0, amplitude);
    cv::Mat rgb(pattern.size(), CV_32FC3);
    for (int y = 0; y < rgb.rows; ++y) {
      for (int x = 0; x < rgb.cols; ++x) {
        rgb.at<cv::Vec3f>(y, x) = testing::SkinColour() * (1.0f + pattern.at<float>(y, x));
      }
    }
    auto measured = MeasureTexture(FrameOf(rgb, 20.0));
    ASSERT_TRUE(measured.ok());
    const double rq = measured->Get("roughness_rq");
    EXPECT_GT(rq, 1.5 * previous) << amplitude;
    EXPECT_NE(
        std::find(measured->warnings.begin(), measured->warnings.end(), "texture_noise_dominated"),
        measured->warnings.end())
        << amplitude;
    previous = rq;
  }
}

}  // namespace
}  // namespace skintrack::core

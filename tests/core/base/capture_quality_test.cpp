#include "core/quality/capture_quality.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace skintrack::core {
namespace {

bool HasWarning(const CaptureQuality& q, const std::string& code) {
  return std::any_of(q.warnings.begin(), q.warnings.end(),
                     [&](const QualityWarning& w) { return w.code == code; });
}

cv::Mat TexturedSkin(int width, int height, unsigned seed) {
  cv::Mat noise(height, width, CV_32F);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0, 18);
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const float n = noise.at<float>(y, x);
      image.at<cv::Vec3b>(y, x) = {cv::saturate_cast<uchar>(120 + n), cv::saturate_cast<uchar>(140 + n),
                                   cv::saturate_cast<uchar>(190 + n)};
    }
  }
  return image;
}

TEST(CaptureQuality, SharpWellExposedImageHasNoFocusOrExposureWarnings) {
  const CaptureQuality q = AssessCaptureQuality(TexturedSkin(800, 600, 1));
  EXPECT_FALSE(HasWarning(q, "blurry"));
  EXPECT_FALSE(HasWarning(q, "underexposed"));
  EXPECT_FALSE(HasWarning(q, "clipped_highlights"));
  EXPECT_LT(q.clipped_highlights_pct, 0.5);
}

TEST(CaptureQuality, BlurLowersFocusAndWarns) {
  const cv::Mat sharp = TexturedSkin(800, 600, 2);
  cv::Mat blurred;
  cv::GaussianBlur(sharp, blurred, cv::Size(0, 0), 6.0);
  const CaptureQuality qs = AssessCaptureQuality(sharp);
  const CaptureQuality qb = AssessCaptureQuality(blurred);
  EXPECT_LT(qb.focus_laplacian_var, qs.focus_laplacian_var / 20);
  EXPECT_TRUE(HasWarning(qb, "blurry"));
}

TEST(CaptureQuality, FocusIsComparableAcrossResolutions) {
  // Texture with structure well below the Nyquist limit, as real skin detail is.
  cv::Mat noise(750, 1000, CV_32F);
  cv::RNG(3).fill(noise, cv::RNG::NORMAL, 0, 60);
  cv::GaussianBlur(noise, noise, cv::Size(0, 0), 1.5);
  cv::Mat grey;
  noise.convertTo(grey, CV_8U, 1.0, 128);
  cv::Mat base;
  cv::cvtColor(grey, base, cv::COLOR_GRAY2BGR);
  cv::Mat upscaled;
  cv::resize(base, upscaled, cv::Size(), 4.0, 4.0, cv::INTER_CUBIC);
  const double f1 = AssessCaptureQuality(base).focus_laplacian_var;
  const double f4 = AssessCaptureQuality(upscaled).focus_laplacian_var;
  EXPECT_NEAR(f4 / f1, 1.0, 0.35);
}

TEST(CaptureQuality, DetectsClippingGlareAndDarkness) {
  cv::Mat image = TexturedSkin(400, 300, 4);
  image(cv::Rect(0, 0, 100, 300)).setTo(cv::Scalar(255, 255, 255));
  const CaptureQuality bright = AssessCaptureQuality(image);
  EXPECT_NEAR(bright.clipped_highlights_pct, 25.0, 1.0);
  EXPECT_TRUE(HasWarning(bright, "clipped_highlights"));
  EXPECT_TRUE(HasWarning(bright, "glare"));

  cv::Mat dark = TexturedSkin(400, 300, 5) * 0.2;
  const CaptureQuality q = AssessCaptureQuality(dark);
  EXPECT_TRUE(HasWarning(q, "underexposed"));
}

// A white backdrop beside the skin is not glare on the skin: judged on the skin measured, clipping
// and glare count the skin and its small holes (the glints a skin mask leaves out), not the
// backdrop or the large holes (eyes, mouth).
TEST(CaptureQuality, ClippingAndGlareAreJudgedOnTheSkinMeasured) {
  cv::Mat image = TexturedSkin(400, 300, 6);
  image(cv::Rect(0, 0, 100, 300)).setTo(cv::Scalar(255, 255, 255));  // the backdrop
  cv::Mat skin(image.size(), CV_8U, cv::Scalar(0));
  skin(cv::Rect(100, 0, 300, 300)).setTo(255);
  CaptureQuality q = AssessCaptureQuality(image);
  ASSERT_TRUE(HasWarning(q, "glare"));
  JudgeAgainstRegion(image, skin, q);
  EXPECT_LT(q.glare_pct, 0.1);
  EXPECT_LT(q.clipped_highlights_pct, 0.1);
  EXPECT_FALSE(HasWarning(q, "glare"));
  EXPECT_FALSE(HasWarning(q, "clipped_highlights"));

  // Glints on the skin, each a hole of the skin mask: counted with the skin. A white "eye" of 4 %
  // of the skin, also a hole, is not.
  cv::RNG rng(6);
  cv::Mat glints(image.size(), CV_8U, cv::Scalar(0));
  for (int i = 0; i < 60; ++i) {
    glints(cv::Rect(rng.uniform(110, 290), rng.uniform(10, 280), 5, 6)).setTo(255);
  }
  image.setTo(cv::Scalar(255, 255, 255), glints);
  skin.setTo(0, glints);
  const cv::Rect eye(320, 120, 60, 60);
  image(eye).setTo(cv::Scalar(255, 255, 255));
  skin(eye).setTo(0);
  q = AssessCaptureQuality(image);
  JudgeAgainstRegion(image, skin, q);
  const double expected = 100.0 * cv::countNonZero(glints) / (300.0 * 300.0 - 60.0 * 60.0);
  ASSERT_GT(expected, 1.5);
  EXPECT_NEAR(q.glare_pct, expected, 0.1 * expected);
  EXPECT_NEAR(q.clipped_highlights_pct, expected, 0.1 * expected);
  EXPECT_TRUE(HasWarning(q, "glare"));
  EXPECT_TRUE(HasWarning(q, "clipped_highlights"));
}

TEST(CaptureQuality, ColourCastOnNeutralPixels) {
  cv::Mat grey(300, 400, CV_8UC3, cv::Scalar(128, 128, 128));
  EXPECT_FALSE(HasWarning(AssessCaptureQuality(grey), "colour_cast"));
  cv::Mat warm(300, 400, CV_8UC3, cv::Scalar(116, 128, 142));  // BGR: more red, less blue
  const CaptureQuality q = AssessCaptureQuality(warm);
  ASSERT_TRUE(q.colour_cast_rg.has_value());
  EXPECT_GT(*q.colour_cast_rg, 1.2);
  EXPECT_LT(*q.colour_cast_bg, 0.85);
  EXPECT_TRUE(HasWarning(q, "colour_cast"));
}

// Pale skin is near-neutral (S < 0.2) and reddish: over a whole close-up it reads as a warm cast.
// Measured outside the skin, on the bright near-neutral pixels left (a grey card here), the light
// is neutral; with nothing neutral left beside the skin, the cast is unknown, not a warning.
TEST(CaptureQuality, ColourCastIsReadOutsideTheSkin) {
  cv::Mat photo(300, 400, CV_8UC3, cv::Scalar(196, 212, 236));  // BGR pale skin: S 0.17
  cv::Mat skin(photo.size(), CV_8U, cv::Scalar(255));
  CaptureQuality q = AssessCaptureQuality(photo);
  ASSERT_TRUE(q.colour_cast_rg.has_value());
  EXPECT_GT(*q.colour_cast_rg, 1.2);
  EXPECT_TRUE(HasWarning(q, "colour_cast"));
  JudgeAgainstRegion(photo, skin, q);
  EXPECT_FALSE(q.colour_cast_rg.has_value());
  EXPECT_FALSE(HasWarning(q, "colour_cast"));

  // A grey card beside the skin, brighter than the photo's median.
  photo(cv::Rect(300, 0, 100, 300)).setTo(cv::Scalar(240, 240, 240));
  skin(cv::Rect(300, 0, 100, 300)).setTo(0);
  // A greyish-brown lesion (dark, near-neutral) outside the skin mask too: not a white.
  photo(cv::Rect(100, 100, 60, 60)).setTo(cv::Scalar(70, 80, 90));
  skin(cv::Rect(100, 100, 60, 60)).setTo(0);
  q = AssessCaptureQuality(photo);
  EXPECT_TRUE(HasWarning(q, "colour_cast"));
  JudgeAgainstRegion(photo, skin, q);
  ASSERT_TRUE(q.colour_cast_rg.has_value());
  EXPECT_NEAR(*q.colour_cast_rg, 1.0, 0.01);
  EXPECT_NEAR(*q.colour_cast_bg, 1.0, 0.01);
  EXPECT_FALSE(HasWarning(q, "colour_cast"));

  // A warm light tints the card as well: the cast is found and warned about.
  photo(cv::Rect(300, 0, 100, 300)).setTo(cv::Scalar(200, 218, 240));
  JudgeAgainstRegion(photo, skin, q);
  ASSERT_TRUE(q.colour_cast_rg.has_value());
  EXPECT_GT(*q.colour_cast_rg, 1.2);
  EXPECT_TRUE(HasWarning(q, "colour_cast"));
}

TEST(CaptureQuality, SixteenBitInputMatchesEightBit) {
  const cv::Mat image8 = TexturedSkin(300, 200, 6);
  cv::Mat image16;
  image8.convertTo(image16, CV_16UC3, 257.0);
  const CaptureQuality a = AssessCaptureQuality(image8);
  const CaptureQuality b = AssessCaptureQuality(image16);
  EXPECT_NEAR(a.focus_laplacian_var, b.focus_laplacian_var, 1e-6);
  EXPECT_NEAR(a.median_luminance, b.median_luminance, 1e-9);
}

TEST(CaptureQuality, GreyscalePhotoIsFlaggedAndColourSkinIsNot) {
  const cv::Mat colour = TexturedSkin(800, 600, 5);
  EXPECT_FALSE(HasWarning(AssessCaptureQuality(colour), "greyscale"));
  EXPECT_LT(AssessCaptureQuality(colour).colourless_pct, 1.0);
  cv::Mat grey, grey3;
  cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(grey, grey3, cv::COLOR_GRAY2BGR);
  const CaptureQuality q = AssessCaptureQuality(grey3);
  EXPECT_GT(q.colourless_pct, 99.0);
  EXPECT_TRUE(HasWarning(q, "greyscale"));
  // A white, clipped background is not evidence of a greyscale photo.
  cv::Mat half = colour.clone();
  half(cv::Rect(0, 0, 400, 600)).setTo(cv::Scalar(255, 255, 255));
  EXPECT_FALSE(HasWarning(AssessCaptureQuality(half), "greyscale"));
}

// Reduced to the 1024 px working size, a 4000x1 strip had no rows and OpenCV's resize threw out
// of `score` as an internal error.
TEST(CaptureQuality, VeryThinImageIsAssessedWithoutThrowing) {
  for (const cv::Size size : {cv::Size(4000, 1), cv::Size(1, 4000), cv::Size(4000, 3)}) {
    const cv::Mat strip(size, CV_8UC3, cv::Scalar(120, 140, 190));
    EXPECT_NO_THROW({ (void)AssessCaptureQuality(strip); }) << size;
  }
}

}  // namespace
}  // namespace skintrack::core

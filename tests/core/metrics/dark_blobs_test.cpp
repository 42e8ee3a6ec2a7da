#include "core/metrics/dark_blobs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace skintrack::core {
namespace {

// Contrast of the faint discs below: found at SNR 4 to 5 on the noise they are drawn on.
constexpr double kFaintContrast = 0.035;

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

TEST(DarkBlobs, MirroredThresholdFallsOnlyAsFarAsBrightBlobsAllow) {
  DarkBlobOptions o;
  o.min_snr = 5;
  o.lowest_snr = 4;
  o.max_bright_share = 0.02;
  const std::vector<double> dark(100, 6.0);
  EXPECT_DOUBLE_EQ(MirroredSnrThreshold(dark, {}, o), 4.0);    // no bright blob at all
  EXPECT_DOUBLE_EQ(MirroredSnrThreshold(dark, dark, o), 5.0);  // as many bright as dark
  EXPECT_NEAR(MirroredSnrThreshold(dark, {4.15, 4.15, 4.15}, o), 4.2, 1e-9);  // 3 > 2 below 4.2
  EXPECT_NEAR(MirroredSnrThreshold(dark, {4.15, 4.15}, o), 4.0, 1e-9);        // 2 of 100 pass
  EXPECT_DOUBLE_EQ(MirroredSnrThreshold({}, {}, o), 5.0);  // nothing dark: min_snr
  // The share is of the dark blobs at or above the threshold, not of all candidates.
  std::vector<double> mixed(50, 4.05);
  mixed.insert(mixed.end(), 50, 6.0);
  EXPECT_NEAR(MirroredSnrThreshold(mixed, {4.5, 4.5, 4.5}, o), 4.6, 1e-9);  // 3 > 0.02 · 50
}

// Faint dark discs (and, with `bright_too`, as many bright ones, as a symmetric texture would make)
// on white noise: {discs found, blobs away from any dark disc}.
std::pair<int, int> FaintDiscs(const DarkBlobOptions& o, bool bright_too) {
  constexpr int kSide = 480, kPitch = 24;
  cv::Mat image(kSide, kSide, CV_32F);
  cv::RNG rng(7);
  rng.fill(image, cv::RNG::NORMAL, 0.0, 0.02);
  std::vector<cv::Point2f> dark;
  for (int y = kPitch; y < kSide - kPitch / 2; y += kPitch) {
    for (int x = kPitch; x < kSide - kPitch / 2; x += kPitch) {
      const bool is_dark = !bright_too || ((x + y) / kPitch) % 2 == 0;
      cv::Mat disc(image.size(), CV_32F, cv::Scalar(0));
      cv::circle(disc, {x, y}, 2, cv::Scalar(is_dark ? -kFaintContrast : kFaintContrast),
                 cv::FILLED, cv::LINE_AA);
      image += disc;
      if (is_dark) dark.emplace_back(static_cast<float>(x), static_cast<float>(y));
    }
  }
  const cv::Mat mask(image.size(), CV_8U, cv::Scalar(255));
  int found = 0, away = 0;
  for (const DarkBlob& b : DetectDarkBlobs(image, mask, o)) {
    const bool near = std::any_of(dark.begin(), dark.end(), [&](const cv::Point2f& p) {
      return cv::norm(p - b.center_px) < 2.0;
    });
    (near ? found : away) += 1;
  }
  return {found, away};
}

TEST(DarkBlobs, MirroredThresholdFindsFaintBlobsOnlyWhereBrightOnesAreRare) {
  DarkBlobOptions fixed;
  fixed.min_diameter_px = 3;
  fixed.max_diameter_px = 8;
  fixed.min_contrast = 0.01;
  fixed.min_roundness = 0.3;
  fixed.min_snr = 5;
  DarkBlobOptions mirrored = fixed;
  mirrored.lowest_snr = 4;
  mirrored.max_bright_share = 0.02;
  const auto [fixed_found, fixed_away] = FaintDiscs(fixed, false);
  const auto [mirrored_found, mirrored_away] = FaintDiscs(mirrored, false);
  std::printf("faint discs: fixed %d found, %d away; mirrored %d found, %d away\n", fixed_found,
              fixed_away, mirrored_found, mirrored_away);
  // Dark discs alone: bright blobs are rare, the threshold falls, and more discs are found.
  EXPECT_GT(mirrored_found, fixed_found + 20);
  EXPECT_LE(mirrored_away, 0.02 * mirrored_found + 2);
  // Bright discs as many as dark ones: the threshold stays at min_snr.
  const auto both_fixed = FaintDiscs(fixed, true);
  const auto both_mirrored = FaintDiscs(mirrored, true);
  std::printf("with bright discs: fixed %d found, %d away; mirrored %d found, %d away\n",
              both_fixed.first, both_fixed.second, both_mirrored.first, both_mirrored.second);
  EXPECT_EQ(both_mirrored, both_fixed);
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

TEST(DarkBlobs, CoarseScalesOnAReducedCopyFindWhatFullResolutionFinds) {
  // Discs from 5 to 48 px across on mild noise: levels wider than 4 px run on copies reduced by
  // 2, 4 and 8. Each disc must be found at its size and place with and without the reduction.
  cv::Mat contrast(480, 640, CV_32F);
  cv::RNG rng(7);
  rng.fill(contrast, cv::RNG::NORMAL, 0.0, 0.01);
  cv::GaussianBlur(contrast, contrast, cv::Size(), 1.0);
  struct Disc {
    cv::Point2f centre;
    double diameter;
  };
  std::vector<Disc> discs;
  int i = 0;
  for (const double d : {5.0, 8.0, 12.0, 18.0, 26.0, 36.0, 48.0}) {
    for (int j = 0; j < 2; ++j, ++i) {
      const cv::Point2f c(
          60.0f + 75.0f * static_cast<float>(i % 7) + 0.3f * static_cast<float>(i),
          110.0f + 230.0f * static_cast<float>(i / 7) + 0.7f * static_cast<float>(j));
      // Anti-aliased at 1/16 px so that sub-pixel centres and sizes are drawn as they are.
      cv::circle(contrast, cv::Point(cvRound(c.x * 16), cvRound(c.y * 16)), cvRound(d * 8),
                 cv::Scalar(-0.2), cv::FILLED, cv::LINE_AA, 4);
      discs.push_back({c, d});
    }
  }
  const cv::Mat mask(contrast.size(), CV_8U, cv::Scalar(255));
  DarkBlobOptions o;
  o.min_diameter_px = 4;
  o.max_diameter_px = 60;
  o.min_snr = 5;
  o.min_level_sigma_px = 0;
  const std::vector<DarkBlob> full = DetectDarkBlobs(contrast, mask, o);
  o.min_level_sigma_px = 2;
  const std::vector<DarkBlob> reduced = DetectDarkBlobs(contrast, mask, o);
  const auto nearest = [](const std::vector<DarkBlob>& blobs, cv::Point2f p) {
    const DarkBlob* best = nullptr;
    for (const DarkBlob& b : blobs) {
      if (best == nullptr || cv::norm(b.center_px - p) < cv::norm(best->center_px - p)) best = &b;
    }
    return best;
  };
  EXPECT_EQ(full.size(), discs.size());
  EXPECT_EQ(reduced.size(), discs.size());
  for (const Disc& disc : discs) {
    const DarkBlob* f = nearest(full, disc.centre);
    const DarkBlob* r = nearest(reduced, disc.centre);
    ASSERT_TRUE(f != nullptr && r != nullptr);
    std::printf(
        "disc %4.1f px: full %5.2f px at %.2f px, %.3f; reduced %5.2f px at %.2f px, %.3f\n",
        disc.diameter, f->diameter_px, cv::norm(f->center_px - disc.centre), f->contrast,
        r->diameter_px, cv::norm(r->center_px - disc.centre), r->contrast);
    // The reduction adds at most a pixel of the reduced grid to the centre and keeps the size and
    // contrast of the full-resolution estimate.
    EXPECT_LE(cv::norm(r->center_px - disc.centre), std::max(1.0, 0.1 * disc.diameter));
    EXPECT_NEAR(r->diameter_px / f->diameter_px, 1.0, 0.05) << disc.diameter << " px";
    EXPECT_NEAR(r->contrast / f->contrast, 1.0, 0.05) << disc.diameter << " px";
    // And both read the size (the LoG reads discs of a few pixels somewhat large).
    EXPECT_NEAR(r->diameter_px / disc.diameter, 1.0, disc.diameter < 10 ? 0.25 : 0.1);
  }
}

TEST(DarkBlobs, NoiseWithoutStructuresIsTheNoiseOfACrowdedImage) {
  // White noise, a reference blob and, in the crowded case, 48 blobs of six noise SDs covering
  // about a third of the image at the searched scale. The plain robust SD of the response counts
  // the strong blobs as noise, so the reference blob's SNR falls; measured without them, it stays
  // what it is on noise alone.
  const cv::Size size(480, 480);
  const cv::Mat mask(size, CV_8U, cv::Scalar(255));
  const auto reference_snr = [&](bool crowded, bool exclude) {
    cv::Mat image(size, CV_32F);
    cv::RNG rng(7);
    rng.fill(image, cv::RNG::NORMAL, 0.0, 0.05);
    cv::circle(image, {240, 240}, 8, cv::Scalar(-0.25), cv::FILLED);
    if (crowded) {
      for (int i = 0; i < 48; ++i) {
        const cv::Point c(30 + 60 * (i % 8), 30 + 60 * (i / 8) + (i / 8 >= 4 ? 60 : 0));
        cv::circle(image, c, 14, cv::Scalar(-0.3), cv::FILLED);
      }
    }
    DarkBlobOptions o;
    o.min_diameter_px = 12;
    o.max_diameter_px = 40;
    o.min_contrast = 0;
    o.min_snr = 3;
    o.min_roundness = 0;
    o.noise_excludes_structures = exclude;
    for (const DarkBlob& b : DetectDarkBlobs(image, mask, o)) {
      if (cv::norm(b.center_px - cv::Point2f(240, 240)) < 4) return b.snr;
    }
    return 0.0;
  };
  const double alone = reference_snr(false, false);
  ASSERT_GT(alone, 5.0);
  EXPECT_NEAR(reference_snr(false, true) / alone, 1.0, 0.05);  // nothing to exclude
  EXPECT_LT(reference_snr(true, false) / alone, 0.8);          // inflated noise
  EXPECT_NEAR(reference_snr(true, true) / alone, 1.0, 0.15);   // the noise again
}

}  // namespace
}  // namespace skintrack::core

#pragma once
// Synthetic registration trials with known truth, for tests, benchmarks and users' own validation.
//
// A trial takes a real photo as the baseline (fixed) and makes a follow-up (moving) by warping it
// with a random transform of the requested model (rotation, scale, translation, shear, mild
// perspective about the image centre), then changing exposure and white balance in linear light,
// adding Gaussian noise and recompressing as JPEG. The true fixed_from_moving is returned, so the
// error of an estimate can be measured at the image corners (Baker & Matthews, IJCV 56:221, 2004:
// corner-error protocol; REFERENCES.md section 8).
//
// Deterministic for a given random engine state. Thread-safety: reentrant.

#include <random>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/registration/registration.h"

namespace skintrack::core {

struct SyntheticWarpOptions {
  MotionModel model = MotionModel::kSimilarity;  // kAuto draws one of the three per trial
  double max_rotation_deg = 10;          // uniform in +-max
  double max_scale_change = 0.15;        // scale uniform in 1 +- max
  double max_translation_fraction = 0.10;  // of width/height, uniform in +-max
  double max_shear = 0.05;               // affine/homography: extra linear terms, uniform +-max
  double max_perspective = 0.05;         // homography: |w_corner - 1| up to this
  double max_exposure_change = 0.30;     // linear gain uniform in 1 +- max
  double max_white_balance_change = 0.15;  // per-channel linear gain uniform in 1 +- max
  double max_noise_sigma = 3.0;          // Gaussian noise, 8-bit code values, uniform 0..max
  int min_jpeg_quality = 70;             // JPEG recompression quality uniform min..max
  int max_jpeg_quality = 95;
};

struct SyntheticPair {
  cv::Mat moving_bgr;              // CV_8UC3, same size as the fixed image
  cv::Matx33d fixed_from_moving;   // ground truth
  MotionModel model = MotionModel::kSimilarity;
};

// Makes one trial from an 8-bit BGR baseline (16-bit input is reduced to 8 bits).
Result<SyntheticPair> MakeSyntheticPair(const cv::Mat& fixed_bgr, const SyntheticWarpOptions& options,
                                        std::mt19937_64& rng);

// Mean distance, in fixed pixels, between where `estimate` and `truth` send the four corners of
// the moving image.
double MeanCornerError(const cv::Matx33d& estimate, const cv::Matx33d& truth, cv::Size moving_size);

}  // namespace skintrack::core

// Automatic registration: features + robust fit, ECC refinement, optional dense flow, quality checks.
#include "core/registration/registration.h"

#include <algorithm>
#include <ctime>
#include <cmath>
#include <sstream>

#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "core/base/capture_limits.h"
#include "core/base/check.h"
#include "core/registration/registration_internal.h"

namespace skintrack::core {
namespace {

namespace ri = registration_internal;

// A follow-up that is the mirror image of its baseline (a front camera, an editing app) still
// matches: a face is nearly symmetric, so each feature finds its mirror twin, and the fit bends
// the face onto itself with a strong perspective (a portrait against its own mirror image: 0.28;
// the project's real pairs reach 0.245, within `max_perspective`). A fit beyond
// kMirrorCheckPerspective is matched again with the follow-up flipped, and the follow-up is
// refused as mirrored when that finds kMirrorInlierRatio times the inliers. A close-up has no such
// symmetry and simply fails to match; a failed match is tried flipped as well, so that the error
// says what is wrong.
constexpr double kMirrorCheckPerspective = 0.1;
constexpr double kMirrorInlierRatio = 2.0;

// A frame that stays put in the camera while the skin moves under it: the dark rim of a
// dermoscope's field, the black bars of a letterboxed export, a lens's black corners. It is what
// is near-black (below kFrameLuminance of full scale, sRGB-encoded) in both photos at the same
// place and joined to the border, where that covers at least kMinFrameShare of the photo. Its
// edge is the strongest edge in such a photo and matches itself from one photo to the other, so
// it pulls the alignment towards "nothing moved": keypoints closer to it than
// kFrameKeypointClearance times their size, ECC's mask within kFrameMarginShare of the level's
// longer side of it (each photo's, where the estimate takes it) and the NCC there are left out.
// A dark backdrop that the subject moved in front of is left out alike, which costs only the
// outline's keypoints. Measured (2026-12-08): the sample lesions and close-ups moved by a
// similarity (4 degrees, 5 % and 3 % of the width) under a fixed rim 0.95 of the short side
// across: without a mask all 8 pairs failed ("did not improve the match"); with the baseline's
// skin mask 4 failed and one was 4.6 px off (median over the skin) while it passed. Now all pass
// within 0.1 px.
constexpr double kFrameLuminance = 0.06;
constexpr double kMinFrameShare = 0.02;
constexpr double kFrameKeypointClearance = 1.0;
constexpr double kFrameMarginShare = 0.015;
// AreaInsideFrame looks for a photo's own frame on a copy of at most this longer side.
constexpr int kFrameSearchMaxSidePx = 1024;

// One image prepared for registration.
struct Prepared {
  cv::Mat grey;                         // CV_8U or CV_16U luminance, original resolution
  cv::Mat feature8;                     // CLAHE luminance at the feature scale
  cv::Matx33d feature_from_original;    // original -> feature8 pixel coordinates
  cv::Mat feature_mask;                 // CV_8U at the feature scale (fixed image only; may be empty)
  cv::Mat unit;                         // CV_32F luminance in [0, 1] at the feature scale
  cv::Mat dark;                         // CV_8U at the feature scale: near-black pixels
  cv::Mat frame;                        // CV_8U at the feature scale: the common frame (or empty)
  cv::Mat frame_distance;               // CV_32F distance to `frame`, px (empty without a frame)
};

Prepared Prepare(const cv::Mat& image, const cv::Mat& mask, int feature_max_side_px) {
  Prepared p;
  p.grey = ri::Grey(image);
  cv::Mat small;
  ri::ResizeToMaxSide(p.grey, feature_max_side_px, small);
  const cv::Mat unit = ri::LuminanceUnit(small);
  p.feature8 = ri::ContrastNormalised8(unit);
  p.dark = unit < kFrameLuminance;
  p.unit = unit;
  p.feature_from_original = ri::ScaleBetween(image.size(), small.size());
  if (!mask.empty()) {
    cv::resize(mask, p.feature_mask, small.size(), 0, 0, cv::INTER_NEAREST);
  }
  return p;
}

cv::Mat ResizeTo(const cv::Mat& src, cv::Size size, int interpolation = cv::INTER_AREA) {
  if (src.size() == size) return src;
  cv::Mat dst;
  cv::resize(src, dst, size, 0, 0, interpolation);
  return dst;
}

// `frame` (CV_8U, non-zero = frame) resized to `size` and widened by kFrameMarginShare of its
// longer side (at least `min_margin_px`); empty stays empty.
cv::Mat WidenedFrame(const cv::Mat& frame, cv::Size size, int min_margin_px) {
  if (frame.empty()) return {};
  const int margin = std::max(
      min_margin_px,
      static_cast<int>(std::lround(kFrameMarginShare * std::max(size.width, size.height))));
  cv::Mat widened;
  cv::dilate(
      ResizeTo(frame, size, cv::INTER_NEAREST), widened,
      cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * margin + 1, 2 * margin + 1)));
  return widened;
}

// The parts of `dark` (CV_8U) joined to the image's border, where they cover at least
// kMinFrameShare of it; empty otherwise.
cv::Mat FrameOf(const cv::Mat& dark) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(dark, labels, stats, centroids, 8, CV_32S);
  std::vector<uchar> on_border(static_cast<size_t>(n), 0);
  double area = 0;
  for (int i = 1; i < n; ++i) {
    const int left = stats.at<int>(i, cv::CC_STAT_LEFT);
    const int top = stats.at<int>(i, cv::CC_STAT_TOP);
    // A box that reaches an edge holds a pixel on that edge.
    if (left == 0 || top == 0 || left + stats.at<int>(i, cv::CC_STAT_WIDTH) == dark.cols ||
        top + stats.at<int>(i, cv::CC_STAT_HEIGHT) == dark.rows) {
      on_border[static_cast<size_t>(i)] = 1;
      area += stats.at<int>(i, cv::CC_STAT_AREA);
    }
  }
  if (area < kMinFrameShare * static_cast<double>(dark.total())) return {};
  cv::Mat frame(dark.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < dark.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    uchar* f = frame.ptr<uchar>(y);
    for (int x = 0; x < dark.cols; ++x) f[x] = on_border[static_cast<size_t>(l[x])] != 0 ? 255 : 0;
  }
  return frame;
}

// True when images of these sizes have the same shape (aspect ratios within 1 %): only such
// photos can share a frame or an overlay.
bool SameShape(cv::Size a, cv::Size b) {
  const double aspects =
      (static_cast<double>(a.width) / a.height) / (static_cast<double>(b.width) / b.height);
  return std::abs(aspects - 1) <= 0.01;
}

// Sets `frame` and `frame_distance` of both images (see kFrameLuminance).
void MarkCommonFrame(Prepared& moving, Prepared& fixed) {
  const cv::Size fs = fixed.dark.size();
  const cv::Size ms = moving.dark.size();
  if (!SameShape(fs, ms)) return;
  fixed.frame = FrameOf(fixed.dark & ResizeTo(moving.dark, fs, cv::INTER_NEAREST));
  if (fixed.frame.empty()) return;
  moving.frame = ResizeTo(fixed.frame, ms, cv::INTER_NEAREST);
  for (Prepared* p : {&moving, &fixed}) {
    cv::distanceTransform(p->frame == 0, p->frame_distance, cv::DIST_L2, cv::DIST_MASK_PRECISE,
                          CV_32F);
  }
}

// Text and marks burned into both photos at the same place (a date stamp, a patient number, a
// device's name, a scale bar) stay put while the skin moves, as a frame does, but are neither dark
// nor joined to the border. They are found once the features have given the transform: the
// baseline's strong edges (gradient over kStaticEdge per pixel, at the feature scale) that the
// follow-up shows at the same place as it lies (its gradient vector within kStaticSame of the
// baseline's) but not where the transform takes it (more than half the baseline's gradient off),
// where the transform moves the skin by at least kMinStaticShiftPx; in groups of at least
// kMinStaticEdgePx such pixels, adding up to kMinStaticShare of the photo. They join the frame
// for ECC and the NCC; the features were matched before, and the robust fit outvotes them there.
// Measured (2026-12-08): with two lines of text drawn on both photos of each sample lesion moved by
// 4 degrees and 5 % and 3 % of the width, ECC, for which the text's edges were the strongest
// gradients, pulled four of six 300 px lesions 0.8-2.2 px towards "nothing moved" (median over
// the skin) while they passed. Real same-person portrait pairs give no such groups (at most 25
// pixels of an eyelid and a curl, under kMinStaticShare, by a Python prototype of this rule).
constexpr double kStaticEdge = 0.04;
constexpr double kStaticSame = 0.25;
constexpr double kMinStaticShiftPx = 2.0;
constexpr int kMinStaticEdgePx = 12;
constexpr double kMinStaticShare = 0.0005;

// Per-pixel derivatives of a unit luminance image smoothed by a Gaussian of 1 px.
void UnitGradient(const cv::Mat& unit, cv::Mat& gx, cv::Mat& gy) {
  cv::Mat smooth;
  cv::GaussianBlur(unit, smooth, cv::Size(0, 0), 1.0);
  cv::Sobel(smooth, gx, CV_32F, 1, 0, 3, 1.0 / 8);
  cv::Sobel(smooth, gy, CV_32F, 0, 1, 3, 1.0 / 8);
}

// Adds the overlay burned into both photos (see kStaticEdge) to their `frame`.
void MarkStaticOverlay(Prepared& moving, Prepared& fixed, const cv::Matx33d& fixed_from_moving) {
  const cv::Size fs = fixed.unit.size();
  const cv::Size ms = moving.unit.size();
  if (!SameShape(fs, ms)) return;
  const cv::Matx33d feature_transform =
      fixed.feature_from_original * fixed_from_moving * moving.feature_from_original.inv();
  const cv::Matx33d to_moving = feature_transform.inv();
  const cv::Matx33d to_moving_as_it_lies = ri::ScaleBetween(fs, ms);
  cv::Mat aligned;
  cv::warpPerspective(moving.unit, aligned, cv::Mat(feature_transform), fs, cv::INTER_LINEAR,
                      cv::BORDER_REPLICATE);
  cv::Mat fx, fy, lx, ly, ax, ay;
  UnitGradient(fixed.unit, fx, fy);
  UnitGradient(ResizeTo(moving.unit, fs), lx, ly);
  UnitGradient(aligned, ax, ay);
  cv::Mat found(fs, CV_8U, cv::Scalar(0));
  for (int y = 0; y < fs.height; ++y) {
    for (int x = 0; x < fs.width; ++x) {
      const float gx = fx.at<float>(y, x);
      const float gy = fy.at<float>(y, x);
      const double g = std::hypot(gx, gy);
      if (g <= kStaticEdge ||
          std::hypot(gx - lx.at<float>(y, x), gy - ly.at<float>(y, x)) >= kStaticSame * g ||
          std::hypot(gx - ax.at<float>(y, x), gy - ay.at<float>(y, x)) <= 0.5 * g) {
        continue;
      }
      const cv::Point2d p(x, y);
      if (cv::norm(ri::Apply(to_moving, p) - ri::Apply(to_moving_as_it_lies, p)) <
          kMinStaticShiftPx) {
        continue;
      }
      found.at<uchar>(y, x) = 255;
    }
  }
  // The frame's own edge is the frame's already.
  if (!fixed.frame.empty()) found.setTo(0, WidenedFrame(fixed.frame, fs, 1));
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(found, labels, stats, centroids, 8, CV_32S);
  int total = 0;
  for (int i = 1; i < n; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) >= kMinStaticEdgePx) {
      total += stats.at<int>(i, cv::CC_STAT_AREA);
    } else {
      found.setTo(0, labels == i);
    }
  }
  if (total < kMinStaticShare * fs.area()) return;
  if (!fixed.frame.empty()) found |= fixed.frame;
  fixed.frame = found;
  moving.frame = ResizeTo(found, ms, cv::INTER_NEAREST);
}

// Drops the keypoints (and their descriptors' rows) whose neighbourhood reaches the frame.
void DropKeypointsSeeingTheFrame(const Prepared& image, std::vector<cv::KeyPoint>& keypoints,
                                 cv::Mat& descriptors) {
  if (image.frame_distance.empty() || keypoints.empty()) return;
  std::vector<cv::KeyPoint> kept;
  cv::Mat kept_descriptors;
  const cv::Mat& distance = image.frame_distance;
  for (size_t i = 0; i < keypoints.size(); ++i) {
    const cv::KeyPoint& k = keypoints[i];
    const int x = std::clamp(static_cast<int>(std::lround(k.pt.x)), 0, distance.cols - 1);
    const int y = std::clamp(static_cast<int>(std::lround(k.pt.y)), 0, distance.rows - 1);
    if (distance.at<float>(y, x) < kFrameKeypointClearance * k.size) continue;
    kept.push_back(k);
    kept_descriptors.push_back(descriptors.row(static_cast<int>(i)));
  }
  keypoints = std::move(kept);
  descriptors = kept_descriptors;
}

// Ratio-test matches between the two images, in original pixel coordinates.
struct Matches {
  std::string method;
  std::vector<cv::Point2d> moving;
  std::vector<cv::Point2d> fixed;
};

Matches DetectAndMatch(const std::string& method, const Prepared& moving, const Prepared& fixed,
                       const RegistrationOptions& options) {
  cv::Ptr<cv::Feature2D> detector;
  int norm = cv::NORM_L2;
  if (method == "sift") {
    detector = cv::SIFT::create(options.max_features);
  } else {
    auto akaze = cv::AKAZE::create();
    akaze->setThreshold(0.0005);  // more keypoints than the default on smooth skin
    detector = akaze;
    norm = cv::NORM_HAMMING;
  }
  std::vector<cv::KeyPoint> kp_moving, kp_fixed;
  cv::Mat desc_moving, desc_fixed;
  detector->detectAndCompute(moving.feature8, cv::noArray(), kp_moving, desc_moving);
  detector->detectAndCompute(fixed.feature8, fixed.feature_mask,
                             kp_fixed, desc_fixed);
  DropKeypointsSeeingTheFrame(moving, kp_moving, desc_moving);
  DropKeypointsSeeingTheFrame(fixed, kp_fixed, desc_fixed);
  Matches out;
  out.method = method;
  if (kp_moving.size() < 2 || kp_fixed.size() < 2) return out;
  cv::BFMatcher matcher(norm);
  std::vector<std::vector<cv::DMatch>> knn;
  matcher.knnMatch(desc_moving, desc_fixed, knn, 2);
  const cv::Matx33d original_from_moving_feature = moving.feature_from_original.inv();
  const cv::Matx33d original_from_fixed_feature = fixed.feature_from_original.inv();
  for (const auto& pair : knn) {
    if (pair.size() < 2) continue;
    if (pair[0].distance >= options.ratio_test * pair[1].distance) continue;
    out.moving.push_back(
        ri::Apply(original_from_moving_feature, cv::Point2d(kp_moving[pair[0].queryIdx].pt)));
    out.fixed.push_back(
        ri::Apply(original_from_fixed_feature, cv::Point2d(kp_fixed[pair[0].trainIdx].pt)));
  }
  return out;
}

// A robust fit and its inliers.
struct Fit {
  bool valid = false;
  MotionModel model = MotionModel::kHomography;
  cv::Matx33d fixed_from_moving = cv::Matx33d::eye();
  std::vector<cv::Point2d> moving_inliers;
  std::vector<cv::Point2d> fixed_inliers;
};

cv::Matx33d FromAffine(const cv::Mat& a) {
  return {a.at<double>(0, 0), a.at<double>(0, 1), a.at<double>(0, 2),
          a.at<double>(1, 0), a.at<double>(1, 1), a.at<double>(1, 2),
          0, 0, 1};
}

// Counts the pairs within `threshold` of the model and keeps them.
void CollectInliers(const Matches& m, double threshold, Fit& fit) {
  fit.moving_inliers.clear();
  fit.fixed_inliers.clear();
  for (size_t i = 0; i < m.moving.size(); ++i) {
    if (cv::norm(ri::Apply(fit.fixed_from_moving, m.moving[i]) - m.fixed[i]) < threshold) {
      fit.moving_inliers.push_back(m.moving[i]);
      fit.fixed_inliers.push_back(m.fixed[i]);
    }
  }
}

// Robust fit of `model`, then least squares on the inliers (repeated once with the refined model).
Fit RobustFit(const Matches& m, MotionModel model, double threshold_px) {
  Fit fit;
  fit.model = model;
  if (m.moving.size() < 4) return fit;
  const auto src = ri::ToFloat(m.moving);
  const auto dst = ri::ToFloat(m.fixed);
  cv::Mat estimate;
  if (model == MotionModel::kHomography) {
    estimate = cv::findHomography(src, dst, cv::USAC_MAGSAC, threshold_px, cv::noArray(), 10000,
                                  0.999);
    if (estimate.empty()) return fit;
    fit.fixed_from_moving = cv::Matx33d(estimate);
  } else {
    if (model == MotionModel::kAffine) {
      estimate = cv::estimateAffine2D(src, dst, cv::noArray(), cv::RANSAC, threshold_px, 5000, 0.999);
    } else {
      estimate =
          cv::estimateAffinePartial2D(src, dst, cv::noArray(), cv::RANSAC, threshold_px, 5000, 0.999);
    }
    if (estimate.empty()) return fit;
    fit.fixed_from_moving = FromAffine(estimate);
  }
  for (int round = 0; round < 2; ++round) {
    CollectInliers(m, threshold_px, fit);
    auto refined = ri::FitLeastSquares(model, fit.moving_inliers, fit.fixed_inliers);
    if (!refined) break;
    fit.fixed_from_moving = *refined;
  }
  CollectInliers(m, threshold_px, fit);
  fit.valid = true;
  return fit;
}

// kAuto: the simplest model that predicts the corners as well as the richer one.
Fit ChooseModel(const Matches& m, double threshold_px, double selection_px, cv::Size moving_size) {
  Fit homography = RobustFit(m, MotionModel::kHomography, threshold_px);
  if (!homography.valid) return homography;
  const auto affine =
      ri::FitLeastSquares(MotionModel::kAffine, homography.moving_inliers, homography.fixed_inliers);
  const auto similarity = ri::FitLeastSquares(MotionModel::kSimilarity, homography.moving_inliers,
                                              homography.fixed_inliers);
  if (!affine || !similarity) return homography;
  MotionModel chosen = MotionModel::kHomography;
  cv::Matx33d start = homography.fixed_from_moving;
  if (ri::MaxCornerDistance(homography.fixed_from_moving, *affine, moving_size) <= selection_px) {
    chosen = MotionModel::kAffine;
    start = *affine;
    if (ri::MaxCornerDistance(*affine, *similarity, moving_size) <= selection_px) {
      chosen = MotionModel::kSimilarity;
      start = *similarity;
    }
  }
  if (chosen == MotionModel::kHomography) return homography;
  Fit fit;
  fit.model = chosen;
  fit.fixed_from_moving = start;
  for (int round = 0; round < 2; ++round) {
    CollectInliers(m, threshold_px, fit);
    auto refined = ri::FitLeastSquares(chosen, fit.moving_inliers, fit.fixed_inliers);
    if (!refined) break;
    fit.fixed_from_moving = *refined;
  }
  CollectInliers(m, threshold_px, fit);
  fit.valid = true;
  return fit;
}

// Gradient magnitude of a smoothed luminance image: ECC on gradients ignores smooth shading and
// exposure differences between sessions.
cv::Mat GradientMagnitude(const cv::Mat& luminance) {
  cv::Mat smooth, gx, gy, magnitude;
  cv::GaussianBlur(luminance, smooth, cv::Size(0, 0), 1.0);
  cv::Sobel(smooth, gx, CV_32F, 1, 0, 3);
  cv::Sobel(smooth, gy, CV_32F, 0, 1, 3);
  cv::magnitude(gx, gy, magnitude);
  return magnitude;
}

cv::Size ScaledSize(cv::Size size, double scale) {
  return {std::max(1, static_cast<int>(std::lround(size.width * scale))),
          std::max(1, static_cast<int>(std::lround(size.height * scale)))};
}

// ECC refinement on a coarse-to-fine pyramid. Returns false (leaving `transform` unchanged) when
// ECC fails or diverges; `correlation` receives the final ECC coefficient.
bool RefineWithEcc(const Prepared& moving, const Prepared& fixed, const cv::Mat& fixed_mask,
                   MotionModel model, const RegistrationOptions& options, cv::Matx33d& transform,
                   double& correlation, std::vector<std::string>& warnings) {
  const cv::Size fixed_size = fixed.grey.size();
  const cv::Size moving_size = moving.grey.size();
  const int fixed_side = std::max(fixed_size.width, fixed_size.height);
  const double top_scale = std::min(1.0, static_cast<double>(options.ecc_max_side_px) / fixed_side);
  std::vector<double> scales = {top_scale};
  while (static_cast<int>(scales.size()) < options.ecc_levels &&
         fixed_side * scales.back() / 2 >= 256) {
    scales.push_back(scales.back() / 2);
  }
  std::reverse(scales.begin(), scales.end());

  const cv::Matx33d start = transform;
  cv::Matx33d current = transform;
  const double moving_to_fixed_scale = ri::DescribeTransform(current, moving_size).scale;
  const int motion = model == MotionModel::kHomography ? cv::MOTION_HOMOGRAPHY : cv::MOTION_AFFINE;
  for (size_t level = 0; level < scales.size(); ++level) {
    const cv::Size fixed_level_size = ScaledSize(fixed_size, scales[level]);
    const double moving_scale = std::min(1.0, scales[level] * moving_to_fixed_scale);
    const cv::Size moving_level_size = ScaledSize(moving_size, moving_scale);
    const cv::Mat fixed_gradient =
        GradientMagnitude(ri::LuminanceUnit(ResizeTo(fixed.grey, fixed_level_size)));
    const cv::Mat moving_gradient =
        GradientMagnitude(ri::LuminanceUnit(ResizeTo(moving.grey, moving_level_size)));
    cv::Mat mask_level;
    if (!fixed_mask.empty()) {
      const cv::Mat resized = ResizeTo(fixed_mask, fixed_level_size, cv::INTER_NEAREST);
      if (options.ecc_mask_margin_px > 0) {
        // Into a new matrix: at full size `resized` is the caller's mask itself (a baseline's
        // mask that a batch shares between follow-ups and workers).
        const int side = 2 * options.ecc_mask_margin_px + 1;
        cv::dilate(resized, mask_level,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(side, side)));
      } else {
        mask_level = resized;
      }
    }
    const cv::Matx33d fixed_level_from_fixed = ri::ScaleBetween(fixed_size, fixed_level_size);
    const cv::Matx33d moving_level_from_moving = ri::ScaleBetween(moving_size, moving_level_size);
    // ECC's warp maps template (moving) coordinates into input (fixed) coordinates, so the input
    // mask is the fixed image's mask.
    const cv::Matx33d level_warp =
        fixed_level_from_fixed * current * moving_level_from_moving.inv();
    if (!fixed.frame.empty() && !moving.frame.empty()) {
      // The frame's edges are left out of the mask: the fixed image's where it lies, the moving
      // image's where the current estimate takes it (ECC correlates over the moving image's
      // pixels where the fixed mask, carried onto them, is set; the margin covers what the
      // refinement still moves).
      const cv::Mat fixed_frame =
          WidenedFrame(fixed.frame, fixed_level_size, options.ecc_mask_margin_px);
      cv::Mat moving_frame;
      cv::warpPerspective(WidenedFrame(moving.frame, moving_level_size, options.ecc_mask_margin_px),
                          moving_frame, cv::Mat(level_warp), fixed_level_size, cv::INTER_NEAREST,
                          cv::BORDER_CONSTANT, 0);
      cv::Mat cleared;
      cv::bitwise_and(
          mask_level.empty() ? cv::Mat(fixed_level_size, CV_8U, cv::Scalar(255)) : mask_level,
          (fixed_frame | moving_frame) == 0, cleared);
      mask_level = cleared;
    }
    cv::Mat warp;
    if (motion == cv::MOTION_HOMOGRAPHY) {
      cv::Mat(level_warp * (1.0 / level_warp(2, 2))).convertTo(warp, CV_32F);
    } else {
      cv::Mat(level_warp).rowRange(0, 2).convertTo(warp, CV_32F);
    }
    const int iterations =
        level == 0 ? options.ecc_iterations : std::max(5, options.ecc_iterations / 2);
    try {
      correlation = cv::findTransformECC(
          moving_gradient, fixed_gradient, warp, motion,
          cv::TermCriteria(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, iterations,
                           options.ecc_epsilon),
          mask_level, 3);
    } catch (const cv::Exception&) {
      warnings.push_back("ECC refinement did not converge; kept the feature-based transform");
      correlation = 0;
      return false;
    }
    cv::Matx33d refined_level = cv::Matx33d::eye();
    for (int r = 0; r < warp.rows; ++r) {
      for (int c = 0; c < 3; ++c) refined_level(r, c) = warp.at<float>(r, c);
    }
    current = fixed_level_from_fixed.inv() * refined_level * moving_level_from_moving;
    current *= 1.0 / current(2, 2);
  }
  if (model == MotionModel::kSimilarity) {
    // ECC has no similarity motion: refine as affine, then take the closest similarity.
    std::vector<cv::Point2d> src, dst;
    for (int gy = 0; gy <= 4; ++gy) {
      for (int gx = 0; gx <= 4; ++gx) {
        const cv::Point2d p((moving_size.width - 1) * gx / 4.0, (moving_size.height - 1) * gy / 4.0);
        src.push_back(p);
        dst.push_back(ri::Apply(current, p));
      }
    }
    auto similarity = ri::FitLeastSquares(MotionModel::kSimilarity, src, dst);
    if (similarity) current = *similarity;
  }
  if (ri::MaxCornerDistance(current, start, moving_size) > options.ecc_max_correction_px) {
    warnings.push_back("ECC refinement moved the result too far from the feature evidence; kept "
                       "the feature-based transform");
    return false;
  }
  transform = current;
  return true;
}

// DIS optical flow between the fixed image and the globally aligned moving image.
void RefineNonRigid(const Prepared& moving, const Prepared& fixed, const cv::Mat& fixed_mask,
                    const RegistrationOptions& options, Registration& r) {
  cv::Mat fixed_small;
  ri::ResizeToMaxSide(fixed.grey, options.flow_max_side_px, fixed_small);
  const cv::Mat fixed8 = ri::ContrastNormalised8(ri::LuminanceUnit(fixed_small));
  const cv::Size size = fixed8.size();
  const cv::Matx33d flow_from_fixed = ri::ScaleBetween(r.fixed_size, size);
  const cv::Matx33d transform =
      flow_from_fixed * r.fixed_from_moving * moving.feature_from_original.inv();
  cv::Mat warped8, coverage;
  cv::warpPerspective(moving.feature8, warped8, cv::Mat(transform), size, cv::INTER_LINEAR,
                      cv::BORDER_REPLICATE);
  cv::warpPerspective(cv::Mat(moving.feature8.size(), CV_8U, cv::Scalar(255)), coverage,
                      cv::Mat(transform), size, cv::INTER_NEAREST, cv::BORDER_CONSTANT, 0);
  if (!fixed_mask.empty()) {
    cv::bitwise_and(coverage, ResizeTo(fixed_mask, size, cv::INTER_NEAREST), coverage);
  }
  auto dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM);
  cv::Mat flow;
  dis->calc(fixed8, warped8, flow);
  // Regularise: no flow where there is no evidence, smooth, and limit the magnitude.
  cv::Mat outside;
  cv::bitwise_not(coverage, outside);
  flow.setTo(cv::Scalar(0, 0), outside);
  cv::GaussianBlur(flow, flow, cv::Size(0, 0), options.flow_smoothing_px);
  const double sx = static_cast<double>(r.fixed_size.width) / size.width;
  const double sy = static_cast<double>(r.fixed_size.height) / size.height;
  const float limit = static_cast<float>(options.max_flow_px);
  std::vector<float> magnitudes;
  for (int y = 0; y < size.height; ++y) {
    auto* f = flow.ptr<cv::Vec2f>(y);
    const auto* c = coverage.ptr<uchar>(y);
    for (int x = 0; x < size.width; ++x) {
      f[x][0] = static_cast<float>(f[x][0] * sx);
      f[x][1] = static_cast<float>(f[x][1] * sy);
      const float mag = std::hypot(f[x][0], f[x][1]);
      if (mag > limit) f[x] *= limit / mag;
      if (c[x] != 0) magnitudes.push_back(std::min(mag, limit));
    }
  }
  cv::resize(flow, r.flow_fixed_px, r.fixed_size, 0, 0, cv::INTER_LINEAR);
  if (!magnitudes.empty()) {
    double sum = 0;
    for (float m : magnitudes) sum += m;
    r.flow_mean_px = sum / static_cast<double>(magnitudes.size());
    const size_t p95 = magnitudes.size() * 95 / 100;
    std::nth_element(magnitudes.begin(), magnitudes.begin() + static_cast<long>(p95), magnitudes.end());
    r.flow_p95_px = magnitudes[p95];
    r.flow_max_px = *std::max_element(magnitudes.begin(), magnitudes.end());
  }
}

Status CheckImage(const cv::Mat& image, const char* which) {
  if (image.empty()) return BadInputError(std::string(which) + " image is empty");
  if (image.cols < kMinImageSidePx || image.rows < kMinImageSidePx) {
    return BadInputError(std::string(which) + " image is too small to register (" +
                         std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                         " px; at least " + std::to_string(kMinImageSidePx) + "x" +
                         std::to_string(kMinImageSidePx) + " needed)");
  }
  return OkStatus();
}

// Records the CPU time of the process since the previous call under `stage` (all threads; not
// inflated by other jobs sharing the machine).
class StageClock {
 public:
  explicit StageClock(Registration& r) : r_(r), last_(Now()) {}
  void Mark(const char* stage) {
    const double now = Now();
    r_.stage_ms.emplace_back(stage, now - last_);
    last_ = now;
  }

 private:
  static double Now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return 1e3 * static_cast<double>(ts.tv_sec) + 1e-6 * static_cast<double>(ts.tv_nsec);
  }
  Registration& r_;
  double last_;
};

Registration RegisterChecked(const cv::Mat& moving_bgr, const cv::Mat& fixed_bgr,
                             const cv::Mat& fixed_mask, const RegistrationOptions& options) {
  Registration r;
  StageClock clock(r);
  r.moving_size = moving_bgr.size();
  r.fixed_size = fixed_bgr.size();
  // Features are matched at `feature_max_side_px` first. A close-up of skin with no large-scale
  // structure (no face outline, no hairline) can have too little left at that scale, so while
  // the best fit has fewer than `min_inliers` inliers (it would fail) the match is repeated at
  // twice the resolution, up to `feature_fallback_max_side_px` or the photo's own size, and the
  // scale with the most inliers is kept. A photo that can pass at the first scale keeps that
  // scale's result: inlier counts at different scales are not comparable evidence (a finer scale
  // finds more keypoints on anything, also on a background that moved differently).
  struct Attempt {
    Prepared moving, fixed;
    Matches matches;
    Fit fit;
    double threshold_px = 0;
  };
  const auto inliers_of = [](const Fit& f) { return f.valid ? f.moving_inliers.size() : size_t{0}; };
  const std::string first = options.primary_detector;
  const std::string second = first == "sift" ? "akaze" : "sift";
  const auto attempt_at = [&](int side) {
    Attempt a;
    a.moving = Prepare(moving_bgr, cv::Mat(), side);
    a.fixed = Prepare(fixed_bgr, fixed_mask, side);
    MarkCommonFrame(a.moving, a.fixed);
    clock.Mark("prepare");
    a.threshold_px = options.ransac_threshold_px / a.fixed.feature_from_original(0, 0);
    auto fit_for = [&](const Matches& m) {
      return options.model == MotionModel::kAuto
                 ? ChooseModel(m, a.threshold_px, options.model_selection_px, r.moving_size)
                 : RobustFit(m, options.model, a.threshold_px);
    };
    a.matches = DetectAndMatch(first, a.moving, a.fixed, options);
    clock.Mark(first.c_str());
    a.fit = fit_for(a.matches);
    clock.Mark("fit");
    if (static_cast<int>(inliers_of(a.fit)) < options.try_other_below_inliers) {
      Matches other = DetectAndMatch(second, a.moving, a.fixed, options);
      Fit other_fit = fit_for(other);
      if (inliers_of(other_fit) > inliers_of(a.fit)) {
        a.matches = std::move(other);
        a.fit = std::move(other_fit);
      }
      clock.Mark(second.c_str());
    }
    return a;
  };
  const int largest_side = std::max({moving_bgr.cols, moving_bgr.rows, fixed_bgr.cols,
                                     fixed_bgr.rows});
  int side = options.feature_max_side_px;
  Attempt best = attempt_at(side);
  while (static_cast<int>(inliers_of(best.fit)) < options.min_inliers &&
         side < largest_side && side * 2 <= options.feature_fallback_max_side_px) {
    side *= 2;
    Attempt finer = attempt_at(side);
    if (inliers_of(finer.fit) > inliers_of(best.fit)) best = std::move(finer);
  }
  const Prepared& moving = best.moving;
  const Prepared& fixed = best.fixed;
  Matches& matches = best.matches;
  Fit& fit = best.fit;
  r.method = matches.method;
  r.matches = static_cast<int>(matches.moving.size());
  // Inliers of the follow-up flipped left to right (the flipped copy keeps the original's
  // coordinates: only the count is used).
  const auto mirrored_inliers = [&]() -> size_t {
    Prepared flipped = moving;
    flipped.feature8 = cv::Mat();  // the copy shares the pixels: flip into a buffer of its own
    cv::flip(moving.feature8, flipped.feature8, 1);
    if (!moving.frame_distance.empty()) {
      flipped.frame_distance = cv::Mat();
      cv::flip(moving.frame_distance, flipped.frame_distance, 1);
    }
    const Matches mirrored_matches = DetectAndMatch(matches.method, flipped, fixed, options);
    const MotionModel model = fit.valid                             ? fit.model
                              : options.model == MotionModel::kAuto ? MotionModel::kSimilarity
                                                                    : options.model;
    const Fit mirrored = RobustFit(mirrored_matches, model, best.threshold_px);
    clock.Mark("mirror_check");
    return inliers_of(mirrored);
  };
  const auto refuse_as_mirrored = [&](size_t flipped_inliers) {
    r.ok = false;
    r.failure_reason =
        "the follow-up looks like the mirror image of the baseline (" +
        std::to_string(flipped_inliers) +
        " feature matches agree once it is flipped left to right, " + std::to_string(r.inliers) +
        " as it is): a front camera or an editing app may have flipped it; flip it back and "
        "run again";
  };
  if (!fit.valid) {
    r.inliers = 0;
    // A close-up of skin has no near-symmetric outline to match its own mirror image, so a
    // mirrored one fails outright; say so when the flipped copy would pass.
    if (const size_t flipped = mirrored_inliers();
        static_cast<int>(flipped) >= options.min_inliers) {
      refuse_as_mirrored(flipped);
      return r;
    }
    r.failure_reason = "too few feature matches (" + std::to_string(r.matches) +
                       ") to estimate any transform: the photos may show different people or "
                       "regions, or be too blurred";
    return r;
  }
  r.model = fit.model;
  r.inliers = static_cast<int>(fit.moving_inliers.size());
  r.inlier_ratio = r.matches > 0 ? static_cast<double>(r.inliers) / r.matches : 0;
  r.fixed_from_moving = fit.fixed_from_moving;

  // Refine only a transform that could pass; a hopeless one is judged as it is.
  ri::Judge(options, true, false, r);
  // A mirrored follow-up either fails (a close-up: nothing matches) or, for a face, still matches,
  // bent onto itself with a strong perspective. Both are matched again flipped.
  const bool failed_on_features = !r.ok && r.inliers < options.min_inliers;
  if (failed_on_features ||
      (r.ok && ri::DescribeTransform(r.fixed_from_moving, r.moving_size).perspective >
                   kMirrorCheckPerspective)) {
    const size_t flipped = mirrored_inliers();
    const bool passes_flipped = static_cast<int>(flipped) >= options.min_inliers;
    if (passes_flipped && static_cast<double>(flipped) >= kMirrorInlierRatio * r.inliers) {
      refuse_as_mirrored(flipped);
      return r;
    }
  }
  if (r.ok && options.ecc_refine) {
    MarkStaticOverlay(best.moving, best.fixed, r.fixed_from_moving);
    r.ecc_converged = RefineWithEcc(moving, fixed, fixed_mask, fit.model, options,
                                    r.fixed_from_moving, r.ecc_correlation, r.warnings);
    clock.Mark("ecc");
  }
  r.rms_residual_px = ri::RmsResidual(r.fixed_from_moving, fit.moving_inliers, fit.fixed_inliers);
  if (options.nonrigid && r.ok) {
    RefineNonRigid(moving, fixed, fixed_mask, options, r);
    clock.Mark("flow");
  }
  // The NCC is taken off the frame of either photo (kFrameLuminance).
  cv::Mat fixed_eval_mask = fixed.feature_mask;
  if (const cv::Mat fixed_frame = WidenedFrame(fixed.frame, fixed.feature8.size(), 1);
      !fixed_frame.empty()) {
    cv::Mat cleared;  // a new matrix: the feature mask is left as it is
    cv::bitwise_and(fixed_eval_mask.empty() ? cv::Mat(fixed.feature8.size(), CV_8U, cv::Scalar(255))
                                            : fixed_eval_mask,
                    fixed_frame == 0, cleared);
    fixed_eval_mask = cleared;
  }
  ri::EvaluateOnImages(moving.feature8, fixed.feature8, fixed_eval_mask,
                       moving.feature_from_original, fixed.feature_from_original, r,
                       WidenedFrame(moving.frame, moving.feature8.size(), 1));
  ri::Judge(options, true, true, r);
  clock.Mark("evaluate");
  return r;
}

}  // namespace

cv::Mat AreaInsideFrame(const cv::Mat& image) {
  cv::Mat small;
  ri::ResizeToMaxSide(ri::Grey(image), kFrameSearchMaxSidePx, small);
  const cv::Mat frame = FrameOf(ri::LuminanceUnit(small) < kFrameLuminance);
  if (frame.empty()) return cv::Mat(image.size(), CV_8U, cv::Scalar(255));
  return WidenedFrame(frame, image.size(), 1) == 0;
}

const char* MotionModelName(MotionModel model) {
  switch (model) {
    case MotionModel::kSimilarity:
      return "similarity";
    case MotionModel::kAffine:
      return "affine";
    case MotionModel::kHomography:
      return "homography";
    case MotionModel::kAuto:
      return "auto";
  }
  return "unknown";
}

Result<MotionModel> ParseMotionModel(std::string_view name) {
  for (MotionModel m : {MotionModel::kSimilarity, MotionModel::kAffine, MotionModel::kHomography,
                        MotionModel::kAuto}) {
    if (name == MotionModelName(m)) return m;
  }
  return UsageError("unknown motion model '" + std::string(name) +
                    "': use similarity, affine, homography or auto");
}

Status RegistrationOptions::Check() const {
  auto bad = [](const std::string& what) { return UsageError("invalid registration option: " + what); };
  if (feature_max_side_px < 64) return bad("feature_max_side_px must be >= 64");
  if (max_features < 10) return bad("max_features must be >= 10");
  if (primary_detector != "sift" && primary_detector != "akaze") {
    return bad("primary_detector must be \"sift\" or \"akaze\"");
  }
  if (try_other_below_inliers < 0) return bad("try_other_below_inliers must be >= 0");
  if (!(ratio_test > 0 && ratio_test <= 1)) return bad("ratio_test must be in (0, 1]");
  if (!(ransac_threshold_px > 0)) return bad("ransac_threshold_px must be > 0");
  if (!(model_selection_px > 0)) return bad("model_selection_px must be > 0");
  if (ecc_max_side_px < 64) return bad("ecc_max_side_px must be >= 64");
  if (ecc_iterations < 1) return bad("ecc_iterations must be >= 1");
  if (ecc_levels < 1 || ecc_levels > 6) return bad("ecc_levels must be in 1..6");
  if (ecc_mask_margin_px < 0) return bad("ecc_mask_margin_px must be >= 0");
  if (!(ecc_epsilon > 0)) return bad("ecc_epsilon must be > 0");
  if (!(ecc_max_correction_px > 0)) return bad("ecc_max_correction_px must be > 0");
  if (flow_max_side_px < 64) return bad("flow_max_side_px must be >= 64");
  if (!(flow_smoothing_px > 0)) return bad("flow_smoothing_px must be > 0");
  if (!(max_flow_px > 0)) return bad("max_flow_px must be > 0");
  if (min_inliers < 4) return bad("min_inliers must be >= 4");
  if (!(min_inlier_ratio >= 0 && min_inlier_ratio <= 1)) return bad("min_inlier_ratio must be in [0, 1]");
  if (!(max_scale_change >= 1)) return bad("max_scale_change must be >= 1");
  if (!(max_anisotropy >= 1)) return bad("max_anisotropy must be >= 1");
  if (!(max_perspective >= 0)) return bad("max_perspective must be >= 0");
  if (!(min_overlap_fraction >= 0 && min_overlap_fraction <= 1)) {
    return bad("min_overlap_fraction must be in [0, 1]");
  }
  if (!(min_ncc_after >= -1 && min_ncc_after <= 1)) return bad("min_ncc_after must be in [-1, 1]");
  if (!std::isfinite(min_ncc_gain)) return bad("min_ncc_gain must be finite");
  if (!(aligned_ncc >= -1 && aligned_ncc <= 1)) return bad("aligned_ncc must be in [-1, 1]");
  return OkStatus();
}

Result<Registration> RegisterImagesDetailed(const cv::Mat& moving_bgr, const cv::Mat& fixed_bgr,
                                            const cv::Mat& fixed_mask,
                                            const RegistrationOptions& options) {
  SKT_RETURN_IF_ERROR(options.Check());
  SKT_RETURN_IF_ERROR(CheckImage(moving_bgr, "moving (follow-up)"));
  SKT_RETURN_IF_ERROR(CheckImage(fixed_bgr, "fixed (baseline)"));
  if (!fixed_mask.empty()) {
    SKT_CHECK(fixed_mask.type() == CV_8UC1) << "fixed_mask must be CV_8UC1";
    if (fixed_mask.size() != fixed_bgr.size()) {
      return BadInputError("the mask is " + std::to_string(fixed_mask.cols) + "x" +
                           std::to_string(fixed_mask.rows) + " but the baseline image is " +
                           std::to_string(fixed_bgr.cols) + "x" + std::to_string(fixed_bgr.rows));
    }
    if (cv::countNonZero(fixed_mask) < 1024) {
      return AnalysisError("the mask marks fewer than 1024 skin pixels: nothing to align");
    }
  }
  try {
    return RegisterChecked(moving_bgr, fixed_bgr, fixed_mask, options);
  } catch (const cv::Exception& e) {
    return InternalError(std::string("registration failed inside OpenCV: ") + e.what());
  }
}

Result<Registration> RegisterImages(const cv::Mat& moving_bgr, const cv::Mat& fixed_bgr,
                                    const cv::Mat& fixed_mask, const RegistrationOptions& options) {
  SKT_ASSIGN_OR_RETURN(Registration r,
                       RegisterImagesDetailed(moving_bgr, fixed_bgr, fixed_mask, options));
  if (!r.ok) {
    return AnalysisError("alignment failed: " + r.failure_reason +
                         ". Check that both photos show the same skin area; otherwise align by hand "
                         "with --points (>= 3 point pairs) or try another --model");
  }
  return r;
}

}  // namespace skintrack::core

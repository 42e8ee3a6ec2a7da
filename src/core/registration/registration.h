#pragma once
// Registration: aligning a follow-up photo (moving) to its baseline (fixed).
//
// Method (docs/REGISTRATION.md):
//  1. Global alignment. Both images are reduced to luminance, downscaled so the longer side is
//     `feature_max_side_px` and contrast-normalised (CLAHE), which makes exposure and white-balance
//     changes irrelevant. SIFT keypoints (Lowe, IJCV 60:91, 2004) are matched with Lowe's ratio
//     test; when SIFT's evidence is weak AKAZE (Alcantarilla et al., BMVC 2013) is tried as well
//     and the detector with the better inlier support is kept. A robust fit (USAC MAGSAC++, Barath
//     et al., CVPR 2020, where OpenCV offers it; RANSAC otherwise) gives a similarity, affine or
//     homography model; `MotionModel::kAuto` picks the simplest model whose prediction differs from
//     the richer one by less than `model_selection_px` at the image corners.
//  2. ECC refinement (Evangelidis & Psarakis, IEEE TPAMI 30:1858, 2008; cv::findTransformECC) on
//     gradient-magnitude images at increasing resolution, up to `ecc_max_side_px`, inside the
//     fixed mask. ECC maximises a zero-mean normalised correlation, so gain/offset changes do not
//     bias it.
//  3. Optional non-rigid refinement: DIS optical flow (Kroeger et al., ECCV 2016) between the fixed
//     image and the globally warped moving image, smoothed and limited to `max_flow_px`.
//  4. Quality checks. Registration fails (ErrorCode::kAnalysisFailed, a message saying why) when
//     there are too few inliers, the transform is implausible (scale, anisotropy/shear,
//     perspective, orientation flip), the warped image covers too little of the fixed image, or the
//     normalised cross-correlation does not improve. It never returns a silently bad warp.
//  A dark frame and text that stay put in the camera while the skin moves (a dermoscope's rim, a
//  date stamp) are left out of the keypoints, ECC and the NCC (docs/REGISTRATION.md, steps 6-7).
//
// Coordinates: pixels, x to the right (columns), y down (rows), origin at the centre of the
// top-left pixel (OpenCV convention). `fixed_from_moving` maps moving (follow-up) pixel coordinates
// to fixed (baseline) pixel coordinates at the original resolutions of both images, in
// homogeneous form: [x_f, y_f, w]^T = fixed_from_moving * [x_m, y_m, 1]^T.
//
// Images: BGR CV_8UC3 or CV_16UC3 as returned by core/io/image_io.h (CV_8UC1/CV_16UC1 grey is also
// accepted). Masks: CV_8UC1, same size as the image, non-zero = skin/valid; empty = whole image.
// A wrong type is a programmer error (SKT_CHECK). cv::Exception never escapes these functions.
//
// Thread-safety: all functions are reentrant; they use OpenCV's parallel loops internally unless
// the caller limits OpenCV's threads (cv::setNumThreads).

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

enum class MotionModel {
  kSimilarity,  // rotation, uniform scale, translation (4 dof)
  kAffine,      // 6 dof
  kHomography,  // 8 dof (planar perspective)
  kAuto,        // chosen by evidence (see above); never reported as the result's model
};

// "similarity", "affine", "homography", "auto".
const char* MotionModelName(MotionModel model);
// Parses the names above; kUsage error otherwise.
Result<MotionModel> ParseMotionModel(std::string_view name);

struct RegistrationOptions {
  // Motion model to fit (default: chosen by evidence).
  MotionModel model = MotionModel::kAuto;

  // --- features ---
  // Longer side of the downscaled image on which features are detected, px (default 512; SIFT
  // doubles it internally).
  int feature_max_side_px = 512;
  // When the best fit at that scale has fewer than `min_inliers` inliers (close-ups of skin
  // without large-scale structure), matching is repeated at twice the side, up to this many px or
  // the photo's size, and the scale with the most inliers is kept (default 2048).
  int feature_fallback_max_side_px = 2048;
  // Most keypoints kept per image and detector (default 2500).
  int max_features = 2500;
  // Lowe ratio test: best match distance / second best must be below this (default 0.8).
  double ratio_test = 0.8;
  // Robust fit inlier threshold in pixels at the feature scale (default 2.5).
  double ransac_threshold_px = 2.5;
  // Detector tried first: "akaze" (default: about twice as fast as SIFT at equal accuracy here)
  // or "sift". The other one is also tried when the first gives fewer inliers than
  // `try_other_below_inliers` (default 60), and the one with more inliers is kept.
  std::string primary_detector = "akaze";
  int try_other_below_inliers = 60;
  // kAuto: a richer model is chosen only when it moves some image corner by more than this many
  // pixels (original fixed resolution) compared with the simpler one (default 0.5).
  double model_selection_px = 0.5;

  // --- ECC refinement ---
  bool ecc_refine = true;
  // ECC runs coarse to fine on `ecc_levels` pyramid levels (default 2; each half the next, none
  // below 256 px) whose finest has this longer side, px (default 800, which bounds the time for
  // large photos; smaller images are refined at full resolution).
  int ecc_max_side_px = 800;
  int ecc_levels = 2;
  // The fixed mask is widened by this many pixels at each ECC level (default 8). OpenCV's ECC
  // zeroes the input's gradients outside the mask, and the mask's edge lies on the strongest edges
  // (the face's outline, the eyes): cutting their ridges in half pulled the estimate sideways, by
  // 0.14-0.53 px at the centre and up to 2.5 px at the corners for a photo and its own shifted
  // copy (docs/REGISTRATION.md).
  int ecc_mask_margin_px = 8;
  // Iterations at the coarsest level; finer levels use half as many, at least 5 (default 20).
  int ecc_iterations = 20;
  // Convergence threshold: stop when the ECC correlation changes by less than this (default 1e-4).
  double ecc_epsilon = 1e-4;
  // Largest corner movement ECC may add to the feature-based estimate, px at the original fixed
  // resolution; beyond it the ECC result is discarded as a divergence (default 20).
  double ecc_max_correction_px = 20.0;

  // --- non-rigid refinement ---
  bool nonrigid = false;
  // Longest side on which the flow is computed, px (default 1000).
  int flow_max_side_px = 1000;
  // Gaussian smoothing of the flow field, sigma in px at the flow scale (default 4).
  double flow_smoothing_px = 4.0;
  // Largest flow displacement kept, px at the original fixed resolution (default 40).
  double max_flow_px = 40.0;

  // --- acceptance of the result ---
  // Fewest inliers of the robust fit (default 20) and lowest inlier ratio (inliers / matches after
  // the ratio test, default 0.1). Measured on the project's photos: unrelated pairs (different
  // people from one studio set, face vs chart) give 5-15 inliers, real same-person pairs 24-342
  // (docs/REGISTRATION.md).
  int min_inliers = 20;
  double min_inlier_ratio = 0.1;
  // Allowed scale change: 1/max_scale_change .. max_scale_change (default 3).
  double max_scale_change = 3.0;
  // Largest ratio of the two singular values of the linear part (shear/anisotropy, default 1.5).
  double max_anisotropy = 1.5;
  // Perspective strength: largest relative change of the projective denominator w between the
  // moving image's centre and its corners, |w_corner / w_centre - 1| (default 0.4). The real
  // same-person pairs of ../shared/data/photos reach 0.245 (faces 025_08 -> 025_03; 0.083 the
  // other way round), so this cannot tell a face from its mirror image (0.28, a symmetric face
  // letting features match): docs/REGISTRATION.md, known limits.
  double max_perspective = 0.4;
  // Smallest fraction of the fixed image (or its mask) covered by the warped moving image
  // (default 0.25).
  double min_overlap_fraction = 0.25;
  // ncc_after must exceed ncc_before by at least this much (default 0.02; waived when the
  // transform is within 2 px of a plain resize, or when the photos already correlate at
  // `aligned_ncc` as they lie, where no gain is to be had, but then it must not drop by more than
  // 0.01) and be at least `min_ncc_after` (default 0.1). A photo and its copy under a darker,
  // cooler light (NCC 0.996 as they lay) were refused because a transform 2-3 px from the identity
  // at the corners could not raise that.
  double min_ncc_gain = 0.02;
  double min_ncc_after = 0.1;
  double aligned_ncc = 0.95;

  // kUsage error naming the first invalid field.
  Status Check() const;
};

// The outcome of registering moving onto fixed. On failure `ok` is false and `failure_reason`
// says why; the other figures are still filled as far as they were computed (for diagnostics).
struct Registration {
  bool ok = false;
  std::string failure_reason;
  // Maps moving pixel coordinates to fixed pixel coordinates (see header comment).
  cv::Matx33d fixed_from_moving = cv::Matx33d::eye();
  MotionModel model = MotionModel::kSimilarity;
  // "sift", "akaze" or "points" (manual alignment).
  std::string method;
  cv::Size moving_size;
  cv::Size fixed_size;
  int matches = 0;  // after the ratio test
  int inliers = 0;  // of the robust fit
  double inlier_ratio = 0;
  // RMS distance between inlier (or user) points mapped by fixed_from_moving and their fixed
  // positions, px at the original fixed resolution.
  double rms_residual_px = 0;
  // Zero-mean normalised cross-correlation of contrast-normalised luminance inside the overlap
  // (and mask): before = moving resampled to the fixed size without alignment, after = aligned.
  double ncc_before = 0;
  double ncc_after = 0;
  // ncc_after of the global transform alone (differs from ncc_after only with non-rigid refinement).
  double ncc_after_global = 0;
  // Fraction of the fixed image (or mask) covered by the warped moving image, 0..1.
  double overlap_fraction = 0;
  // Final ECC correlation coefficient (0 when ECC was not run or failed).
  double ecc_correlation = 0;
  bool ecc_converged = false;
  // Scale (sqrt |det| of the linear part) and anisotropy (singular value ratio) of the transform.
  double scale = 1;
  double anisotropy = 1;
  // Non-rigid: per fixed pixel, displacement (dx, dy) in fixed pixels added after the global
  // transform: aligned(x) = moving(fixed_from_moving^-1 (x + flow(x))). CV_32FC2 of fixed_size,
  // empty when not requested.
  cv::Mat flow_fixed_px;
  double flow_mean_px = 0;
  double flow_p95_px = 0;
  double flow_max_px = 0;
  std::vector<std::string> warnings;
  // Process CPU time of each stage in milliseconds ("prepare", "sift", "akaze", "ecc", "flow",
  // "evaluate"; all threads summed), for benchmarks and diagnostics.
  std::vector<std::pair<std::string, double>> stage_ms;
};

// A user-given correspondence: the same skin point in both images, pixel coordinates.
struct PointPair {
  cv::Point2d moving;
  cv::Point2d fixed;
};

// Runs registration (steps 1-4) and returns the result whether or not it passed the quality checks
// (inspect `ok`). Errors only for invalid options (kUsage) or unusable images (kBadInput: empty,
// smaller than 32 px).
Result<Registration> RegisterImagesDetailed(const cv::Mat& moving_bgr, const cv::Mat& fixed_bgr,
                                            const cv::Mat& fixed_mask,
                                            const RegistrationOptions& options);

// As RegisterImagesDetailed, but a failed quality check is an ErrorCode::kAnalysisFailed error
// whose message says why (and what to try: --points, another --model, a mask).
Result<Registration> RegisterImages(const cv::Mat& moving_bgr, const cv::Mat& fixed_bgr,
                                    const cv::Mat& fixed_mask, const RegistrationOptions& options);

// Manual alignment from >= 3 point pairs (>= 4 for a homography) by least squares. kAuto picks
// affine for 3-5 pairs and homography for >= 6 pairs when it reduces the RMS residual by more than
// half. The result has method "points", inliers = pairs, and ncc figures left at 0 (there are no
// images here); kBadInput for too few, degenerate (collinear) or non-finite points.
Result<Registration> RegisterFromPoints(const std::vector<PointPair>& pairs, MotionModel model,
                                        cv::Size moving_size, cv::Size fixed_size);

// Reads point pairs from JSON: {"schema": "skintrack.align-points/1", "pairs": [{"moving": [x, y],
// "fixed": [x, y]}, ...]} ("schema" optional). kBadInput with the reason otherwise.
Result<std::vector<PointPair>> ReadPointPairsJson(const std::filesystem::path& path);
Result<std::vector<PointPair>> ParsePointPairsJson(std::string_view text);

// Fills ncc_before, ncc_after and overlap_fraction of `registration` for these images (used after
// RegisterFromPoints so manual alignments carry the same quality figures).
Status EvaluateRegistration(const cv::Mat& moving_bgr, const cv::Mat& fixed_bgr,
                            const cv::Mat& fixed_mask, Registration& registration);

// The pixels of `image` (BGR or grey, 8- or 16-bit) inside its frame: all but what is near-black
// and joined to the border over at least 2 % of the photo (a dermoscope's dark rim, black bars),
// widened by 1.5 % of the longer side (docs/REGISTRATION.md, "A frame that stays put"). CV_8U of
// the image's size, 255 inside; all 255 for a photo without such a frame. `compare` and `batch`
// carry this, not the whole photo, onto the baseline: the follow-up's rim is not measured as skin.
cv::Mat AreaInsideFrame(const cv::Mat& image);

// Resamples `moving` (any type OpenCV can remap: 8/16-bit or float, 1-4 channels) into the fixed
// frame: the result has `registration.fixed_size` and moving's type; pixels with no source are 0.
// Applies the flow field when present. Interpolation: cv::INTER_LINEAR by default.
Result<cv::Mat> WarpToFixed(const cv::Mat& moving, const Registration& registration,
                            int interpolation = 1 /* cv::INTER_LINEAR */);

// The inverse of WarpToFixed: resamples `fixed_values` (of `registration.fixed_size`) into the
// moving image's frame (`registration.moving_size`); pixels that fall outside the fixed image are
// 0. Used to carry a region found on the baseline (a mask: cv::INTER_NEAREST, the default) onto a
// follow-up's own pixels, so the follow-up is measured without being resampled. With a flow field,
// x + flow(x) = fixed_from_moving·p is solved for each moving pixel p by fixed-point iteration
// (the flow is smooth and limited, so it converges in a few steps).
Result<cv::Mat> WarpToMoving(const cv::Mat& fixed_values, const Registration& registration,
                             int interpolation = 0 /* cv::INTER_NEAREST */);

// The bounding box, in moving-image pixels, of a box given in fixed-image pixels (its corners
// mapped by the inverse of fixed_from_moving; the flow is ignored), clipped to the moving image.
// Empty when nothing of it lies in the moving image.
cv::Rect FixedRectToMoving(const cv::Rect& fixed_rect, const Registration& registration);

// The clockwise quarter turns (0-3) nearest to the rotation that takes the fixed image's content
// to the moving image's: 1 when the follow-up was taken with the camera turned a quarter
// clockwise from the baseline's. A face upright after t quarter turns of the fixed image is upright
// after (t - QuarterTurnsFixedToMoving) mod 4 turns of the moving one.
int QuarterTurnsFixedToMoving(const Registration& registration);

// What remains of that rotation beyond the quarter turns, clockwise as viewed, in degrees (−45 to
// 45): a face leaning by a tilt in the fixed image leans by the tilt plus this in the moving one.
double TiltFixedToMovingDeg(const Registration& registration);

// Writes a flow field (CV_32FC2) in the Middlebury .flo format (atomically).
Status WriteFlowFile(const std::filesystem::path& path, const cv::Mat& flow);

// The `registration` object of the skintrack.align/1 schema: ok, failure_reason, model, method,
// fixed_from_moving (3x3 row-major nested arrays), sizes, matches, inliers, inlier_ratio,
// rms_residual_px, ncc_before, ncc_after, overlap_fraction, ecc_correlation, scale, anisotropy,
// flow statistics (when present) and warnings.
nlohmann::json RegistrationToJson(const Registration& registration);

}  // namespace skintrack::core

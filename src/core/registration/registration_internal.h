#pragma once
// Helpers shared by the registration sources (not part of the public API).

#include <array>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "core/registration/registration.h"

namespace skintrack::core::registration_internal {

// Luminance of a BGR/grey 8- or 16-bit image as CV_32F in [0, 1].
cv::Mat LuminanceUnit(const cv::Mat& image);

// Resizes so that the longer side is at most `max_side_px` (INTER_AREA); returns the scale used
// (<= 1). Coordinates map as x_small = (x + 0.5) * scale - 0.5.
double ResizeToMaxSide(const cv::Mat& src, int max_side_px, cv::Mat& dst);

// Matrix mapping original pixel coordinates to coordinates of an image resized by `scale`.
cv::Matx33d ScaleMatrix(double scale);
// Same with separate x/y factors (exact when a resize rounds the size).
cv::Matx33d ScaleMatrix(double scale_x, double scale_y);
// Maps pixel coordinates of an image of size `from` to those of its resized copy of size `to`
// (the exact convention of cv::resize).
cv::Matx33d ScaleBetween(cv::Size from, cv::Size to);

// 8-bit contrast-normalised (CLAHE) version of a unit-float luminance image.
cv::Mat ContrastNormalised8(const cv::Mat& luminance_unit);

// Applies a homography to one point.
cv::Point2d Apply(const cv::Matx33d& h, const cv::Point2d& p);

// Corners of an image of `size` (pixel centres of the outermost pixels).
std::array<cv::Point2d, 4> Corners(cv::Size size);

// Largest distance between where `a` and `b` send the corners of an image of `size`.
double MaxCornerDistance(const cv::Matx33d& a, const cv::Matx33d& b, cv::Size size);

// Scale, anisotropy and perspective strength of fixed_from_moving for a moving image of `size`.
struct TransformShape {
  double scale = 1;
  double anisotropy = 1;
  double perspective = 0;
  bool orientation_preserved = true;
  bool finite = true;
};
TransformShape DescribeTransform(const cv::Matx33d& fixed_from_moving, cv::Size moving_size);

// Zero-mean normalised cross-correlation of two CV_8U/CV_32F images over the non-zero pixels of
// `mask` (CV_8U, same size). Returns 0 when fewer than 16 pixels are valid or a variance is 0.
double MaskedNcc(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask);

// Fills ncc_before, ncc_after(_global) and overlap_fraction from contrast-normalised 8-bit
// luminance images at a common evaluation scale. `fixed_eval_from_fixed` and
// `moving_eval_from_moving` map original coordinates to these images. The NCC after alignment
// leaves out the non-zero pixels of `moving_excluded` (CV_8U of moving_eval8's size, or empty)
// where the alignment takes them; the overlap counts them.
void EvaluateOnImages(const cv::Mat& moving_eval8, const cv::Mat& fixed_eval8,
                      const cv::Mat& fixed_eval_mask, const cv::Matx33d& moving_eval_from_moving,
                      const cv::Matx33d& fixed_eval_from_fixed, Registration& registration,
                      const cv::Mat& moving_excluded = cv::Mat());

// Applies the acceptance rules of `options` to a filled Registration: sets ok and failure_reason.
// `check_features`: inlier count and ratio; `check_images`: overlap and NCC (filled by
// EvaluateOnImages); the transform's shape is always checked.
void Judge(const RegistrationOptions& options, bool check_features, bool check_images,
           Registration& registration);

// Grey image (CV_8U or CV_16U, original depth) of a BGR or grey image.
cv::Mat Grey(const cv::Mat& image);

// Least-squares fit of `model` (not kAuto) mapping src to dst; nullopt when degenerate (fewer
// points than the model needs, collinear points, singular system).
std::optional<cv::Matx33d> FitLeastSquares(MotionModel model, const std::vector<cv::Point2d>& src,
                                           const std::vector<cv::Point2d>& dst);

// RMS of |h(src_i) - dst_i| over the pairs.
double RmsResidual(const cv::Matx33d& h, const std::vector<cv::Point2d>& src,
                   const std::vector<cv::Point2d>& dst);

// Points as cv::Point2f for OpenCV's estimators.
std::vector<cv::Point2f> ToFloat(const std::vector<cv::Point2d>& points);

}  // namespace skintrack::core::registration_internal

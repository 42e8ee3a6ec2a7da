#pragma once
// Removal of the low-frequency form (tilt, curvature of the body part) from a height map, so that
// scars and texture are measured against the local skin surface.
//
// Methods:
//   - plane / poly2: least-squares plane or quadratic polynomial in x, y, refitted
//     `robust_iterations` times without the points whose residual exceeds `robust_k` robust
//     standard deviations (1.4826 MAD), so that deep scars do not pull the reference down;
//   - gaussian: robust plane removal, then an ISO 16610-61 Gaussian high-pass of cut-off wavelength `cutoff_mm` (the weighting
//     function has sigma = sqrt(ln 2 / (2 pi^2)) * cutoff = 0.1874 * cutoff); the low-pass is
//     computed on a reduced image when sigma exceeds 8 pixels (cubic upsampling back), with mirrored
//     borders. Features wider than about cutoff/3 are attenuated: choose a cut-off of several
//     times the widest scar (rolling scars reach 5 mm).
// The result is in the same unit as the input. For plane/poly2 the zero level is the robust fit,
// i.e. the intact skin around the scars (so depressions read as negative heights); for gaussian and
// none it is the mean over the valid pixels.
//
// Inputs: CV_32FC1 height, optional CV_8UC1 mask of valid pixels (others are ignored for fitting
// and set to 0 in the output). Thread-safety: reentrant.

#include <string_view>

#include <opencv2/core.hpp>

#include "core/base/result.h"

namespace skintrack::core {

enum class FormRemovalMethod { kNone, kPlane, kPolynomial2, kGaussian };

struct FormRemovalOptions {
  FormRemovalMethod method = FormRemovalMethod::kPlane;  // default: robust plane
  double cutoff_mm = 10.0;       // Gaussian cut-off wavelength in mm (kGaussian only), default 10
  int robust_iterations = 2;     // refits without outliers (plane/poly2), default 2
  double robust_k = 3.0;         // outlier threshold in robust standard deviations, default 3
};

// "none", "plane", "poly2" or "gaussian"; kUsage error otherwise.
Result<FormRemovalMethod> ParseFormRemovalMethod(std::string_view name);
const char* FormRemovalMethodName(FormRemovalMethod method);

// Returns height minus its form. `px_per_mm` is needed for kGaussian (must be > 0 then).
Result<cv::Mat> RemoveForm(const cv::Mat& height, double px_per_mm,
                           const FormRemovalOptions& options, const cv::Mat& valid = cv::Mat());

}  // namespace skintrack::core

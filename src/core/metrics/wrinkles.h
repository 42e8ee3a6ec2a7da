#pragma once
// Wrinkles: dark lines found by multi-scale Hessian ridge detection on flat-field luminance.
//
// Method (after Frangi et al., MICCAI 1998, "Multiscale vessel enhancement filtering", adapted to
// dark 2D lines): for σ covering line widths [min_width_mm, max_width_mm] (with γ = 2 scale
// normalisation a bar of width w responds best at σ = w/2), the Hessian of G_σ * c (c = flat-field contrast) has eigenvalues
// λ1 ≥ λ2. A dark line gives λ1 > 0 across it and λ2 ≈ 0 along it. Per pixel the strongest scale of
// the normalised σ²λ1 is kept when |λ2| ≤ max_eigen_ratio·λ1 (line-like, not blob-like);
// estimated contrast = σ²λ1 / 0.484 (the response of an ideal bar per unit contrast). Pixels with
// contrast ≥ min_contrast form the ridge mask, which is thinned (Zhang-Suen) to centre lines;
// centre-line components shorter than min_length_mm are dropped (pores, noise).
//
// Length counts 8-connected skeleton links (1 for axial, √2 for diagonal links; diagonals that
// duplicate an axial path are not counted), plus one pixel per component end.
// Outputs: length_mm_per_cm2 (length_px_per_mpx without scale: original-pixel length per
// megapixel of mask), area_pct (Σ length·width / mask area), mean_width_mm (mean_width_px),
// count (lines). Map "wrinkles": per-pixel estimated contrast on the ridge mask (relative).
// Errors: kInternal if OpenCV fails. Thread-safety: reentrant.

#include <vector>

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct WrinkleOptions {
  double min_width_mm = 0.15;        // default 0.15 mm
  double max_width_mm = 1.2;         // default 1.2 mm
  double min_contrast = 0.04;        // 4 % darker than the local skin (default)
  double max_eigen_ratio = 0.5;      // |λ2|/λ1 above this is blob-like, not a line (default)
  double min_length_mm = 2.0;        // shorter centre lines are dropped (default 2 mm)
  double flat_field_sigma_mm = 3.0;  // default 3 mm
  int scales = 5;                    // number of σ between the width limits (default 5)
};

struct WrinkleDetection {
  cv::Mat centerline;      // CV_8U 255 on kept centre lines
  cv::Mat map;             // CV_32F estimated contrast on the ridge mask
  double length_px = 0;    // analysis pixels
  double area_px = 0;      // Σ length × width (analysis pixels²)
  double mean_width_px = 0;
  int count = 0;
};

Result<WrinkleDetection> DetectWrinkles(const AnalysisFrame& frame,
                                        const WrinkleOptions& options = {});

Result<MetricGroup> MeasureWrinkles(const AnalysisFrame& frame, const WrinkleOptions& options = {});

// Length of a thin (8-connected) CV_8U skeleton in pixels: axial links 1, diagonal links √2
// (only where no axial two-step path joins the same pixels), plus 1 for each end point.
double SkeletonLengthPx(const cv::Mat& skeleton);

}  // namespace skintrack::core

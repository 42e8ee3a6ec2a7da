#pragma once
// Scars from a single image: atrophic depressions seen as a local luminance deficit.
//
// Method: deficit D = 1 − G(σ_s)*Y / B, where B is the masked Gaussian low-pass of Y at
// background_sigma_mm, computed twice (the second time excluding the first pass's candidate
// pixels, so large scars do not darken their own reference). Connected regions of D ≥ min_deficit
// with an equivalent diameter in [min_diameter_mm, max_diameter_mm] and an elongation (ratio of the
// principal axes of the region's second moments) ≤ max_elongation are scars; thinner, longer
// regions are wrinkles and smaller ones pores (measured by their own groups).
//
// `shadow_index` of a scar = mean D inside it × 100 (% luminance deficit). It grows with depth for a
// given lighting, but it is NOT a depth: it depends on light direction and diffuseness, scar shape
// and skin translucency. True depth comes only from a surface (photometric stereo, core/surface).
// Outputs: count, area_pct, shadow_index (mean over scars; 0 without scars). Map "scars": D × 100
// inside detected scars. Errors: kInternal if OpenCV fails. Thread-safety: reentrant.

#include <vector>

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct ScarOptions {
  double smooth_sigma_mm = 0.25;      // suppresses pores and noise (default 0.25 mm)
  double background_sigma_mm = 6.0;   // surrounding skin reference (default 6 mm)
  double min_deficit = 0.05;          // 5 % darker than the surrounding skin (default)
  double min_diameter_mm = 1.0;       // smaller dark spots are pores (default 1 mm)
  double max_diameter_mm = 12.0;      // default 12 mm
  double max_elongation = 3.0;        // longer/thinner regions are wrinkles (default 3)
};

struct Scar {
  cv::Point2f center_px;       // analysis pixels
  double area_px = 0;          // analysis pixels
  double diameter_px = 0;      // equivalent diameter, analysis pixels
  double shadow_index = 0;     // mean deficit × 100
  double peak_deficit = 0;     // max deficit (0..1)
};

struct ScarDetection {
  std::vector<Scar> scars;
  cv::Mat map;  // CV_32F deficit × 100 inside scars
};

Result<ScarDetection> DetectScars(const AnalysisFrame& frame, const ScarOptions& options = {});

Result<MetricGroup> MeasureScars(const AnalysisFrame& frame, const ScarOptions& options = {});

}  // namespace skintrack::core

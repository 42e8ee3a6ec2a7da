#pragma once
// Pores: dark, round blobs of a physical size range on flat-field corrected luminance.
//
// Method: multi-scale scale-normalised Laplacian of Gaussian (Lindeberg 1998, "Feature detection
// with automatic scale selection", IJCV 30:79) on the flat-field contrast c = Y/Ȳ − 1
// (analysis_frame.h), through the shared dark-blob detector (dark_blobs.h). A dark disc of
// diameter d gives its strongest normalised response σ²∇²(G_σ * c) at σ = d/(2√2) (r = σ√2;
// REFERENCES.md §7), so scales cover [min_diameter_mm, max_diameter_mm]. A pore is a 3×3×3
// scale-space maximum with
//  - estimated contrast (response / 0.736, the value for an ideal disc) ≥ min_contrast,
//  - response ≥ min_snr × the robust noise of the response at that scale, measured on the same
//    image (1.4826·MAD over the skin): sensor noise, JPEG artefacts and the skin's own fine texture
//    set the threshold, so only openings that stand out from them are counted. The threshold falls
//    towards lowest_snr where the image shows that noise and texture make few blobs there: bright
//    blobs, which they make as often as dark ones and pores never do, are at most
//    max_bright_share of the dark ones above it (dark_blobs.h),
//  - roundness λ_min/λ_max of the Hessian at its scale ≥ min_roundness (rejects hairs, wrinkles),
//  - best scale strictly inside the range (rejects larger lesions and sub-resolution noise),
//  - centre inside the skin mask eroded by the largest radius (the detection area).
// The detector reads 2√2·σ with σ refined by a parabola through the three responses around the
// peak. That reading is calibrated on ideal dark discs integrated over pixels and, when the
// capture's blur is known (frame.blur_px, measured on the chart's edges), blurred by it: a pore's
// diameter is that of the disc the detector reads the same. Pixels and blur widen a small pore's
// image, so without this a 3 px pore reads 10-30 % large.
//
// Outputs (docs/METRICS.md): count; density_per_cm2 (density_per_mpx without scale) and area_pct
// refer to the detection area; mean_diameter_mm (mean_diameter_px, original pixels, without
// scale); area_pct (sum of pore discs / detection area × 100). Map "pores": pore discs filled with
// their contrast (relative, 0..0.3).
// Errors: kInternal if OpenCV fails. Thread-safety: reentrant.

#include <vector>

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct PoreOptions {
  double min_diameter_mm = 0.12;    // smallest pore diameter searched (default 0.12 mm)
  double max_diameter_mm = 0.6;     // largest (default 0.6 mm; larger dark blobs are lesions)
  double min_contrast = 0.04;       // at least 4 % darker than the local skin (default)
  double min_snr = 5.0;             // response / robust noise at its scale (default 5)
  // ... lowered as far as 4 where bright blobs show that noise and texture make few dark ones:
  // at most 2 bright per 100 dark at or above the threshold (dark_blobs.h, lowest_snr).
  double lowest_snr = 4.0;
  double max_bright_share = 0.02;
  double min_roundness = 0.45;      // Hessian eigenvalue ratio (1 = circle) (default 0.45)
  double flat_field_sigma_mm = 1.5; // low-pass for the flat field (default 1.5 mm)
  int scales_per_octave = 5;        // sampling of σ (default 5 per doubling)
};

struct Pore {
  cv::Point2f center_px;  // analysis pixels
  double diameter_px = 0; // analysis pixels
  double contrast = 0;    // relative darkness, 0..1
  double roundness = 0;
};

struct PoreDetection {
  std::vector<Pore> pores;
  cv::Mat map;               // CV_32F contrast discs
  cv::Mat detect_mask;       // CV_8U where pore centres were searched (eroded skin mask)
  double detect_area_px = 0; // its area, analysis pixels
};

Result<PoreDetection> DetectPores(const AnalysisFrame& frame, const PoreOptions& options = {});

// Detection + scalars + map as the "pores" group.
Result<MetricGroup> MeasurePores(const AnalysisFrame& frame, const PoreOptions& options = {});

}  // namespace skintrack::core

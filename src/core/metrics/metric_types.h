#pragma once
// Plain result types shared by every metric group (redness, pigmentation, pores, texture, wrinkles,
// scars) and the analysis frame they all measure on.
//
// Conventions for the whole family (stated once here, as OpenImageIO does for its algorithms):
// - Input is an AnalysisFrame: linear RGB (CV_32FC3, R,G,B order, [0,1]), its luminance, and a
//   CV_8U skin mask (non-zero = measure here), all at the analysis resolution.
// - Scalars carry their unit beside them; keys follow DESIGN.md ("Metrics") and docs/METRICS.md.
//   Keys whose size is physical end in `_mm`/`_per_cm2` when the scale is known (calibration or
//   --px-per-mm) and in `_px`/`_px_per_mpx` otherwise.
// - Maps are CV_32F at the analysis resolution; pixels outside the mask are 0. Each map states
//   a display range for colour-mapped previews.
// - Metric functions never throw cv::Exception: they return Result errors (kAnalysisFailed when the
//   mask is empty, kInternal for unexpected OpenCV failures). Thread-safety: reentrant.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace skintrack::core {

// A feature narrower than this many analysis pixels is below the photo's resolution; groups whose
// features are warn (`pores_below_resolution`, `wrinkles_below_resolution` and, where even the
// widest line is, `wrinkles_unresolved`, `scars_below_resolution`).
inline constexpr double kMinResolvedPx = 3.0;

struct MetricScalar {
  std::string key;    // e.g. "a_star_mean"
  double value = 0;   // finite
  std::string unit;   // e.g. "CIELAB a* (D50)", "count", "mm", "%"
};

// A text-valued key (e.g. pigmentation.ita_class = "intermediate").
struct MetricLabel {
  std::string key;
  std::string value;
};

struct MetricMap {
  std::string name;   // file stem, e.g. "redness_a_star"
  cv::Mat values;     // CV_32F, analysis resolution, 0 outside the mask
  std::string unit;
  float display_min = 0;  // colour-map range for previews
  float display_max = 1;
};

struct MetricGroup {
  std::string name;  // "redness", "pigmentation", "pores", "texture", "wrinkles", "scars"
  std::vector<MetricScalar> scalars;
  std::vector<MetricLabel> labels;
  std::vector<MetricMap> maps;
  std::vector<std::string> warnings;

  // Value of `key`; SKT_CHECK-fails when absent (tests and comparisons use it).
  double Get(const std::string& key) const;
  bool Has(const std::string& key) const;
};

// What every metric measures on. Built by MakeAnalysisFrame (analysis_frame.h).
struct AnalysisFrame {
  cv::Mat rgb_linear;       // CV_32FC3, R,G,B, linear, analysis resolution
  cv::Mat luminance;        // CV_32F, Y = 0.2126 R + 0.7152 G + 0.0722 B (linear)
  cv::Mat mask;             // CV_8U, 255 = skin to measure
  cv::Mat lab_d50;          // CV_32FC3 CIELAB D50 of rgb_linear (core/color/color_space.h)
  cv::Mat melanin;          // CV_32F Tsumura c_m (core/color/skin_model.h)
  cv::Mat hemoglobin;       // CV_32F Tsumura c_h
  cv::Mat shading;          // CV_32F Tsumura shading s
  double px_per_mm = 0;     // scale of the analysis image used to size filters (> 0)
  bool scale_known = false; // true: px_per_mm is measured (chart or user); false: assumed
  // px_per_mm (when not known) is estimated from the photo itself, such as a face's width, rather
  // than assumed from the image size: sizes are still reported in pixels, but the estimate is
  // close enough (within about 20 %) to tell features far below the resolution.
  bool scale_estimated = false;
  double downscale = 1;     // analysis pixels per original pixel (<= 1)
  double mask_area_px = 0;  // number of mask pixels
  // SD of the capture's blur in analysis pixels (lens, focus, demosaicing; not the pixel's own
  // area), measured on the colour chart's edges (calibration/edge_blur.h); empty without a chart.
  // Pore sizes are corrected for it (pores.h). Set with SetCaptureBlur.
  std::optional<double> blur_px;
  // The same capture reduced by a whole factor for the measures of colour over areas (redness,
  // pigmentation), with its own mask, Lab and chromophores (no luminance or mask distance, which
  // those groups do not use); null: they use this frame. Built by
  // MakeAnalysisFrame when the frame is at least twice AnalysisFrameOptions::min_colour_px_per_mm.
  std::shared_ptr<const AnalysisFrame> colour;
  // CV_32F distance of each mask pixel to the nearest pixel outside the mask (0 outside; the image
  // border does not count), so that each detector's inner mask is a threshold (InnerMask) rather
  // than a distance transform of its own. Empty: InnerMask computes it.
  cv::Mat mask_distance;
  // CV_8U 255 on brown or black hair lying on the skin (hair.h; inside the mask), at this frame's
  // size; empty when none was found or sought.
  cv::Mat hair;
  double hair_px = 0;  // pixels of `hair`
  // The share of the mask given to MakeAnalysisFrame that had no skin colour (white or grey hair,
  // glare, a white object: hair.h FindColourlessArea), and the pixels taken out of `mask` for it
  // (those and the skin between them where they lie thick).
  double colourless_share = 0;
  double colourless_px = 0;

  // Mask area in cm^2 (uses px_per_mm whether known or assumed).
  double MaskAreaCm2() const;
  // The scale is measured or estimated: resolution warnings may be judged on it.
  bool ScaleJudgesResolution() const { return scale_known || scale_estimated; }
  // Converts a length in mm to analysis pixels.
  double MmToPx(double mm) const { return mm * px_per_mm; }
  // The mask eroded by a disc of radius_px: the pixels farther than that from every pixel outside
  // it (analysis_frame.h ErodeMask).
  cv::Mat InnerMask(int radius_px) const;
  // The frame colour measures use: `colour` if there is one, else this frame.
  const AnalysisFrame& ColourFrame() const { return colour ? *colour : *this; }
  // Sets blur_px from the blur measured in the original capture's pixels. Reducing the capture
  // averaged whole areas, so the analysis pixel's own area stands for the original ones'.
  void SetCaptureBlur(double capture_blur_px) { blur_px = capture_blur_px * downscale; }
};

}  // namespace skintrack::core

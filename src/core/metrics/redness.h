#pragma once
// Redness: CIELAB a* (D50), erythema index, Tsumura haemoglobin and the red-area percentage.
//
// Inputs: AnalysisFrame with calibrated linear sRGB (without a chart the camera's colour is used
// and the caller warns that absolute values are not comparable across sessions).
//  - a_star_mean: mean a* over the mask; CIELAB D50 via Bradford (core/color/color_space.h).
//  - erythema_index_mean: mean of EI = 100·log10(R/G) on linear RGB (Diffey 1984; Yamamoto 2008).
//  - hemoglobin_mean: mean Tsumura haemoglobin density c_h (core/color/skin_model.h; Tsumura 1999).
//  - red_area_pct: % of mask pixels with a* ≥ red_a_star_threshold, after a smoothing of
//    smooth_sigma_mm so isolated noisy pixels do not count.
// Mean values use the pixels between the 1st and 99th percentile of a* (specular glints and deep
// shadow excluded). Maps: "redness_a_star" (a*), "redness_erythema_index", "redness_hemoglobin".
// Direction of improvement for all keys: lower (docs/METRICS.md).
// Errors: kInternal if OpenCV fails. Thread-safety: reentrant.

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct RednessOptions {
  double red_a_star_threshold = 20.0;  // a* (D50) above which skin counts as red (default 20)
  double smooth_sigma_mm = 0.2;        // default 0.2 mm
};

Result<MetricGroup> MeasureRedness(const AnalysisFrame& frame, const RednessOptions& options = {});

// Per-pixel CIELAB D50 of the frame, computed once and shared by redness and pigmentation.
cv::Mat FrameLabD50(const AnalysisFrame& frame);

}  // namespace skintrack::core

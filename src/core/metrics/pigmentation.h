#pragma once
// Pigmentation: melanin index, Tsumura melanin, ITA° and class, tone unevenness, brown-spot area.
//
//  - melanin_index_mean: mean MI = 100·log10(1/R) on linear RGB (Diffey 1984; Yamamoto 2008).
//  - melanin_mean: mean Tsumura melanin density c_m (core/color/skin_model.h; Tsumura 1999).
//  - ita_deg: ITA° = arctan((L* − 50)/b*)·180/π of the mean L*, b* (CIELAB D50) over the mask
//    (Chardon 1991; Del Bino 2006); ita_class (label) from the six standard classes. When b* ≤ 0
//    the angle is undefined: the key is omitted and the warning "ita_undefined" added.
//  - l_star_sd: tone unevenness, the standard deviation of L* smoothed at detail_sigma_mm after
//    removing its masked low-pass at shading_sigma_mm (face curvature and light fall-off are not
//    pigment).
//  - brown_spot_area_pct: % of the mask where the smoothed melanin density exceeds its local
//    (shading_sigma_mm) level by ≥ brown_spot_delta, over the skin between the hairs (thin brown
//    lines, AnalysisFrame::hair: a hair's melanin would add its own area and raise the level that
//    spots beside it are judged against); the area is a share of that skin.
// Means use the mask pixels between the 1st and 99th percentile of L*. Maps: "pigmentation_melanin"
// (c_m), "pigmentation_melanin_index" (MI), "pigmentation_brown_spots" (Δc_m on spots).
// Direction of improvement: melanin/MI/l_star_sd/brown-spot area lower; ITA higher (lighter)
// is reported but not judged (skin tone is not a defect; docs/METRICS.md).
// Errors: kInternal if OpenCV fails. Thread-safety: reentrant.

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct PigmentationOptions {
  double detail_sigma_mm = 0.3;    // default 0.3 mm
  double shading_sigma_mm = 8.0;   // default 8 mm
  double brown_spot_delta = 0.15;  // melanin density above the local level (default 0.15)
};

Result<MetricGroup> MeasurePigmentation(const AnalysisFrame& frame,
                                        const PigmentationOptions& options = {});

}  // namespace skintrack::core

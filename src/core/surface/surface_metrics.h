#pragma once
// Measurements on a height map in millimetres: ISO 25178-2 areal texture parameters and atrophic
// scars (connected depressions) with depth, area and volume.
//
// ISO 25178-2 (REFERENCES.md section 4), over the valid pixels, heights z taken from their mean:
//   Sa = mean |z|, Sq = sqrt(mean z^2), Ssk = mean z^3 / Sq^3, Sku = mean z^4 / Sq^4,
//   Sp = max z, Sv = |min z|, Sz = Sp + Sv (whole area, not a 5-point average),
//   Sdr = mean over 2x2 cells of (sqrt(1 + z_x^2 + z_y^2) - 1), in %, with z_x, z_y the forward
//   differences averaged over the cell (slopes at the cell centre; mm per mm).
// Heights are reported in micrometres (`_um`), Sdr in percent.
//
// Scars (Jacob et al. 2001, JAAD 45:109; REFERENCES.md section 6): after form removal, each
// connected (8-neighbour) core deeper than `depth_threshold_mm` seeds a scar, which grows
// breadth-first through the connected pixels deeper than `extent_depth_mm` (neighbouring scars
// joined by shallow texture are split where their fronts meet); scars under `min_area_mm2` are
// dropped. With `min_width_mm` > 0 both masks are first opened with a disc of that diameter, so
// that narrower grooves neither seed scars nor connect them (off by default: on the phantom, deep
// wrinkles wider than 0.3 mm are cut into fragments instead of removed). Per scar: area (mm^2),
// width = diameter of the circle of the same area (mm), mean and maximum depth below the reference
// level z = 0 (mm), volume = integral of the depth over the region (mm^3), and type by width:
// icepick < 1.5 mm, rolling > 4 mm, boxcar 2-4 mm; in the overlap 1.5-2 mm the profile decides:
// a flat-bottomed scar (more than half its area deeper than half its maximum depth) is boxcar,
// a tapering (V-shaped) one icepick.
//
// Errors: a height map that is not single-channel floating point, or an invalid scale -> kBadInput
// / kUsage. NaN heights are treated as missing. Thread-safety: reentrant.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/surface/form_removal.h"

namespace skintrack::core {

struct Iso25178Parameters {
  double sa_um = 0;
  double sq_um = 0;
  double ssk = 0;
  double sku = 0;
  double sp_um = 0;
  double sv_um = 0;
  double sz_um = 0;
  double sdr_pct = 0;
};

enum class ScarType { kIcepick, kBoxcar, kRolling };
const char* ScarTypeName(ScarType type);

struct SurfaceScarOptions {
  double depth_threshold_mm = 0.05;   // a scar is deeper than this somewhere (50 um), default 0.05
  double extent_depth_mm = 0.01;      // and extends over connected pixels deeper than this (10 um)
  double min_area_mm2 = 0.05;         // smaller regions are ignored, default 0.05 mm^2
  double min_width_mm = 0.0;          // > 0: narrower grooves are removed by an opening (off)
  double icepick_max_width_mm = 2.0;  // overlap of icepick (< 2 mm) and boxcar (1.5-4 mm)
  double boxcar_min_width_mm = 1.5;
  double rolling_min_width_mm = 4.0;  // rolling: wider than 4 mm
};

struct SurfaceScar {
  cv::Point2d centroid_px;
  cv::Rect bbox_px;
  double area_mm2 = 0;
  double width_mm = 0;
  double depth_mean_mm = 0;
  double depth_max_mm = 0;
  double volume_mm3 = 0;
  ScarType type = ScarType::kBoxcar;
};

struct ScarSummary {
  int count = 0;
  double area_mm2 = 0;       // total area of all scars
  double area_pct = 0;       // of the analysed area
  double depth_mean_mm = 0;  // area-weighted mean depth over all scar pixels (volume / area)
  double depth_max_mm = 0;   // deepest point of any scar
  double volume_mm3 = 0;     // total volume
  std::vector<SurfaceScar> items;
  cv::Mat labels;            // CV_32SC1: 0 background, i + 1 for items[i]
};

struct SurfaceAnalysisOptions {
  // Form removed before measuring. Default: none, since `skintrack surface` writes height maps
  // that are already levelled (intact skin at z = 0, which stays the scars' reference level);
  // use plane/poly2/gaussian for other height maps.
  FormRemovalOptions form{FormRemovalMethod::kNone};
  SurfaceScarOptions scars;
  cv::Mat mask;  // optional CV_8UC1, non-zero = analyse
};

struct SurfaceMetrics {
  Iso25178Parameters iso25178;
  ScarSummary scars;
  double analysed_area_mm2 = 0;
};

// ISO 25178-2 parameters of `height_mm` (CV_32FC1, mm) sampled at `px_per_mm`.
Result<Iso25178Parameters> ComputeIso25178(const cv::Mat& height_mm, double px_per_mm,
                                           const cv::Mat& mask = cv::Mat());

// Atrophic scars of a levelled height map (reference level z = 0).
Result<ScarSummary> FindScars(const cv::Mat& height_mm, double px_per_mm,
                              const SurfaceScarOptions& options = {}, const cv::Mat& mask = cv::Mat());

// Form removal (per options) + ISO 25178 + scars. This is what `skintrack score --surface` uses.
Result<SurfaceMetrics> AnalyseHeightMap(const cv::Mat& height_mm, double px_per_mm,
                                        const SurfaceAnalysisOptions& options = {});

// {"iso25178": {sa_um, sq_um, ssk, sku, sp_um, sv_um, sz_um, sdr_pct},
//  "scars": {count, area_mm2, area_pct, depth_mean_mm, depth_max_mm, volume_mm3, items: [...]},
//  "analysed_area_mm2"}
nlohmann::json SurfaceMetricsToJson(const SurfaceMetrics& metrics);

}  // namespace skintrack::core

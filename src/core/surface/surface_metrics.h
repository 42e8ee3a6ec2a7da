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
// Scars (Jacob et al. 2001, JAAD 45:109; REFERENCES.md section 6), on a levelled map:
//   1. Basins: the connected (8-neighbour) pixels deeper than `extent_depth_mm` below z = 0 are
//      flooded from the deepest up (watershed with a dynamics criterion): where two basins meet,
//      the shallower stays a separate scar only if it reaches `depth_threshold_mm` and the ridge
//      rises above its floor by more than `split_rise_fraction` of its depth; otherwise it joins
//      the deeper one (texture dips, a groove running into a scar, an uneven floor).
//   2. Reference: the skin a scar lies in is the level of a straightedge laid across it (the
//      lowest of linear closings at `straightedge_directions` angles, length
//      `straightedge_factor` x the diameter of the basin's half-depth core + `straightedge_margin_mm`,
//      on the skin smoothed with sigma `straightedge_smoothing_mm`), less the median gap between
//      that level and the skin in a ring around the scar. A straightedge bridges a compact
//      depression from rim to rim but lies in an elongated groove, so wrinkles beside or across a
//      scar belong to the reference, and a tilt or a slope under the scar does too.
//   3. Region: from the basin's deepest pixel, the connected pixels more than `extent_depth_mm`
//      below the reference (its own basin's or no basin's); dropped unless it reaches
//      `depth_threshold_mm` and covers `min_area_mm2`.
//   4. Maximum depth: over the half-depth core, below the skin where it meets the scar: for each
//      of `straightedge_directions` angles, the straight line between the median heights of a
//      band (max(3 px, 0.3 mm)) just beyond the footprint (the core widened by its own radius) on
//      either side, the lowest of them. Along a wrinkle crossing the scar this meets the groove
//      where it enters and leaves the scar, where the long straightedge would rest on the groove's
//      high points millimetres away. Without straightedge (0 directions): below z = 0.
// Per scar: area (mm^2), width = diameter of the circle of the same area (mm), mean depth below
// the reference and maximum depth (step 4) (mm), volume = integral of depth over the region
// (mm^3), i.e. the volume below the surrounding skin surface; type by width: icepick < 1.5 mm,
// rolling > 4 mm, boxcar 2-4 mm; in the overlap 1.5-2 mm a flat-bottomed scar (more than half its
// area deeper than half its maximum depth) is boxcar, a tapering (V-shaped) one icepick. With
// `min_width_mm` > 0 the extent is first opened with a disc of that diameter (off by default).
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
  // Two touching depressions are separate scars when the ridge between them rises above the
  // shallower floor by more than this fraction of its depth (0.5).
  double split_rise_fraction = 0.5;
  // Depth is measured below a straightedge laid across the scar: length = factor x the diameter
  // of the scar's half-depth core + margin (3 x + 0.5 mm: longer than the scar for every profile
  // whose half-depth core is at least a third of its diameter), the lowest of `directions`
  // orientations over 180 degrees (36, every 5 degrees). 0 directions: depth below z = 0.
  double straightedge_factor = 3.0;
  double straightedge_margin_mm = 0.5;
  int straightedge_directions = 36;
  double straightedge_smoothing_mm = 0.1;  // Gaussian sigma of the skin the edge rests on
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
  // that are already levelled (intact skin at z = 0; scars are measured against the skin around
  // each of them); use plane/poly2/gaussian for other height maps.
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

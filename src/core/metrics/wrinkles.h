#pragma once
// Wrinkles: dark lines found by multi-scale Hessian ridge detection on flat-field luminance.
//
// Method: on the flat field of the achromatic shading component (ShadingFlatField: wrinkles are
// shadows, so pigment-spot and redness edges do not show), dark spots shorter than spot_removal_mm
// in every direction (pores, small scars) are removed by the minimum over 8 orientations of a grey
// closing with a line segment. Then a multi-scale Hessian ridge measure (after Frangi et al.,
// MICCAI 1998, adapted to dark 2D lines): for σ covering line widths [min_width_mm, max_width_mm]
// (a bar of width w responds best at σ = w/2 with γ = 2 normalisation) the Hessian eigenvalues
// λ1 ≥ λ2; a dark line gives λ1 > 0 across it and λ2 ≈ 0 along it, so pixels with
// |λ2| ≤ max_eigen_ratio·λ1 respond with the estimated contrast σ²λ1 / 0.484 (an ideal bar per unit
// contrast). Each scale's response is also divided by the robust noise of a second derivative at
// that scale (1.4826·MAD over the skin). The Hessian also bends upwards beside every bright
// feature (the lit wall of a scar, a highlight), so a pixel counts only if, within half the
// narrowest width of it, a pixel is a valley: the flat field one line width away on both sides,
// across the line, brighter than it by min_valley_fraction of its contrast (the dark-line test).
// Lines are seeded where the ratio ≥ min_snr and the contrast ≥ min_contrast and followed
// (hysteresis) over pixels with ratio ≥ min_snr_follow and contrast ≥ min_contrast; a followed
// ridge without a seed is kept when it spans at least min_length_mm and its median ratio is ≥
// min_line_snr (evidence integrated along the line: a long faint groove whose every pixel sits just
// under min_snr is found in every capture, not in the captures where noise lifts one pixel over
// it). Holes in the ridge smaller than a disc of the widest width (a pore on the line) are filled
// so that thinning (Zhang-Suen) makes no loops. The skeleton is cut into chains at its junctions;
// side branches shorter than spur_length_mm are pruned and chains whose chord is below
// min_straightness × their length (tight arcs: the shadowed wall of a pit or scar) dropped. Each
// free end of a line at least min_length_mm long is then traced on along its own direction (within
// max_trace_turn_deg, at most max_extension_mm) over pixels with ratio ≥ trace_snr and contrast ≥
// trace_min_contrast, bridging gaps up to max_gap_mm and joining the line it meets, so a line ends
// where its groove fades rather than where one threshold happened to cut it. A trace that meets
// another line goes on straight across it and keeps what lies beyond only if the line resumes there
// (a faint line crossing a stronger one); a chain bent at corners (two grooves converging) is cut
// into its straight pieces, and those at least 1.5 × min_length_mm long are kept. Lines (connected
// centre lines) shorter than min_length_mm are dropped. Hair (AnalysisFrame::hair) is traced as a
// fine line is: its centre-line pixels are taken out of the lines, which are judged long enough
// as traced (a groove a hair crosses stays one line).
//
// Length: each chain's pixels in path order, smoothed by a ± length_smoothing_mm moving average,
// summed as a polyline (no staircase overcount, independent of the angle to the pixel grid), plus
// one pixel per junction and half a pixel beyond each free end.
// Outputs (per-area keys over the detection area: the mask eroded by the widest width):
// length_mm_per_cm2 (length_px_per_mpx without scale: original-pixel length per megapixel),
// area_pct (Σ length·width / detection area), mean_width_mm (mean_width_px),
// count (lines). Map "wrinkles": per-pixel estimated contrast on the ridge mask (relative).
// Errors: kInternal if OpenCV fails. Thread-safety: reentrant.

#include <vector>

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct WrinkleOptions {
  double min_width_mm = 0.15;    // default 0.15 mm
  double max_width_mm = 1.2;     // default 1.2 mm
  double min_contrast = 0.04;    // 4 % darker than the local skin (default)
  double min_snr = 8.0;          // seeds: response / robust noise at its scale (default 8)
  double min_snr_follow = 4.0;   // lines are followed down to this ratio (default 4)
  double max_eigen_ratio = 0.5;  // |λ2|/λ1 above this is blob-like, not a line (default)
  double min_line_snr = 5.5;     // a followed ridge at least min_length_mm across whose median
                                 // ratio reaches this is a line even without a seed pixel: a
                                 // long faint groove is judged on its whole length (default 5.5)
  double trace_snr = 3.0;        // line ends are traced on along their direction over pixels
                                 // with at least this ratio and trace_min_contrast (default 3)
  double trace_min_contrast = 0.02;  // contrast floor while tracing an end (default 2 %): the
                                     // floor that establishes a line is not where its groove ends
  double max_gap_mm = 0.5;           // gaps up to this long are bridged while tracing (default)
  double max_extension_mm = 10.0;    // at most this far per end (default 10 mm)
  double max_trace_turn_deg = 25.0;  // a trace turning further from the line's end direction
                                     // stops (default 25°)
  double min_length_mm = 3.0;        // shorter centre lines are dropped (default 3 mm)
  double spur_length_mm = 1.2;       // side branches shorter than this are pruned (default 1.2 mm)
  double min_straightness = 0.8;     // chord / length of a skeleton chain; more curved chains (the
                                     // shadowed wall of a pit or scar) are cut into straight pieces
                                     // or dropped (default 0.8)
  double length_smoothing_mm = 0.25;  // ± moving average along the centre line before its length
                                      // is measured (default 0.25 mm)
  double spot_removal_mm = 3.0;       // dark spots shorter than this in every direction (pores,
                                      // small scars) are removed before the ridge filter (3 mm)
  double flat_field_sigma_mm = 3.0;   // default 3 mm
  int scales = 5;                     // number of σ between the width limits (default 5)
  double min_valley_fraction = 0.3;   // a ridge pixel must be darker than the skin one line
                                      // width away on both sides by this share of its estimated
                                      // contrast (default 0.3; 0 turns the test off)
  // A groove's shadow is neutral: along a line's centre, the luminance (NeutralLuminanceDensity,
  // colour slower than colour_sigma_mm corrected) must darken by at least this share of the
  // shading's darkening (default 0.5; 0 turns the test off). Colour noise darkens the shading
  // alone: on dark skin, JPEG's blue channel drew short false lines by the dozen. The colour that
  // draws such lines is finer than a millimetre; pigment mottling of 2-4 mm is corrected, or it
  // can cancel a faint groove's darkening in the luminance (with 4 mm, a 7 mm groove of held-out
  // skin 39 was dropped).
  double min_luminance_share = 0.5;
  double colour_sigma_mm = 1.0;  // default 1 mm
};

struct WrinkleDetection {
  cv::Mat centerline;   // CV_8U 255 on kept centre lines
  cv::Mat detect_mask;  // CV_8U where lines were searched (eroded skin mask)
  double detect_area_px = 0;
  cv::Mat map;           // CV_32F estimated contrast on the ridge mask
  double length_px = 0;  // analysis pixels
  double area_px = 0;    // Σ length × width (analysis pixels²)
  double mean_width_px = 0;
  int count = 0;
};

Result<WrinkleDetection> DetectWrinkles(const AnalysisFrame& frame,
                                        const WrinkleOptions& options = {});

Result<MetricGroup> MeasureWrinkles(const AnalysisFrame& frame, const WrinkleOptions& options = {});

// Length of a thin (8-connected) CV_8U skeleton in pixels, measured as the lines' lengths are:
// redundant staircase pixels removed, chains between junctions and ends smoothed by a moving
// average of ± half_window pixels and summed as polylines, plus one pixel per junction and half a
// pixel beyond each free end (a straight run of n pixels measures n at any angle).
double SkeletonLengthPx(const cv::Mat& skeleton, int half_window = 5);

// Zhang-Suen thinning of a CV_8U mask (non-zero = on) to a 0/255 skeleton: the same result as
// OpenCV's ximgproc::thinning(THINNING_ZHANGSUEN), computed over the pixels that are on only.
cv::Mat ThinZhangSuen(const cv::Mat& binary);

}  // namespace skintrack::core

#pragma once
// Scars from a single image: atrophic depressions seen as a local luminance deficit.
//
// Method: on the achromatic shading component (Tsumura s; shadow is neutral, so brown spots and red
// patches are not scars), c = ShadingContrast(s, s̄) = exp(−(s − s̄)) − 1 with s̄ the masked
// low-pass at background_sigma_mm, at no more than work_px_per_mm. Pores (< 0.5 mm) are removed
// first by a grey closing of c with a disc of pore_fill_mm: it fills dark spots narrower than the
// disc and keeps the floor of wider depressions. Scars are then dark blobs from the shared
// multi-scale LoG detector (dark_blobs.h) with an equivalent-disc diameter in [min_diameter_mm,
// max_diameter_mm], contrast ≥ min_deficit, response above a significance threshold and Hessian
// roundness ≥ min_roundness (lines: wrinkles). The threshold is set per scale from random-field
// theory (dark_blobs.h) so that the skin texture and noise alone would pass about
// false_scars_per_cm2 maxima per cm² of skin and per scale, and at most max_false_scars_per_image
// in the whole image (a wide frame does not collect false scars in proportion to its area): fine
// scales hold many more independent maxima than coarse ones and need a higher SNR (≈ 4.5 at
// 0.7 mm against ≈ 3.7 at 6 mm on 7 cm²).
// A blob whose disc of 1.5 × its diameter is less than min_skin_around skin (the mask) is dropped:
// against an eye, a nostril or the lips it is the edge of that feature, and a depression cannot be
// judged without skin around it. The scale of a scar is the strongest round response: under an
// oblique light the lit wall of a depression is a thin crescent that responds most at a fine scale,
// and it must not hide the round depression at its own scale. The scar region is the disc of that
// diameter. D = 1 − exp(−(G(σ_s)*s − s̄')) where s̄' is the low-pass recomputed without the scars
// and their rims, so large scars do not darken their own reference; a scar whose mean D is below
// min_deficit is dropped (the LoG estimate alone can pass on a textured patch), and so is one
// whose disc, without the pixels of pores and wrinkles the other groups found (`pores` argument,
// ExplainedDarkFeatures), is not min_deficit darker: the tapered end of a wrinkle, two lines
// crossing or pores on a line are those features, while a scar a line crosses stays dark beyond
// it. When the scale is
// only assumed (frame.scale_known false) the pore fill and the diameter floor are multiplied by
// unscaled_size_margin, so that pores read larger than they are still do not count as scars.
//
// `shadow_index` of a scar = mean D inside it × 100 (% luminance deficit). It grows with depth for
// a given lighting, but it is NOT a depth: it depends on light direction and diffuseness, scar
// shape and skin translucency. True depth comes only from a surface (photometric stereo,
// core/surface). Outputs: count, area_pct, shadow_index (mean over scars; 0 without scars). Map
// "scars": D × 100 inside detected scars. A blob narrower than small_scar_max_mm must show a mean
// D of at least small_scar_min_deficit: a cluster of pores that the pore fill only partly closes
// reads as a blob of about a millimetre, 4–9 % darker than the skin around it, while icepick
// scars, deep and narrow, are darker (on the phantom 95 % of those found are above 11 %).
//
// Relief search. A shallow rolling scar under an oblique light shows mostly as a bright/dark pair
// across it (slope shading) with a mean deficit of 1–3 %, at the level of the skin texture: the
// shadow search above misses most of them. With a measured scale, the light's horizontal
// direction is estimated from the walls it lights (pixels brighter than the skin's median by
// light_bright_sd robust SDs vote with the direction in which the smoothed contrast falls; used
// when the votes agree to light_min_agreement; a frontal light gave a third of that in the tests),
// the relief is estimated from the shading along it (linear shape-from-shading, Pentland 1990,
// with a term for the darkening of cavities, scars.cpp ReliefFromShading), and its depressions of
// relief_min_diameter_mm to max_diameter_mm are found by the same LoG detector, whose noise level
// is then measured without strong structures (DarkBlobOptions::noise_excludes_structures) and
// whose threshold passes relief_false_scars_per_cm2. The pixels of pores and wrinkles
// (`explained`) take the masked mean of the skin around them (explained_fill_mm) before the
// relief is estimated: a groove's shading is a long depression of the relief, and a round one
// where it bends, crosses another or passes pores (on the phantom's default series, 37 of 38
// false relief scars were such places). A depression of the relief that is not a
// scar found by its shadow becomes one when its mean D is at least relief_min_deficit. Known
// limits: shallow rolling scars (≲ 0.13 mm deep over 5 mm) and scars crossed by a wrinkle are
// still often missed; without a measured scale, or under a frontal light, only the shadow search
// runs (docs/METRICS.md). Errors: kInternal if OpenCV fails. Thread-safety: reentrant.

#include <vector>

#include "core/base/result.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct ScarOptions {
  double smooth_sigma_mm = 0.25;  // smoothing of the shading before the deficit (default 0.25 mm)
  double background_sigma_mm = 8.0;   // surrounding skin reference, wider than the largest scar
                                      // (default 8 mm)
  double min_deficit = 0.04;          // at least 4 % darker than the surrounding skin (default)
  double false_scars_per_cm2 = 0.01;  // noise maxima passing per cm² of skin and per scale
                                      // (sets the SNR threshold; default 0.01)
  double max_false_scars_per_image = 0.05;  // and at most this many per scale in the whole image,
                                            // however wide the frame (default 0.05: the rate
                                            // above holds up to 5 cm²)
  double pore_fill_mm = 0.7;          // dark spots narrower than this (pores) are filled first
                                      // (default 0.7 mm)
  double min_diameter_mm = 0.7;       // smaller blobs are not scars (default 0.7 mm)
  double small_scar_max_mm = 1.5;     // blobs narrower than this (default 1.5 mm) must be at
  double small_scar_min_deficit = 0.08;  // least this much darker (default 8 %): pore clusters
  double unscaled_size_margin = 2.0;  // with an assumed scale, pore_fill_mm and min_diameter_mm
                                      // are multiplied by this (default 2)
  double max_diameter_mm = 8.0;       // larger dark patches are not scars (default 8 mm)
  double min_roundness = 0.5;    // Hessian eigenvalue ratio; lines (wrinkles) fail (default 0.5)
  // A shadow is neutral: it darkens the luminance as much as the shading component. A blob found
  // by its shadow is dropped when its luminance darkening is less than this share of its shading
  // darkening (default 0.5; 0 turns the test off) both against the skin's reference (mean
  // deficits over the disc) and against its own rim (the ring out to 1.5 × its diameter). What
  // darkens the shading component alone is colour noise: on dark skin the blue channel is a few
  // JPEG codes, and its noise, weighted −0.96 in the shading, forms scar-sized dark blobs that the
  // luminance does not share. The luminance is first corrected for the pigment and blood that
  // vary more slowly than colour_sigma_mm (default 4 mm), so a scar beside a brown spot keeps its
  // luminance deficit; fine mottling biases one reference or the other, hence both.
  double min_luminance_share = 0.5;
  double colour_sigma_mm = 4.0;
  double min_skin_around = 0.9;  // share of the disc of 1.5 × the diameter that must be skin
                                 // (mask); blobs at eyes, nostrils, lips are dropped (default)
  double work_px_per_mm = 10.0;  // detection runs at no more than this scale (default 10 px/mm)
  // The relief search (shallow wide depressions under an oblique light; see above). It runs only
  // with a measured scale and when the lit walls agree on a light direction.
  bool relief_search = true;
  double light_smooth_mm = 0.5;         // smoothing of the contrast whose slope the lit walls
                                        // vote with (default 0.5 mm)
  double light_bright_sd = 3.0;         // lit walls: brighter than the skin's median by this
                                        // many robust SDs (default 3)
  double light_min_agreement = 0.15;    // their votes' resultant / their sum (default 0.15)
  double relief_darkness_weight = 1.5;  // weight w of the cavity darkening against the slope
                                        // term in the relief filter (default 1.5)
  double relief_px_per_mm = 5.0;        // the relief is estimated at about this scale (default)
  double relief_min_diameter_mm = 2.5;  // narrower depressions are left to the shadow search
  double relief_min_roundness = 0.3;    // Hessian eigenvalue ratio of the relief (default 0.3)
  double relief_false_scars_per_cm2 = 0.01;  // as false_scars_per_cm2, for the relief (0.01)
  double explained_fill_mm = 0.5;            // pixels of pores and wrinkles take the masked mean of
                                             // the skin around them at this scale before the relief
                                             // is estimated (default 0.5 mm)
  double relief_min_deficit = 0.0;      // mean deficit a relief depression must show (default 0:
                                        // not brighter on average than the skin around it)
};

struct Scar {
  cv::Point2f center_px;    // analysis pixels
  double area_px = 0;       // analysis pixels
  double diameter_px = 0;   // equivalent diameter, analysis pixels
  double shadow_index = 0;  // mean deficit × 100
  double peak_deficit = 0;  // max deficit (0..1)
  double snr = 0;           // blob response / noise at its scale (significance)
  double roundness = 0;     // Hessian eigenvalue ratio at its scale
};

struct ScarDetection {
  std::vector<Scar> scars;
  cv::Mat map;  // CV_32F deficit × 100 inside scars
};

// `search` (optional, CV_8U of the analysis size): only scars centred inside it are kept. The
// whole mask still sets the background and the noise level, so a search area only removes scars
// (a whole face is searched in its forehead, cheeks and chin).
// `explained` (optional, CV_8U of the analysis size): pixels of dark features other groups
// measure (ExplainedDarkFeatures); a scar must be dark over its other pixels.
Result<ScarDetection> DetectScars(const AnalysisFrame& frame, const ScarOptions& options = {},
                                  const cv::Mat& search = cv::Mat(),
                                  const cv::Mat& explained = cv::Mat());

// The pixels of dark features the other groups have measured, for DetectScars' `explained`: the
// discs of the pore group's "pores" map widened by pore_margin_px analysis pixels (at least 1),
// and the wrinkle group's "wrinkles" ridges thinned to centre lines and widened to the lines' mean
// width. The margin takes in the pixel by which a disc's read diameter is uncertain and the pixel
// that blur spreads a pore beyond it: at 10 px/mm, with a margin of one pixel, three pores a
// millimetre apart left enough darkness around their discs to pass as a 4-6 % darker "scar".
// Other groups add nothing; empty when none of these maps is there.
cv::Mat ExplainedDarkFeatures(const AnalysisFrame& frame, const std::vector<MetricGroup>& groups,
                              int pore_margin_px = 2);

// With `search`, area_pct refers to the skin inside it.
Result<MetricGroup> MeasureScars(const AnalysisFrame& frame, const ScarOptions& options = {},
                                 const cv::Mat& search = cv::Mat(),
                                 const cv::Mat& explained = cv::Mat());

}  // namespace skintrack::core

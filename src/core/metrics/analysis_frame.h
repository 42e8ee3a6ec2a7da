#pragma once
// Building the AnalysisFrame that all metric groups share, and the filtering helpers they use.
//
// Resolution: metrics run on a copy of the calibrated image resized (INTER_AREA, never enlarged) so
// that (a) the scale is at most `max_px_per_mm` (finer sampling adds nothing for features of
// 0.1 mm and more) and (b) the image holds at most `max_megapixels`. Sizes are converted back to mm
// (or to original pixels for `_px` keys) so results do not depend on this choice.
//
// Colour: redness and pigmentation measure averages and patches of colour at 0.2 mm and more, so
// they run on `frame.colour`, the frame reduced by the largest whole factor (INTER_AREA) that keeps
// it at `min_colour_px_per_mm` or finer, and their maps are brought back to the analysis size. At
// 16-24 px/mm this halves each side and quarters their work; the values differ from
// full-resolution ones by well under their noise (ColourFrame test).
//
// Scale: `px_per_mm` from calibration or the user is "known"; otherwise an estimate (e.g. from the
// face width) or `assumed_short_side_mm` sizes the filters only, and size keys are reported in pixels.
//
// Flat field: luminance divided by its masked Gaussian low-pass (sigma in mm), so exposure, white
// balance gain and slow illumination gradients cancel (contrast is relative, 0 = local mean).
// Masked low-pass = G*(Y·M) / G*M (normalised convolution, Knutsson & Westin 1993), so background
// outside the skin mask does not leak in. Large sigmas are computed on a pyramid level for speed.
//
// Errors: kAnalysisFailed when the mask holds fewer than `min_mask_px` pixels; kInternal when OpenCV
// throws. Thread-safety: reentrant.

#include <optional>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/metrics/hair.h"
#include "core/metrics/metric_types.h"

namespace skintrack::core {

struct AnalysisFrameOptions {
  double max_px_per_mm = 20.0;       // downsample finer captures to this scale (default 20 px/mm)
  double max_megapixels = 3.0;       // and to at most this many pixels (default 3 MP)
  double assumed_short_side_mm = 80; // scale assumption when nothing is known (filter sizing only)
  // Redness and pigmentation are measured on a copy reduced by the largest whole factor that
  // keeps at least this scale (default 8 px/mm: their finest filter, 0.2 mm, is then 1.6 px).
  // 0 measures them on the frame itself.
  double min_colour_px_per_mm = 8.0;
  int min_mask_px = 400;             // fewer skin pixels than this (at analysis size) -> error
  // Hair lying on the skin (hair.h), found once, brown hair in the colour frame's melanin and
  // dark hair in this frame's luminance, and kept in AnalysisFrame::hair: brown spots, pores,
  // lines and texture are measured on the skin between the hairs.
  HairOptions hair;
};

// rgb_linear: CV_32FC3 (R,G,B); mask: CV_8U of the same size (empty = everything);
// px_per_mm: measured scale of `rgb_linear`, if any; estimated_px_per_mm: a rough estimate used
// only to size filters when no measured scale exists (e.g. from a detected face). A caller that
// no longer needs the full-size image moves it in: it is then released as soon as it is reduced
// (a 12 MP image is 144 MB), before the frame's planes are made.
Result<AnalysisFrame> MakeAnalysisFrame(cv::Mat rgb_linear, const cv::Mat& mask,
                                        std::optional<double> px_per_mm,
                                        std::optional<double> estimated_px_per_mm,
                                        const AnalysisFrameOptions& options = {});

// The group's maps, measured on frame.ColourFrame(), brought to the frame's size (bilinear between
// block centres), 0 outside the frame's mask; maps that already have that size are unchanged.
void MapsToFrameSize(MetricGroup& group, const AnalysisFrame& frame);

// Y = 0.2126 R + 0.7152 G + 0.0722 B of a linear RGB (R,G,B order) CV_32FC3 image.
cv::Mat LinearLuminance(const cv::Mat& rgb_linear);

// Normalised (masked) Gaussian low-pass of a CV_32F image; mask CV_8U (non-zero = valid).
// Pixels with almost no valid neighbourhood get the global masked mean.
cv::Mat MaskedGaussian(const cv::Mat& values, const cv::Mat& mask, double sigma_px);

// MaskedGaussian of several images over one mask: the blurred mask (the normalising
// denominator) is computed once per sigma and reused. Results equal MaskedGaussian's.
class MaskedSmoother {
 public:
  explicit MaskedSmoother(const cv::Mat& mask);
  cv::Mat Smooth(const cv::Mat& values, double sigma_px);

 private:
  cv::Mat mask_;
  cv::Mat weight_;  // CV_32F, 1 inside the mask, 0 outside
  std::vector<std::pair<double, cv::Mat>> denominators_;  // (sigma, blurred weight)
};

// Gaussian blur of a CV_32F image, via a pyramid level when sigma is large (> 6 px).
cv::Mat FastGaussian(const cv::Mat& values, double sigma_px);

// Flat-field contrast: Y / MaskedGaussian(Y, sigma) - 1 inside the mask, 0 outside.
cv::Mat FlatFieldContrast(const cv::Mat& luminance, const cv::Mat& mask, double sigma_px);

// Relative darkness of the achromatic shading component (Tsumura s) against a background shading
// density: exp(−(s − background)) − 1 inside the mask, 0 outside, i.e. −0.1 where the skin is 10 %
// darker by shadow or neutral albedo alone. `shading`, `background` CV_32F of one size; `mask`
// CV_8U.
cv::Mat ShadingContrast(const cv::Mat& shading, const cv::Mat& background, const cv::Mat& mask);

// Flat field of the achromatic shading component (Tsumura s, core/color/skin_model.h):
// exp(−(s − MaskedGaussian(s, sigma))) − 1 inside the mask, 0 outside. Like FlatFieldContrast but
// blind to melanin and haemoglobin, so pigment spots, freckles and redness do not show: what is
// left is shadow (relief) and neutral albedo. `shading` CV_32F.
cv::Mat ShadingFlatField(const cv::Mat& shading, const cv::Mat& mask, double sigma_px);

// The luminance density ℓ = −ln Y with the chromatic part s − ℓ that varies more slowly than
// `colour_sigma_px` added back (masked low-pass): pigment spots, redness patches and mottling
// wider than that read as in the shading, finer colour structure does not. A shadow is neutral
// and darkens this as much as the shading s; colour noise in s (the blue channel's on dark skin,
// which s weights by −0.96) leaves it unchanged. `luminance` (linear Y), `shading` CV_32F of one
// size; `mask` CV_8U.
cv::Mat NeutralLuminanceDensity(const cv::Mat& luminance, const cv::Mat& shading,
                                const cv::Mat& mask, double colour_sigma_px);

// Mean and standard deviation of `values` (CV_32F) over non-zero mask pixels.
cv::Scalar MaskedMean(const cv::Mat& values, const cv::Mat& mask);
double MaskedStdDev(const cv::Mat& values, const cv::Mat& mask);
// Percentile (0..100) of `values` over mask pixels: the sample of rank round(p/100·(n−1)),
// exactly (core/base/order_statistics.h).
double MaskedPercentile(const cv::Mat& values, const cv::Mat& mask, double percentile);
// Several percentiles from one copy of the samples; `percentiles` ascending. Each equals
// MaskedPercentile's.
std::vector<double> MaskedPercentiles(const cv::Mat& values, const cv::Mat& mask,
                                      const std::vector<double>& percentiles);
// The mask pixels whose value lies between its lo_pct and hi_pct percentiles (inclusive): the
// robust subset metric means are taken over. The whole mask if that subset is empty.
cv::Mat PercentileBandMask(const cv::Mat& values, const cv::Mat& mask, double lo_pct,
                           double hi_pct);

// The mask eroded by a disc of `radius_px` (border of the skin excluded from detectors): the pixels
// farther than radius_px from every pixel outside the mask (the image border does not count).
cv::Mat ErodeMask(const cv::Mat& mask, int radius_px);

}  // namespace skintrack::core

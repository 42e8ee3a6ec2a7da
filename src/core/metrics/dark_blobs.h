#pragma once
// Multi-scale dark-blob detection shared by pores (small blobs of luminance) and scars (large blobs
// of the achromatic shading component).
//
// Method: scale-normalised Laplacian of Gaussian (Lindeberg 1998, "Feature detection with
// automatic scale selection", IJCV 30:79) on a relative contrast image c (0 = local skin, −0.1 =
// 10 % darker). A dark disc of diameter d and contrast k gives its strongest normalised response
// R = σ²∇²(G_σ * c) at σ = d/(2√2), where R = 2k/e (REFERENCES.md §7). Scales are sampled
// geometrically over [min_diameter, max_diameter] with one extra level at each end, so that a
// blob whose best scale lies at an end (smaller: noise; larger: a bigger structure) is recognised
// as out of range and dropped. Derivatives are plain second differences of the Gaussian-smoothed
// image (no extra smoothing across the derivative, which would bias small scales).
//
// A blob is a 3×3×3 scale-space maximum of R (spatial ties broken in raster order, so a plateau
// gives one blob) with
//  - estimated contrast R·e/2 ≥ min_contrast (an absolute floor), and
//  - R ≥ min_snr × the robust noise level of R at that scale (1.4826 × median absolute deviation
//    over the mask), so the threshold follows the measured noise and background texture of each
//    image instead of a fixed number: skin texture, sensor noise and JPEG ringing set the level,
//    and only blobs that stand out from it count. With false_maxima_per_level the SNR threshold is
//    instead set per level from random-field theory, so that noise alone passes about that many
//    maxima whatever the scale: fine scales, which hold many more independent maxima, need a
//    higher SNR than coarse ones;
//  - Hessian roundness λ_min/λ_max ≥ min_roundness (rejects lines: hairs, wrinkles);
//  - best scale strictly inside the range;
//  - centre inside `mask`.
// Overlaps: a blob whose centre lies inside a stronger accepted blob is dropped.
// Octaves: as in SIFT (Lowe 2004), coarse scales are computed on the contrast area-averaged by a
// power of two, the largest that leaves every level of a searched triple at least
// min_level_sigma_px wide; the normalised response, roundness and the random-field threshold do
// not depend on the sampling, and positions and diameters are mapped back to input pixels.
// Diameter = 2√2·σ, σ refined by a parabola through the three responses around the peak (log σ).
//
// Inputs: contrast CV_32F, mask CV_8U of the same size (non-zero = where centres may lie; the
// noise level is measured there too). Units: pixels of the input. Throws cv::Exception only on
// programmer errors (callers catch). Thread-safety: reentrant.

#include <cmath>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

namespace skintrack::core {

struct DarkBlobOptions {
  double min_diameter_px = 2;
  double max_diameter_px = 10;
  int scales_per_octave = 5;
  double min_contrast = 0.04;  // floor on the estimated contrast (relative darkness)
  double min_snr = 5;          // response / robust noise SD at the blob's scale
  double min_roundness = 0.45; // Hessian eigenvalue ratio (1 = circle)
  // When > 0, each level's SNR threshold is chosen so that noise alone would give about this many
  // maxima above it over the whole mask (expected Euler characteristic; see SnrForExpectedMaxima),
  // and min_snr is not used.
  double false_maxima_per_level = 0;
  // For depressions under an oblique light, whose shaded wall is a thin crescent: a stronger
  // response at the next finer scale only outranks a blob where that response is round too (so the
  // crescent does not hide the round depression at its own, coarser scale), and a blob's roundness
  // is the larger of its own scale's and the next coarser scale's (the crescent skews the Hessian
  // at the depression's scale; one scale up it is round again, while a line is elongated at every
  // scale).
  bool tolerate_shaded_walls = false;
  // Measure each level's noise without its strong structures (pixels within σ of a response
  // beyond 3 robust SDs, excluded up to three times while 30 % of the mask remains): for images
  // crowded with features at the searched scales, whose plain robust SD reads well above the noise.
  bool noise_excludes_structures = false;
  // Levels whose σ is at least twice this (in input pixels) run on a copy reduced by 2, 4, ...;
  // 0 keeps every level at full resolution.
  double min_level_sigma_px = 2.0;
  // When > 0 (and below min_snr), the SNR threshold may fall from min_snr to this as far as the
  // image shows it can: bright blobs, found by the same tests on the inverted contrast, stand for
  // the dark blobs that noise and texture make (they are as likely as dark ones, pores are not).
  // The threshold is the lowest, in steps of 0.1, at which bright blobs number at most
  // max_bright_share of the dark ones at or above it. 0: the threshold is min_snr.
  double lowest_snr = 0;
  double max_bright_share = 0.01;
};

struct DarkBlob {
  cv::Point2f center_px;
  double diameter_px = 0;
  double contrast = 0;   // estimated relative darkness of an equivalent disc (0..1)
  double roundness = 0;
  double snr = 0;        // response / noise at its scale
};

// Eigenvalues {λmax, λmin} of the symmetric 2×2 Hessian [[fxx, fxy], [fxy, fyy]] (the detectors
// take fxx, fyy, fxy from second differences of a smoothed image).
template <typename T>
inline std::pair<T, T> HessianEigenvalues(T fxx, T fyy, T fxy) {
  const T mean = T(0.5) * (fxx + fyy);
  const T diff = std::sqrt(T(0.25) * (fxx - fyy) * (fxx - fyy) + fxy * fxy);
  return {mean + diff, mean - diff};
}

// Normalised LoG response of an ideal disc at its best scale per unit contrast: 2/e.
inline constexpr double kDiscLogResponse = 0.7357588823;

std::vector<DarkBlob> DetectDarkBlobs(const cv::Mat& contrast, const cv::Mat& mask,
                                      const DarkBlobOptions& options);

// The threshold lowest_snr allows (dark_blobs.h, DarkBlobOptions::lowest_snr): the lowest t in
// [lowest_snr, min_snr], in steps of 0.1, with #{bright ≥ t} ≤ max_bright_share · #{dark ≥ t};
// min_snr when none is. `dark_snr` and `bright_snr` are the SNRs of the candidates of each kind.
double MirroredSnrThreshold(std::vector<double> dark_snr, std::vector<double> bright_snr,
                            const DarkBlobOptions& options);

// Upper bound of the threshold SnrForExpectedMaxima returns.
inline constexpr double kMaxSnr = 40.0;

// The threshold t (in noise SDs, within [1, kMaxSnr]) above which a smooth isotropic Gaussian field
// over an area A with λ = Var(∂z/∂x)/Var(z) has `false_maxima` expected maxima:
// A·λ/(2π)^{3/2}·t·exp(−t²/2) = false_maxima (expected Euler characteristic, Worsley et al. 1996).
// `area_lambda` = A·λ (dimensionless).
double SnrForExpectedMaxima(double area_lambda, double false_maxima);

// Robust standard deviation (1.4826 × median absolute deviation from the median) of `values` over
// non-zero `mask` pixels, sampled on a grid of `step` pixels. 0 when the mask is empty.
double RobustSd(const cv::Mat& values, const cv::Mat& mask, int step = 1);

// The median of the same samples together with their robust SD.
struct RobustLevel {
  double median = 0;
  double sd = 0;
};
RobustLevel RobustLevelOf(const cv::Mat& values, const cv::Mat& mask, int step = 1);

// The smaller of the same statistic of the horizontal and of the vertical second difference
// [1 −2 1] of `image` (the edge row or column repeats beyond the border), computed only at the
// sampled pixels. Texture and light from one side add variance across the lines they draw, so
// the quieter axis is the better estimate of the noise, and it does not change when the image
// is turned a quarter.
double RobustSdOfSecondDifferences(const cv::Mat& image, const cv::Mat& mask, int step = 1);

// The same statistic of a list of samples. 0 when empty.
double RobustSdOfSamples(const std::vector<float>& samples);

}  // namespace skintrack::core

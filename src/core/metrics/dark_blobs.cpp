#include "core/metrics/dark_blobs.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/base/order_statistics.h"
#include "core/metrics/octave.h"

namespace skintrack::core {
namespace {

// Standard deviation of a normal distribution per unit median absolute deviation.
constexpr double kMadToSd = 1.4826;

struct ScaleLevel {
  double sigma_px = 0;
  cv::Mat smooth;    // G_σ * c
  cv::Mat response;  // σ²·∇²(G_σ * c): positive for dark blobs
  float noise = 0;   // robust SD of the response over the mask
  cv::Mat noise_mask;  // where the noise was measured when strong structures were left out
};

// The scale-normalised Laplacian σ²(∂xx + ∂yy) of the smoothed image, as plain second differences
// [1 −2 1] along each axis; beyond the image the nearest row or column repeats (for an offset of
// one pixel that is OpenCV's BORDER_REFLECT). One pass, no intermediate images.
cv::Mat NormalisedLaplacian(const cv::Mat& smooth, float norm) {
  cv::Mat out(smooth.size(), CV_32F);
  const int rows = smooth.rows;
  const int cols = smooth.cols;
  const auto at = [&](const float* up, const float* row, const float* down, int x) {
    const float left = row[std::max(0, x - 1)];
    const float right = row[std::min(cols - 1, x + 1)];
    const float dxx = left - 2.0f * row[x] + right;
    const float dyy = up[x] - 2.0f * row[x] + down[x];
    return norm * (dxx + dyy);
  };
  for (int y = 0; y < rows; ++y) {
    const float* up = smooth.ptr<float>(std::max(0, y - 1));
    const float* row = smooth.ptr<float>(y);
    const float* down = smooth.ptr<float>(std::min(rows - 1, y + 1));
    float* o = out.ptr<float>(y);
    o[0] = at(up, row, down, 0);
    // The interior without index clamps, so that the compiler vectorises it (same arithmetic).
    for (int x = 1; x < cols - 1; ++x) {
      const float dxx = row[x - 1] - 2.0f * row[x] + row[x + 1];
      const float dyy = up[x] - 2.0f * row[x] + down[x];
      o[x] = norm * (dxx + dyy);
    }
    if (cols > 1) o[cols - 1] = at(up, row, down, cols - 1);
  }
  return out;
}

// value(y, x) at the non-zero mask pixels of a grid of `step` pixels.
template <typename Value>
std::vector<float> SampleOnGrid(const cv::Mat& mask, int step, Value&& value) {
  step = std::max(1, step);
  std::vector<float> samples;
  samples.reserve(static_cast<size_t>((mask.rows + step - 1) / step) *
                  static_cast<size_t>((mask.cols + step - 1) / step));
  for (int y = 0; y < mask.rows; y += step) {
    const uchar* m = mask.ptr<uchar>(y);
    for (int x = 0; x < mask.cols; x += step) {
      if (m[x] != 0) samples.push_back(value(y, x));
    }
  }
  return samples;
}

// The robust SD of the level's response with strong structures left out. Features that cover a
// good part of the mask at coarse scales (scars, wrinkles and their shaded flanks) inflate the
// median absolute deviation: with a third of the samples in them it reads about 1.6 times the
// noise. Pixels within σ of a response more than kClipSd robust SDs from the median are excluded
// and the SD measured again on the rest, up to three times, stopping before fewer than
// kMinKeptShare of the mask samples would remain. Clipping at 3 SD leaves out 0.3 % of pure
// noise, which lowers the SD by about 1 %: not corrected.
float NoiseWithoutStructures(ScaleLevel& level, const cv::Mat& mask, int step) {
  constexpr double kClipSd = 3.0;
  constexpr double kMinKeptShare = 0.3;
  constexpr int kRounds = 3;
  const auto samples_in = [&](const cv::Mat& m) {
    return SampleOnGrid(m, step, [&](int y, int x) { return level.response.at<float>(y, x); });
  };
  std::vector<float> samples = samples_in(mask);
  const size_t total = samples.size();
  MedianMad stats = SelectMedianMad(samples);
  const int radius = std::max(1, static_cast<int>(std::lround(level.sigma_px)));
  const cv::Mat disc =
      cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
  for (int round = 0; round < kRounds && stats.mad > 0; ++round) {
    cv::Mat strong;
    cv::compare(cv::abs(level.response - stats.median), kClipSd * kMadToSd * stats.mad, strong,
                cv::CMP_GT);
    cv::dilate(strong, strong, disc);
    cv::Mat kept;
    cv::bitwise_and(mask, ~strong, kept);
    std::vector<float> rest = samples_in(kept);
    if (static_cast<double>(rest.size()) < kMinKeptShare * static_cast<double>(total)) break;
    stats = SelectMedianMad(rest);
    level.noise_mask = kept;
  }
  return static_cast<float>(kMadToSd * stats.mad);
}

// `previous` (may be null): the next finer level. Gaussians compose (G_a * G_b = G_√(a²+b²)), so
// this level is that one blurred by the difference only, a kernel about half as wide; used once the
// difference is at least 1 px, where a sampled Gaussian kernel has the variance it should.
// With `exclude_structures` the noise is NoiseWithoutStructures, else the plain robust SD.
ScaleLevel ComputeLevel(const Octave& res, double sigma_px, const ScaleLevel* previous,
                        bool exclude_structures) {
  const cv::Mat& contrast = res.values;
  const cv::Mat& mask = res.mask;
  ScaleLevel level;
  level.sigma_px = sigma_px;
  const double extra =
      previous != nullptr && previous->sigma_px < sigma_px
          ? std::sqrt(sigma_px * sigma_px - previous->sigma_px * previous->sigma_px)
          : 0.0;
  if (extra >= 1.0) {
    cv::GaussianBlur(previous->smooth, level.smooth, cv::Size(), extra, extra, cv::BORDER_REFLECT);
  } else {
    const double sigma = std::sqrt(std::max(0.0625, sigma_px * sigma_px - res.base_variance));
    cv::GaussianBlur(contrast, level.smooth, cv::Size(), sigma, sigma, cv::BORDER_REFLECT);
  }
  level.response = NormalisedLaplacian(level.smooth, static_cast<float>(sigma_px * sigma_px));
  // The noise is sampled on a grid of at least 2 px: the median absolute deviation of a quarter of
  // a megapixel-sized mask is as precise as that of all of it, at a quarter of the sorting.
  const int step = std::max(2, static_cast<int>(std::floor(sigma_px)));
  level.noise = exclude_structures ? NoiseWithoutStructures(level, mask, step)
                                   : static_cast<float>(RobustSd(level.response, mask, step));
  return level;
}

// Hessian eigenvalue ratio λ_min/λ_max of the smoothed image (times `sign`: −1 for a bright blob)
// at an interior pixel (second differences, central differences for the mixed term); 0 when the
// larger eigenvalue is not positive.
double Roundness(const cv::Mat& smooth, int x, int y, double sign = 1.0) {
  const float* up = smooth.ptr<float>(y - 1);
  const float* row = smooth.ptr<float>(y);
  const float* down = smooth.ptr<float>(y + 1);
  const double a = sign * (row[x - 1] - 2.0 * row[x] + row[x + 1]);
  const double b = sign * (up[x] - 2.0 * row[x] + down[x]);
  const double c = sign * 0.25 * ((down[x + 1] - down[x - 1]) - (up[x + 1] - up[x - 1]));
  const auto [l_max, l_min] = HessianEigenvalues(a, b, c);
  return l_max > 0 ? l_min / l_max : 0.0;
}

// A maximum over the 3×3 neighbourhood. Ties are broken by raster order (strictly above the
// neighbours before it, at least equal to those after it), so that a plateau, which smooth or
// morphologically filtered noise-free images do produce, yields one maximum instead of none.
// `sign` −1 looks for a minimum of r (a bright blob) in the same way.
bool IsSpatialMax(const cv::Mat& r, int x, int y, float v, float sign = 1.0f) {
  for (int dy = -1; dy <= 1; ++dy) {
    const float* row = r.ptr<float>(y + dy);
    for (int dx = -1; dx <= 1; ++dx) {
      if (dx == 0 && dy == 0) continue;
      const bool before = dy < 0 || (dy == 0 && dx < 0);
      const float u = sign * row[x + dx];
      if (before ? u >= v : u > v) return false;
    }
  }
  return true;
}

// Whether `level` responds at least `v` within the 3×3 neighbourhood of the interior pixel
// (x, y), counting only positions whose roundness reaches `round_floor` (a floor below 0 counts
// every position). Roundness needs its own 3×3 neighbourhood, so a position on the image border
// always counts.
bool StrongerNearby(const ScaleLevel& level, int x, int y, float v, double round_floor,
                    float sign = 1.0f) {
  const int last_x = level.response.cols - 1;
  const int last_y = level.response.rows - 1;
  for (int dy = -1; dy <= 1; ++dy) {
    const float* row = level.response.ptr<float>(y + dy);
    for (int dx = -1; dx <= 1; ++dx) {
      if (sign * row[x + dx] < v) continue;
      const int nx = x + dx, ny = y + dy;
      const bool border = nx == 0 || ny == 0 || nx == last_x || ny == last_y;
      if (round_floor < 0 || border || Roundness(level.smooth, nx, ny, sign) >= round_floor) {
        return true;
      }
    }
  }
  return false;
}

// The SNR threshold of one level from the expected Euler characteristic of a smooth isotropic
// Gaussian field z of unit variance over an area A (Worsley et al. 1996, "A unified statistical
// approach for determining significant signals in images of cerebral activation", Hum Brain Mapp
// 4:58, eq. 2 in 2-D): E[χ(z ≥ t)] = A·λ/(2π)^{3/2}·t·exp(−t²/2), λ = Var(∂z/∂x). Above t ≈ 3 that
// is the expected number of maxima above t; t is set so that it equals `false_maxima`. λ is
// measured on the level itself (robust SD of the central difference over that of the response),
// so textures and noise of any correlation are handled alike.
double SignificantSnr(const ScaleLevel& level, const cv::Mat& mask, double mask_px,
                      double false_maxima) {
  if (level.noise <= 0 || mask_px <= 0) return kMaxSnr;
  const int step = std::max(2, static_cast<int>(std::floor(level.sigma_px)));
  const int last = level.response.cols - 1;
  std::vector<float> slopes = SampleOnGrid(mask, step, [&](int y, int x) {
    const float* v = level.response.ptr<float>(y);
    return 0.5f * (v[std::min(last, x + 1)] - v[std::max(0, x - 1)]);
  });
  const double slope_sd = RobustSdOfSamples(slopes) / level.noise;
  return SnrForExpectedMaxima(mask_px * slope_sd * slope_sd, false_maxima);
}

}  // namespace

double SnrForExpectedMaxima(double area_lambda, double false_maxima) {
  const auto expected = [&](double t) {
    return area_lambda / std::pow(2.0 * std::numbers::pi, 1.5) * t * std::exp(-0.5 * t * t);
  };
  // Decreasing in t above 1; bisection on [1, kMaxSnr].
  double lo = 1.0, hi = kMaxSnr;
  if (expected(lo) <= false_maxima) return lo;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (expected(mid) > false_maxima ? lo : hi) = mid;
  }
  return hi;
}

double MirroredSnrThreshold(std::vector<double> dark_snr, std::vector<double> bright_snr,
                            const DarkBlobOptions& options) {
  std::sort(dark_snr.begin(), dark_snr.end());
  std::sort(bright_snr.begin(), bright_snr.end());
  const auto at_or_above = [](const std::vector<double>& sorted, double t) {
    return static_cast<double>(sorted.end() - std::lower_bound(sorted.begin(), sorted.end(), t));
  };
  const int steps =
      static_cast<int>(std::floor((options.min_snr - options.lowest_snr) * 10 + 1e-9));
  for (int i = 0; i < steps; ++i) {
    const double t = options.lowest_snr + 0.1 * i;
    const double dark = at_or_above(dark_snr, t);
    if (dark > 0 && at_or_above(bright_snr, t) <= options.max_bright_share * dark) return t;
  }
  return options.min_snr;
}

double RobustSdOfSamples(const std::vector<float>& samples) {
  if (samples.empty()) return 0;
  return kMadToSd * SelectMedianMad(samples).mad;
}

double RobustSd(const cv::Mat& values, const cv::Mat& mask, int step) {
  return RobustLevelOf(values, mask, step).sd;
}

RobustLevel RobustLevelOf(const cv::Mat& values, const cv::Mat& mask, int step) {
  SKT_CHECK(values.type() == CV_32F && mask.type() == CV_8U && values.size() == mask.size());
  const std::vector<float> samples =
      SampleOnGrid(mask, step, [&](int y, int x) { return values.at<float>(y, x); });
  const MedianMad stats = SelectMedianMad(samples);
  return {stats.median, kMadToSd * stats.mad};
}

double RobustSdOfSecondDifferences(const cv::Mat& image, const cv::Mat& mask, int step) {
  SKT_CHECK(image.type() == CV_32F && mask.type() == CV_8U && image.size() == mask.size());
  const int last_x = image.cols - 1;
  const int last_y = image.rows - 1;
  const std::vector<float> horizontal = SampleOnGrid(mask, step, [&](int y, int x) {
    const float* v = image.ptr<float>(y);
    return v[std::max(0, x - 1)] - 2.0f * v[x] + v[std::min(last_x, x + 1)];
  });
  const std::vector<float> vertical = SampleOnGrid(mask, step, [&](int y, int x) {
    return image.ptr<float>(std::max(0, y - 1))[x] - 2.0f * image.ptr<float>(y)[x] +
           image.ptr<float>(std::min(last_y, y + 1))[x];
  });
  return std::min(RobustSdOfSamples(horizontal), RobustSdOfSamples(vertical));
}

std::vector<DarkBlob> DetectDarkBlobs(const cv::Mat& contrast, const cv::Mat& mask,
                                      const DarkBlobOptions& options) {
  SKT_CHECK(contrast.type() == CV_32F && mask.type() == CV_8U && contrast.size() == mask.size());
  const double d_min = std::max(1.0, options.min_diameter_px);
  const double d_max = std::max(d_min * 1.2, options.max_diameter_px);
  const double sigma_min = d_min / (2.0 * std::sqrt(2.0));
  const double sigma_max = d_max / (2.0 * std::sqrt(2.0));
  const double step = std::pow(2.0, 1.0 / std::max(2, options.scales_per_octave));
  // One extra level at each end so that maxima at the range limits can be recognised as such.
  std::vector<double> sigmas;
  for (double s = sigma_min / step; s <= sigma_max * step * 1.0001; s *= step) sigmas.push_back(s);
  // Levels are built in increasing σ and only three are kept: level k is searched once k + 1
  // exists, so memory stays at three levels whatever the number of scales. A triple runs at the
  // coarsest sampling its finest level allows; when that changes, the triple is rebuilt there.
  std::vector<DarkBlob> candidates;
  // With a mirrored threshold (DarkBlobOptions::lowest_snr), candidates are gathered down to
  // lowest_snr, and bright blobs (SNRs only) as well.
  const bool mirrored = options.false_maxima_per_level <= 0 && options.lowest_snr > 0 &&
                        options.lowest_snr < options.min_snr;
  std::vector<double> bright_snr;
  const float floor = static_cast<float>(kDiscLogResponse * options.min_contrast);
  Octave res;
  std::vector<ScaleLevel> window;  // levels first − 1 ... at `res`
  size_t first = 0;                // index in `sigmas` of window[0]
  double mask_px = 0;
  // With tolerate_shaded_walls, a stronger response at the next finer scale counts against a
  // blob only where it is round too (the next coarser scale always counts), and a blob's
  // roundness is the larger of its own scale's and the next coarser scale's.
  const double round_floor = options.tolerate_shaded_walls ? options.min_roundness : -1.0;
  for (size_t k = 1; k + 1 < sigmas.size(); ++k) {
    const int factor = OctaveFactor(sigmas[k - 1], options.min_level_sigma_px, contrast.size());
    if (factor != res.factor) {
      res = MakeOctave(contrast, mask, factor);
      window.clear();
      first = k - 1;
      mask_px = options.false_maxima_per_level > 0 ? cv::countNonZero(res.mask) : 0.0;
    }
    while (first + window.size() < k + 2) {
      window.push_back(ComputeLevel(res, sigmas[first + window.size()] / factor,
                                    window.empty() ? nullptr : &window.back(),
                                    options.noise_excludes_structures));
    }
    while (window.size() > 3) {
      window.erase(window.begin());
      ++first;
    }
    const ScaleLevel& below = window[0];
    const ScaleLevel& level = window[1];
    const ScaleLevel& above = window[2];
    const cv::Mat& r = level.response;
    const cv::Mat& level_mask = res.mask;
    const int rows = r.rows;
    const int cols = r.cols;
    const double snr =
        options.false_maxima_per_level > 0
            ? SignificantSnr(level, level.noise_mask.empty() ? level_mask : level.noise_mask,
                             mask_px, options.false_maxima_per_level)
            : options.min_snr;
    const double scan_snr = mirrored ? options.lowest_snr : snr;
    const float threshold = std::max(floor, static_cast<float>(scan_snr) * level.noise);
    // The blob at (x, y) of response `v` (already sign × response), or none; `sign` −1: bright.
    const auto blob_at = [&](int x, int y, float v, float sign) -> std::optional<DarkBlob> {
      if (!IsSpatialMax(r, x, y, v, sign)) return std::nullopt;
      if (StrongerNearby(below, x, y, v, round_floor, sign)) return std::nullopt;
      if (StrongerNearby(above, x, y, v, /*round_floor=*/-1.0, sign)) return std::nullopt;
      const double lo = sign * below.response.at<float>(y, x);
      const double hi = sign * above.response.at<float>(y, x);
      const double curvature = lo - 2.0 * v + hi;
      double offset = curvature < 0 ? 0.5 * (lo - hi) / curvature : 0.0;
      offset = std::clamp(offset, -0.5, 0.5);
      const double sigma = sigmas[k] * std::pow(step, offset);
      const double diameter = 2.0 * std::sqrt(2.0) * sigma;
      if (diameter < d_min || diameter > d_max) return std::nullopt;
      double roundness = Roundness(level.smooth, x, y, sign);
      if (options.tolerate_shaded_walls) {
        roundness = std::max(roundness, Roundness(above.smooth, x, y, sign));
      }
      if (roundness < options.min_roundness) return std::nullopt;
      DarkBlob blob;
      // The centre of reduced pixel x is input position (x + ½)·factor − ½.
      blob.center_px = cv::Point2f(static_cast<float>((x + 0.5) * factor - 0.5),
                                   static_cast<float>((y + 0.5) * factor - 0.5));
      blob.diameter_px = diameter;
      blob.contrast = v / kDiscLogResponse;
      blob.roundness = roundness;
      blob.snr = level.noise > 0 ? v / level.noise : 1e9;
      return blob;
    };
    // Each row's pixels over the threshold (either sign when mirrored) inside the mask are listed
    // first, without a branch per pixel, and only those are examined: most pixels are under it.
    std::vector<int> over(static_cast<size_t>(std::max(cols, 0)));
    for (int y = 1; y < rows - 1; ++y) {
      const float* row = r.ptr<float>(y);
      const uchar* m = level_mask.ptr<uchar>(y);
      int count = 0;
      for (int x = 1; x < cols - 1; ++x) {
        const float level_value = mirrored ? std::abs(row[x]) : row[x];
        over[static_cast<size_t>(count)] = x;
        count += static_cast<int>((m[x] != 0) & (level_value >= threshold));
      }
      for (int i = 0; i < count; ++i) {
        const int x = over[static_cast<size_t>(i)];
        const float v = row[x];
        if (v >= threshold) {
          if (auto blob = blob_at(x, y, v, 1.0f)) candidates.push_back(*blob);
        } else {
          if (auto blob = blob_at(x, y, -v, -1.0f)) bright_snr.push_back(blob->snr);
        }
      }
    }
  }
  if (mirrored) {
    std::vector<double> dark_snr;
    for (const DarkBlob& b : candidates) dark_snr.push_back(b.snr);
    const double t = MirroredSnrThreshold(std::move(dark_snr), std::move(bright_snr), options);
    std::erase_if(candidates, [&](const DarkBlob& b) { return b.snr < t; });
  }
  // Strongest first; a blob whose centre lies inside a stronger accepted blob is the same
  // structure seen at another scale or position and is dropped. Then a blob whose centre lies inside
  // a clearly larger accepted one (a rim or a texture detail of a big blob) goes too.
  std::sort(candidates.begin(), candidates.end(),
            [](const DarkBlob& p, const DarkBlob& q) { return p.contrast > q.contrast; });
  const auto inside = [](const DarkBlob& p, const DarkBlob& q) {
    const double dx = p.center_px.x - q.center_px.x;
    const double dy = p.center_px.y - q.center_px.y;
    const double r = 0.5 * q.diameter_px;
    return dx * dx + dy * dy < r * r;
  };
  std::vector<DarkBlob> accepted;
  for (const DarkBlob& p : candidates) {
    const bool covered = std::any_of(accepted.begin(), accepted.end(),
                                     [&](const DarkBlob& q) { return inside(p, q); });
    if (!covered) accepted.push_back(p);
  }
  std::vector<DarkBlob> blobs;
  for (const DarkBlob& p : accepted) {
    const bool within_larger = std::any_of(accepted.begin(), accepted.end(), [&](const DarkBlob& q) {
      return q.diameter_px > 1.5 * p.diameter_px && inside(p, q);
    });
    if (!within_larger) blobs.push_back(p);
  }
  return blobs;
}

}  // namespace skintrack::core

#include "core/calibration/edge_blur.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

namespace skintrack::core {
namespace {

// The edge model: a step blurred by a Gaussian of SD σ and integrated over the pixel's width
// across it, E(t) = ∫ Φ((t + u)/σ) du over u in [−½, ½] = σ·[ψ((t + ½)/σ) − ψ((t − ½)/σ)], with
// ψ(z) = z·Φ(z) + φ(z) (the integral of Φ). A step on a pixel boundary then reads 0 and 1 in the
// pixels beside it, as a sensor records it, and σ is the blur alone (lens and focus, demosaicing,
// JPEG): the pixel's own area is part of the model, not of σ. ψ is tabulated on
// [−kPsiRange, kPsiRange] (0 below, z above) for the fit's inner loop.
constexpr double kPsiRange = 8.0;
constexpr int kPsiSteps = 4096;

const std::array<double, kPsiSteps + 1>& PsiTable() {
  static const std::array<double, kPsiSteps + 1> table = [] {
    std::array<double, kPsiSteps + 1> t{};
    for (int i = 0; i <= kPsiSteps; ++i) {
      const double z = -kPsiRange + 2.0 * kPsiRange * i / kPsiSteps;
      const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
      const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
      t[static_cast<size_t>(i)] = z * cdf + pdf;
    }
    return t;
  }();
  return table;
}

inline double Psi(double z) {
  if (z <= -kPsiRange) return 0.0;
  if (z >= kPsiRange) return z;
  const double u = (z + kPsiRange) * kPsiSteps / (2 * kPsiRange);
  const int i = std::min(kPsiSteps - 1, static_cast<int>(u));
  const double f = u - i;
  const auto& t = PsiTable();
  return (1 - f) * t[static_cast<size_t>(i)] + f * t[static_cast<size_t>(i) + 1];
}

inline double Edge(double t, double sigma) {
  return sigma * (Psi((t + 0.5) / sigma) - Psi((t - 0.5) / sigma));
}

constexpr size_t kMaxSamples = 400;  // pixels fitted per edge at most

struct Sample {
  double d;  // signed distance from the edge, px (positive: outside the patch)
  double v;  // linear luminance
};

struct EdgeFit {
  double sigma = 0, shift = 0, step = 0, sse = 0, sst = 0;
};

// Least squares of v = a + b·E(d − shift) for given sigma and shift (a, b closed form).
EdgeFit FitAt(const std::vector<Sample>& samples, double sigma, double shift) {
  double n = 0, sp = 0, spp = 0, sv = 0, svp = 0, svv = 0;
  for (const Sample& s : samples) {
    const double p = Edge(s.d - shift, sigma);
    n += 1;
    sp += p;
    spp += p * p;
    sv += s.v;
    svp += s.v * p;
    svv += s.v * s.v;
  }
  EdgeFit fit;
  fit.sigma = sigma;
  fit.shift = shift;
  const double det = n * spp - sp * sp;
  if (det <= 1e-12) {
    fit.sse = 1e300;
    return fit;
  }
  const double b = (n * svp - sp * sv) / det;
  const double a = (sv - b * sp) / n;
  fit.step = b;
  fit.sse = svv - a * sv - b * svp;
  fit.sst = svv - sv * sv / n;
  return fit;
}

// Best fit over a grid of sigma and shift, then a finer grid around it.
EdgeFit FitEdge(const std::vector<Sample>& samples, double max_sigma) {
  EdgeFit best;
  best.sse = 1e300;
  for (double sigma = 0.05; sigma <= max_sigma; sigma += 0.15) {
    for (double shift = -2.0; shift <= 2.0 + 1e-9; shift += 0.25) {
      const EdgeFit f = FitAt(samples, sigma, shift);
      if (f.sse < best.sse) best = f;
    }
  }
  const EdgeFit coarse = best;
  for (double sigma = std::max(0.02, coarse.sigma - 0.15); sigma <= coarse.sigma + 0.15;
       sigma += 0.01) {
    for (double shift = coarse.shift - 0.25; shift <= coarse.shift + 0.25 + 1e-9; shift += 0.02) {
      const EdgeFit f = FitAt(samples, sigma, shift);
      if (f.sse < best.sse) best = f;
    }
  }
  return best;
}

cv::Point2d Map(const cv::Matx33d& h, double x, double y) {
  const cv::Vec3d p = h * cv::Vec3d(x, y, 1.0);
  return {p[0] / p[2], p[1] / p[2]};
}

}  // namespace

std::optional<EdgeBlur> MeasureEdgeBlur(const cv::Mat& rgb_linear, const ChartDetection& chart,
                                        const ChartGeometry& geometry,
                                        const EdgeBlurOptions& options) {
  if (rgb_linear.type() != CV_32FC3 || rgb_linear.empty()) return std::nullopt;
  const cv::Matx33d& h = chart.image_from_chart_mm;
  const double gap = geometry.GapMm();
  const double pitch = geometry.patch_pitch_mm;
  const double size = geometry.patch_size_mm;
  std::vector<double> sigmas;
  for (int row = 0; row < kChartRows; ++row) {
    for (int col = 0; col < kChartColumns; ++col) {
      const double x0 = gap + col * pitch, y0 = gap + row * pitch;
      const double x1 = x0 + size, y1 = y0 + size;
      // The patch's sides that face the surround, as (start, end) in chart mm.
      // Only the neutral patches (the bottom row): a JPEG keeps colour at half resolution, so the
      // luminance step of a coloured patch is blurred by its chroma as well.
      if (row != kChartRows - 1) continue;
      std::vector<std::pair<cv::Point2d, cv::Point2d>> sides;
      sides.push_back({{x0, y1}, {x1, y1}});
      if (col == 0) sides.push_back({{x0, y0}, {x0, y1}});
      if (col == kChartColumns - 1) sides.push_back({{x1, y0}, {x1, y1}});
      const cv::Point2d centre = Map(h, 0.5 * (x0 + x1), 0.5 * (y0 + y1));
      for (const auto& [a_mm, b_mm] : sides) {
        // The middle 70 % of the side: its corners blur in two directions.
        const cv::Point2d a = Map(h, a_mm.x + 0.15 * (b_mm.x - a_mm.x),
                                  a_mm.y + 0.15 * (b_mm.y - a_mm.y));
        const cv::Point2d b = Map(h, a_mm.x + 0.85 * (b_mm.x - a_mm.x),
                                  a_mm.y + 0.85 * (b_mm.y - a_mm.y));
        const double length = cv::norm(b - a);
        if (length < 4.0) continue;
        const cv::Point2d along = (b - a) * (1.0 / length);
        cv::Point2d normal(-along.y, along.x);
        if (normal.dot(a - centre) < 0) normal = -normal;  // outward
        const double band = options.band_px;
        const cv::Rect box =
            cv::Rect(cv::Point(static_cast<int>(std::floor(std::min(a.x, b.x) - band - 1)),
                               static_cast<int>(std::floor(std::min(a.y, b.y) - band - 1))),
                     cv::Point(static_cast<int>(std::ceil(std::max(a.x, b.x) + band + 2)),
                               static_cast<int>(std::ceil(std::max(a.y, b.y) + band + 2))));
        if ((box & cv::Rect(0, 0, rgb_linear.cols, rgb_linear.rows)) != box) continue;
        std::vector<Sample> samples;
        for (int y = box.y; y < box.y + box.height; ++y) {
          const auto* px = rgb_linear.ptr<cv::Vec3f>(y);
          for (int x = box.x; x < box.x + box.width; ++x) {
            const cv::Point2d p(x - a.x, y - a.y);
            const double s = p.dot(along);
            const double d = p.dot(normal);
            if (s < 0 || s > length || std::abs(d) > band) continue;
            const cv::Vec3f& c = px[x];
            samples.push_back({d, 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]});
          }
        }
        if (samples.size() < 20) continue;
        // A few hundred pixels fix σ to a hundredth of a pixel; a long edge is thinned evenly.
        if (samples.size() > kMaxSamples) {
          std::vector<Sample> thinned;
          thinned.reserve(kMaxSamples);
          const double stride = static_cast<double>(samples.size()) / kMaxSamples;
          for (size_t i = 0; i < kMaxSamples; ++i) {
            thinned.push_back(samples[static_cast<size_t>(static_cast<double>(i) * stride)]);
          }
          samples = std::move(thinned);
        }
        const EdgeFit fit = FitEdge(samples, options.max_sigma_px);
        // A step down from the patch to the surround, well explained by the model, and not at the
        // limit of the grid.
        if (-fit.step < options.min_step || fit.sst <= 0 || fit.sse > 0.1 * fit.sst) continue;
        if (fit.sigma > options.max_sigma_px - 0.2) continue;
        sigmas.push_back(fit.sigma);
      }
    }
  }
  if (static_cast<int>(sigmas.size()) < options.min_edges) return std::nullopt;
  std::sort(sigmas.begin(), sigmas.end());
  const size_t n = sigmas.size();
  EdgeBlur out;
  out.sigma_px = sigmas[n / 2];
  out.spread_px = 0.5 * (sigmas[(3 * n) / 4] - sigmas[n / 4]);
  out.edges = static_cast<int>(n);
  return out;
}

}  // namespace skintrack::core

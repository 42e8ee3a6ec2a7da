#include "core/calibration/color_correction.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "core/base/check.h"
#include "core/color/ciede2000.h"
#include "core/color/color_space.h"
#include "core/color/srgb.h"

namespace skintrack::core {
namespace {

constexpr int kMaxTerms = 13;
using Terms = std::array<double, kMaxTerms>;

// Root-polynomial expansion of one (exposure-normalised) RGB colour. Negative inputs (noise
// below black) are clamped to 0 before the roots.
int ExpandTerms(CorrectionModel model, const cv::Vec3d& rgb, Terms& t) {
  const double r = std::max(rgb[0], 0.0);
  const double g = std::max(rgb[1], 0.0);
  const double b = std::max(rgb[2], 0.0);
  t[0] = rgb[0];
  t[1] = rgb[1];
  t[2] = rgb[2];
  if (model == CorrectionModel::kLinear3x3) return 3;
  t[3] = std::sqrt(r * g);
  t[4] = std::sqrt(g * b);
  t[5] = std::sqrt(r * b);
  if (model == CorrectionModel::kRootPolynomial2) return 6;
  t[6] = std::cbrt(r * g * g);
  t[7] = std::cbrt(g * b * b);
  t[8] = std::cbrt(r * b * b);
  t[9] = std::cbrt(g * r * r);
  t[10] = std::cbrt(b * g * g);
  t[11] = std::cbrt(b * r * r);
  t[12] = std::cbrt(r * g * b);
  return 13;
}

cv::Vec3d ApplyCoefficients(const cv::Mat& coefficients, const Terms& t, int count) {
  cv::Vec3d out(0, 0, 0);
  for (int j = 0; j < count; ++j) {
    const double* row = coefficients.ptr<double>(j);
    out[0] += row[0] * t[j];
    out[1] += row[1] * t[j];
    out[2] += row[2] * t[j];
  }
  return out;
}

double Luminance(const cv::Vec3d& rgb_linear) {
  const cv::Matx33d& m = XyzFromLinearSrgbMatrix();
  return m(1, 0) * rgb_linear[0] + m(1, 1) * rgb_linear[1] + m(1, 2) * rgb_linear[2];
}

double SquaredLabError(const cv::Vec3d& a, const cv::Vec3d& b) {
  const cv::Vec3d d = a - b;
  return d.dot(d);
}

struct FitData {
  std::vector<Terms> terms;           // per used patch
  std::vector<cv::Vec3d> target_rgb;  // reference as linear sRGB
  std::vector<cv::Vec3d> target_lab;  // reference Lab D50
};

double LabCost(const cv::Mat& coefficients, const FitData& data, int count) {
  double cost = 0;
  for (std::size_t i = 0; i < data.terms.size(); ++i) {
    cost += SquaredLabError(LabD50FromLinearSrgb(ApplyCoefficients(coefficients, data.terms[i], count)),
                            data.target_lab[i]);
  }
  return cost;
}

// Least squares in linear RGB, then Levenberg-Marquardt on the Lab residuals.
cv::Mat FitCoefficients(const FitData& data, int count, int refine_iterations) {
  const int n = static_cast<int>(data.terms.size());
  cv::Mat a(n, count, CV_64F), b(n, 3, CV_64F);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < count; ++j) a.at<double>(i, j) = data.terms[i][j];
    for (int c = 0; c < 3; ++c) b.at<double>(i, c) = data.target_rgb[i][c];
  }
  cv::Mat coefficients;
  cv::solve(a, b, coefficients, cv::DECOMP_SVD);

  const int parameters = count * 3;
  double lambda = 1e-3;
  double cost = LabCost(coefficients, data, count);
  for (int iteration = 0; iteration < refine_iterations; ++iteration) {
    cv::Mat jtj = cv::Mat::zeros(parameters, parameters, CV_64F);
    cv::Mat jtr = cv::Mat::zeros(parameters, 1, CV_64F);
    for (int i = 0; i < n; ++i) {
      const cv::Vec3d out = ApplyCoefficients(coefficients, data.terms[i], count);
      const cv::Vec3d lab = LabD50FromLinearSrgb(out);
      const cv::Vec3d residual = lab - data.target_lab[i];
      // dLab/dout by central differences (3x3), then chain through out_c = Σ_j X[j][c]·t_j.
      cv::Matx33d d_lab_d_out;
      for (int c = 0; c < 3; ++c) {
        constexpr double kStep = 1e-6;
        cv::Vec3d plus = out, minus = out;
        plus[c] += kStep;
        minus[c] -= kStep;
        const cv::Vec3d derivative =
            (LabD50FromLinearSrgb(plus) - LabD50FromLinearSrgb(minus)) / (2 * kStep);
        for (int l = 0; l < 3; ++l) d_lab_d_out(l, c) = derivative[l];
      }
      for (int l = 0; l < 3; ++l) {
        std::array<double, kMaxTerms * 3> row{};
        for (int j = 0; j < count; ++j) {
          for (int c = 0; c < 3; ++c) row[j * 3 + c] = d_lab_d_out(l, c) * data.terms[i][j];
        }
        for (int p = 0; p < parameters; ++p) {
          jtr.at<double>(p) += row[p] * residual[l];
          for (int q = 0; q < parameters; ++q) jtj.at<double>(p, q) += row[p] * row[q];
        }
      }
    }
    bool improved = false;
    for (int attempt = 0; attempt < 6 && !improved; ++attempt) {
      cv::Mat damped = jtj.clone();
      for (int p = 0; p < parameters; ++p) damped.at<double>(p, p) *= (1.0 + lambda);
      cv::Mat step;
      if (!cv::solve(damped, -jtr, step, cv::DECOMP_CHOLESKY) &&
          !cv::solve(damped, -jtr, step, cv::DECOMP_SVD)) {
        break;
      }
      cv::Mat candidate = coefficients + step.reshape(1, count);
      const double candidate_cost = LabCost(candidate, data, count);
      if (std::isfinite(candidate_cost) && candidate_cost < cost) {
        coefficients = candidate;
        cost = candidate_cost;
        lambda = std::max(lambda / 10.0, 1e-9);
        improved = true;
      } else {
        lambda *= 10.0;
      }
    }
    if (!improved) break;
  }
  return coefficients;
}

double Mean(const std::vector<double>& values) {
  return values.empty() ? 0.0
                        : std::accumulate(values.begin(), values.end(), 0.0) /
                              static_cast<double>(values.size());
}

double Max(const std::vector<double>& values) {
  return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
}

}  // namespace

std::string_view CorrectionModelName(CorrectionModel model) {
  switch (model) {
    case CorrectionModel::kLinear3x3: return "linear_3x3";
    case CorrectionModel::kRootPolynomial2: return "root_polynomial_2";
    case CorrectionModel::kRootPolynomial3: return "root_polynomial_3";
  }
  return "unknown";
}

int CorrectionTermCount(CorrectionModel model) {
  switch (model) {
    case CorrectionModel::kLinear3x3: return 3;
    case CorrectionModel::kRootPolynomial2: return 6;
    case CorrectionModel::kRootPolynomial3: return 13;
  }
  return 3;
}

std::string ColorCorrection::Name() const {
  return std::string(CorrectionModelName(model_)) + (tone_curve() ? "+tone_curve" : "");
}

cv::Vec3d ColorCorrection::Normalise(const cv::Vec3d& rgb_linear) const {
  cv::Vec3d out;
  for (int c = 0; c < 3; ++c) {
    out[c] = channel_gamma_[c] == 1.0
                 ? channel_gain_[c] * rgb_linear[c]
                 : channel_gain_[c] * std::pow(std::max(rgb_linear[c], 0.0), channel_gamma_[c]);
  }
  return out;
}

cv::Vec3d ColorCorrection::Apply(const cv::Vec3d& rgb_linear) const {
  SKT_CHECK(!coefficients_.empty()) << "ColorCorrection used before being fitted";
  Terms t{};
  const int count = ExpandTerms(model_, Normalise(rgb_linear), t);
  return ApplyCoefficients(coefficients_, t, count);
}

namespace {

// The model's terms of one normalised colour, times their coefficient columns, clamped to [0, 1].
inline cv::Vec3f CorrectNormalised(float r, float g, float b,
                                   const std::array<cv::Vec3f, kMaxTerms>& columns,
                                   CorrectionModel model) {
  cv::Vec3f v = columns[0] * r + columns[1] * g + columns[2] * b;
  if (model != CorrectionModel::kLinear3x3) {
    const float rp = std::max(r, 0.0f), gp = std::max(g, 0.0f), bp = std::max(b, 0.0f);
    v += columns[3] * std::sqrt(rp * gp) + columns[4] * std::sqrt(gp * bp) +
         columns[5] * std::sqrt(rp * bp);
    if (model == CorrectionModel::kRootPolynomial3) {
      v += columns[6] * std::cbrt(rp * gp * gp) + columns[7] * std::cbrt(gp * bp * bp) +
           columns[8] * std::cbrt(rp * bp * bp) + columns[9] * std::cbrt(gp * rp * rp) +
           columns[10] * std::cbrt(bp * gp * gp) + columns[11] * std::cbrt(bp * rp * rp) +
           columns[12] * std::cbrt(rp * gp * bp);
    }
  }
  return {std::clamp(v[0], 0.0f, 1.0f), std::clamp(v[1], 0.0f, 1.0f), std::clamp(v[2], 0.0f, 1.0f)};
}

// Float copies of the coefficients for the per-pixel loops.
std::array<cv::Vec3f, kMaxTerms> CoefficientColumns(const cv::Mat& coefficients, int count) {
  std::array<cv::Vec3f, kMaxTerms> columns{};
  for (int j = 0; j < count; ++j) {
    const double* row = coefficients.ptr<double>(j);
    columns[j] = cv::Vec3f(static_cast<float>(row[0]), static_cast<float>(row[1]),
                           static_cast<float>(row[2]));
  }
  return columns;
}

// The normalisation of one channel's linear value, as ApplyToImage computes it per pixel.
inline float NormaliseChannel(float value, float gain, float gamma, bool tone) {
  return tone ? gain * std::pow(std::max(value, 0.0f), gamma) : gain * value;
}

}  // namespace

// A fitted correction in the float form the per-pixel loops use.
struct ColorCorrection::PixelForm {
  std::array<cv::Vec3f, kMaxTerms> columns;
  cv::Vec3f gain;
  cv::Vec3f gamma;
  bool tone;
  CorrectionModel model;
};

ColorCorrection::PixelForm ColorCorrection::ForPixels() const {
  SKT_CHECK(!coefficients_.empty()) << "ColorCorrection used before being fitted";
  return {CoefficientColumns(coefficients_, CorrectionTermCount(model_)), cv::Vec3f(channel_gain_),
          cv::Vec3f(channel_gamma_), tone_curve(), model_};
}

cv::Mat ColorCorrection::ApplyToImage(const cv::Mat& rgb_linear) const {
  SKT_CHECK(rgb_linear.type() == CV_32FC3)
      << "expected CV_32FC3 linear RGB, got type " << rgb_linear.type();
  const auto [columns, gain, gamma, tone, model] = ForPixels();
  cv::Mat out(rgb_linear.size(), CV_32FC3);
  cv::parallel_for_(cv::Range(0, rgb_linear.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      const auto* src = rgb_linear.ptr<cv::Vec3f>(y);
      auto* dst = out.ptr<cv::Vec3f>(y);
      for (int x = 0; x < rgb_linear.cols; ++x) {
        dst[x] =
            CorrectNormalised(NormaliseChannel(src[x][0], gain[0], gamma[0], tone),
                              NormaliseChannel(src[x][1], gain[1], gamma[1], tone),
                              NormaliseChannel(src[x][2], gain[2], gamma[2], tone), columns, model);
      }
    }
  });
  return out;
}

void ColorCorrection::ApplyToEncoded(const cv::Mat& bgr, cv::Mat& out) const {
  SKT_CHECK(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3) << "type " << bgr.type();
  const auto [columns, gain, gamma, tone, model] = ForPixels();
  // The normalised value of every code, per channel (R, G, B): the same float operations on the
  // same linearised values as ApplyToImage, taken once per code instead of once per pixel.
  const bool wide = bgr.depth() == CV_16U;
  const size_t codes = wide ? 65536 : 256;
  std::array<std::vector<float>, 3> table;
  for (int c = 0; c < 3; ++c) {
    table[c].resize(codes);
    for (size_t code = 0; code < codes; ++code) {
      const float linear = wide ? SrgbToLinearLut16()[code] : SrgbToLinearLut8()[code];
      table[c][code] = NormaliseChannel(linear, gain[c], gamma[c], tone);
    }
  }
  out.create(bgr.size(), CV_32FC3);
  cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) {
      auto* dst = out.ptr<cv::Vec3f>(y);
      if (wide) {
        const auto* src = bgr.ptr<cv::Vec3w>(y);
        for (int x = 0; x < bgr.cols; ++x) {
          dst[x] = CorrectNormalised(table[0][src[x][2]], table[1][src[x][1]], table[2][src[x][0]],
                                     columns, model);
        }
      } else {
        const auto* src = bgr.ptr<cv::Vec3b>(y);
        for (int x = 0; x < bgr.cols; ++x) {
          dst[x] = CorrectNormalised(table[0][src[x][2]], table[1][src[x][1]], table[2][src[x][0]],
                                     columns, model);
        }
      }
    }
  });
}

Result<ColorCorrectionFit> FitColorCorrection(
    const std::array<cv::Vec3d, kChartPatches>& measured_rgb_linear,
    const ColorCorrectionOptions& options) {
  const auto& reference_lab = ChartReferenceLabD50(options.reference);
  ColorCorrectionFit fit;
  std::vector<int> used;
  for (int i = 0; i < kChartPatches; ++i) {
    PatchCorrection& p = fit.patches[i];
    p.measured_rgb_linear = measured_rgb_linear[i];
    p.reference_lab = reference_lab[i];
    p.delta_e00_loo = std::numeric_limits<double>::quiet_NaN();
    const cv::Vec3d& m = measured_rgb_linear[i];
    p.clipped = std::max({m[0], m[1], m[2]}) >= kClippedLinear;
    const bool finite = std::isfinite(m[0]) && std::isfinite(m[1]) && std::isfinite(m[2]);
    if (!p.clipped && finite) used.push_back(i);
  }

  double gain = 1.0;
  if (options.normalise_exposure) {
    double reference_y = 0, measured_y = 0;
    for (int i : kNeutralPatchIndices) {
      if (fit.patches[i].clipped) continue;
      reference_y += Luminance(LinearSrgbFromLabD50(reference_lab[i]));
      measured_y += Luminance(measured_rgb_linear[i]);
    }
    if (measured_y > 1e-6 && reference_y > 0) gain = reference_y / measured_y;
  }

  // Per-channel tone curve from the neutral ramp: ln(target_c) = ln(k_c) + γ_c·ln(measured_c).
  std::optional<std::pair<cv::Vec3d, cv::Vec3d>> tone;
  if (options.try_tone_curve) {
    cv::Vec3d gains, gammas;
    bool ok = true;
    for (int c = 0; c < 3 && ok; ++c) {
      std::vector<double> xs, ys;
      for (int i : kNeutralPatchIndices) {
        const double m = measured_rgb_linear[i][c];
        const double target = LinearSrgbFromLabD50(reference_lab[i])[c];
        if (fit.patches[i].clipped || m <= 1e-4 || target <= 1e-4) continue;
        xs.push_back(std::log(m));
        ys.push_back(std::log(target));
      }
      if (xs.size() < 3) {
        ok = false;
        break;
      }
      const double mx = Mean(xs), my = Mean(ys);
      double sxx = 0, sxy = 0;
      for (std::size_t k = 0; k < xs.size(); ++k) {
        sxx += (xs[k] - mx) * (xs[k] - mx);
        sxy += (xs[k] - mx) * (ys[k] - my);
      }
      if (sxx <= 1e-12) {
        ok = false;
        break;
      }
      gammas[c] = std::clamp(sxy / sxx, 0.5, 2.0);
      gains[c] = std::exp(my - gammas[c] * mx);
    }
    if (ok) tone = std::make_pair(gains, gammas);
  }

  FitData all;
  for (int i : used) {
    all.target_lab.push_back(reference_lab[i]);
    all.target_rgb.push_back(LinearSrgbFromLabD50(reference_lab[i]));
  }
  std::vector<double> uncorrected;
  for (int i = 0; i < kChartPatches; ++i) {
    PatchCorrection& p = fit.patches[i];
    p.measured_lab = LabD50FromLinearSrgb(measured_rgb_linear[i] * gain);
    p.delta_e00_uncorrected = Ciede2000(p.measured_lab, p.reference_lab);
  }
  for (int i : used) uncorrected.push_back(fit.patches[i].delta_e00_uncorrected);

  bool have_best = false;
  double best_score = std::numeric_limits<double>::infinity();
  struct Variant {
    CorrectionModel model;
    cv::Vec3d gain, gamma;
  };
  std::vector<Variant> variants;
  for (CorrectionModel model : options.candidates) {
    variants.push_back({model, cv::Vec3d::all(gain), cv::Vec3d::all(1.0)});
    if (tone) variants.push_back({model, tone->first, tone->second});
  }
  for (const Variant& variant : variants) {
    const CorrectionModel model = variant.model;
    const int count = CorrectionTermCount(model);
    // A model needs clearly more patches than terms to be fitted and validated.
    if (static_cast<int>(used.size()) < count + 4) continue;
    const ColorCorrection normaliser(model, variant.gain, variant.gamma, cv::Mat());
    FitData data = all;
    data.terms.clear();
    for (int i : used) {
      Terms t{};
      ExpandTerms(model, normaliser.Normalise(measured_rgb_linear[i]), t);
      data.terms.push_back(t);
    }
    const cv::Mat coefficients = FitCoefficients(data, count, options.refine_iterations);
    ColorCorrection correction(model, variant.gain, variant.gamma, coefficients);
    std::array<double, kChartPatches> fitted{}, loo{};
    loo.fill(std::numeric_limits<double>::quiet_NaN());
    std::vector<double> fitted_used, loo_used;
    for (int i : used) {
      fitted[i] = Ciede2000(LabD50FromLinearSrgb(correction.Apply(measured_rgb_linear[i])),
                            reference_lab[i]);
      fitted_used.push_back(fitted[i]);
    }
    if (options.compute_leave_one_out) {
      for (std::size_t k = 0; k < used.size(); ++k) {
        FitData held_out;
        for (std::size_t m = 0; m < used.size(); ++m) {
          if (m == k) continue;
          held_out.terms.push_back(data.terms[m]);
          held_out.target_rgb.push_back(data.target_rgb[m]);
          held_out.target_lab.push_back(data.target_lab[m]);
        }
        const ColorCorrection without(model, variant.gain, variant.gamma,
                                      FitCoefficients(held_out, count, options.refine_iterations));
        const int i = used[k];
        loo[i] = Ciede2000(LabD50FromLinearSrgb(without.Apply(measured_rgb_linear[i])),
                           reference_lab[i]);
        loo_used.push_back(loo[i]);
      }
    }
    ModelSummary summary{model, correction.tone_curve(), Mean(fitted_used), Max(fitted_used), Mean(loo_used), Max(loo_used)};
    fit.models.push_back(summary);
    const double score = options.compute_leave_one_out ? summary.delta_e00_loo_mean
                                                       : summary.delta_e00_mean;
    if (!have_best || score < best_score) {
      have_best = true;
      best_score = score;
      fit.correction = correction;
      fit.delta_e00_mean = summary.delta_e00_mean;
      fit.delta_e00_max = summary.delta_e00_max;
      fit.delta_e00_loo_mean = summary.delta_e00_loo_mean;
      fit.delta_e00_loo_max = summary.delta_e00_loo_max;
      for (int i = 0; i < kChartPatches; ++i) {
        PatchCorrection& p = fit.patches[i];
        p.corrected_lab = LabD50FromLinearSrgb(correction.Apply(measured_rgb_linear[i]));
        p.delta_e00 = Ciede2000(p.corrected_lab, p.reference_lab);
        p.delta_e00_loo = loo[i];
      }
    }
  }
  if (!have_best) {
    return AnalysisError("only " + std::to_string(used.size()) +
                         " of 24 chart patches are usable (others clipped or invalid); at least 7 "
                         "are needed for a colour correction: reduce exposure so the chart is not "
                         "overexposed");
  }
  fit.delta_e00_uncorrected_mean = Mean(uncorrected);
  fit.patches_used = static_cast<int>(used.size());
  return fit;
}

}  // namespace skintrack::core

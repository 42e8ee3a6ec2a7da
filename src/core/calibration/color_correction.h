#pragma once
// Colour correction fitted to the ColorChecker reference values.
//
// Measured patch colours (linear camera RGB after sRGB decoding, R,G,B order) are first normalised
// in exposure: one gain makes the mean luminance Y of the unclipped neutral patches equal to the
// reference's. Each model is also tried with a per-channel tone curve instead of the single gain,
// x_c -> k_c · x_c^γ_c, fitted (log-log least squares) so that the neutral ramp matches the
// reference: this undoes a camera's tone curve, which no matrix can. A model then maps normalised
// RGB to linear sRGB whose Bradford-adapted CIELAB (D50) should match the reference Lab:
//   - linear 3x3:            out = M · (r, g, b)                                   (9 parameters)
//   - root-polynomial deg 2: out = M · (r, g, b, √rg, √gb, √rb)                    (18)
//   - root-polynomial deg 3: adds ∛(rg²), ∛(gb²), ∛(rb²), ∛(gr²), ∛(bg²), ∛(br²), ∛(rgb) (39)
// Root-polynomial terms scale linearly with exposure (Finlayson, Mackiewicz & Hurlbert, "Color
// correction using root-polynomial regression", IEEE TIP 24(5):1460-1470, 2015).
// Each model is fitted by least squares in linear RGB, then refined by Gauss-Newton on the CIELAB
// residuals (so the fit is balanced perceptually, not dominated by bright patches).
// Quality: ΔE00 (CIE 142-2001) per patch between corrected and reference Lab, fitted (all patches
// in the fit) and leave-one-out (patch i predicted by a model fitted without it). The model with
// the lowest leave-one-out mean wins: it is the honest estimate of the error on colours that are
// not on the chart, such as skin.
// Clipped patches (any channel ≥ kClippedLinear) are excluded from fitting and from the means.
//
// Errors: fewer usable patches than a model needs skips that model; no usable model ->
// kAnalysisFailed. Thread-safety: reentrant; ColorCorrection is an immutable value.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "core/base/result.h"
#include "core/calibration/chart_geometry.h"

namespace skintrack::core {

inline constexpr double kClippedLinear = 0.97;  // ≈ sRGB code 252 of 255

enum class CorrectionModel { kLinear3x3, kRootPolynomial2, kRootPolynomial3 };

// "linear_3x3", "root_polynomial_2", "root_polynomial_3".
std::string_view CorrectionModelName(CorrectionModel model);
int CorrectionTermCount(CorrectionModel model);

struct ColorCorrectionOptions {
  ChartReference reference = ChartReference::kPost2014;
  // Models tried; the lowest leave-one-out mean ΔE00 wins.
  std::vector<CorrectionModel> candidates = {CorrectionModel::kLinear3x3,
                                             CorrectionModel::kRootPolynomial2,
                                             CorrectionModel::kRootPolynomial3};
  bool normalise_exposure = true;  // gain from the neutral patches before fitting
  bool try_tone_curve = true;      // also try each model after a per-channel neutral tone curve
  bool compute_leave_one_out = true;
  int refine_iterations = 8;        // Gauss-Newton steps on Lab residuals (0 = plain least squares)
};

struct ModelSummary {
  CorrectionModel model = CorrectionModel::kLinear3x3;
  bool tone_curve = false;
  double delta_e00_mean = 0;
  double delta_e00_max = 0;
  double delta_e00_loo_mean = 0;
  double delta_e00_loo_max = 0;
};

struct PatchCorrection {
  cv::Vec3d measured_rgb_linear;  // as sampled, before exposure normalisation
  cv::Vec3d measured_lab;         // Lab D50 of the measured colour as if it were sRGB
  cv::Vec3d reference_lab;
  cv::Vec3d corrected_lab;
  double delta_e00_uncorrected = 0;  // measured (exposure-normalised) vs reference
  double delta_e00 = 0;              // fitted
  double delta_e00_loo = 0;          // leave-one-out (NaN when not computed or clipped)
  bool clipped = false;
};

class ColorCorrection {
 public:
  ColorCorrection() = default;
  // Normalisation x_c -> channel_gain[c] · x_c^channel_gamma[c] (gamma 1: a plain gain), then the
  // model's terms times `coefficients` (CV_64F, terms x 3).
  ColorCorrection(CorrectionModel model, cv::Vec3d channel_gain, cv::Vec3d channel_gamma,
                  cv::Mat coefficients)
      : model_(model),
        channel_gain_(channel_gain),
        channel_gamma_(channel_gamma),
        coefficients_(std::move(coefficients)) {}

  CorrectionModel model() const { return model_; }
  bool tone_curve() const { return channel_gamma_ != cv::Vec3d(1, 1, 1); }
  // "linear_3x3", "root_polynomial_2+tone_curve", ...
  std::string Name() const;
  // Mean of the channel gains (the exposure gain when there is no tone curve).
  double exposure_gain() const { return (channel_gain_[0] + channel_gain_[1] + channel_gain_[2]) / 3; }
  const cv::Vec3d& channel_gain() const { return channel_gain_; }
  const cv::Vec3d& channel_gamma() const { return channel_gamma_; }
  const cv::Mat& coefficients() const { return coefficients_; }
  // The normalisation step alone.
  cv::Vec3d Normalise(const cv::Vec3d& rgb_linear) const;

  // Corrected linear sRGB of one linear camera RGB colour (not clamped).
  cv::Vec3d Apply(const cv::Vec3d& rgb_linear) const;
  // Whole CV_32FC3 image; output clamped to [0, 1] (the project's linear RGB convention).
  cv::Mat ApplyToImage(const cv::Mat& rgb_linear) const;
  // The same from the encoded photo (CV_8UC3 or CV_16UC3 sRGB, B,G,R order) into `out` (CV_32FC3
  // R,G,B; reallocated only if it has another size or type, so the linearised photo's buffer
  // can be overwritten): equal to ApplyToImage(BgrToLinearRgb(bgr)), with the normalisation
  // tabulated per code value instead of a power per pixel.
  void ApplyToEncoded(const cv::Mat& bgr, cv::Mat& out) const;

 private:
  struct PixelForm;  // the float form of the per-pixel loops
  PixelForm ForPixels() const;

  CorrectionModel model_ = CorrectionModel::kLinear3x3;
  cv::Vec3d channel_gain_{1, 1, 1};
  cv::Vec3d channel_gamma_{1, 1, 1};
  cv::Mat coefficients_;
};

struct ColorCorrectionFit {
  ColorCorrection correction;  // the chosen model
  std::array<PatchCorrection, kChartPatches> patches;
  std::vector<ModelSummary> models;  // every candidate that could be fitted
  double delta_e00_mean = 0, delta_e00_max = 0;          // chosen model, fitted
  double delta_e00_loo_mean = 0, delta_e00_loo_max = 0;  // chosen model, leave-one-out
  double delta_e00_uncorrected_mean = 0;                 // before correction (after exposure)
  int patches_used = 0;
};

// Fits the candidates to the 24 measured patch colours (linear RGB, patch order 1..24).
Result<ColorCorrectionFit> FitColorCorrection(
    const std::array<cv::Vec3d, kChartPatches>& measured_rgb_linear,
    const ColorCorrectionOptions& options = {});

}  // namespace skintrack::core

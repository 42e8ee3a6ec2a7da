#include "core/calibration/color_correction.h"

#include <gtest/gtest.h>

#include "core/color/color_space.h"
#include "core/color/srgb.h"

#include <opencv2/core.hpp>

namespace skintrack::core {
namespace {

// A camera with a colour cast (channel cross-talk, warm white balance) and 0.6x exposure.
cv::Vec3d CastCamera(const cv::Vec3d& rgb) {
  const cv::Matx33d cast(1.10, 0.08, 0.00,  //
                         0.03, 0.92, 0.05,  //
                         0.00, 0.10, 0.68);
  return 0.6 * (cast * rgb);
}

std::array<cv::Vec3d, kChartPatches> Measure(ChartReference reference,
                                              cv::Vec3d (*camera)(const cv::Vec3d&)) {
  std::array<cv::Vec3d, kChartPatches> measured;
  const auto& lab = ChartReferenceLabD50(reference);
  for (int i = 0; i < kChartPatches; ++i) measured[i] = camera(LinearSrgbFromLabD50(lab[i]));
  return measured;
}

TEST(ColorCorrection, LinearCastIsRemovedExactly) {
  const auto fit = FitColorCorrection(Measure(ChartReference::kPost2014, CastCamera));
  ASSERT_TRUE(fit.ok()) << fit.error().message;
  EXPECT_LT(fit->delta_e00_mean, 0.05);
  EXPECT_LT(fit->delta_e00_loo_mean, 0.1);
  EXPECT_GT(fit->delta_e00_uncorrected_mean, 3.0);  // the cast was real
  EXPECT_EQ(fit->patches_used, 24);
  EXPECT_EQ(fit->models.size(), 6u);
}

// A non-linear camera: cast, exposure and a tone curve (gamma 1.15 in linear light) that no 3x3
// matrix undoes. The chosen model must still reach the targets.
cv::Vec3d ToneCurveCamera(const cv::Vec3d& rgb) {
  const cv::Vec3d cast = CastCamera(rgb);
  cv::Vec3d out;
  for (int c = 0; c < 3; ++c) out[c] = std::pow(std::max(cast[c], 0.0), 1.15);
  return out;
}

TEST(ColorCorrection, ToneCurveCorrectedBelowTargets) {
  const auto fit = FitColorCorrection(Measure(ChartReference::kPost2014, ToneCurveCamera));
  ASSERT_TRUE(fit.ok()) << fit.error().message;
  EXPECT_LT(fit->delta_e00_mean, 1.0);
  EXPECT_LT(fit->delta_e00_loo_mean, 2.0);
  // The winner has the lowest leave-one-out mean of all candidates.
  for (const ModelSummary& m : fit->models) {
    EXPECT_LE(fit->delta_e00_loo_mean, m.delta_e00_loo_mean + 1e-12);
  }
  // Per-patch numbers agree with the summary.
  double sum = 0;
  for (const auto& p : fit->patches) sum += p.delta_e00;
  EXPECT_NEAR(sum / 24.0, fit->delta_e00_mean, 1e-9);
}

TEST(ColorCorrection, ExposureIsNormalisedOnNeutrals) {
  ColorCorrectionOptions options;
  options.candidates = {CorrectionModel::kLinear3x3};
  const auto fit = FitColorCorrection(
      Measure(ChartReference::kPost2014, [](const cv::Vec3d& rgb) { return 0.25 * rgb; }), options);
  ASSERT_TRUE(fit.ok());
  EXPECT_NEAR(fit->correction.exposure_gain(), 4.0, 1e-9);
  EXPECT_LT(fit->delta_e00_mean, 1e-3);
  EXPECT_LT(fit->delta_e00_uncorrected_mean, 1e-3);  // exposure alone was the difference
}

TEST(ColorCorrection, ClippedPatchesAreLeftOut) {
  auto measured = Measure(ChartReference::kPost2014, [](const cv::Vec3d& rgb) { return 1.3 * rgb; });
  const auto fit = FitColorCorrection(measured);
  ASSERT_TRUE(fit.ok());
  EXPECT_TRUE(fit->patches[18].clipped);  // white 9.5 saturates at 1.3x
  EXPECT_LT(fit->patches_used, 24);
  EXPECT_TRUE(std::isnan(fit->patches[18].delta_e00_loo));
}

TEST(ColorCorrection, AllClippedIsAnAnalysisError) {
  std::array<cv::Vec3d, kChartPatches> measured;
  measured.fill(cv::Vec3d(1, 1, 1));
  const auto fit = FitColorCorrection(measured);
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.error().code, ErrorCode::kAnalysisFailed);
}

TEST(ColorCorrection, ImageApplicationMatchesPixel) {
  const auto fit = FitColorCorrection(Measure(ChartReference::kPre2014, ToneCurveCamera));
  ASSERT_TRUE(fit.ok());
  for (CorrectionModel model : {CorrectionModel::kLinear3x3, CorrectionModel::kRootPolynomial2,
                                CorrectionModel::kRootPolynomial3}) {
    ColorCorrectionOptions options;
    options.reference = ChartReference::kPre2014;
    options.candidates = {model};
    options.compute_leave_one_out = false;
    const auto one = FitColorCorrection(Measure(ChartReference::kPre2014, ToneCurveCamera), options);
    ASSERT_TRUE(one.ok());
    cv::Mat image(1, 2, CV_32FC3);
    image.at<cv::Vec3f>(0, 0) = {0.2f, 0.15f, 0.1f};
    image.at<cv::Vec3f>(0, 1) = {0.05f, 0.3f, 0.25f};
    const cv::Mat out = one->correction.ApplyToImage(image);
    for (int x = 0; x < 2; ++x) {
      const cv::Vec3d expected = one->correction.Apply(cv::Vec3d(image.at<cv::Vec3f>(0, x)));
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(out.at<cv::Vec3f>(0, x)[c], std::clamp(expected[c], 0.0, 1.0), 1e-5)
            << CorrectionModelName(model);
      }
    }
  }
}

TEST(ColorCorrection, EncodedApplicationEqualsLinearisedApplicationBitForBit) {
  // Every 8-bit code in every channel, and a spread of 16-bit codes, through each model with and
  // without the tone curve: the tabulated path must give exactly the per-pixel path's floats.
  cv::Mat bgr8(256, 3, CV_8UC3);
  cv::Mat bgr16(256, 3, CV_16UC3);
  cv::RNG rng(4);
  for (int code = 0; code < 256; ++code) {
    for (int x = 0; x < 3; ++x) {
      const auto other = static_cast<uchar>(rng.uniform(0, 256));
      cv::Vec3b v(other, other, other);
      v[x] = static_cast<uchar>(code);
      bgr8.at<cv::Vec3b>(code, x) = v;
      bgr16.at<cv::Vec3w>(code, x) =
          cv::Vec3w(static_cast<ushort>(rng.uniform(0, 65536)), static_cast<ushort>(code * 257),
                    static_cast<ushort>(rng.uniform(0, 65536)));
    }
  }
  const std::pair<CorrectionModel, int> models[] = {{CorrectionModel::kLinear3x3, 3},
                                                    {CorrectionModel::kRootPolynomial2, 6},
                                                    {CorrectionModel::kRootPolynomial3, 13}};
  for (const auto& [model, terms] : models) {
    // A near-identity correction with some cross-talk and small root-polynomial terms.
    cv::Mat coefficients(terms, 3, CV_64F);
    rng.fill(coefficients, cv::RNG::UNIFORM, -0.08, 0.08);
    for (int c = 0; c < 3; ++c) coefficients.at<double>(c, c) += 1.0;
    for (const bool tone : {false, true}) {
      const ColorCorrection correction(model, cv::Vec3d(1.1, 0.95, 1.2),
                                       tone ? cv::Vec3d(0.9, 1.05, 1.12) : cv::Vec3d(1, 1, 1),
                                       coefficients);
      ASSERT_EQ(correction.tone_curve(), tone);
      for (const cv::Mat* bgr : {&bgr8, &bgr16}) {
        const cv::Mat expected = correction.ApplyToImage(BgrToLinearRgb(*bgr));
        cv::Mat actual = BgrToLinearRgb(*bgr);  // overwritten in place, as calibration does
        correction.ApplyToEncoded(*bgr, actual);
        ASSERT_EQ(actual.type(), CV_32FC3);
        EXPECT_EQ(cv::norm(actual, expected, cv::NORM_INF), 0.0)
            << CorrectionModelName(model) << (tone ? " with tone curve" : "")
            << (bgr->depth() == CV_16U ? ", 16-bit" : ", 8-bit");
      }
    }
  }
}

}  // namespace
}  // namespace skintrack::core

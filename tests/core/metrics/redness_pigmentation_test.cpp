#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/color/color_space.h"
#include "core/color/skin_model.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/pigmentation.h"
#include "core/metrics/redness.h"
#include "core/metrics/synthetic_skin.h"

namespace skintrack::core {
namespace {

using testing::FrameOf;

cv::Mat UniformSkin(double melanin, double hemoglobin, double shading, cv::Size size = {200, 200}) {
  const cv::Vec3d rgb = LinearRgbFromChromophores(melanin, hemoglobin, shading);
  return cv::Mat(size, CV_32FC3, cv::Scalar(rgb[0], rgb[1], rgb[2]));
}

double RSquared(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
    syy += y[i] * y[i];
  }
  const double cov = sxy - sx * sy / n;
  return cov * cov / ((sxx - sx * sx / n) * (syy - sy * sy / n));
}

TEST(Redness, HemoglobinIsLinearAndEveryIndexMonotonic) {
  std::vector<double> injected, hemoglobin, a_star, ei;
  for (double c_h = 0.2; c_h <= 1.21; c_h += 0.1) {
    auto group = MeasureRedness(FrameOf(UniformSkin(0.6, c_h, 0.3), 10.0));
    ASSERT_TRUE(group.ok());
    injected.push_back(c_h);
    hemoglobin.push_back(group->Get("hemoglobin_mean"));
    a_star.push_back(group->Get("a_star_mean"));
    ei.push_back(group->Get("erythema_index_mean"));
  }
  EXPECT_GE(RSquared(injected, hemoglobin), 0.9999);
  EXPECT_NEAR(hemoglobin.front(), 0.2, 1e-3);
  for (size_t i = 1; i < injected.size(); ++i) {
    EXPECT_GT(a_star[i], a_star[i - 1]);
    EXPECT_GT(ei[i], ei[i - 1]);
  }
  // EI is linear in c_h by construction of the model (log of exponentials).
  EXPECT_GE(RSquared(injected, ei), 0.9999);
}

TEST(Redness, RedAreaCountsOnlyTheRedPatch) {
  cv::Mat rgb = UniformSkin(0.6, 0.4, 0.3, {200, 200});
  const cv::Vec3d red(0.40, 0.12, 0.11);  // lesion-like red, linear RGB
  rgb(cv::Rect(50, 50, 100, 50)).setTo(cv::Scalar(red[0], red[1], red[2]));
  ASSERT_GT(LabD50FromLinearSrgb(red)[1], 20.0) << "test patch must be red by the default threshold";
  ASSERT_LT(LabD50FromLinearSrgb(LinearRgbFromChromophores(0.6, 0.4, 0.3))[1], 20.0);
  auto group = MeasureRedness(FrameOf(rgb, 10.0));
  ASSERT_TRUE(group.ok());
  EXPECT_NEAR(group->Get("red_area_pct"), 12.5, 1.0);
  EXPECT_TRUE(group->warnings.empty());
  // Without the patch nothing is red, and the zero says so.
  auto even = MeasureRedness(FrameOf(UniformSkin(0.6, 0.4, 0.3, {200, 200}), 10.0));
  ASSERT_TRUE(even.ok());
  EXPECT_EQ(even->Get("red_area_pct"), 0.0);
  EXPECT_EQ(even->warnings, std::vector<std::string>{"red_area_none"});
}

TEST(Pigmentation, ItaMatchesTheFormulaAndMelaninIsRecovered) {
  const cv::Mat rgb = UniformSkin(0.9, 0.5, 0.2);
  auto group = MeasurePigmentation(FrameOf(rgb, 10.0));
  ASSERT_TRUE(group.ok());
  const cv::Vec3d lab = LabD50FromLinearSrgb(rgb.at<cv::Vec3f>(0, 0));
  const double expected = std::atan((lab[0] - 50.0) / lab[2]) * 180.0 / M_PI;
  EXPECT_NEAR(group->Get("ita_deg"), expected, 1e-2);
  EXPECT_NEAR(group->Get("melanin_mean"), 0.9, 1e-3);
  EXPECT_NEAR(group->Get("l_star_sd"), 0.0, 1e-3);
  EXPECT_EQ(group->Get("brown_spot_area_pct"), 0.0);
  ASSERT_EQ(group->labels.size(), 1u);
  EXPECT_EQ(group->labels[0].value, std::string(ItaClassName(ClassifyIta(expected))));
}

TEST(Pigmentation, DarkerSkinHasLowerItaAndBrownSpotsAreFound) {
  auto light = MeasurePigmentation(FrameOf(UniformSkin(0.5, 0.4, 0.2), 10.0));
  auto dark = MeasurePigmentation(FrameOf(UniformSkin(2.0, 0.4, 0.2), 10.0));
  ASSERT_TRUE(light.ok() && dark.ok());
  EXPECT_LT(dark->Get("ita_deg"), light->Get("ita_deg") - 10.0);
  EXPECT_GT(dark->Get("melanin_index_mean"), light->Get("melanin_index_mean"));

  cv::Mat spotted = UniformSkin(0.6, 0.4, 0.2, {300, 300});
  const cv::Vec3d spot = LinearRgbFromChromophores(1.2, 0.4, 0.2);
  cv::circle(spotted, {150, 150}, 20, cv::Scalar(spot[0], spot[1], spot[2]), cv::FILLED);
  auto group = MeasurePigmentation(FrameOf(spotted, 10.0));
  ASSERT_TRUE(group.ok());
  const double spot_pct = 100.0 * M_PI * 20 * 20 / (300.0 * 300.0);
  EXPECT_NEAR(group->Get("brown_spot_area_pct"), spot_pct, 0.35 * spot_pct);
  EXPECT_GT(group->Get("l_star_sd"), 0.5);
}

}  // namespace
}  // namespace skintrack::core

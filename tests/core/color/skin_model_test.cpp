#include "core/color/skin_model.h"

#include <gtest/gtest.h>

namespace skintrack::core {
namespace {

TEST(SkinModel, TsumuraRecoversComponentsForAnyShading) {
  for (double melanin : {0.0, 0.3, 1.2}) {
    for (double hemoglobin : {0.0, 0.25, 0.9}) {
      for (double shading : {-0.5, 0.0, 0.4, 1.5}) {
        const cv::Vec3d rgb = LinearRgbFromChromophores(melanin, hemoglobin, shading);
        const Chromophores c = ChromophoresFromLinearRgb(rgb);
        EXPECT_NEAR(c.melanin, melanin, 1e-12);
        EXPECT_NEAR(c.hemoglobin, hemoglobin, 1e-12);
        EXPECT_NEAR(c.shading, shading, 1e-12);
      }
    }
  }
}

TEST(SkinModel, ForwardModelUsesPublishedDensitySpectra) {
  const cv::Vec3d rgb = LinearRgbFromChromophores(1.0, 0.0, 0.0);
  EXPECT_NEAR(rgb[0], std::exp(-0.4143), 1e-15);
  EXPECT_NEAR(rgb[1], std::exp(-0.3570), 1e-15);
  EXPECT_NEAR(rgb[2], std::exp(-0.8372), 1e-15);
  const cv::Vec3d hb = LinearRgbFromChromophores(0.0, 1.0, 0.0);
  EXPECT_NEAR(hb[1], std::exp(-0.6838), 1e-15);
}

TEST(SkinModel, ImageDecompositionMatchesPixel) {
  cv::Mat rgb(2, 3, CV_32FC3);
  int i = 0;
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x, ++i) {
      rgb.at<cv::Vec3f>(y, x) = cv::Vec3f(LinearRgbFromChromophores(0.2 * i, 0.5 - 0.05 * i, 0.1 * i));
    }
  }
  const ChromophoreMaps maps = DecomposeChromophores(rgb);
  i = 0;
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x, ++i) {
      EXPECT_NEAR(maps.melanin.at<float>(y, x), 0.2 * i, 1e-4);
      EXPECT_NEAR(maps.hemoglobin.at<float>(y, x), 0.5 - 0.05 * i, 1e-4);
      EXPECT_NEAR(maps.shading.at<float>(y, x), 0.1 * i, 1e-4);
    }
  }
}

TEST(SkinModel, BlackPixelGivesFiniteDensities) {
  const Chromophores c = ChromophoresFromLinearRgb({0, 0, 0});
  EXPECT_TRUE(std::isfinite(c.melanin));
  EXPECT_TRUE(std::isfinite(c.hemoglobin));
}

// REFERENCES.md §3 worked values.
TEST(Ita, WorkedValuesAndClasses) {
  const auto dark = ItaDegrees(37.986, 14.059);
  ASSERT_TRUE(dark.has_value());
  EXPECT_NEAR(*dark, -40.52, 0.01);
  EXPECT_EQ(ClassifyIta(*dark), ItaClass::kDark);
  const auto light_pre = ItaDegrees(65.711, 17.81);
  ASSERT_TRUE(light_pre.has_value());
  EXPECT_NEAR(*light_pre, 41.42, 0.01);
  EXPECT_EQ(ClassifyIta(*light_pre), ItaClass::kLight);
  const auto light_post = ItaDegrees(64.66, 17.50);
  ASSERT_TRUE(light_post.has_value());
  EXPECT_NEAR(*light_post, 39.95, 0.01);
  EXPECT_EQ(ClassifyIta(*light_post), ItaClass::kIntermediate);
  EXPECT_EQ(ItaClassName(ItaClass::kIntermediate), "intermediate");
}

TEST(Ita, ClassBoundaries) {
  EXPECT_EQ(ClassifyIta(60), ItaClass::kVeryLight);
  EXPECT_EQ(ClassifyIta(55), ItaClass::kLight);
  EXPECT_EQ(ClassifyIta(41), ItaClass::kIntermediate);
  EXPECT_EQ(ClassifyIta(28), ItaClass::kTan);
  EXPECT_EQ(ClassifyIta(10), ItaClass::kBrown);
  EXPECT_EQ(ClassifyIta(-30), ItaClass::kDark);
}

TEST(Ita, NonPositiveBStarIsUndefined) {
  EXPECT_FALSE(ItaDegrees(60, 0.0).has_value());
  EXPECT_FALSE(ItaDegrees(60, -3.0).has_value());
}

TEST(SkinIndices, ErythemaAndMelaninIndexFormulas) {
  EXPECT_NEAR(ErythemaIndex({0.5, 0.25, 0.2}), 100.0 * std::log10(2.0), 1e-12);
  EXPECT_NEAR(MelaninIndex({0.1, 0.3, 0.3}), 100.0, 1e-12);
  cv::Mat rgb(1, 1, CV_32FC3, cv::Scalar(0.5, 0.25, 0.2));
  EXPECT_NEAR(ErythemaIndexImage(rgb).at<float>(0, 0), 100.0 * std::log10(2.0), 1e-4);
  EXPECT_NEAR(MelaninIndexImage(rgb).at<float>(0, 0), 100.0 * std::log10(2.0), 1e-4);
}

// EI and MI are linear in the model's chromophore densities (Yamamoto 2008): equal steps of
// haemoglobin give equal EI steps.
TEST(SkinIndices, LinearInChromophoreDensity) {
  const double ei0 = ErythemaIndex(LinearRgbFromChromophores(0.5, 0.0, 0.2));
  const double ei1 = ErythemaIndex(LinearRgbFromChromophores(0.5, 0.3, 0.2));
  const double ei2 = ErythemaIndex(LinearRgbFromChromophores(0.5, 0.6, 0.2));
  EXPECT_GT(ei1, ei0);
  EXPECT_NEAR(ei2 - ei1, ei1 - ei0, 1e-9);
  const double mi0 = MelaninIndex(LinearRgbFromChromophores(0.0, 0.3, 0.0));
  const double mi1 = MelaninIndex(LinearRgbFromChromophores(1.0, 0.3, 0.0));
  EXPECT_NEAR(mi1 - mi0, 100.0 * 0.4143 / std::log(10.0), 1e-9);
}

}  // namespace
}  // namespace skintrack::core

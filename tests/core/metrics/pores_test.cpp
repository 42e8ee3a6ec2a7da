#include "core/metrics/pores.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/metrics/synthetic_skin.h"

namespace skintrack::core {
namespace {

using testing::FrameOf;
using testing::SkinCanvas;

constexpr double kPorePxPerMm = 20.0;

TEST(Pores, RecoversCountAndDiameterOfDarkDiscs) {
  SkinCanvas canvas(cv::Size(640, 640));
  const double diameters_mm[] = {0.2, 0.3, 0.45};
  int placed = 0;
  double diameter_sum_mm = 0;
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 8; ++j) {
      const double d_mm = diameters_mm[(i + j) % 3];
      canvas.Disc({40.0 + 80.0 * i, 40.0 + 80.0 * j}, d_mm * kPorePxPerMm, 0.2);
      diameter_sum_mm += d_mm;
      ++placed;
    }
  }
  const AnalysisFrame frame = FrameOf(canvas.Render(0.01), kPorePxPerMm);
  auto group = MeasurePores(frame);
  ASSERT_TRUE(group.ok()) << group.error().message;
  EXPECT_NEAR(group->Get("count"), placed, 0.05 * placed);
  EXPECT_NEAR(group->Get("mean_diameter_mm"), diameter_sum_mm / placed,
              0.08 * diameter_sum_mm / placed);
  const double area_cm2 = (640.0 / kPorePxPerMm) * (640.0 / kPorePxPerMm) / 100.0;
  EXPECT_NEAR(group->Get("density_per_cm2"), placed / area_cm2, 0.05 * placed / area_cm2);
  EXPECT_GT(group->Get("area_pct"), 0.0);
  ASSERT_EQ(group->maps.size(), 1u);
  EXPECT_GT(cv::countNonZero(group->maps[0].values), 0);
}

// Lens blur widens small discs and the LoG reads them large; with the blur known (as measured on a
// chart, AnalysisFrame::blur_px), sizes read as they do without it.
TEST(Pores, SizesAreCorrectedForAKnownBlur) {
  const auto mean_diameter = [](double blur_px, bool tell_blur) {
    SkinCanvas canvas(cv::Size(640, 640));
    const double diameters_mm[] = {0.2, 0.3, 0.45};
    for (int i = 0; i < 8; ++i) {
      for (int j = 0; j < 8; ++j) {
        canvas.Disc({40.0 + 80.0 * i, 40.0 + 80.0 * j}, diameters_mm[(i + j) % 3] * kPorePxPerMm,
                    0.2);
      }
    }
    if (blur_px > 0) {
      const double s = blur_px * canvas.k();
      cv::GaussianBlur(canvas.dark(), canvas.dark(), cv::Size(), s, s, cv::BORDER_REPLICATE);
    }
    AnalysisFrame frame = FrameOf(canvas.Render(0.01), kPorePxPerMm);
    if (tell_blur) frame.SetCaptureBlur(blur_px);
    auto group = MeasurePores(frame);
    EXPECT_TRUE(group.ok());
    EXPECT_NEAR(group->Get("count"), 64, 3);
    return group->Get("mean_diameter_mm");
  };
  const double sharp = mean_diameter(0.0, false);
  for (double blur : {0.8, 1.5}) {
    const double uncorrected = mean_diameter(blur, false);
    const double corrected = mean_diameter(blur, true);
    EXPECT_GT(uncorrected, 1.02 * sharp) << blur;
    EXPECT_NEAR(corrected, sharp, 0.02 * sharp) << blur;
    EXPECT_LT(std::abs(corrected - sharp), 0.5 * (uncorrected - sharp)) << blur;
  }
  // A sharp capture is left as it is.
  EXPECT_NEAR(mean_diameter(0.0, true), sharp, 0.005 * sharp);
}

TEST(Pores, RejectsHairsLesionsAndFaintSpots) {
  SkinCanvas canvas(cv::Size(480, 480));
  canvas.Line({40, 60}, {440, 90}, 3.0, 0.4);      // a hair
  canvas.Line({60, 400}, {300, 250}, 4.0, 0.4);    // another
  canvas.Disc({240, 240}, 3.0 * kPorePxPerMm, 0.3);    // a 3 mm lesion
  canvas.Disc({120, 300}, 0.3 * kPorePxPerMm, 0.015);  // too faint to be a visible pore
  const AnalysisFrame frame = FrameOf(canvas.Render(0.005), kPorePxPerMm);
  auto detection = DetectPores(frame);
  ASSERT_TRUE(detection.ok());
  EXPECT_LE(detection->pores.size(), 2u) << "hairs, lesion edges or faint spots taken as pores";
}

// Brown hairs (melanin 3 above the skin's, 0.1 mm thick) across a grid of 0.3 mm pores at 20 px/mm:
// pores are sought on the skin clear of hair (AnalysisFrame::hair), none is read on a hair, and
// those clear of it are all found.
TEST(Pores, PoresAreCountedBetweenBrownHairs) {
  SkinCanvas canvas(cv::Size(640, 640));
  std::vector<cv::Point2d> centres;
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 8; ++j) {
      centres.emplace_back(40.0 + 80.0 * i, 40.0 + 80.0 * j);
      canvas.Disc(centres.back(), 0.3 * kPorePxPerMm, 0.2);
    }
  }
  cv::Mat rgb = canvas.Render(0.01);
  const cv::Vec3f skin = testing::SkinColour();
  const cv::Scalar hair_colour(skin[0] * std::exp(-3.0 * 0.4143), skin[1] * std::exp(-3.0 * 0.3570),
                               skin[2] * std::exp(-3.0 * 0.8372));
  cv::RNG rng(8);
  for (int i = 0; i < 25; ++i) {
    const cv::Point a(rng.uniform(0, 640), rng.uniform(0, 640));
    const double turn = rng.uniform(0.0, M_PI);
    cv::line(rgb, a,
             a + cv::Point(static_cast<int>(300 * std::cos(turn)),
                           static_cast<int>(300 * std::sin(turn))),
             hair_colour, 2, cv::LINE_AA);
  }
  const AnalysisFrame frame = FrameOf(rgb, kPorePxPerMm);
  ASSERT_GT(frame.hair_px, 0.0);
  auto detection = DetectPores(frame);
  ASSERT_TRUE(detection.ok());
  cv::Mat hair_distance;
  cv::distanceTransform(~frame.hair, hair_distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  const double clear_px = 0.3 * kPorePxPerMm;  // the largest pore's radius, 0.3 mm
  int clear = 0, found = 0;
  for (const cv::Point2d& c : centres) {
    if (hair_distance.at<float>(cvRound(c.y), cvRound(c.x)) <= clear_px + 1) continue;
    ++clear;
    for (const Pore& p : detection->pores) {
      if (cv::norm(p.center_px - cv::Point2f(c)) <= 2.0) {
        ++found;
        break;
      }
    }
  }
  ASSERT_GE(clear, 20);
  EXPECT_GE(found, clear - 1);
  for (const Pore& p : detection->pores) {
    EXPECT_GT(hair_distance.at<float>(cvRound(p.center_px.y), cvRound(p.center_px.x)), clear_px)
        << "a pore read on a hair at " << p.center_px;
  }
  EXPECT_LE(detection->pores.size(), static_cast<size_t>(found + 2));
}

TEST(Pores, ReportsPixelsWithoutScale) {
  SkinCanvas canvas(cv::Size(400, 400));
  canvas.Disc({200, 200}, 6.0, 0.25);
  auto frame = MakeAnalysisFrame(canvas.Render(), cv::Mat(), std::nullopt, 20.0);
  ASSERT_TRUE(frame.ok());
  auto group = MeasurePores(*frame);
  ASSERT_TRUE(group.ok());
  EXPECT_FALSE(group->Has("mean_diameter_mm"));
  EXPECT_NEAR(group->Get("mean_diameter_px"), 6.0, 0.6);
  EXPECT_EQ(group->Get("count"), 1.0);
}

TEST(Pores, WarnsWhenEvenLargePoresAreBelowTheResolution) {
  SkinCanvas canvas(cv::Size(300, 300));
  canvas.Disc({150, 150}, 3.0, 0.3);
  const cv::Mat skin = canvas.Render(0.01);
  const auto has = [](const MetricGroup& g, const std::string& code) {
    return std::find(g.warnings.begin(), g.warnings.end(), code) != g.warnings.end();
  };
  // 0.6 mm spans 12 px at 20 px/mm and 2.4 px at 4 px/mm (a 1 MP face photo).
  auto close_up = MeasurePores(FrameOf(skin, 20.0));
  auto distant = MeasurePores(FrameOf(skin, 4.0));
  ASSERT_TRUE(close_up.ok() && distant.ok());
  EXPECT_FALSE(has(*close_up, "pores_below_resolution"));
  EXPECT_TRUE(has(*distant, "pores_below_resolution"));
  // Between the two: a 0.3 mm pore spans 3 px at 10 px/mm, so sizes are blur-biased.
  auto coarse = MeasurePores(FrameOf(skin, 10.0));
  ASSERT_TRUE(coarse.ok());
  EXPECT_FALSE(has(*coarse, "pores_below_resolution"));
  EXPECT_TRUE(has(*coarse, "pores_near_resolution"));
  EXPECT_FALSE(has(*close_up, "pores_near_resolution"));
  EXPECT_FALSE(has(*distant, "pores_near_resolution"));
}

TEST(Pores, NoPoresOnFlatSkin) {
  SkinCanvas canvas(cv::Size(300, 300));
  auto group = MeasurePores(FrameOf(canvas.Render(0.01), kPorePxPerMm));
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->Get("count"), 0.0);
  EXPECT_EQ(group->Get("mean_diameter_mm"), 0.0);
  EXPECT_EQ(group->warnings, std::vector<std::string>{"pores_none_found"});
}

}  // namespace
}  // namespace skintrack::core

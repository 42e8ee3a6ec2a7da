#include "core/metrics/scars.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/metrics/analysis_frame.h"
#include "core/metrics/synthetic_skin.h"

namespace skintrack::core {
namespace {

using testing::FrameOf;
using testing::SkinCanvas;

constexpr double kScarPxPerMm = 10.0;

// An atrophic scar under diffuse light: a soft-edged darkening whose depth of shade grows with
// the depression's depth.
void DrawScar(SkinCanvas& canvas, cv::Point2d c, double diameter_mm, double deficit) {
  cv::Mat& dark = canvas.dark();
  const double k = canvas.k();
  const double r = diameter_mm * kScarPxPerMm * k / 2.0;
  for (int y = std::max(0, static_cast<int>(c.y * k - 2 * r));
       y < std::min(dark.rows, static_cast<int>(c.y * k + 2 * r)); ++y) {
    for (int x = std::max(0, static_cast<int>(c.x * k - 2 * r));
         x < std::min(dark.cols, static_cast<int>(c.x * k + 2 * r)); ++x) {
      const double d = std::hypot(x - c.x * k, y - c.y * k) / r;
      const double profile = d < 1.0 ? 1.0 - d * d * d * d : 0.0;
      dark.at<float>(y, x) = std::max(dark.at<float>(y, x), static_cast<float>(deficit * profile));
    }
  }
}

TEST(Scars, FindsDepressionsAndOrdersShadowIndexByDepth) {
  SkinCanvas canvas(cv::Size(900, 300));
  const double deficits[] = {0.10, 0.16, 0.22, 0.30};
  for (int i = 0; i < 4; ++i) DrawScar(canvas, {150.0 + 200 * i, 150}, 4.0, deficits[i]);
  // Pores and a wrinkle must not be counted as scars.
  for (int i = 0; i < 6; ++i) canvas.Disc({100.0 + 140 * i, 40}, 3.0, 0.2);
  canvas.Line({80, 270}, {820, 270}, 4.0, 0.2);
  const AnalysisFrame frame = FrameOf(canvas.Render(0.01), kScarPxPerMm);
  auto detection = DetectScars(frame);
  ASSERT_TRUE(detection.ok()) << detection.error().message;
  ASSERT_EQ(detection->scars.size(), 4u);
  auto scars = detection->scars;
  std::sort(scars.begin(), scars.end(),
            [](const Scar& a, const Scar& b) { return a.center_px.x < b.center_px.x; });
  for (size_t i = 1; i < scars.size(); ++i) {
    EXPECT_GT(scars[i].shadow_index, scars[i - 1].shadow_index) << "scar " << i;
  }
  auto group = MeasureScars(frame);
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->Get("count"), 4.0);
  EXPECT_GT(group->Get("shadow_index"), 5.0);
  EXPECT_GT(group->Get("area_pct"), 0.5);
}

TEST(Scars, SearchAreaKeepsOnlyScarsCentredInsideIt) {
  // Four scars; the search area covers the two on the left. Those two are found exactly as
  // without a search area, the others are not, and the area refers to the searched skin.
  SkinCanvas canvas(cv::Size(900, 300));
  for (int i = 0; i < 4; ++i) DrawScar(canvas, {150.0 + 200 * i, 150}, 4.0, 0.2);
  const AnalysisFrame frame = FrameOf(canvas.Render(0.01), kScarPxPerMm);
  cv::Mat search(frame.mask.size(), CV_8U, cv::Scalar(0));
  search(cv::Rect(0, 0, frame.mask.cols * 45 / 100, frame.mask.rows)).setTo(255);
  auto everywhere = DetectScars(frame);
  auto left = DetectScars(frame, {}, search);
  ASSERT_TRUE(everywhere.ok() && left.ok());
  ASSERT_EQ(everywhere->scars.size(), 4u);
  ASSERT_EQ(left->scars.size(), 2u);
  for (const Scar& s : left->scars) {
    EXPECT_LT(s.center_px.x, 0.45 * frame.mask.cols);
    const auto same = std::find_if(everywhere->scars.begin(), everywhere->scars.end(),
                                   [&](const Scar& e) { return e.center_px == s.center_px; });
    ASSERT_NE(same, everywhere->scars.end());
    EXPECT_DOUBLE_EQ(same->shadow_index, s.shadow_index);
  }
  EXPECT_EQ(cv::countNonZero(
                left->map(cv::Rect(frame.mask.cols / 2, 0, frame.mask.cols / 2, frame.mask.rows))),
            0);
  auto all = MeasureScars(frame);
  auto part = MeasureScars(frame, {}, search);
  ASSERT_TRUE(all.ok() && part.ok());
  EXPECT_EQ(part->Get("count"), 2.0);
  // Half the scar area over 45 % of the skin.
  EXPECT_NEAR(part->Get("area_pct") / all->Get("area_pct"), 0.5 / 0.45, 0.05);
}

TEST(Scars, DarkEdgesOfMaskHolesAreNotScars) {
  // Two equal depressions; the right one sits against a hole in the mask (an eye, a nostril): its
  // surround is not skin, so it cannot be judged as a depression and is not counted.
  SkinCanvas canvas(cv::Size(500, 250));
  DrawScar(canvas, {150, 125}, 3.0, 0.2);
  DrawScar(canvas, {350, 125}, 3.0, 0.2);
  cv::Mat mask(250, 500, CV_8U, cv::Scalar(255));
  cv::circle(mask, {350 + 26, 125}, 19, cv::Scalar(0), cv::FILLED);  // 7 px from its centre
  auto frame = MakeAnalysisFrame(canvas.Render(0.01), mask, kScarPxPerMm, std::nullopt);
  ASSERT_TRUE(frame.ok()) << frame.error().message;
  auto detection = DetectScars(*frame);
  ASSERT_TRUE(detection.ok());
  ASSERT_EQ(detection->scars.size(), 1u);
  EXPECT_NEAR(detection->scars[0].center_px.x, 150, 3);
  // The rule, not the mask erosion, drops it: with no skin required around, it counts.
  ScarOptions lenient;
  lenient.min_skin_around = 0;
  auto kept = DetectScars(*frame, lenient);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->scars.size(), 2u);
  // Without the hole both count.
  auto both = DetectScars(FrameOf(canvas.Render(0.01), kScarPxPerMm));
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->scars.size(), 2u);
}

TEST(Scars, NoneOnEvenSkinUnderALightGradient) {
  SkinCanvas canvas(cv::Size(400, 400));
  cv::Mat& dark = canvas.dark();
  for (int y = 0; y < dark.rows; ++y) dark.row(y).setTo(0.3 * y / dark.rows);
  auto group = MeasureScars(FrameOf(canvas.Render(0.01), kScarPxPerMm));
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->Get("count"), 0.0);
  EXPECT_EQ(group->Get("shadow_index"), 0.0);
  EXPECT_EQ(group->warnings, std::vector<std::string>{"scars_none_found"});
}

}  // namespace
}  // namespace skintrack::core

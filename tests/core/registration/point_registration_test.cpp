// Manual alignment from user point pairs.
#include <gtest/gtest.h>

#include "core/registration/registration.h"

namespace skintrack::core {
namespace {

cv::Point2d Map(const cv::Matx33d& h, cv::Point2d p) {
  const cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1);
  return {v[0] / v[2], v[1] / v[2]};
}

std::vector<PointPair> PairsFor(const cv::Matx33d& truth, const std::vector<cv::Point2d>& moving) {
  std::vector<PointPair> pairs;
  for (const auto& p : moving) pairs.push_back({p, Map(truth, p)});
  return pairs;
}

double MaxMatrixDifference(const cv::Matx33d& a, const cv::Matx33d& b) {
  double worst = 0;
  for (int i = 0; i < 9; ++i) worst = std::max(worst, std::abs(a.val[i] / a(2, 2) - b.val[i] / b(2, 2)));
  return worst;
}

TEST(RegisterFromPoints, RecoversSimilarityAndAffineFromThreePairs) {
  const double c = std::cos(0.2), s = std::sin(0.2);
  const cv::Matx33d similarity(1.1 * c, -1.1 * s, 30, 1.1 * s, 1.1 * c, -12, 0, 0, 1);
  const cv::Matx33d affine(1.05, 0.04, 10, -0.03, 0.95, 7, 0, 0, 1);
  const std::vector<cv::Point2d> moving = {{10, 20}, {400, 35}, {200, 300}};
  for (const auto& [model, truth] : {std::pair{MotionModel::kSimilarity, similarity},
                                     std::pair{MotionModel::kAffine, affine}}) {
    auto r = RegisterFromPoints(PairsFor(truth, moving), model, {500, 400}, {600, 500});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->ok);
    EXPECT_EQ(r->method, "points");
    EXPECT_LT(MaxMatrixDifference(r->fixed_from_moving, truth), 1e-9);
    EXPECT_LT(r->rms_residual_px, 1e-9);
    EXPECT_EQ(r->inliers, 3);
  }
}

TEST(RegisterFromPoints, AutoPicksHomographyWhenSixPairsNeedIt) {
  const cv::Matx33d truth(1.0, 0.05, 12, -0.02, 1.1, 4, 2e-4, -1e-4, 1);
  const std::vector<cv::Point2d> moving = {{0, 0}, {600, 10}, {590, 450}, {5, 440}, {300, 220},
                                           {150, 380}};
  auto r = RegisterFromPoints(PairsFor(truth, moving), MotionModel::kAuto, {640, 480}, {640, 480});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->model, MotionModel::kHomography);
  // cv::findHomography works in single precision: 1e-3 px is far below any pixel effect.
  EXPECT_LT(r->rms_residual_px, 1e-3);
  EXPECT_LT(MaxMatrixDifference(r->fixed_from_moving, truth), 1e-4);
}

TEST(RegisterFromPoints, ReportsResidualOfInconsistentPoints) {
  std::vector<PointPair> pairs = {{{0, 0}, {0, 0}}, {{100, 0}, {100, 0}}, {{0, 100}, {0, 100}},
                                  {{100, 100}, {104, 100}}};
  auto r = RegisterFromPoints(pairs, MotionModel::kSimilarity, {200, 200}, {200, 200});
  ASSERT_TRUE(r.ok());
  // Least squares spreads the 4 px disagreement: RMS sqrt(3)/2 * ... > 1 px, < 4 px.
  EXPECT_GT(r->rms_residual_px, 1.0);
  EXPECT_LT(r->rms_residual_px, 4.0);
}

TEST(RegisterFromPoints, RejectsTooFewAndCollinearPoints) {
  std::vector<PointPair> two = {{{0, 0}, {1, 1}}, {{10, 0}, {11, 1}}};
  auto few = RegisterFromPoints(two, MotionModel::kAffine, {100, 100}, {100, 100});
  ASSERT_FALSE(few.ok());
  EXPECT_EQ(few.error().code, ErrorCode::kBadInput);
  std::vector<PointPair> line = {{{0, 0}, {1, 1}}, {{10, 10}, {11, 11}}, {{20, 20}, {21, 21}}};
  auto collinear = RegisterFromPoints(line, MotionModel::kAffine, {100, 100}, {100, 100});
  ASSERT_FALSE(collinear.ok());
  EXPECT_NE(collinear.error().message.find("degenerate"), std::string::npos);
  std::vector<PointPair> three = {{{0, 0}, {0, 0}}, {{10, 0}, {10, 0}}, {{0, 10}, {0, 10}}};
  EXPECT_FALSE(RegisterFromPoints(three, MotionModel::kHomography, {100, 100}, {100, 100}).ok());
}

TEST(ParsePointPairsJson, ReadsPairsAndExplainsMalformedInput) {
  auto good = ParsePointPairsJson(
      R"({"schema": "skintrack.align-points/1", "pairs": [{"moving": [1, 2], "fixed": [3.5, 4]}]})");
  ASSERT_TRUE(good.ok()) << good.error().message;
  ASSERT_EQ(good->size(), 1u);
  EXPECT_DOUBLE_EQ((*good)[0].fixed.x, 3.5);
  for (const char* bad : {"not json", R"({"points": []})", R"({"pairs": [{"moving": [1], "fixed": [1, 2]}]})",
                          R"({"schema": "other/1", "pairs": []})"}) {
    auto parsed = ParsePointPairsJson(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kBadInput);
  }
}

}  // namespace
}  // namespace skintrack::core

// Registration on generated images: known transforms, unrelated images, masks, non-rigid flow,
// warping and serialisation.
#include "core/registration/registration.h"

#include <cmath>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/registration/synthetic_warp.h"
#include "test_support/temp_dir.h"

namespace skintrack::core {
namespace {

// Skin-like texture: smooth random shading plus pores/blobs at several scales, BGR 8-bit.
cv::Mat Texture(cv::Size size, std::uint64_t seed) {
  cv::RNG rng(seed);
  cv::Mat acc(size, CV_32FC3, cv::Scalar(110, 130, 170));
  for (int cell : {3, 9, 27}) {
    cv::Mat small(size.height / cell + 2, size.width / cell + 2, CV_32FC3);
    rng.fill(small, cv::RNG::NORMAL, 0, 22);
    cv::Mat up;
    cv::resize(small, up, size, 0, 0, cv::INTER_CUBIC);
    acc += up;
  }
  cv::Mat out;
  acc.convertTo(out, CV_8UC3);
  return out;
}

TEST(RegistrationOptions, DefaultsPassCheckAndBadValuesAreUsageErrors) {
  RegistrationOptions options;
  EXPECT_TRUE(options.Check().ok());
  options.ratio_test = 1.5;
  const Status status = options.Check();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUsage);
  EXPECT_NE(status.error().message.find("ratio_test"), std::string::npos);
  RegistrationOptions detector;
  detector.primary_detector = "orb";
  EXPECT_FALSE(detector.Check().ok());
}

TEST(MotionModel, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(*ParseMotionModel("homography"), MotionModel::kHomography);
  EXPECT_EQ(*ParseMotionModel("similarity"), MotionModel::kSimilarity);
  EXPECT_EQ(*ParseMotionModel("auto"), MotionModel::kAuto);
  auto bad = ParseMotionModel("rigid");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kUsage);
}

TEST(RegisterImages, RecoversKnownWarpsOfATextureDespitePhotometricChanges) {
  const cv::Mat fixed = Texture({480, 360}, 1);
  std::mt19937_64 rng(5);
  for (MotionModel model : {MotionModel::kSimilarity, MotionModel::kAffine, MotionModel::kHomography}) {
    SyntheticWarpOptions warp;
    warp.model = model;
    auto pair = MakeSyntheticPair(fixed, warp, rng);
    ASSERT_TRUE(pair.ok());
    RegistrationOptions options;
    options.model = model;
    auto result = RegisterImages(pair->moving_bgr, fixed, cv::Mat(), options);
    ASSERT_TRUE(result.ok()) << MotionModelName(model) << ": " << result.error().message;
    EXPECT_EQ(result->model, model);
    EXPECT_LT(MeanCornerError(result->fixed_from_moving, pair->fixed_from_moving, fixed.size()), 0.5)
        << MotionModelName(model);
    EXPECT_GT(result->ncc_after, result->ncc_before + 0.1);
    EXPECT_GT(result->inliers, 50);
    EXPECT_GT(result->overlap_fraction, 0.7);
    EXPECT_LT(result->rms_residual_px, 1.5);
  }
}

TEST(RegisterImages, RejectsUnrelatedImagesWithAnAnalysisError) {
  const cv::Mat a = Texture({400, 300}, 11);
  const cv::Mat b = Texture({400, 300}, 12);
  auto detailed = RegisterImagesDetailed(a, b, cv::Mat(), RegistrationOptions());
  ASSERT_TRUE(detailed.ok());
  EXPECT_FALSE(detailed->ok);
  EXPECT_FALSE(detailed->failure_reason.empty());
  auto result = RegisterImages(a, b, cv::Mat(), RegistrationOptions());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kAnalysisFailed);
  EXPECT_NE(result.error().message.find("--points"), std::string::npos);
}

TEST(RegisterImages, RejectsEmptyTinyAndMismatchedMaskInputs) {
  const cv::Mat image = Texture({200, 150}, 3);
  auto empty = RegisterImages(cv::Mat(), image, cv::Mat(), RegistrationOptions());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kBadInput);
  auto tiny = RegisterImages(Texture({20, 20}, 4), image, cv::Mat(), RegistrationOptions());
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.error().code, ErrorCode::kBadInput);
  auto mask = RegisterImages(image, image, cv::Mat(10, 10, CV_8UC1, cv::Scalar(255)),
                             RegistrationOptions());
  ASSERT_FALSE(mask.ok());
  EXPECT_EQ(mask.error().code, ErrorCode::kBadInput);
}

TEST(RegisterImages, UsesOnlyTheMaskedPartOfTheBaseline) {
  const cv::Mat fixed = Texture({480, 360}, 21);
  // The right half of the baseline is replaced by unrelated content and masked out.
  cv::Mat fixed_mixed = fixed.clone();
  Texture({240, 360}, 22).copyTo(fixed_mixed(cv::Rect(240, 0, 240, 360)));
  cv::Mat mask(fixed.size(), CV_8UC1, cv::Scalar(0));
  mask(cv::Rect(0, 0, 240, 360)).setTo(255);
  std::mt19937_64 rng(9);
  SyntheticWarpOptions warp;
  warp.max_translation_fraction = 0.05;
  auto pair = MakeSyntheticPair(fixed, warp, rng);
  ASSERT_TRUE(pair.ok());
  const cv::Mat mask_before = mask.clone();
  auto result = RegisterImages(pair->moving_bgr, fixed_mixed, mask, RegistrationOptions());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(MeanCornerError(result->fixed_from_moving, pair->fixed_from_moving, fixed.size()), 1.0);
  // The caller's mask is read, never written: a batch shares a baseline's mask between its
  // follow-ups and workers. (The ECC margin was once drawn into it in place: every follow-up
  // widened it further, and results depended on the order the workers ran in.)
  EXPECT_EQ(cv::norm(mask, mask_before, cv::NORM_INF), 0);
}

TEST(RegisterImages, NonRigidFlowFollowsASmoothLocalDeformation) {
  const cv::Mat fixed = Texture({480, 360}, 31);
  // moving(x) = fixed(x + d(x)) with a smooth bump of up to 3 px in x.
  cv::Mat map(fixed.size(), CV_32FC2);
  for (int y = 0; y < fixed.rows; ++y) {
    for (int x = 0; x < fixed.cols; ++x) {
      const double bump = 3.0 * std::exp(-(std::pow(x - 240.0, 2) + std::pow(y - 180.0, 2)) /
                                         (2 * 60.0 * 60.0));
      map.at<cv::Vec2f>(y, x) = cv::Vec2f(static_cast<float>(x + bump), static_cast<float>(y));
    }
  }
  cv::Mat moving;
  cv::remap(fixed, moving, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REFLECT101);
  RegistrationOptions options;
  options.nonrigid = true;
  auto result = RegisterImages(moving, fixed, cv::Mat(), options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->flow_fixed_px.size(), fixed.size());
  EXPECT_EQ(result->flow_fixed_px.type(), CV_32FC2);
  std::printf("flow mean %.2f p95 %.2f max %.2f px\n", result->flow_mean_px, result->flow_p95_px,
              result->flow_max_px);
  // The bump peaks at 3 px; the flow must find it without inventing large motion elsewhere.
  EXPECT_GT(result->flow_max_px, 1.5);
  EXPECT_LT(result->flow_max_px, 5.0);
  EXPECT_LT(result->flow_mean_px, 2.0);
  // aligned(x) = moving(x + flow(x)) = fixed(x) needs flow = -d at the bump centre (part of the
  // bump may already be absorbed by the global transform).
  const cv::Vec2f centre = result->flow_fixed_px.at<cv::Vec2f>(180, 240);
  EXPECT_LT(centre[0], -1.5);
  EXPECT_NEAR(centre[1], 0.0, 0.5);
  EXPECT_GE(result->ncc_after, result->ncc_after_global - 1e-3);
  auto warped = WarpToFixed(moving, *result);
  ASSERT_TRUE(warped.ok());
  EXPECT_EQ(warped->size(), fixed.size());
}

// A photo's frame is what is near-black and joined to its border over at least 2 % of it: a
// dermoscope's rim is left out (with a margin of 1.5 % of the longer side), while a dark patch
// inside the skin, a thin dark strip along one edge and a photo without either keep every pixel.
TEST(AreaInsideFrame, LeavesOutADarkRimJoinedToTheBorderAndNothingElse) {
  const cv::Mat skin = Texture(cv::Size(400, 300), 7);
  cv::Mat rimmed = skin.clone();
  cv::Mat outside(skin.size(), CV_8U, cv::Scalar(255));
  cv::circle(outside, cv::Point(200, 150), 140, cv::Scalar(0), cv::FILLED);
  rimmed.setTo(cv::Scalar(3, 3, 3), outside);
  const cv::Mat area = AreaInsideFrame(rimmed);
  ASSERT_EQ(area.size(), skin.size());
  ASSERT_EQ(area.type(), CV_8U);
  EXPECT_EQ(area.at<uchar>(150, 200), 255);
  EXPECT_EQ(area.at<uchar>(150, 200 + 130), 255) << "inside the rim, beyond the margin";
  EXPECT_EQ(area.at<uchar>(150, 200 + 137), 0) << "within the margin (6 px) of the rim";
  EXPECT_EQ(area.at<uchar>(5, 5), 0) << "the rim";
  EXPECT_EQ(cv::countNonZero(area & outside), 0);

  cv::Mat patched = skin.clone();
  cv::circle(patched, cv::Point(200, 150), 60, cv::Scalar(2, 2, 2), cv::FILLED);
  cv::rectangle(patched, cv::Rect(0, 0, 400, 2), cv::Scalar(0, 0, 0), cv::FILLED);  // 0.7 %
  EXPECT_EQ(cv::countNonZero(AreaInsideFrame(patched)), 400 * 300);
  EXPECT_EQ(cv::countNonZero(AreaInsideFrame(skin)), 400 * 300);
}

TEST(WarpToFixed, KeepsTypeAndProducesTheFixedSize) {
  Registration r;
  r.fixed_size = cv::Size(64, 48);
  r.moving_size = cv::Size(32, 24);
  r.fixed_from_moving = cv::Matx33d(2, 0, 0.5, 0, 2, 0.5, 0, 0, 1);
  cv::Mat moving(24, 32, CV_16UC3, cv::Scalar(1000, 2000, 3000));
  auto warped = WarpToFixed(moving, r);
  ASSERT_TRUE(warped.ok());
  EXPECT_EQ(warped->size(), r.fixed_size);
  EXPECT_EQ(warped->type(), CV_16UC3);
  EXPECT_EQ(warped->at<cv::Vec3w>(20, 20)[1], 2000);
  EXPECT_FALSE(WarpToFixed(cv::Mat(), r).ok());
}

// WarpToMoving carries a fixed-frame region onto the moving image so that WarpToFixed brings it
// back where it was: with a homography alone and with a flow field on top.
TEST(WarpToMoving, IsTheInverseOfWarpToFixed) {
  Registration r;
  r.fixed_size = cv::Size(200, 150);
  r.moving_size = cv::Size(180, 140);
  r.fixed_from_moving = cv::Matx33d(1.1, 0.02, 6.5, -0.02, 1.1, 3.25, 0, 0, 1);
  cv::Mat region(r.fixed_size, CV_8U, cv::Scalar(0));
  cv::circle(region, cv::Point(100, 75), 40, cv::Scalar(255), cv::FILLED);
  for (const bool with_flow : {false, true}) {
    SCOPED_TRACE(with_flow ? "with flow" : "homography");
    r.flow_fixed_px.release();
    if (with_flow) {
      r.flow_fixed_px = cv::Mat(r.fixed_size, CV_32FC2);
      for (int y = 0; y < r.fixed_size.height; ++y) {
        for (int x = 0; x < r.fixed_size.width; ++x) {
          r.flow_fixed_px.at<cv::Vec2f>(y, x) = cv::Vec2f(6.0f + 0.01f * static_cast<float>(y),
                                                          -4.0f + 0.01f * static_cast<float>(x));
        }
      }
    }
    auto moved = WarpToMoving(region, r);
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    EXPECT_EQ(moved->size(), r.moving_size);
    EXPECT_GT(cv::countNonZero(*moved), 0.7 * cv::countNonZero(region));
    auto back = WarpToFixed(*moved, r, cv::INTER_NEAREST);
    ASSERT_TRUE(back.ok());
    cv::Mat differs;
    cv::bitwise_xor(*back, region, differs);
    // Nearest-neighbour both ways: at most a pixel's width along the disc's edge differs.
    EXPECT_LT(cv::countNonZero(differs), 2 * 2 * CV_PI * 40) << "of " << cv::countNonZero(region);
  }
  EXPECT_FALSE(WarpToMoving(cv::Mat(10, 10, CV_8U), r).ok());  // not the fixed size
}

TEST(FixedRectToMoving, KeepsTheSizeOfAShiftedBox) {
  Registration r;
  r.fixed_size = cv::Size(200, 150);
  r.moving_size = cv::Size(200, 150);
  r.fixed_from_moving = cv::Matx33d(1, 0, -9.4, 0, 1, -5.6, 0, 0, 1);
  EXPECT_EQ(FixedRectToMoving(cv::Rect(20, 30, 61, 40), r), cv::Rect(29, 36, 61, 40));
  EXPECT_EQ(FixedRectToMoving(cv::Rect(180, 140, 50, 50), r), cv::Rect(189, 146, 11, 4));
  EXPECT_TRUE(FixedRectToMoving(cv::Rect(400, 400, 10, 10), r).empty());
}

TEST(QuarterTurnsFixedToMoving, IsTheNearestClockwiseQuarterTurnOfTheCameraAndTheTiltTheRest) {
  Registration r;
  r.fixed_size = cv::Size(200, 150);
  // The follow-up turned k quarters clockwise from the baseline, slightly scaled and rotated
  // further by a few degrees: fixed_from_moving rotates by -(90 k + small)°.
  for (int k = 0; k < 4; ++k) {
    for (const double extra_deg : {-20.0, 0.0, 3.0, 40.0}) {
      const double a = -(90.0 * k + extra_deg) * CV_PI / 180.0;
      r.fixed_from_moving = cv::Matx33d(1.1 * std::cos(a), -1.1 * std::sin(a), 12,
                                        1.1 * std::sin(a), 1.1 * std::cos(a), -7, 0, 0, 1);
      EXPECT_EQ(QuarterTurnsFixedToMoving(r), k) << k << " " << extra_deg;
      EXPECT_NEAR(TiltFixedToMovingDeg(r), extra_deg, 1e-9) << k << " " << extra_deg;
    }
  }
  // Pixel (x, y) of a follow-up turned a quarter clockwise is baseline pixel (y, h - 1 - x).
  r.fixed_from_moving = cv::Matx33d(0, 1, 0, -1, 0, 149, 0, 0, 1);
  EXPECT_EQ(QuarterTurnsFixedToMoving(r), 1);
}

TEST(RegistrationToJson, CarriesTheDocumentedFields) {
  Registration r;
  r.ok = true;
  r.model = MotionModel::kAffine;
  r.method = "sift";
  r.fixed_from_moving = cv::Matx33d(1, 0, 5, 0, 1, -3, 0, 0, 1);
  r.inliers = 40;
  const nlohmann::json doc = RegistrationToJson(r);
  for (const char* key : {"ok", "model", "fixed_from_moving", "inliers", "rms_residual_px",
                          "ncc_before", "ncc_after", "overlap_fraction", "failure_reason"}) {
    EXPECT_TRUE(doc.contains(key)) << key;
  }
  EXPECT_EQ(doc["model"], "affine");
  ASSERT_EQ(doc["fixed_from_moving"].size(), 3u);
  EXPECT_DOUBLE_EQ(doc["fixed_from_moving"][0][2].get<double>(), 5.0);
  EXPECT_TRUE(doc["failure_reason"].is_null());
}

TEST(WriteFlowFile, WritesMiddleburyHeaderAndData) {
  testing::TempDir dir;
  cv::Mat flow(3, 4, CV_32FC2, cv::Scalar(1.5f, -2.0f));
  ASSERT_TRUE(WriteFlowFile(dir / "f.flo", flow).ok());
  std::ifstream in(dir / "f.flo", std::ios::binary);
  float tag = 0;
  std::int32_t w = 0, h = 0;
  in.read(reinterpret_cast<char*>(&tag), 4);
  in.read(reinterpret_cast<char*>(&w), 4);
  in.read(reinterpret_cast<char*>(&h), 4);
  EXPECT_FLOAT_EQ(tag, 202021.25f);
  EXPECT_EQ(w, 4);
  EXPECT_EQ(h, 3);
  float uv[2] = {0, 0};
  in.read(reinterpret_cast<char*>(uv), 8);
  EXPECT_FLOAT_EQ(uv[0], 1.5f);
  EXPECT_FLOAT_EQ(uv[1], -2.0f);
  EXPECT_FALSE(WriteFlowFile(dir / "g.flo", cv::Mat(2, 2, CV_32FC1)).ok());
}

}  // namespace
}  // namespace skintrack::core

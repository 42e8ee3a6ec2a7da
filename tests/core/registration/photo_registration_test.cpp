// Registration on real photos (SKINTRACK_PHOTOS): synthetic warps with known truth, real
// same-person pairs, and unrelated pairs that must be rejected.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/io/image_io.h"
#include "core/registration/registration.h"
#include "core/registration/synthetic_warp.h"
#include "test_support/dermoscope_rim.h"
#include "test_support/photos.h"

namespace skintrack::core {
namespace {

cv::Mat Load(const std::filesystem::path& path) {
  auto loaded = LoadImage(path);
  EXPECT_TRUE(loaded.ok()) << path;
  return loaded.ok() ? loaded->bgr : cv::Mat();
}

// Number of trials: small by default (the whole module must stay well under a minute);
// SKINTRACK_REGISTRATION_TRIALS raises it for the figures in docs/REGISTRATION.md.
int TrialCount(int fallback) {
  const char* env = std::getenv("SKINTRACK_REGISTRATION_TRIALS");
  return env != nullptr ? std::max(1, std::atoi(env)) : fallback;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5));
  return values[i];
}

TEST(PhotoRegistration, RecoversRandomWarpsWithPhotometricChanges) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const std::vector<std::string> names = {"faces/001_03.jpg", "faces/025_08.jpg",
                                          "faces/lisa_lisa1.jpg", "faces/astronaut.png",
                                          "lesions/PAT_950_1804_334.png",
                                          "lesions/PAT_1286_999_824.png",
                                          "closeups/PAT_701_4056_457.png"};
  std::vector<cv::Mat> images;
  for (const auto& name : names) images.push_back(Load(photos / name));
  const int trials = TrialCount(30);
  std::mt19937_64 rng(20261121);
  std::vector<double> errors;
  int failures = 0;
  for (int t = 0; t < trials; ++t) {
    const cv::Mat& fixed = images[static_cast<size_t>(t) % images.size()];
    SyntheticWarpOptions warp;
    warp.model = static_cast<MotionModel>(t % 3);
    auto pair = MakeSyntheticPair(fixed, warp, rng);
    ASSERT_TRUE(pair.ok());
    RegistrationOptions options;
    auto result = RegisterImagesDetailed(pair->moving_bgr, fixed, cv::Mat(), options);
    ASSERT_TRUE(result.ok()) << result.error().message;
    const double error = MeanCornerError(result->fixed_from_moving, pair->fixed_from_moving,
                                         pair->moving_bgr.size());
    if (!result->ok || error > 1.0) {
      ++failures;
      ADD_FAILURE() << "trial " << t << " " << names[static_cast<size_t>(t) % names.size()]
                    << " model " << MotionModelName(pair->model) << ": ok=" << result->ok << " ("
                    << result->failure_reason << ") corner error " << error << " px, fitted "
                    << MotionModelName(result->model);
    }
    if (result->ok) errors.push_back(error);
  }
  ASSERT_FALSE(errors.empty());
  const double median = Percentile(errors, 0.5);
  const double p95 = Percentile(errors, 0.95);
  const double success = 1.0 - static_cast<double>(failures) / trials;
  std::printf("synthetic warps: %d trials, success %.1f%%, median corner error %.3f px, p95 %.3f px\n",
              trials, 100 * success, median, p95);
  EXPECT_LE(median, 0.3);
  EXPECT_LE(p95, 1.0);
  EXPECT_GE(success, 0.98);
}

// Landmarks from a webmorph .tem file: first line the count, then "x y" per line.
std::vector<cv::Point2d> ReadTem(const std::filesystem::path& path) {
  std::ifstream in(path);
  int count = 0;
  in >> count;
  std::vector<cv::Point2d> points;
  for (int i = 0; i < count; ++i) {
    double x = 0, y = 0;
    if (!(in >> x >> y)) break;
    points.emplace_back(x, y);
  }
  return points;
}

TEST(PhotoRegistration, SamePersonPairsAlignWithBetterNcc) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  // moving, fixed
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"faces/001_08.jpg", "faces/001_03.jpg"},
      {"faces/025_08.jpg", "faces/025_03.jpg"},
      {"faces/lisa_lisa2.jpg", "faces/lisa_lisa1.jpg"},
      {"lesions/PAT_539_1023_928.png", "lesions/PAT_539_1023_878.png"},
      {"lesions/PAT_1286_999_846.png", "lesions/PAT_1286_999_824.png"},
      {"lesions/PAT_950_1804_64.png", "lesions/PAT_950_1804_334.png"},
      {"faces/zoom_60cm.jpg", "faces/zoom_15cm.jpg"},
  };
  for (const auto& [moving_name, fixed_name] : pairs) {
    const cv::Mat moving = Load(photos / moving_name);
    const cv::Mat fixed = Load(photos / fixed_name);
    auto result = RegisterImagesDetailed(moving, fixed, cv::Mat(), RegistrationOptions());
    ASSERT_TRUE(result.ok()) << result.error().message;
    std::printf("%s -> %s: ok=%d %s/%s inliers %d/%d residual %.2f px NCC %.3f -> %.3f %s\n",
                moving_name.c_str(), fixed_name.c_str(), result->ok ? 1 : 0,
                MotionModelName(result->model), result->method.c_str(), result->inliers,
                result->matches, result->rms_residual_px, result->ncc_before, result->ncc_after,
                result->failure_reason.c_str());
    if (moving_name.find("PAT_950") != std::string::npos ||
        moving_name.find("zoom") != std::string::npos) {
      // Hard pairs (few matches; strong perspective): either aligned or failed with a reason.
      EXPECT_TRUE(result->ok || !result->failure_reason.empty());
      continue;
    }
    EXPECT_TRUE(result->ok) << moving_name << ": " << result->failure_reason;
    EXPECT_GT(result->ncc_after, result->ncc_before) << moving_name;
    EXPECT_GT(result->rms_residual_px, 0.0) << moving_name;
    EXPECT_LT(result->rms_residual_px, 6.0) << moving_name;
  }
}

// lisa1/lisa2: the woman moved towards the camera in front of a static wall clock. Without a mask
// the dominant rigid structure (the clock) wins (docs/REGISTRATION.md, known limits). With a face
// mask of the baseline (here the convex hull of its landmarks) the face must either be aligned
// (landmarks land near their baseline positions) or the registration must fail with a reason;
// a bad face warp fails this test.
TEST(PhotoRegistration, LisaFaceWithAFaceMaskAlignsOrFailsClearly) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const cv::Mat moving = Load(photos / "faces/lisa_lisa2.jpg");
  const cv::Mat fixed = Load(photos / "faces/lisa_lisa1.jpg");
  const auto moving_points = ReadTem(photos / "faces/lisa_lisa2.tem");
  const auto fixed_points = ReadTem(photos / "faces/lisa_lisa1.tem");
  ASSERT_EQ(moving_points.size(), fixed_points.size());
  ASSERT_GE(moving_points.size(), 50u);
  std::vector<cv::Point> hull_input, hull;
  for (const auto& p : fixed_points) hull_input.emplace_back(cvRound(p.x), cvRound(p.y));
  cv::convexHull(hull_input, hull);
  cv::Mat mask(fixed.size(), CV_8UC1, cv::Scalar(0));
  cv::fillConvexPoly(mask, hull, cv::Scalar(255));
  auto result = RegisterImages(moving, fixed, mask, RegistrationOptions());
  if (!result.ok()) {
    std::printf("lisa with face mask: %s\n", result.error().message.c_str());
    EXPECT_EQ(result.error().code, ErrorCode::kAnalysisFailed);
    EXPECT_NE(result.error().message.find("feature matches"), std::string::npos);
    return;
  }
  std::vector<double> before, after;
  for (size_t i = 0; i < moving_points.size(); ++i) {
    before.push_back(cv::norm(moving_points[i] - fixed_points[i]));
    const cv::Vec3d v = result->fixed_from_moving *
                        cv::Vec3d(moving_points[i].x, moving_points[i].y, 1.0);
    after.push_back(cv::norm(cv::Point2d(v[0] / v[2], v[1] / v[2]) - fixed_points[i]));
  }
  const double median_before = Percentile(before, 0.5);
  const double median_after = Percentile(after, 0.5);
  std::printf("lisa landmarks with face mask: %d inliers, median error %.1f px before, %.1f px "
              "after alignment\n", result->inliers, median_before, median_after);
  // Hand-placed landmarks on a face that also turned a little: a few pixels is the floor.
  EXPECT_LT(median_after, 0.25 * median_before);
  EXPECT_LT(median_after, 12.0);
}

TEST(PhotoRegistration, UnrelatedPairsAreRejected) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"faces/005_03.jpg", "faces/001_03.jpg"},
      {"faces/025_08.jpg", "faces/001_08.jpg"},
      {"faces/001_03.jpg", "faces/025_03.jpg"},
      {"faces/001_03.jpg", "chart/IMG_20140613_203438.jpg"},
      {"faces/astronaut.png", "faces/001_03.jpg"},
      {"lesions/PAT_950_1804_64.png", "lesions/PAT_1286_999_824.png"},
  };
  for (const auto& [moving_name, fixed_name] : pairs) {
    auto result = RegisterImages(Load(photos / moving_name), Load(photos / fixed_name), cv::Mat(),
                                 RegistrationOptions());
    ASSERT_FALSE(result.ok()) << moving_name << " vs " << fixed_name << " was aligned";
    EXPECT_EQ(result.error().code, ErrorCode::kAnalysisFailed);
    // A failed match is also tried flipped (AMirroredCloseUpIsRefusedAsMirrored); unrelated photos
    // must not be called mirror images of each other.
    EXPECT_EQ(result.error().message.find("mirror image"), std::string::npos)
        << result.error().message;
    std::printf("%s vs %s: %s\n", moving_name.c_str(), fixed_name.c_str(),
                result.error().message.substr(0, 90).c_str());
  }
}

// A face against its own mirror image (a front camera, an editing app): each feature finds its
// mirror twin, and before the mirror check 001_03 and 005_03 were aligned (001_03 with a
// perspective of 0.28, within max_perspective) and `compare` reported changes. The flipped
// follow-up matches many times better (1031 inliers against 33, 633 against 95), and the
// registration says the photo is mirrored. The real pairs of SamePersonPairsAlignWithBetterNcc
// pass the same check.
TEST(PhotoRegistration, AMirroredFollowUpIsRefusedAsMirrored) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const std::string name : {"faces/001_03.jpg", "faces/005_03.jpg", "faces/025_03.jpg"}) {
    const cv::Mat fixed = Load(photos / name);
    cv::Mat mirrored;
    cv::flip(fixed, mirrored, 1);
    auto result = RegisterImagesDetailed(mirrored, fixed, cv::Mat(), RegistrationOptions());
    ASSERT_TRUE(result.ok()) << result.error().message;
    std::printf("%s mirrored: ok=%d %s\n", name.c_str(), result->ok ? 1 : 0,
                result->failure_reason.c_str());
    EXPECT_FALSE(result->ok) << name;
    // 025_03's mirrored fit is refused by the NCC rule before any mirror check; the other two
    // passed every rule and must now be named as mirrored.
    if (name != "faces/025_03.jpg") {
      EXPECT_NE(result->failure_reason.find("mirror image"), std::string::npos) << name;
    }
  }
}

// A close-up has no near-symmetric outline: against its own mirror image it simply fails to match
// (7 inliers for PAT_701 before), and the error said only "too few matches". A failed match is
// tried flipped, and the error names the mirror (2229 inliers flipped). UnrelatedPairsAreRejected
// checks that unrelated pairs are not called mirrored.
TEST(PhotoRegistration, AMirroredCloseUpIsRefusedAsMirrored) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const cv::Mat fixed = Load(photos / "closeups/PAT_701_4056_457.png");
  cv::Mat mirrored;
  cv::flip(fixed, mirrored, 1);
  auto result = RegisterImagesDetailed(mirrored, fixed, cv::Mat(), RegistrationOptions());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_FALSE(result->ok);
  EXPECT_NE(result->failure_reason.find("mirror image"), std::string::npos)
      << result->failure_reason;
}

// The skin of a close-up moved under the camera by 4 degrees about the centre and by 5 % of the
// width right and 3 % of the height up (the border filled by reflection).
struct MovedSkin {
  cv::Mat moved;
  cv::Matx33d move;  // moved pixel = move * original pixel
};

MovedSkin MoveSkin(const cv::Mat& skin) {
  const cv::Size size = skin.size();
  cv::Mat m = cv::getRotationMatrix2D(
      cv::Point2f(0.5f * static_cast<float>(size.width), 0.5f * static_cast<float>(size.height)),
      4.0, 1.0);
  m.at<double>(0, 2) += 0.05 * size.width;
  m.at<double>(1, 2) -= 0.03 * size.height;
  MovedSkin out;
  cv::warpAffine(skin, out.moved, m, size, cv::INTER_LINEAR, cv::BORDER_REFLECT);
  out.move = cv::Matx33d(m.at<double>(0, 0), m.at<double>(0, 1), m.at<double>(0, 2),
                         m.at<double>(1, 0), m.at<double>(1, 1), m.at<double>(1, 2), 0, 0, 1);
  return out;
}

// The largest distance, px, by which `fixed_from_moving` fails to undo `move` over the skin within
// `radius` of the centre of an image of `size` (every 10th pixel).
double WorstSkinError(const cv::Matx33d& fixed_from_moving, const cv::Matx33d& move, cv::Size size,
                      double radius) {
  const cv::Matx33d round_trip = fixed_from_moving * move;
  double worst = 0;
  for (int y = 0; y < size.height; y += 10) {
    for (int x = 0; x < size.width; x += 10) {
      if (std::hypot(x - 0.5 * size.width, y - 0.5 * size.height) > radius) continue;
      const cv::Vec3d p = round_trip * cv::Vec3d(x, y, 1);
      worst = std::max(worst, std::hypot(p[0] / p[2] - x, p[1] / p[2] - y));
    }
  }
  return worst;
}

// A dermoscope's field is a disc of skin in a black rim that stays put while the skin moves under
// it. The rim's edge, the strongest edge in the photo, matched itself between the photos and pulled
// the alignment towards "nothing moved": with the skin of each sample lesion and close-up moved
// (MoveSkin) under the same rim, all eight pairs were refused ("did not improve the match"). The
// common frame is now left out of the keypoints, ECC and the NCC (MarkCommonFrame in
// registration.cpp): the skin within 0.7 of the rim's radius comes back to within half a pixel.
TEST(PhotoRegistration, AFollowUpUnderTheSameDermoscopeRimAlignsOnItsSkin) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const std::vector<std::filesystem::path> files = testing::CloseUpPhotos(photos);
  ASSERT_GE(files.size(), 8u);
  for (const auto& file : files) {
    const cv::Mat skin = Load(file);
    ASSERT_FALSE(skin.empty()) << file;
    const MovedSkin moved = MoveSkin(skin);
    auto result = RegisterImagesDetailed(testing::UnderADermoscopeRim(moved.moved, 0.95),
                                         testing::UnderADermoscopeRim(skin, 0.95), cv::Mat(),
                                         RegistrationOptions());
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_TRUE(result->ok) << file.filename() << ": " << result->failure_reason;
    const double radius = 0.475 * std::min(skin.cols, skin.rows);
    EXPECT_LT(WorstSkinError(result->fixed_from_moving, moved.move, skin.size(), 0.7 * radius), 0.5)
        << file.filename();
  }
}

// Text burned into both photos at the same place (a date stamp, a patient number, a device's
// name) stays put while the skin moves. ECC, for which its edges were the strongest gradients,
// pulled four of the six 300 px lesions 0.8-2.2 px (median over the skin) towards "nothing moved"
// while the alignment passed. Such edges are now found once the features have given the transform
// and left out of ECC and the NCC (MarkStaticOverlay in registration.cpp).
TEST(PhotoRegistration, TextBurnedIntoBothPhotosDoesNotHoldTheAlignment) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const std::vector<std::filesystem::path> files = testing::CloseUpPhotos(photos);
  ASSERT_GE(files.size(), 8u);
  const auto stamped = [](cv::Mat image) {
    const double s = image.cols / 600.0;
    const int thickness = std::max(1, static_cast<int>(2 * s));
    cv::putText(image, "2026-12-08 10:31 PT#4411",
                cv::Point(static_cast<int>(0.05 * image.cols), static_cast<int>(0.93 * image.rows)),
                cv::FONT_HERSHEY_SIMPLEX, 0.9 * s, cv::Scalar(0, 255, 255), thickness, cv::LINE_AA);
    cv::putText(image, "DermLite 10x",
                cv::Point(static_cast<int>(0.05 * image.cols), static_cast<int>(0.08 * image.rows)),
                cv::FONT_HERSHEY_SIMPLEX, 0.8 * s, cv::Scalar(255, 255, 255), thickness,
                cv::LINE_AA);
    return image;
  };
  for (const auto& file : files) {
    const cv::Mat skin = Load(file);
    ASSERT_FALSE(skin.empty()) << file;
    const MovedSkin moved = MoveSkin(skin);
    auto result = RegisterImagesDetailed(stamped(moved.moved.clone()), stamped(skin.clone()),
                                         cv::Mat(), RegistrationOptions());
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_TRUE(result->ok) << file.filename() << ": " << result->failure_reason;
    const double radius = 0.5 * std::min(skin.cols, skin.rows);
    EXPECT_LT(WorstSkinError(result->fixed_from_moving, moved.move, skin.size(), 0.7 * radius), 0.5)
        << file.filename();
  }
}

}  // namespace
}  // namespace skintrack::core

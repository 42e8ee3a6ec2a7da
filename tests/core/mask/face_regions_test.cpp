#include "core/mask/face_regions.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/color/srgb.h"
#include "core/io/image_io.h"
#include "core/mask/capture_mask.h"
#include "core/phantom/phantom.h"
#include "test_support/photos.h"

namespace skintrack::core {
namespace {

TEST(FaceRegions, ProducesNamedRegionsInsideTheSkinMask) {
  const cv::Rect face(100, 100, 200, 240);
  cv::Mat skin(500, 400, CV_8U, cv::Scalar(255));
  skin(cv::Rect(0, 0, 400, 140)).setTo(0);  // hair over the upper forehead
  const auto regions = FaceRegions(face, skin);
  for (const char* name : {"forehead", "left_cheek", "right_cheek", "nose", "chin"}) {
    ASSERT_TRUE(regions.count(name)) << name;
    EXPECT_EQ(cv::countNonZero(regions.at(name) & ~skin), 0) << name;
  }
  // The subject's left cheek is on the image's right.
  const cv::Rect left = cv::boundingRect(regions.at("left_cheek"));
  const cv::Rect right = cv::boundingRect(regions.at("right_cheek"));
  EXPECT_GT(left.x, right.x);
}

TEST(FaceRegions, FindsTheFaceInAStudioPortrait) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  auto image = LoadImage(photos / "faces" / "001_03.jpg");
  ASSERT_TRUE(image.ok());
  std::vector<std::string> warnings;
  const auto face = FindFace(BgrToLinearRgb(image->bgr), warnings);
  if (!warnings.empty() && warnings[0] == "face_detector_missing") {
    GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
  }
  ASSERT_TRUE(face.has_value());
  // The London set centres the face; the box must be a plausible face size.
  EXPECT_GT(face->width, image->bgr.cols / 5);
  EXPECT_LT(face->width, image->bgr.cols * 9 / 10);
  const cv::Point centre = (face->tl() + face->br()) / 2;
  EXPECT_NEAR(centre.x, image->bgr.cols / 2, image->bgr.cols / 6);
}

// With a measured scale, a frame shorter than a face on one side is a close-up and is not searched
// for one; the same portrait at a face's scale is.
TEST(CaptureSkinMask, CloseUpsWithAScaleAreNotSearchedForAFace) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  auto image = LoadImage(photos / "faces" / "001_03.jpg");
  ASSERT_TRUE(image.ok());
  const cv::Mat rgb = BgrToLinearRgb(image->bgr);
  std::vector<std::string> warnings;
  if (!FindFace(rgb, warnings)) GTEST_SKIP() << "no face detector, or no face found";
  const double short_side = std::min(rgb.cols, rgb.rows);
  // At a portrait's scale (the shorter side about 250 mm) the face is found.
  auto portrait = CaptureSkinMask(rgb, {}, cv::Mat(), short_side / 250.0);
  ASSERT_TRUE(portrait.ok()) << portrait.error().message;
  EXPECT_TRUE(portrait->face.has_value());
  EXPECT_FALSE(portrait->eyes.empty());
  // Read as 60 mm across, the same pixels are a close-up: no face, no eyes cleared.
  auto close_up = CaptureSkinMask(rgb, {}, cv::Mat(), short_side / 60.0);
  ASSERT_TRUE(close_up.ok()) << close_up.error().message;
  EXPECT_FALSE(close_up->face.has_value());
  EXPECT_TRUE(close_up->eyes.empty());
  // Without a scale the face is searched as before.
  auto unscaled = CaptureSkinMask(rgb, {}, cv::Mat());
  ASSERT_TRUE(unscaled.ok());
  EXPECT_TRUE(unscaled->face.has_value());
}

// The eyes of the Face Research Lab portraits (three adults, neutral and smiling): each pupil
// (points 0 and 1 of the 189-point webmorph template) lies in one found eye, is cleared from the
// mask, and the cheek a quarter of the face's height below it stays skin.
TEST(FaceRegions, FindsAndExcludesBothEyesOfStudioPortraits) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"001_03", "005_03", "025_03"}) {
    auto image = LoadImage(photos / "faces" / (std::string(name) + ".jpg"));
    ASSERT_TRUE(image.ok()) << name;
    const cv::Mat rgb = BgrToLinearRgb(image->bgr);
    std::vector<std::string> warnings;
    const auto face = FindFace(rgb, warnings);
    if (!warnings.empty() && warnings[0] == "face_detector_missing") {
      GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
    }
    ASSERT_TRUE(face.has_value()) << name;
    const std::vector<cv::Rect> eyes = FindEyes(rgb, *face);
    ASSERT_EQ(eyes.size(), 2u) << name;
    std::ifstream tem(photos / "faces" / (std::string(name) + ".tem"));
    int count = 0;
    double x[2], y[2];
    tem >> count >> x[0] >> y[0] >> x[1] >> y[1];
    ASSERT_TRUE(tem) << name;
    cv::Mat mask(rgb.size(), CV_8U, cv::Scalar(255));
    ExcludeEyes(eyes, mask);
    for (int i = 0; i < 2; ++i) {
      const cv::Point pupil(static_cast<int>(x[i]), static_cast<int>(y[i]));
      int holding = 0;
      for (const cv::Rect& eye : eyes) holding += eye.contains(pupil) ? 1 : 0;
      EXPECT_EQ(holding, 1) << name << " pupil " << i;
      EXPECT_EQ(mask.at<uchar>(pupil), 0) << name << " pupil " << i;
      const cv::Point cheek(pupil.x, pupil.y + face->height / 4);
      EXPECT_EQ(mask.at<uchar>(cheek), 255) << name << " cheek below pupil " << i;
    }
  }
}

// Anonymised clinical photos mask the eyes with a black bar. No eye can confirm such a face, and
// the second cascade does: the portraits with their eyes barred are still faces.
TEST(FaceRegions, FindsAFaceWhoseEyesAreMaskedByABar) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"001_03", "005_03", "025_03"}) {
    auto image = LoadImage(photos / "faces" / (std::string(name) + ".jpg"));
    ASSERT_TRUE(image.ok()) << name;
    std::ifstream tem(photos / "faces" / (std::string(name) + ".tem"));
    int count = 0;
    double x[2], y[2];
    tem >> count >> x[0] >> y[0] >> x[1] >> y[1];
    ASSERT_TRUE(tem) << name;
    // A bar over both eyes: half the interpupillary distance beyond each pupil, 0.36 of it high.
    const double d = std::abs(x[1] - x[0]);
    cv::Mat bgr = image->bgr.clone();
    cv::rectangle(bgr,
                  cv::Point(static_cast<int>(std::min(x[0], x[1]) - 0.5 * d),
                            static_cast<int>(0.5 * (y[0] + y[1]) - 0.18 * d)),
                  cv::Point(static_cast<int>(std::max(x[0], x[1]) + 0.5 * d),
                            static_cast<int>(0.5 * (y[0] + y[1]) + 0.18 * d)),
                  cv::Scalar(0, 0, 0), cv::FILLED);
    const cv::Mat rgb = BgrToLinearRgb(bgr);
    std::vector<std::string> warnings;
    const auto face = FindFace(rgb, warnings);
    if (!warnings.empty() && warnings[0] == "face_detector_missing") {
      GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
    }
    ASSERT_TRUE(face.has_value()) << name;
    EXPECT_TRUE(FindEyes(rgb, *face).empty()) << name << ": an eye found under the bar";
    const cv::Point centre = (face->tl() + face->br()) / 2;
    EXPECT_NEAR(centre.x, 0.5 * (x[0] + x[1]), 0.2 * face->width) << name;
  }
}

// A close-up of cheek skin (PAD-UFES-20, a seborrhoeic keratosis, about 1000 px) holds no face,
// but the Haar face cascade finds a 170 px box in its texture. Unconfirmed (no eye in it, no face
// from the second cascade), it is not taken: before, it set the analysis scale from a "face" 170
// px wide (about 1.2 px/mm for a frame of a few centimetres) and confined the regions to it.
TEST(FaceRegions, NoFaceInARealCloseUp) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"PAT_701_4056_457.png", "PAT_1276_957_406.png"}) {
    auto image = LoadImage(photos / "closeups" / name);
    ASSERT_TRUE(image.ok()) << name;
    std::vector<std::string> warnings;
    const auto face = FindFace(BgrToLinearRgb(image->bgr), warnings);
    if (!warnings.empty() && warnings[0] == "face_detector_missing") {
      GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
    }
    EXPECT_FALSE(face.has_value()) << name << ": face " << face.value_or(cv::Rect());
  }
}

// Phantom skin (no face anywhere) photographed as close-ups of every tone, with hairs, upright and
// turned a quarter, whole and cropped to a quarter, none given a scale: no face is found. Of these
// 96 frames the unconfirmed cascade gave a face box in 1 (seed 711, turned; 2026-12-05), so this
// fails if confirmation is lost. A wider sweep (the captures of 18 `skintrack phantom` series,
// whole and cropped, upright and turned) gave a box in 57 of 1440 frames, and none confirmed.
TEST(FaceRegions, NoFaceInPhantomSkinWithoutAScale) {
  const SkinTone tones[] = {SkinTone::kVeryLight, SkinTone::kLight, SkinTone::kIntermediate,
                            SkinTone::kTan, SkinTone::kBrown, SkinTone::kDark};
  int frames = 0;
  for (int i = 0; i < 12; ++i) {
    PhantomOptions o;
    o.seed = 700 + static_cast<std::uint64_t>(i);
    o.tone = tones[i % 6];
    o.px_per_mm = i % 2 == 0 ? 5.0 : 10.0;
    o.features.hair = true;
    auto skin = RenderSkin(o);
    ASSERT_TRUE(skin.ok()) << skin.error().message;
    for (int turn = 0; turn < 2; ++turn) {
      cv::Mat rgb = skin->rgb_linear;
      if (turn == 1) cv::rotate(rgb, rgb, cv::ROTATE_90_CLOCKWISE);
      for (int crop = 0; crop < 2; ++crop) {
        const cv::Mat frame =
            crop == 0 ? rgb : cv::Mat(rgb(cv::Rect(0, 0, rgb.cols / 2, rgb.rows / 2)));
        for (int flip = 0; flip < 2; ++flip) {
          cv::Mat view = frame;
          if (flip == 1) cv::flip(frame, view, 1);
          std::vector<std::string> warnings;
          const auto face = FindFace(view, warnings);
          if (!warnings.empty() && warnings[0] == "face_detector_missing") {
            GTEST_SKIP() << "opencv-data (Haar cascades) not installed";
          }
          EXPECT_FALSE(face.has_value()) << "seed " << o.seed << " turn " << turn << " crop "
                                         << crop << " flip " << flip;
          ++frames;
        }
      }
    }
  }
  EXPECT_EQ(frames, 96);
}

}  // namespace
}  // namespace skintrack::core

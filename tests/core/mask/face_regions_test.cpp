#include "core/mask/face_regions.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/color/srgb.h"
#include "core/io/image_io.h"
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

}  // namespace
}  // namespace skintrack::core

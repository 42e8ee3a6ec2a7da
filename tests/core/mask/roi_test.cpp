#include "core/mask/roi.h"

#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "test_support/temp_dir.h"

namespace skintrack::core {
namespace {

void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(Roi, FillsPolygonsFromJson) {
  testing::TempDir dir;
  WriteText(dir / "roi.json",
            R"({"schema": "skintrack.roi/1", "polygons": [[[10, 10], [50, 10], [50, 30], [10, 30]]]})");
  auto mask = LoadRoiMask(dir / "roi.json", cv::Size(100, 80));
  ASSERT_TRUE(mask.ok()) << mask.error().message;
  EXPECT_NEAR(cv::countNonZero(*mask), 41 * 21, 5);
  EXPECT_EQ(mask->at<uchar>(20, 30), 255);
  EXPECT_EQ(mask->at<uchar>(50, 70), 0);
  WriteText(dir / "short.json", R"({"polygon": [[0, 0], [99, 0], [99, 79]]})");
  auto triangle = LoadRoiMask(dir / "short.json", cv::Size(100, 80));
  ASSERT_TRUE(triangle.ok());
  EXPECT_NEAR(cv::countNonZero(*triangle), 100 * 80 / 2, 150);
}

TEST(Roi, ReadsMaskPng) {
  testing::TempDir dir;
  cv::Mat png(60, 90, CV_8U, cv::Scalar(0));
  png(cv::Rect(0, 0, 30, 60)).setTo(1);
  ASSERT_TRUE(cv::imwrite((dir / "roi.png").string(), png));
  auto mask = LoadRoiMask(dir / "roi.png", cv::Size(90, 60));
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(cv::countNonZero(*mask), 30 * 60);
}

TEST(Roi, RejectsBadFilesWithClearErrors) {
  testing::TempDir dir;
  cv::Mat png(60, 90, CV_8U, cv::Scalar(255));
  ASSERT_TRUE(cv::imwrite((dir / "small.png").string(), png));
  auto wrong_size = LoadRoiMask(dir / "small.png", cv::Size(100, 100));
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_EQ(wrong_size.error().code, ErrorCode::kBadInput);
  EXPECT_NE(wrong_size.error().message.find("90x60"), std::string::npos);

  WriteText(dir / "bad.json", "{not json");
  EXPECT_EQ(LoadRoiMask(dir / "bad.json", cv::Size(10, 10)).error().code, ErrorCode::kBadInput);
  WriteText(dir / "two.json", R"({"polygon": [[0, 0], [5, 5]]})");
  auto two = LoadRoiMask(dir / "two.json", cv::Size(10, 10));
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("3"), std::string::npos);
  WriteText(dir / "outside.json", R"({"polygon": [[200, 200], [300, 200], [300, 300]]})");
  EXPECT_FALSE(LoadRoiMask(dir / "outside.json", cv::Size(10, 10)).ok());
  EXPECT_FALSE(LoadRoiMask(dir / "missing.png", cv::Size(10, 10)).ok());
  WriteText(dir / "text.png", "not an image");
  EXPECT_EQ(LoadRoiMask(dir / "text.png", cv::Size(10, 10)).error().code, ErrorCode::kBadInput);
}

}  // namespace
}  // namespace skintrack::core

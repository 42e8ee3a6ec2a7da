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

// Regressions from hardening (issue 12): absurd coordinates, too many vertices and a mask PNG that
// declares a huge size are refused with kBadInput before any work or allocation.
TEST(Roi, RefusesAbsurdPolygonsBeforeDrawing) {
  auto huge = RoiMaskFromPolygonJson(R"({"polygon": [[0, 0], [1e300, 0], [0, 5]]})",
                                     cv::Size(10, 10), "huge.json");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kBadInput);
  EXPECT_NE(huge.error().message.find("outside +-1e6 pixels"), std::string::npos)
      << huge.error().message;
  std::string many = R"({"polygon": [)";
  for (std::size_t i = 0; i <= kMaxRoiVertices; ++i) many += (i ? ",[1,2]" : "[1,2]");
  many += "]}";
  auto too_many = RoiMaskFromPolygonJson(many, cv::Size(10, 10), "many.json");
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().message.find("more than the limit"), std::string::npos);
  auto not_json = RoiMaskFromPolygonJson("{\"polygon\": [[0, 0], [5, 0], [0, 5]", cv::Size(10, 10),
                                         "cut.json");
  ASSERT_FALSE(not_json.ok());
  EXPECT_NE(not_json.error().message.find("not valid JSON"), std::string::npos);
  // Edge vertices far outside the image are clipped, not refused.
  auto clipped = RoiMaskFromPolygonJson(R"({"polygon": [[-1e5, -1e5], [1e5, -1e5], [0, 1e5]]})",
                                        cv::Size(10, 10), "big.json");
  ASSERT_TRUE(clipped.ok()) << clipped.error().message;
  EXPECT_EQ(cv::countNonZero(*clipped), 100);
}

// A polygon on one line was filled as its outline, a line of pixels measured as if a region.
TEST(Roi, PolygonEnclosingNoAreaIsBadInput) {
  for (const char* json : {R"({"polygons": [[[500, 600], [700, 600], [900, 600]]]})",
                           R"({"polygon": [[50, 60], [50, 60], [50, 60]]})",
                           R"({"polygon": [[0, 0], [10, 10], [20, 20], [5, 5]]})"}) {
    auto mask = RoiMaskFromPolygonJson(json, cv::Size(1000, 800), "line.json");
    ASSERT_FALSE(mask.ok()) << json;
    EXPECT_EQ(mask.error().code, ErrorCode::kBadInput);
    EXPECT_NE(mask.error().message.find("encloses no area"), std::string::npos)
        << mask.error().message;
  }
  // A self-crossing outline (a bow tie) still encloses its two lobes.
  auto bow_tie = RoiMaskFromPolygonJson(R"({"polygon": [[10, 10], [90, 70], [90, 10], [10, 70]]})",
                                        cv::Size(100, 80), "bow.json");
  ASSERT_TRUE(bow_tie.ok()) << bow_tie.error().message;
  EXPECT_GT(cv::countNonZero(*bow_tie), 1000);
}

TEST(Roi, MaskPngDeclaringAHugeSizeIsRefusedFromItsHeader) {
  testing::TempDir dir;
  // A valid PNG header declaring 60000 x 60000 pixels with a tiny body.
  auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string png("\x89PNG\r\n\x1a\n", 8);
  png += be32(13) + "IHDR" + be32(60000) + be32(60000) + std::string("\x08\x00\x00\x00\x00", 5) +
         be32(0);
  const std::string idat("\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
  png += be32(static_cast<std::uint32_t>(idat.size())) + "IDAT" + idat + be32(0);
  png += be32(0) + "IEND" + be32(0xAE426082);
  WriteText(dir / "bomb.png", png);
  auto mask = LoadRoiMask(dir / "bomb.png", cv::Size(100, 80));
  ASSERT_FALSE(mask.ok());
  EXPECT_EQ(mask.error().code, ErrorCode::kBadInput);
  EXPECT_NE(mask.error().message.find("is 60000x60000 but the image is 100x80"), std::string::npos)
      << mask.error().message;
}

}  // namespace
}  // namespace skintrack::core

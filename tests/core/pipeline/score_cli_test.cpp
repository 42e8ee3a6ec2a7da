// CLI golden test: `skintrack score --json` on a generated capture, numbers with tolerances, and
// the documented exit codes for bad input and for a capture without skin.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/pipeline/generated_capture.h"
#include "test_support/photos.h"
#include "test_support/temp_dir.h"

namespace skintrack {
namespace {

namespace fs = std::filesystem;

struct ProcessRun {
  int exit_code = -1;
  std::string out;
};

ProcessRun RunSkintrack(const std::string& args) {
  const std::string command =
      std::string(SKINTRACK_BINARY_DIR) + "/src/cli/skintrack " + args + " 2>/dev/null";
  ProcessRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Golden values for the generated close-up at 20 px/mm (see generated_capture.h for the truth:
// 36 pores of 0.3 mm, 24 mm of 0.4 mm lines over 12 cm^2, one 4 mm scar, skin linear RGB
// (0.42, 0.27, 0.20)). Tolerances cover compiler/OpenCV differences and the method's error.
struct Golden {
  const char* group;
  const char* key;
  double value;
  double tolerance;
};
constexpr Golden kGolden[] = {
    {"pores", "count", 36, 2},
    {"pores", "mean_diameter_mm", 0.30, 0.03},
    {"pores", "density_per_cm2", 3.0, 0.3},
    // Truth is 2.0 mm/cm^2 and 0.4 mm; the golden pins today's output. (It was 2.74 and 0.59
    // while the scar's shadowed rim was counted as a line, then 2.09.) The inside of the 4 mm
    // dark disc is a ring after the spot-removal closing; a piece of that ring is on the edge of
    // passing as a line (it did, 2.47, while the dark-line test also tested pixels below the
    // contrast floor). The lines here are hard-edged bars, which the width convention (FWHM of a
    // Gaussian groove, docs/METRICS.md) reads 12 % narrow.
    {"wrinkles", "length_mm_per_cm2", 2.13, 0.2},
    {"wrinkles", "mean_width_mm", 0.35, 0.05},
    {"scars", "count", 1, 0},
    {"redness", "a_star_mean", 10.05, 0.3},
    {"pigmentation", "ita_deg", 38.9, 0.8},
};

TEST(ScoreCli, JsonMatchesGoldenNumbers) {
  testing::TempDir dir;
  const fs::path image = testing::WriteCloseUp(dir.path());
  const ProcessRun run = RunSkintrack("score " + image.string() + " --px-per-mm 20 --json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const auto doc = nlohmann::json::parse(run.out);
  EXPECT_EQ(doc["schema"], "skintrack.score/1");
  for (const Golden& g : kGolden) {
    ASSERT_TRUE(doc["metrics"][g.group].contains(g.key)) << g.group << "." << g.key;
    EXPECT_NEAR(doc["metrics"][g.group][g.key].get<double>(), g.value, g.tolerance)
        << g.group << "." << g.key;
  }
}

TEST(ScoreCli, ExitCodesForBadInputAndNoSkin) {
  testing::TempDir dir;
  EXPECT_EQ(RunSkintrack("score " + (dir / "missing.jpg").string() + " --json").exit_code, 2);
  const fs::path image = testing::WriteCloseUp(dir.path());
  EXPECT_EQ(RunSkintrack("score " + image.string() + " --roi " + (dir / "none.png").string())
                .exit_code,
            2);
  const cv::Mat grey(200, 200, CV_8UC3, cv::Scalar(128, 128, 128));
  cv::imwrite((dir / "grey.png").string(), grey);
  EXPECT_EQ(RunSkintrack("score " + (dir / "grey.png").string() + " --json").exit_code, 3);
}

TEST(ScoreCli, GreyscalePhotoNeedsARoiAndIsFlagged) {
  testing::TempDir dir;
  const cv::Mat colour = cv::imread(testing::WriteCloseUp(dir.path()).string());
  ASSERT_FALSE(colour.empty());
  cv::Mat grey;
  cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
  const fs::path grey_path = dir / "grey_closeup.jpg";
  ASSERT_TRUE(cv::imwrite(grey_path.string(), grey));
  // Skin cannot be found by colour in a greyscale photo.
  EXPECT_EQ(RunSkintrack("score " + grey_path.string() + " --json").exit_code, 3);
  // With the skin given, it is scored, and the colour metrics carry the warning.
  const fs::path roi = dir / "roi.png";
  ASSERT_TRUE(cv::imwrite(roi.string(), cv::Mat(grey.size(), CV_8U, cv::Scalar(255))));
  const ProcessRun run =
      RunSkintrack("score " + grey_path.string() + " --roi " + roi.string() + " --json");
  ASSERT_EQ(run.exit_code, 0);
  const nlohmann::json doc = nlohmann::json::parse(run.out);
  const auto& warnings = doc["warnings"];
  EXPECT_NE(std::find(warnings.begin(), warnings.end(), "greyscale"), warnings.end())
      << warnings.dump();
  EXPECT_GT(doc["quality"]["colourless_pct"].get<double>(), 95.0);
}

TEST(ScoreCli, HeavilyCompressedJpegIsFlagged) {
  testing::TempDir dir;
  const cv::Mat colour = cv::imread(testing::WriteCloseUp(dir.path()).string());
  ASSERT_FALSE(colour.empty());
  for (const int quality : {30, 92}) {
    const fs::path path = dir / ("closeup_q" + std::to_string(quality) + ".jpg");
    ASSERT_TRUE(cv::imwrite(path.string(), colour, {cv::IMWRITE_JPEG_QUALITY, quality}));
    const ProcessRun run = RunSkintrack("score " + path.string() + " --json");
    ASSERT_EQ(run.exit_code, 0) << quality;
    const nlohmann::json doc = nlohmann::json::parse(run.out);
    EXPECT_NEAR(doc["input"]["jpeg_quality"].get<int>(), quality, 1);
    const auto& warnings = doc["warnings"];
    const bool flagged =
        std::find(warnings.begin(), warnings.end(), "heavy_compression") != warnings.end();
    EXPECT_EQ(flagged, quality < 50) << quality << ": " << warnings.dump();
  }
}

// A PNG with transparent pixels is scored on the colour stored under them, and says so; an opaque
// alpha channel is no reason to warn.
TEST(ScoreCli, TransparentPixelsAreFlagged) {
  testing::TempDir dir;
  const cv::Mat colour = cv::imread(testing::WriteCloseUp(dir.path()).string());
  ASSERT_FALSE(colour.empty());
  cv::Mat rgba;
  cv::cvtColor(colour, rgba, cv::COLOR_BGR2BGRA);
  const fs::path opaque = dir / "opaque.png";
  ASSERT_TRUE(cv::imwrite(opaque.string(), rgba));
  rgba(cv::Rect(0, 0, rgba.cols / 4, rgba.rows))
      .forEach<cv::Vec4b>([](cv::Vec4b& pixel, const int*) { pixel[3] = 0; });
  const fs::path cut_out = dir / "cut_out.png";
  ASSERT_TRUE(cv::imwrite(cut_out.string(), rgba));
  for (const auto& [path, expected] : {std::pair{opaque, false}, std::pair{cut_out, true}}) {
    const ProcessRun run = RunSkintrack("score " + path.string() + " --px-per-mm 20 --json");
    ASSERT_EQ(run.exit_code, 0) << path;
    const nlohmann::json doc = nlohmann::json::parse(run.out);
    const auto& warnings = doc["warnings"];
    const bool flagged =
        std::find(warnings.begin(), warnings.end(), "alpha_ignored") != warnings.end();
    EXPECT_EQ(flagged, expected) << path << ": " << warnings.dump();
    if (expected) {
      bool says_share = false;
      for (const auto& w : doc["quality"]["warnings"]) {
        if (w["code"] == "alpha_ignored") {
          says_share = w["message"].get<std::string>().rfind("25.0 %", 0) == 0;
        }
      }
      EXPECT_TRUE(says_share) << doc["quality"]["warnings"].dump();
    }
  }
}

// A whole-face portrait: both eyes are cleared from the mask, and scars counted on it carry the
// warning that facial relief counts too. A close-up without a face carries neither.
TEST(ScoreCli, WholeFaceExcludesEyesAndQualifiesScars) {
  fs::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const ProcessRun face = RunSkintrack("score " + (photos / "faces" / "001_03.jpg").string() +
                                       " --json");
  ASSERT_EQ(face.exit_code, 0);
  const nlohmann::json doc = nlohmann::json::parse(face.out);
  if (doc["metrics"]["mask"]["face"].is_null()) GTEST_SKIP() << "no Haar cascades installed";
  EXPECT_EQ(doc["metrics"]["mask"]["eyes_excluded"].size(), 2u);
  EXPECT_EQ(doc["metrics"]["mask"]["mouth_excluded"].size(), 4u);  // [x, y, width, height]
  const auto& warnings = doc["warnings"];
  const bool qualified =
      std::find(warnings.begin(), warnings.end(), "scars_on_whole_face") != warnings.end();
  EXPECT_EQ(qualified, doc["metrics"]["scars"]["count"].get<double>() > 0) << warnings.dump();
  // Scars are searched in the forehead, cheeks and chin, not on the nose.
  const auto& searched = doc["metrics"]["mask"]["scar_regions"];
  ASSERT_TRUE(searched.is_array()) << doc["metrics"]["mask"].dump();
  EXPECT_EQ(std::count(searched.begin(), searched.end(), "nose"), 0);
  EXPECT_EQ(std::count(searched.begin(), searched.end(), "left_cheek"), 1);
  EXPECT_EQ(std::count(searched.begin(), searched.end(), "forehead"), 1);

  testing::TempDir dir;
  const ProcessRun closeup = RunSkintrack("score " + testing::WriteCloseUp(dir.path()).string() +
                                          " --json");
  ASSERT_EQ(closeup.exit_code, 0);
  const nlohmann::json close_doc = nlohmann::json::parse(closeup.out);
  EXPECT_TRUE(close_doc["metrics"]["mask"]["eyes_excluded"].empty());
  EXPECT_TRUE(close_doc["metrics"]["mask"]["mouth_excluded"].is_null());
  EXPECT_TRUE(close_doc["metrics"]["mask"]["scar_regions"].is_null());
  const auto& close_warnings = close_doc["warnings"];
  EXPECT_EQ(std::find(close_warnings.begin(), close_warnings.end(), "scars_on_whole_face"),
            close_warnings.end());
}

}  // namespace
}  // namespace skintrack

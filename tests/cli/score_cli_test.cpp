// End-to-end tests of `skintrack score` through the real binary.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/base/atomic_file.h"
#include "core/base/sha256.h"
#include "test_support/photos.h"
#include "test_support/run_process.h"
#include "test_support/temp_dir.h"

namespace skintrack {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunSkintrack;

// A deterministic synthetic capture: skin-coloured with smooth shading and a few dark spots.
fs::path WriteGeneratedCapture(const testing::TempDir& dir) {
  cv::Mat image(480, 640, CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      const double shade = 0.85 + 0.15 * std::sin(x / 90.0) * std::cos(y / 70.0);
      image.at<cv::Vec3b>(y, x) = {cv::saturate_cast<uchar>(130 * shade),
                                   cv::saturate_cast<uchar>(150 * shade),
                                   cv::saturate_cast<uchar>(205 * shade)};
    }
  }
  for (int i = 0; i < 12; ++i) {
    cv::circle(image, {40 + 50 * i, 100 + 20 * (i % 5)}, 4, cv::Scalar(90, 100, 150), cv::FILLED);
  }
  const fs::path path = dir / "generated.png";
  EXPECT_TRUE(cv::imwrite(path.string(), image));
  return path;
}

void ExpectNear(const json& actual, const json& expected, const std::string& where) {
  if (expected.is_object()) {
    for (const auto& [key, value] : expected.items()) {
      ASSERT_TRUE(actual.contains(key)) << where << "." << key << " missing";
      ExpectNear(actual[key], value, where + "." + key);
    }
  } else if (expected.is_number_float()) {
    ASSERT_TRUE(actual.is_number()) << where;
    const double tolerance = 1e-3 * std::max(1.0, std::abs(expected.get<double>()));
    EXPECT_NEAR(actual.get<double>(), expected.get<double>(), tolerance) << where;
  } else {
    EXPECT_EQ(actual, expected) << where;
  }
}

TEST(ScoreCli, JsonMatchesGoldenWithinTolerance) {
  testing::TempDir dir;
  const fs::path image = WriteGeneratedCapture(dir);
  const auto run = RunSkintrack({"score", image.string(), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json doc = json::parse(run.out);
  EXPECT_EQ(doc["schema"], "skintrack.score/1");
  EXPECT_EQ(doc["tool"]["name"], "skintrack");
  EXPECT_FALSE(doc["tool"]["version"].get<std::string>().empty());
  EXPECT_EQ(doc["input"]["sha256"], *Sha256OfFile(image));
  std::ifstream golden_file(fs::path(SKINTRACK_TEST_DATA_DIR) / "golden" / "score_generated.json");
  ASSERT_TRUE(golden_file) << "golden file missing";
  const json golden = json::parse(golden_file);
  ExpectNear(doc["input"], golden["input"], "input");
  ExpectNear(doc["quality"], golden["quality"], "quality");
  ASSERT_TRUE(doc.contains("calibration"));
  ASSERT_TRUE(doc.contains("metrics"));
}

// A chart smaller than the Classic (the phantom scales its chart down to fit a close-up): the
// scale is right only when the chart's pitch is given, and is off by pitch / 44 mm when it is not.
TEST(ScoreCli, ChartPitchSetsTheScaleOfASmallChart) {
  testing::TempDir dir;
  const fs::path out = dir / "phantom";
  const auto made = RunSkintrack({"phantom", "-o", out.string(), "--seed", "5", "--sessions", "1",
                                  "--subjects", "responder", "--size", "1200x900", "--px-per-mm",
                                  "12", "--no-capture-variation"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::ifstream truth_file(out / "truth.json");
  const json truth = json::parse(truth_file);
  const json& chart = truth["subjects"][0]["chart"];
  ASSERT_TRUE(chart["present"].get<bool>());
  const double pitch_mm = chart["patch_pitch_mm"].get<double>();
  ASSERT_LT(pitch_mm, 20.0) << "the phantom's chart should be a reduced one here";
  // The phantom says so, with the option to give.
  char hint[64];
  std::snprintf(hint, sizeof(hint), "--chart-pitch-mm %.2f", pitch_mm);
  EXPECT_NE(made.out.find(hint), std::string::npos) << made.out;
  const std::string image = (out / "S01" / "S01_baseline.jpg").string();
  const double truth_px_per_mm = 12.0;
  const auto warned = [](const json& doc, const std::string& code) {
    for (const json& w : doc["warnings"]) {
      if (w == code) return true;
    }
    return false;
  };

  const auto given =
      RunSkintrack({"score", image, "--json", "--chart-pitch-mm", std::to_string(pitch_mm)});
  ASSERT_EQ(given.exit_code, 0) << given.err;
  const json with_pitch = json::parse(given.out);
  ASSERT_TRUE(with_pitch["calibration"]["chart_found"].get<bool>());
  EXPECT_NEAR(with_pitch["calibration"]["px_per_mm"].get<double>() / truth_px_per_mm, 1.0, 0.02);
  EXPECT_NEAR(with_pitch["metrics"]["analysis"]["px_per_mm"].get<double>() /
                  (truth_px_per_mm * with_pitch["metrics"]["analysis"]["scale"].get<double>()),
              1.0, 0.02);

  const auto assumed = RunSkintrack({"score", image, "--json"});
  ASSERT_EQ(assumed.exit_code, 0) << assumed.err;
  const json classic = json::parse(assumed.out);
  EXPECT_NEAR(
      classic["calibration"]["px_per_mm"].get<double>() / (truth_px_per_mm * pitch_mm / 44.0), 1.0,
      0.02);
  // Read as a Classic the capture is 1.6 px/mm: pores, wrinkles and scars are all below its
  // resolution, and each group says so. At its true 12 px/mm only the pores' sizes are marginal.
  for (const char* code : {"pores_below_resolution", "wrinkles_below_resolution",
                           "wrinkles_unresolved", "scars_below_resolution"}) {
    EXPECT_TRUE(warned(classic, code)) << code;
    EXPECT_FALSE(warned(with_pitch, code)) << code;
  }
  EXPECT_TRUE(warned(with_pitch, "pores_near_resolution"));
  // Read as a Classic, the close-up's pores vanish below the resolution: the score says to check
  // the chart's size.
  EXPECT_TRUE(warned(classic, "chart_pitch_check"));
  EXPECT_FALSE(warned(with_pitch, "chart_pitch_check"));

  for (const char* bad : {"nan", "inf", "0", "-4", "300", "4mm"}) {
    const auto run = RunSkintrack({"score", image, "--chart-pitch-mm", bad});
    EXPECT_EQ(run.exit_code, 1) << bad;
    EXPECT_NE(run.err.find("chart-pitch-mm"), std::string::npos) << run.err;
  }
  // Every command that scores takes the option and checks it alike.
  const std::string db = (dir / "s.db").string();
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"compare", image, image}, {"batch", image, "-o", db},
        {"import", image, "--db", db}, {"rescore", "--db", db}, {"calibrate", image}}) {
    std::vector<std::string> args = command;
    args.insert(args.end(), {"--chart-pitch-mm", "nan"});
    const auto run = RunSkintrack(args);
    EXPECT_EQ(run.exit_code, 1) << command[0];
    EXPECT_NE(run.err.find("--chart-pitch-mm must be between 1 and 200 mm"), std::string::npos)
        << command[0] << ": " << run.err;
  }
}

// Every command that takes a scale checks it against one plausible range. CLI::PositiveNumber let
// NaN through (then silently ignored), took 1e9 (failing later as "skin mask holds only 0
// pixels") and 1e-9, and printed DBL_MAX as a 309-digit number for 0.
// Dark skin at 10 px/mm (pores near the resolution) is warned that its lines, scars and pores
// are unreliable; the same skin at 20 px/mm and light skin at 10 px/mm are not.
TEST(ScoreCli, DarkSkinFarAwayIsWarned) {
  testing::TempDir dir;
  const auto warnings_of = [&](const char* tone, const char* px_per_mm) {
    const fs::path out = dir / (std::string(tone) + "_" + px_per_mm);
    const auto made = RunSkintrack({"phantom", "-o", out.string(), "--seed", "33", "--sessions",
                                    "1", "--subjects", "responder", "--size", "900x700",
                                    "--px-per-mm", px_per_mm, "--tone", tone, "--no-chart"});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    const auto run = RunSkintrack(
        {"score", (out / "S01" / "S01_baseline.jpg").string(), "--px-per-mm", px_per_mm, "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const json doc = json::parse(run.out);
    std::vector<std::string> codes;
    for (const json& w : doc["warnings"]) codes.push_back(w.get<std::string>());
    return codes;
  };
  const auto has = [](const std::vector<std::string>& codes, const char* code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
  };
  const auto dark_far = warnings_of("dark", "10");
  EXPECT_TRUE(has(dark_far, "pores_near_resolution"));
  EXPECT_TRUE(has(dark_far, "dark_skin_low_resolution"));
  EXPECT_FALSE(has(warnings_of("dark", "20"), "dark_skin_low_resolution"));
  const auto light_far = warnings_of("light", "10");
  EXPECT_TRUE(has(light_far, "pores_near_resolution"));
  EXPECT_FALSE(has(light_far, "dark_skin_low_resolution"));
}

TEST(ScoreCli, PxPerMmOutsideThePlausibleRangeIsAUsageError) {
  testing::TempDir dir;
  const std::string image = WriteGeneratedCapture(dir).string();
  for (const char* bad : {"nan", "inf", "0", "-2", "1e9", "1e-9", "2000", "0.05"}) {
    const auto run = RunSkintrack({"score", image, "--json", "--px-per-mm", bad});
    EXPECT_EQ(run.exit_code, 1) << bad;
    EXPECT_NE(
        run.err.find(std::string("--px-per-mm must be between 0.1 and 1000 px/mm, not ") + bad),
        std::string::npos)
        << run.err;
    EXPECT_EQ(run.err.find("179769"), std::string::npos) << run.err;
  }
  const std::string db = (dir / "s.db").string();
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"import", image, "--db", db},
        {"compare", image, image},
        {"surface", "--lights", (dir / "lights.json").string()}}) {
    std::vector<std::string> args = command;
    args.insert(args.end(), {"--px-per-mm", "nan"});
    const auto run = RunSkintrack(args);
    EXPECT_EQ(run.exit_code, 1) << command[0];
    EXPECT_NE(run.err.find("--px-per-mm must be between 0.1 and 1000 px/mm"), std::string::npos)
        << command[0] << ": " << run.err;
  }
  // The other number options that printed DBL_MAX as their upper bound.
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"surface", "--lights", "l.json", "--cutoff-mm", "0"},
        {"surface", "--lights", "l.json", "--scar-depth-mm", "nan"},
        {"batch", image, "-o", db, "--image-timeout", "nan"}}) {
    const std::string& option = command[command.size() - 2];
    const auto run = RunSkintrack(command);
    EXPECT_EQ(run.exit_code, 1) << option;
    EXPECT_NE(run.err.find(option + " must be between"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("179769"), std::string::npos) << run.err;
  }
}

// Thin slivers reached OpenCV's resize with an empty size: exit 5 with its assertion text (and no
// JSON at all for 4000x1), or "no skin-coloured pixels" for the tiny ones.
TEST(ScoreCli, ImagesTooSmallToScoreAreBadInput) {
  testing::TempDir dir;
  for (const cv::Size size : {cv::Size(4000, 3), cv::Size(4000, 1), cv::Size(3, 4000),
                              cv::Size(8, 8), cv::Size(1, 1), cv::Size(300, 3)}) {
    const std::string dims = std::to_string(size.width) + "x" + std::to_string(size.height);
    const fs::path path = dir / ("thin_" + dims + ".png");
    ASSERT_TRUE(cv::imwrite(path.string(), cv::Mat(size, CV_8UC3, cv::Scalar(130, 150, 205))));
    const auto run = RunSkintrack({"score", path.string(), "--json"});
    EXPECT_EQ(run.exit_code, 2) << dims << ": " << run.err;
    EXPECT_NE(run.err.find("the image is too small to score (" + dims +
                           " px); skintrack needs at least 32 px on each side"),
              std::string::npos)
        << run.err;
    EXPECT_EQ(run.err.find("OpenCV"), std::string::npos) << run.err;
    ASSERT_FALSE(run.out.empty()) << dims;
    const json doc = json::parse(run.out);
    EXPECT_EQ(doc["error"]["category"], "bad_input") << dims;
  }
  // calibrate has no skin to find: it runs, and says why no chart was searched for.
  const auto calibrated = RunSkintrack({"calibrate", (dir / "thin_4000x1.png").string(), "--json"});
  ASSERT_EQ(calibrated.exit_code, 0) << calibrated.err;
  const json doc = json::parse(calibrated.out);
  const std::string detection = doc["calibration"]["detection"].get<std::string>();
  EXPECT_NE(detection.find("too small to hold a 24-patch chart"), std::string::npos) << detection;
  EXPECT_EQ(calibrated.err.find("OpenCV"), std::string::npos) << calibrated.err;
}

// An output name without an image extension got as far as OpenCV, which refused it with its own
// text and the temporary file's name, after the whole calibration (exit 4).
TEST(ScoreCli, ImageOutputNeedsAnImageExtension) {
  testing::TempDir dir;
  const std::string image = WriteGeneratedCapture(dir).string();
  for (const char* name : {"corrected", "corrected.bmp", "corrected.txt"}) {
    const fs::path out = dir / name;
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"calibrate", image, "--json", "-o", out.string()},
          {"align", image, image, "--json", "-o", out.string()}}) {
      const auto run = RunSkintrack(command);
      EXPECT_EQ(run.exit_code, 1) << command[0] << " " << name << ": " << run.err;
      EXPECT_NE(run.err.find("must end in .png, .tif/.tiff or .jpg/.jpeg"), std::string::npos)
          << run.err;
      EXPECT_EQ(run.err.find("OpenCV"), std::string::npos) << run.err;
      EXPECT_EQ(run.err.find(".tmp-"), std::string::npos) << run.err;
      EXPECT_FALSE(fs::exists(out)) << name;
    }
  }
  // A 16-bit capture written as JPEG is reduced to 8 bits, not clipped to white.
  cv::Mat bgr16;
  cv::imread(image).convertTo(bgr16, CV_16U, 257.0);
  const fs::path image16 = dir / "capture16.png";
  ASSERT_TRUE(cv::imwrite(image16.string(), bgr16));
  const fs::path jpeg = dir / "Corrected.JPG";
  const auto run = RunSkintrack({"calibrate", image16.string(), "-o", jpeg.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const cv::Mat written = cv::imread(jpeg.string());
  ASSERT_FALSE(written.empty());
  EXPECT_LT(cv::mean(written)[0], 200.0);
}

// A message holding bytes that are not UTF-8 (a file name) made the JSON error document throw:
// exit 5 "internal error" and no document instead of exit 2 with one.
TEST(ScoreCli, ErrorDocumentSurvivesAFileNameThatIsNotUtf8) {
  testing::TempDir dir;
  const auto run = RunSkintrack({"score", (dir / "visit\xff.jpg").string(), "--json"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  const json doc = json::parse(run.out);
  EXPECT_EQ(doc["error"]["category"], "bad_input");
}

TEST(ScoreCli, TruncatedJpegExitsTwoNamingFileAndProblem) {
  testing::TempDir dir;
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", cv::Mat(300, 400, CV_8UC3, cv::Scalar(90, 120, 200)), jpeg);
  const fs::path path = dir / "visit3_cheek.jpg";
  ASSERT_TRUE(WriteFileAtomic(path, std::string(jpeg.begin(), jpeg.begin() + jpeg.size() / 2)).ok());
  const auto run = RunSkintrack({"score", path.string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("visit3_cheek.jpg"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("truncated"), std::string::npos) << run.err;
}

TEST(ScoreCli, HugeDeclaredPngExitsTwoWithoutAllocating) {
  testing::TempDir dir;
  auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string png("\x89PNG\r\n\x1a\n", 8);
  png += be32(13) + "IHDR" + be32(60000) + be32(60000) + std::string("\x08\x02\x00\x00\x00", 5) + be32(0);
  const std::string idat("\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
  png += be32(8) + "IDAT" + idat + be32(0) + be32(0) + "IEND" + be32(0xAE426082);
  const fs::path path = dir / "bomb.png";
  ASSERT_TRUE(WriteFileAtomic(path, png).ok());
  const auto run = RunSkintrack({"score", path.string(), "--json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("too large"), std::string::npos) << run.err;
  // 100 MB. Under AddressSanitizer (the asan preset) the process starts larger (shadow memory,
  // allocator), so there the limit is what `--version` alone takes plus 100 MB.
  long limit_kib = 100 * 1024;
#if defined(__SANITIZE_ADDRESS__)
  limit_kib += RunSkintrack({"--version"}).max_rss_kib;
#endif
  EXPECT_LT(run.max_rss_kib, limit_kib) << "peak memory " << run.max_rss_kib << " KiB";
  const json doc = json::parse(run.out);
  EXPECT_EQ(doc["error"]["category"], "bad_input");
  EXPECT_EQ(doc["error"]["exit_code"], 2);
}

TEST(ScoreCli, UsageErrorsExitOne) {
  EXPECT_EQ(RunSkintrack({"score"}).exit_code, 1);
  EXPECT_EQ(RunSkintrack({"no-such-command"}).exit_code, 1);
  EXPECT_EQ(RunSkintrack({"score", "x.jpg", "--calibrate", "sometimes"}).exit_code, 1);
}

TEST(ScoreCli, VersionAndHelp) {
  const auto version = RunSkintrack({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("skintrack"), std::string::npos);
  const auto help = RunSkintrack({"score", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--px-per-mm"), std::string::npos);
}

TEST(ScoreCli, MissingFileAndNonImage) {
  testing::TempDir dir;
  auto run = RunSkintrack({"score", (dir / "absent.jpg").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("absent.jpg"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(dir / "notes.txt", "not a photo").ok());
  run = RunSkintrack({"score", (dir / "notes.txt").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("not a JPEG, PNG or TIFF"), std::string::npos);
}

TEST(ScoreCli, RealPhotosScoreWithoutError) {
  fs::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  for (const char* name : {"faces/001_03.jpg", "lesions/PAT_950_1804_334.png"}) {
    const auto run = RunSkintrack({"score", (photos / name).string(), "--json"});
    ASSERT_EQ(run.exit_code, 0) << name << ": " << run.err;
    const json doc = json::parse(run.out);
    EXPECT_GT(doc["input"]["width"].get<int>(), 0);
  }
}

}  // namespace
}  // namespace skintrack

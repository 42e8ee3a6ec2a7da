// The real skintrack-viewer in scripted mode under Xvfb (Mesa llvmpipe): one screenshot per
// compare mode and of the progress panel. Inputs are generated here: two 640x480 "sessions" with
// flat, clearly different tints and dark discs away from the middle row, so a pixel in the middle
// row of the split view tells which side it came from.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/calibration/synthetic_chart.h"
#include "core/color/srgb.h"
#include "test_support/photos.h"
#include "test_support/temp_dir.h"

namespace {

// BGR tints of the two sessions.
const cv::Vec3b kBeforeBgr(150, 170, 205);
const cv::Vec3b kAfterBgr(95, 120, 215);

cv::Mat MakeSession(const cv::Vec3b& tint, int shift_px) {
  cv::Mat image(480, 640, CV_8UC3, cv::Scalar(tint[0], tint[1], tint[2]));
  cv::RNG rng(7);
  for (int i = 0; i < 60; ++i) {
    const int x = rng.uniform(20, 620) + shift_px;
    // Keep the middle band (rows 200..280) flat for the split-pixel check.
    int y = rng.uniform(20, 180);
    if (i % 2 == 1) y = rng.uniform(300, 460);
    const int r = rng.uniform(3, 12);
    cv::circle(image, {x, y}, r, cv::Scalar(tint[0] / 3, tint[1] / 3, tint[2] / 3), cv::FILLED,
               cv::LINE_AA);
  }
  return image;
}

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
  cv::Mat screenshot;
  nlohmann::json layout;
};

class ViewerScripted : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v xvfb-run > /dev/null 2>&1") != 0) {
      if (skintrack::testing::RunningUnderCi()) FAIL() << "xvfb-run is required in CI";
      GTEST_SKIP() << "install xvfb to run the viewer screenshot tests";
    }
    ASSERT_TRUE(cv::imwrite((dir_ / "before.png").string(), MakeSession(kBeforeBgr, 0)));
    ASSERT_TRUE(cv::imwrite((dir_ / "after.png").string(), MakeSession(kAfterBgr, 4)));
    ASSERT_TRUE(cv::imwrite((dir_ / "week4.png").string(), MakeSession(cv::Vec3b(120, 145, 210), 2)));
    std::ofstream(dir_ / "manifest.csv") << "subject,session,date,kind,image\n"
                                            "p01,baseline,2026-01-05,baseline,before.png\n"
                                            "p01,tx1,2026-01-05,treatment,before.png\n"
                                            "p01,week4,2026-02-02,follow-up,week4.png\n"
                                            "p01,week8,2026-03-02,follow-up,after.png\n";
  }

  RunResult Run(const std::string& name, const std::string& arguments,
                const std::string& manifest = "manifest.csv") {
    RunResult result;
    const std::filesystem::path png = dir_ / (name + ".png");
    const std::filesystem::path log = dir_ / (name + ".log");
    const std::string command =
        "xvfb-run -a -s '-screen 0 1600x1000x24' '" SKINTRACK_VIEWER_BINARY "' --manifest '" +
        (dir_ / manifest).string() + "' --settings '" + (dir_ / "settings.json").string() +
        "' --size 1280x800 --no-align --screenshot '" + png.string() + "' " + arguments + " > '" +
        log.string() + "' 2>&1";
    // Under ASan, LeakSanitizer's own tracer now and then crashes at the viewer's exit while
    // Mesa's llvmpipe threads are still stopping ("Tracer caught signal 11 ... LeakSanitizer has
    // encountered a fatal error", google/sanitizers#1353; seen once in this project's CI). That
    // is no finding about the viewer, so such a run is repeated once; a leak report ("detected
    // memory leaks") still fails.
    for (int attempt = 0; attempt < 2; ++attempt) {
      const int status = std::system(command.c_str());
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      result.output = text.str();
      if (result.output.find("LeakSanitizer has encountered a fatal error") == std::string::npos)
        break;
    }
    result.screenshot = cv::imread(png.string(), cv::IMREAD_COLOR);
    std::ifstream sidecar(png.string() + ".json");
    if (sidecar) result.layout = nlohmann::json::parse(sidecar, nullptr, false);
    return result;
  }

  skintrack::testing::TempDir dir_;
};

double GreyStdDev(const cv::Mat& image) {
  cv::Mat grey;
  cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
  cv::Scalar mean, sd;
  cv::meanStdDev(grey, mean, sd);
  return sd[0];
}

cv::Mat CompareRegion(const RunResult& run) {
  const auto& r = run.layout.at("compare_view_px");
  const cv::Rect rect(static_cast<int>(r[0].get<double>()), static_cast<int>(r[1].get<double>()),
                      static_cast<int>(r[2].get<double>()), static_cast<int>(r[3].get<double>()));
  return run.screenshot(rect & cv::Rect(0, 0, run.screenshot.cols, run.screenshot.rows));
}

bool Near(const cv::Vec3b& a, const cv::Vec3b& b, int tolerance) {
  for (int c = 0; c < 3; ++c) {
    if (std::abs(int{a[c]} - int{b[c]}) > tolerance) return false;
  }
  return true;
}

TEST_F(ViewerScripted, WritesDistinctScreenshotsForEveryModeAndTheProgressPanel) {
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"side", "--mode side"},
      {"split", "--mode split"},
      {"blink", "--mode blink"},
      {"difference", "--mode difference"},
      {"overlay", "--mode overlay --overlay redness"},
      {"progress", "--mode side --panel progress"},
  };
  std::map<std::string, cv::Mat> compare_views;
  std::map<std::string, cv::Mat> windows;
  for (const auto& [name, arguments] : runs) {
    const std::string score = name == "progress" ? "" : " --no-score";
    RunResult run = Run(name, "--subject p01 --compare baseline week8 --frames 4" + score + " " +
                                  arguments);
    ASSERT_EQ(run.exit_code, 0) << name << ":\n" << run.output;
    ASSERT_FALSE(run.screenshot.empty()) << name << " wrote no screenshot:\n" << run.output;
    EXPECT_EQ(run.screenshot.cols, 1280);
    EXPECT_EQ(run.screenshot.rows, 800);
    ASSERT_TRUE(run.layout.is_object()) << name << " wrote no layout sidecar";
    // Not blank: the whole window and the compare view both carry structure.
    EXPECT_GT(GreyStdDev(run.screenshot), 8.0) << name;
    EXPECT_GT(GreyStdDev(CompareRegion(run)), 4.0) << name;
    compare_views[name] = CompareRegion(run).clone();
    windows[name] = run.screenshot;
  }
  // Every mode draws the comparison differently.
  for (const auto& [a, image_a] : compare_views) {
    for (const auto& [b, image_b] : compare_views) {
      if (a >= b || a == "progress" || b == "progress") continue;
      ASSERT_EQ(image_a.size(), image_b.size());
      cv::Mat diff;
      cv::absdiff(image_a, image_b, diff);
      EXPECT_GT(cv::mean(diff)[0] + cv::mean(diff)[1] + cv::mean(diff)[2], 3.0)
          << a << " and " << b << " look the same";
    }
  }
  // The progress layout differs from the compare layout (the chart takes the large area).
  cv::Mat diff;
  cv::absdiff(windows["progress"], windows["side"], diff);
  EXPECT_GT(cv::mean(diff)[0], 3.0);
}

TEST_F(ViewerScripted, SplitViewShowsBeforeOnTheLeftAndAfterOnTheRight) {
  RunResult run = Run("split", "--subject p01 --compare baseline week8 --mode split --split 0.5 "
                               "--frames 3 --no-score");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_FALSE(run.screenshot.empty()) << run.output;
  const cv::Mat view = CompareRegion(run);
  const int y = view.rows / 2;
  const cv::Vec3b left = view.at<cv::Vec3b>(y, view.cols * 30 / 100);
  const cv::Vec3b right = view.at<cv::Vec3b>(y, view.cols * 70 / 100);
  EXPECT_TRUE(Near(left, kBeforeBgr, 6)) << "left pixel " << left << " should be the baseline "
                                         << kBeforeBgr;
  EXPECT_TRUE(Near(right, kAfterBgr, 6)) << "right pixel " << right << " should be the follow-up "
                                         << kAfterBgr;
  // Moving the wipe to the right edge shows the baseline at the same right-hand pixel.
  RunResult moved = Run("split_moved", "--subject p01 --compare baseline week8 --mode split "
                                       "--split 0.95 --frames 3 --no-score");
  ASSERT_FALSE(moved.screenshot.empty()) << moved.output;
  const cv::Vec3b moved_right = CompareRegion(moved).at<cv::Vec3b>(y, view.cols * 70 / 100);
  EXPECT_TRUE(Near(moved_right, kBeforeBgr, 6)) << moved_right;
}

// Share of the pixels of `region` within `tolerance` of `bgr`.
double ShareNear(const cv::Mat& region, const cv::Vec3b& bgr, int tolerance) {
  int near = 0;
  for (int y = 0; y < region.rows; ++y) {
    for (int x = 0; x < region.cols; ++x) near += Near(region.at<cv::Vec3b>(y, x), bgr, tolerance);
  }
  return static_cast<double>(near) / std::max(1, region.rows * region.cols);
}

// The bounding box of what is not the view's background (the photo as shown), below the band of
// the session labels at the top of the view.
cv::Rect ShownPhoto(const cv::Mat& view) {
  constexpr int kLabelBand = 40;
  const cv::Vec3b background = view.at<cv::Vec3b>(view.rows - 2, 1);
  cv::Mat differs(view.size(), CV_8U, cv::Scalar(0));
  for (int y = kLabelBand; y < view.rows; ++y) {
    for (int x = 0; x < view.cols; ++x) {
      differs.at<uchar>(y, x) = Near(view.at<cv::Vec3b>(y, x), background, 8) ? 0 : 255;
    }
  }
  return cv::boundingRect(differs);
}

// Turned a quarter, the photo stands on its end in the view, and the wipe still divides the view
// left (baseline) from right (follow-up) on screen.
TEST_F(ViewerScripted, ATurnedViewKeepsTheWipeAcrossTheScreen) {
  RunResult run = Run("turned",
                      "--subject p01 --compare baseline week8 --mode split --split 0.5 "
                      "--turn 90 --frames 3 --no-score");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_FALSE(run.screenshot.empty()) << run.output;
  EXPECT_EQ(run.layout.value("turn_deg", -1), 90);
  const cv::Mat view = CompareRegion(run);
  const cv::Rect shown = ShownPhoto(view);
  // 640x480 turned: taller than wide.
  EXPECT_GT(shown.height, shown.width) << shown;
  const cv::Rect left(shown.x, shown.y, shown.width / 2 - 4, shown.height);
  const cv::Rect right(shown.x + shown.width / 2 + 4, shown.y, shown.width / 2 - 4, shown.height);
  // (The dark discs cover part of each side.)
  EXPECT_GT(ShareNear(view(left), kBeforeBgr, 6), 0.6);
  EXPECT_GT(ShareNear(view(right), kAfterBgr, 6), 0.6);
  // Not turned, the same photo lies wider than tall.
  RunResult upright = Run("upright",
                          "--subject p01 --compare baseline week8 --mode split "
                          "--frames 3 --no-score");
  ASSERT_FALSE(upright.screenshot.empty()) << upright.output;
  EXPECT_EQ(upright.layout.value("turn_deg", -1), 0);
  const cv::Rect flat = ShownPhoto(CompareRegion(upright));
  EXPECT_GT(flat.width, flat.height) << flat;
}

// A portrait photographed with the camera on its side: once the baseline's score finds the face
// turned, the view stands it upright (the turn the score reports), and T still turns it by hand.
TEST_F(ViewerScripted, AFacePhotographedSidewaysIsShownUpright) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const cv::Mat portrait = cv::imread((photos / "faces/001_03.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(portrait.empty());
  // Cropped wider than tall and halved, so that the turn shows in the shape and scoring is quick.
  cv::Mat upright;
  cv::resize(portrait(cv::Rect(0, 100, portrait.cols, portrait.rows - 250)), upright, cv::Size(),
             0.5, 0.5, cv::INTER_AREA);
  cv::Mat turned;
  cv::rotate(upright, turned, cv::ROTATE_90_CLOCKWISE);
  ASSERT_TRUE(cv::imwrite((dir_ / "sideways.png").string(), turned));
  std::ofstream(dir_ / "sideways.csv") << "subject,session,date,kind,image\n"
                                          "p03,baseline,2026-01-05,baseline,sideways.png\n"
                                          "p03,week8,2026-03-02,follow-up,sideways.png\n";
  RunResult run = Run("sideways", "--subject p03 --compare baseline week8 --mode split --frames 3",
                      "sideways.csv");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_FALSE(run.screenshot.empty()) << run.output;
  EXPECT_EQ(run.layout.at("scores").at("baseline").value("state", ""), "ready") << run.layout;
  EXPECT_EQ(run.layout.value("turn_deg", -1), 270) << run.layout;
  const cv::Rect shown = ShownPhoto(CompareRegion(run));
  EXPECT_GT(shown.width, shown.height) << shown;
}

// A portrait whose pores are below its resolution: the progress panel leaves the pore values out
// and says why, as `skintrack timeline` does, instead of waiting for values that will not come.
TEST_F(ViewerScripted, PoreValuesBelowThePhotosResolutionAreLeftOutOfTheProgressPanel) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const cv::Mat portrait = cv::imread((photos / "faces/001_03.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(portrait.empty());
  cv::Mat half;
  cv::resize(portrait, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  ASSERT_TRUE(cv::imwrite((dir_ / "portrait.jpg").string(), half, {cv::IMWRITE_JPEG_QUALITY, 95}));
  ASSERT_TRUE(cv::imwrite((dir_ / "resaved.jpg").string(), half, {cv::IMWRITE_JPEG_QUALITY, 80}));
  std::ofstream(dir_ / "portrait.csv") << "subject,session,date,kind,image\n"
                                          "p04,baseline,2026-01-05,baseline,portrait.jpg\n"
                                          "p04,week8,2026-03-02,follow-up,resaved.jpg\n";
  RunResult run =
      Run("portrait",
          "--subject p04 --compare baseline week8 --panel progress --metric pores.count "
          "--frames 3",
          "portrait.csv");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_TRUE(run.layout.contains("progress")) << run.layout;
  const nlohmann::json& progress = run.layout.at("progress");
  EXPECT_EQ(progress.value("metric", ""), "pores.count");
  EXPECT_TRUE(progress.at("sessions").empty()) << progress;
  EXPECT_EQ(progress.value("left_out", ""),
            "left out in baseline, week8, below the photo's resolution (pores_below_resolution)");
}

// The sessions' photos hold no colour chart: their redness is left out of the progress panel, and
// the panel says why, until "same light" states every session had the same light and camera.
TEST_F(ViewerScripted, ColourWithoutAChartIsLeftOutOfTheProgressPanelUnlessTheLightWasTheSame) {
  const std::string arguments =
      "--subject p01 --compare baseline week8 --panel progress --metric redness.a_star_mean "
      "--frames 3";
  RunResult plain = Run("colour", arguments);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  ASSERT_TRUE(plain.layout.contains("progress")) << plain.layout;
  const nlohmann::json& left_out = plain.layout.at("progress");
  EXPECT_TRUE(left_out.at("sessions").empty()) << left_out;
  EXPECT_EQ(left_out.value("left_out", ""),
            "left out in baseline, tx1, week4, week8, colour not calibrated (no colour chart) "
            "(uncalibrated_colour)");
  EXPECT_FALSE(left_out.value("same_light", true));

  RunResult same = Run("same_light", arguments + " --same-light");
  ASSERT_EQ(same.exit_code, 0) << same.output;
  ASSERT_TRUE(same.layout.contains("progress")) << same.layout;
  const nlohmann::json& judged = same.layout.at("progress");
  EXPECT_GE(judged.at("sessions").size(), 3U) << judged;
  EXPECT_EQ(judged.value("left_out", "?"), "");
  EXPECT_TRUE(judged.value("same_light", false));
}

TEST_F(ViewerScripted, TiledTexturesLookLikeOneTexture) {
  RunResult whole = Run("whole", "--subject p01 --compare baseline week8 --mode difference "
                                 "--unaligned --frames 3 --no-score --stats");
  RunResult tiled = Run("tiled", "--subject p01 --compare baseline week8 --mode difference "
                                 "--unaligned --frames 3 --no-score --stats --max-tile 128");
  ASSERT_FALSE(whole.screenshot.empty()) << whole.output;
  ASSERT_FALSE(tiled.screenshot.empty()) << tiled.output;
  cv::Mat diff;
  cv::absdiff(CompareRegion(whole), CompareRegion(tiled), diff);
  EXPECT_LT(cv::mean(diff)[0], 1.5);
  // Uploads happen in the first frame only; 640x480 in 128 px tiles = 5 x 4 tiles per image.
  EXPECT_NE(tiled.output.find("\"uploads_after_first_frame\": 0"), std::string::npos)
      << tiled.output;
  EXPECT_NE(tiled.output.find("\"tile_px\": 128"), std::string::npos) << tiled.output;
}

TEST_F(ViewerScripted, CorruptAndMissingPhotosAreLoggedAndTheViewerKeepsRunning) {
  // A PNG cut in half and a file that does not exist.
  std::ifstream in(dir_ / "after.png", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir_ / "truncated.png", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::ofstream(dir_ / "broken.csv") << "subject,session,date,kind,image\n"
                                        "p02,baseline,2026-01-05,baseline,before.png\n"
                                        "p02,week8,2026-03-02,follow-up,truncated.png\n"
                                        "p02,week12,2026-04-02,follow-up,missing.jpg\n";
  RunResult run = Run("broken", "--subject p02 --compare baseline week8 --mode split --frames 3 "
                                "--no-score", "broken.csv");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  ASSERT_FALSE(run.screenshot.empty()) << "the viewer must keep running:\n" << run.output;
  EXPECT_NE(run.output.find("error"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("truncated.png"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("missing.jpg"), std::string::npos) << run.output;
  ASSERT_TRUE(run.layout.is_object());
  EXPECT_GE(run.layout.value("errors", 0), 2);
}

// A photo of skin beside a small colour chart (15 mm patch pitch, as on a pocket chart) at 8 px/mm:
// the viewer reads the scale from the chart with the pitch it is given, and a Classic's 44 mm
// would make it 15/44 of the truth.
TEST_F(ViewerScripted, ChartPitchSetsTheScaleOfPhotosWithoutOne) {
  constexpr double kPitchMm = 15.0;
  constexpr double kPxPerMm = 8.0;
  cv::Mat rgb(1000, 1600, CV_32FC3, cv::Scalar(0.18, 0.18, 0.18));
  cv::ellipse(rgb, {1200, 600}, {320, 330}, 0, 0, 360, cv::Scalar(0.42, 0.27, 0.20), cv::FILLED);
  skintrack::core::ChartGeometry geometry;
  geometry.patch_pitch_mm = kPitchMm;
  geometry.patch_size_mm = kPitchMm * 40.0 / 44.0;
  skintrack::core::RenderChart(rgb, skintrack::core::ChartPlacement({40, 40}, kPxPerMm, 0.0),
                               geometry, skintrack::core::ChartReference::kPost2014,
                               [](const cv::Vec3d& linear) { return linear; });
  cv::Mat noise(rgb.size(), CV_32FC3);
  cv::RNG(3).fill(noise, cv::RNG::NORMAL, 0.0, 0.004);
  rgb += noise;
  ASSERT_TRUE(cv::imwrite((dir_ / "chart.png").string(), skintrack::core::LinearRgbToBgr8(rgb)));
  std::ofstream(dir_ / "chart_manifest.csv") << "subject,session,date,kind,image\n"
                                                "p02,baseline,2026-01-05,baseline,chart.png\n"
                                                "p02,week8,2026-03-02,follow-up,chart.png\n";

  auto scale_of = [](const RunResult& run, const std::string& session) {
    const nlohmann::json& score = run.layout.at("scores").at(session);
    EXPECT_EQ(score.value("state", ""), "ready") << session;
    EXPECT_EQ(score.value("scale_source", nlohmann::json()), "chart") << session;
    return score.value("px_per_mm", 0.0);
  };
  const std::string common = "--subject p02 --compare baseline week8 --frames 2";
  RunResult given = Run("pitch15", common + " --chart-pitch-mm 15", "chart_manifest.csv");
  ASSERT_EQ(given.exit_code, 0) << given.output;
  ASSERT_TRUE(given.layout.is_object()) << given.output;
  EXPECT_DOUBLE_EQ(given.layout.value("chart_pitch_mm", 0.0), kPitchMm);
  for (const char* session : {"baseline", "week8"}) {
    EXPECT_NEAR(scale_of(given, session) / kPxPerMm, 1.0, 0.03) << session;
  }
  // Without the option the setting's default, the Classic's pitch, reads the chart 44/15 too big.
  RunResult classic = Run("pitch44", common, "chart_manifest.csv");
  ASSERT_EQ(classic.exit_code, 0) << classic.output;
  EXPECT_NEAR(scale_of(classic, "baseline") / (kPxPerMm * kPitchMm / 44.0), 1.0, 0.03);

  for (const char* bad : {"nan", "0", "500"}) {
    RunResult refused = Run("bad", common + " --chart-pitch-mm " + bad, "chart_manifest.csv");
    EXPECT_EQ(refused.exit_code, 1) << bad;
    EXPECT_NE(refused.output.find("chart-pitch-mm"), std::string::npos) << refused.output;
  }
}

}  // namespace

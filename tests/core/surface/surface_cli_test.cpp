// End-to-end: `skintrack surface` on a rendered photometric-stereo set written to disk, and its
// documented exit codes for bad sets.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/color/srgb.h"
#include "core/surface/analytic_surfaces.h"
#include "core/surface/surface_maps.h"
#include "test_support/temp_dir.h"

namespace skintrack::core {
namespace {

const std::filesystem::path kBinary = std::filesystem::path(SKINTRACK_BINARY_DIR) / "src/cli/skintrack";

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

RunResult RunSurfaceCli(const std::string& args, const testing::TempDir& dir) {
  const auto out_path = dir / "stdout.txt";
  const auto err_path = dir / "stderr.txt";
  const std::string command = kBinary.string() + " surface " + args + " >" + out_path.string() +
                              " 2>" + err_path.string();
  const int status = std::system(command.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream out(out_path), err(err_path);
  std::stringstream so, se;
  so << out.rdbuf();
  se << err.rdbuf();
  result.out = so.str();
  result.err = se.str();
  return result;
}

// Writes an 8-light set of a Gaussian pit (depth 0.15 mm, sigma 0.4 mm at 40 px/mm) as 16-bit
// sRGB PNGs with lights.json; returns the lights file.
std::filesystem::path WritePitSet(const testing::TempDir& dir, int lights_count = 8) {
  const double px_per_mm = 40;
  const auto pit = testing::GaussianPit(cv::Size(160, 140), 0.15 * px_per_mm, 0.4 * px_per_mm);
  const auto lights = testing::RingLights(lights_count, 45, 10);
  const auto images = testing::RenderSet(pit, lights, 0.6, 0.002);
  nlohmann::json doc = {{"schema", "skintrack.lights/1"}, {"px_per_mm", px_per_mm}};
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::string name = "ps_0" + std::to_string(i) + ".png";
    cv::Mat rgb;
    cv::merge(std::vector<cv::Mat>{images[i], images[i], images[i]}, rgb);
    cv::imwrite((dir / name).string(), LinearRgbToBgr16(rgb));
    doc["lights"].push_back({{"image", name},
                             {"azimuth_deg", 10 + 360.0 * static_cast<double>(i) / lights_count},
                             {"elevation_deg", 45}});
  }
  const auto path = dir / "lights.json";
  std::ofstream(path) << doc.dump(2);
  return path;
}

class SurfaceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kBinary)) GTEST_SKIP() << "skintrack binary not built";
  }
};

TEST_F(SurfaceCli, WritesHeightMapPreviewsAndMetrics) {
  testing::TempDir dir;
  const auto lights = WritePitSet(dir);
  const auto height = dir / "height.tiff";
  const RunResult r = RunSurfaceCli("--lights " + lights.string() + " -o " + height.string() + " --json", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["schema"], "skintrack.surface/1");
  for (const char* key : {"sa_um", "sq_um", "ssk", "sku", "sp_um", "sv_um", "sz_um", "sdr_pct"}) {
    EXPECT_TRUE(doc["iso25178"].contains(key)) << key;
  }
  ASSERT_EQ(doc["scars"]["count"], 1);
  EXPECT_NEAR(doc["scars"]["depth_max_mm"].get<double>(), 0.15, 0.0075);
  EXPECT_NEAR(doc["surface"]["px_per_mm"].get<double>(), 40.0, 1e-9);
  auto map = LoadHeightMap(height);
  ASSERT_TRUE(map.ok()) << map.error().message;
  EXPECT_EQ(map->type(), CV_32FC1);
  double min_mm = 0;
  cv::minMaxLoc(*map, &min_mm);
  EXPECT_NEAR(min_mm, -0.15, 0.0075);
  EXPECT_TRUE(std::filesystem::exists(dir / "height_shaded.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "height_normals.png"));
  // Human output without --json; images named explicitly, --px-per-mm overriding the file.
  std::string names;
  for (int i = 7; i >= 0; --i) names += " " + (dir / ("ps_0" + std::to_string(i) + ".png")).string();
  const RunResult human = RunSurfaceCli("--lights " + lights.string() + names + " --px-per-mm 40", dir);
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("scars: 1"), std::string::npos) << human.out;
}

TEST_F(SurfaceCli, BadSetsExitTwoWithAMessage) {
  testing::TempDir dir;
  const auto lights = WritePitSet(dir, 4);
  // Extra image without a light entry.
  cv::imwrite((dir / "extra.png").string(), cv::Mat(140, 160, CV_8UC3, cv::Scalar(90, 90, 90)));
  std::string names;
  for (int i = 0; i < 4; ++i) names += " " + (dir / ("ps_0" + std::to_string(i) + ".png")).string();
  RunResult r = RunSurfaceCli("--lights " + lights.string() + names + " " + (dir / "extra.png").string(), dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("extra.png"), std::string::npos) << r.err;
  // Missing image for a light entry.
  r = RunSurfaceCli("--lights " + lights.string() + " " + (dir / "ps_00.png").string() + " " +
              (dir / "ps_01.png").string() + " " + (dir / "ps_02.png").string(),
          dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ps_03.png"), std::string::npos) << r.err;
  // Coplanar lights.
  auto doc = nlohmann::json::parse(std::ifstream(lights));
  for (std::size_t i = 0; i < 4; ++i) {
    doc["lights"][i] = {{"image", doc["lights"][i]["image"]},
                        {"azimuth_deg", i < 2 ? 0 : 180},
                        {"elevation_deg", 30 + 10 * static_cast<int>(i)}};
  }
  std::ofstream(dir / "coplanar.json") << doc.dump();
  r = RunSurfaceCli("--lights " + (dir / "coplanar.json").string(), dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("coplanar"), std::string::npos) << r.err;
  // Images of different sizes.
  cv::imwrite((dir / "ps_02.png").string(), cv::Mat(100, 160, CV_8UC3, cv::Scalar(90, 90, 90)));
  r = RunSurfaceCli("--lights " + lights.string(), dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("same size"), std::string::npos) << r.err;
  // A malformed entry names the field.
  std::ofstream(dir / "broken.json") << R"({"schema": "skintrack.lights/1", "lights": [
      {"image": "ps_00.png", "direction": [0, 0, 1]}, {"image": "ps_01.png", "elevation_deg": 30},
      {"image": "ps_02.png", "direction": [1, 0, 1]}]})";
  r = RunSurfaceCli("--lights " + (dir / "broken.json").string() + " --json", dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("lights[1].azimuth_deg"), std::string::npos) << r.err;
  // A missing lights file.
  r = RunSurfaceCli("--lights " + (dir / "nope.json").string(), dir);
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace skintrack::core

#include "core/surface/light_set.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "core/surface/sphere_probe.h"
#include "core/surface/surface_maps.h"
#include "core/surface/analytic_surfaces.h"

namespace skintrack::core {
namespace {

constexpr const char* kValidSet = R"({
  "schema": "skintrack.lights/1",
  "px_per_mm": 20,
  "lights": [
    {"image": "ps_00.png", "direction": [0, 0, 2]},
    {"image": "ps_01.png", "azimuth_deg": 90, "elevation_deg": 30, "intensity": 0.5},
    {"image": "/abs/ps_02.png", "azimuth_deg": 200, "elevation_deg": 45}
  ]})";

TEST(LightSet, ParsesDirectionsAnglesAndIntensity) {
  auto set = ParseLightSet(kValidSet, "/data/set");
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->lights.size(), 3U);
  EXPECT_EQ(set->lights[0].image, std::filesystem::path("/data/set/ps_00.png"));
  EXPECT_EQ(set->lights[2].image, std::filesystem::path("/abs/ps_02.png"));
  // Normalised direction.
  EXPECT_NEAR((*set->lights[0].direction)[2], 1.0, 1e-12);
  // Azimuth 90 deg points along +y (image down); elevation 30 deg gives z = 0.5.
  const cv::Vec3d d1 = *set->lights[1].direction;
  EXPECT_NEAR(d1[0], 0.0, 1e-12);
  EXPECT_NEAR(d1[1], std::cos(CV_PI / 6), 1e-12);
  EXPECT_NEAR(d1[2], 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(set->lights[1].intensity, 0.5);
  EXPECT_DOUBLE_EQ(set->lights[0].intensity, 1.0);
  ASSERT_TRUE(set->px_per_mm.has_value());
  EXPECT_DOUBLE_EQ(*set->px_per_mm, 20.0);
  EXPECT_FALSE(set->linear_encoding);
}

struct BadCase {
  const char* json;
  const char* expected_in_message;
};

TEST(LightSet, RejectsMalformedFilesNamingTheField) {
  const BadCase cases[] = {
      {"{not json", "not valid JSON"},
      // A number beyond double's range is an out_of_range, not a parse_error, in nlohmann::json;
      // the fuzzer found that it escaped as an exception
      // (corpus/lights/crash-number-overflow.json).
      {R"({"schema": "skintrack.lights/1", "lights": [{"direction": [0, 0, 1e8888]}]})",
       "not valid JSON"},
      {R"({"lights": []})", "schema"},
      {R"({"schema": "skintrack.lights/2", "lights": []})", "skintrack.lights/1"},
      {R"({"schema": "skintrack.lights/1"})", "lights: is missing"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,1]},
          {"image": "b.png", "direction": [1,0,1]}]})",
       "at least 3"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,1]},
          {"image": "b.png", "direction": [1,0,1]}, {"direction": [0,1,1]}]})",
       "lights[2].image"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,1]},
          {"image": "b.png", "direction": [1,0]}, {"image": "c.png", "direction": [0,1,1]}]})",
       "lights[1].direction"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,1]},
          {"image": "b.png", "azimuth_deg": 10}, {"image": "c.png", "direction": [0,1,1]}]})",
       "lights[1].elevation_deg"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,1]},
          {"image": "b.png", "azimuth_deg": 10, "elevation_deg": -5},
          {"image": "c.png", "direction": [0,1,1]}]})",
       "lights[1].elevation_deg"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,-1]},
          {"image": "b.png", "direction": [1,0,1]}, {"image": "c.png", "direction": [0,1,1]}]})",
       "lights[0].direction"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,1]},
          {"image": "b.png", "direction": [1,0,1], "intensity": 0},
          {"image": "c.png", "direction": [0,1,1]}]})",
       "lights[1].intensity"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,1]},
          {"image": "a.png", "direction": [1,0,1]}, {"image": "c.png", "direction": [0,1,1]}]})",
       "listed twice"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png"},
          {"image": "b.png", "direction": [1,0,1]}, {"image": "c.png", "direction": [0,1,1]}]})",
       "lights[0].direction"},
      {R"({"schema": "skintrack.lights/1", "px_per_mm": -3, "lights": []})", "px_per_mm"},
      // A scale outside 0.1-1000 px/mm is a wrong unit or a slip, as on the command line.
      {R"({"schema": "skintrack.lights/1", "px_per_mm": 1e9, "lights": []})",
       "px_per_mm: must be between 0.1 and 1000 px/mm"},
      {R"({"schema": "skintrack.lights/1", "px_per_mm": 0.001, "lights": []})",
       "px_per_mm: must be between 0.1 and 1000 px/mm"},
      {R"({"schema": "skintrack.lights/1", "lights": [{"image": "a.png", "direction": [0,0,1]},
          {"image": "b.png", "direction": [1,0,1], "azimuth_deg": 90, "elevation_deg": 45},
          {"image": "c.png", "direction": [0,1,1]}]})",
       "disagrees"},
      {R"({"schema": "skintrack.lights/1", "encoding": "gamma 2.2", "lights": []})", "encoding"},
  };
  for (const BadCase& c : cases) {
    auto set = ParseLightSet(c.json, "/d");
    ASSERT_FALSE(set.ok()) << c.json;
    EXPECT_EQ(set.error().code, ErrorCode::kBadInput) << c.json;
    EXPECT_NE(set.error().message.find(c.expected_in_message), std::string::npos)
        << "message: " << set.error().message << "\nexpected to mention: "
        << c.expected_in_message;
  }
}

TEST(LightSet, AcceptsDirectionWithAgreeingAnglesAndDescriptiveEncoding) {
  // The phantom writes both forms and a descriptive encoding.
  const cv::Vec3d d = LightDirectionFromAngles(30, 50);
  const std::string json = R"({"schema": "skintrack.lights/1",
      "encoding": "16-bit PNG, sRGB transfer; linearise before use", "lights": [
      {"image": "a.png", "direction": [)" + std::to_string(d[0]) + "," + std::to_string(d[1]) +
                           "," + std::to_string(d[2]) + R"(], "azimuth_deg": 30, "elevation_deg": 50},
      {"image": "b.png", "azimuth_deg": 150, "elevation_deg": 35},
      {"image": "c.png", "azimuth_deg": 270, "elevation_deg": 50}]})";
  auto set = ParseLightSet(json, "/d");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_FALSE(set->linear_encoding);
  EXPECT_NEAR(cv::norm(*set->lights[0].direction - d), 0.0, 1e-5);
  auto linear = ParseLightSet(R"({"schema": "skintrack.lights/1", "encoding": "linear", "lights": [
      {"image": "a.png", "direction": [0, 0, 1]}, {"image": "b.png", "direction": [1, 0, 1]},
      {"image": "c.png", "direction": [0, 1, 1]}]})", "/d");
  ASSERT_TRUE(linear.ok());
  EXPECT_TRUE(linear->linear_encoding);
}

TEST(LightSet, RejectsMoreThanTheImageLimit) {
  std::string json = R"({"schema": "skintrack.lights/1", "lights": [)";
  for (int i = 0; i <= kMaxPhotometricLights; ++i) {
    json += std::string(i ? "," : "") + R"({"image": "i)" + std::to_string(i) +
            R"(.png", "azimuth_deg": )" + std::to_string(i * 11) + R"(, "elevation_deg": 40})";
  }
  json += "]}";
  auto set = ParseLightSet(json, "/d");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().message.find("at most 32"), std::string::npos) << set.error().message;
}

TEST(LightGeometry, AcceptsRingsAndRejectsCoplanarLights) {
  const std::vector<double> ones4(4, 1.0);
  EXPECT_TRUE(CheckLightGeometry(testing::RingLights(4, 45), ones4).ok());
  EXPECT_TRUE(CheckLightGeometry(testing::RingLights(8, 30), std::vector<double>(8, 1.0)).ok());
  // All lights in the x-z plane: the y component of the normal is undetermined.
  const std::vector<cv::Vec3d> coplanar = {LightDirectionFromAngles(0, 30),
                                           LightDirectionFromAngles(0, 60),
                                           LightDirectionFromAngles(180, 45),
                                           LightDirectionFromAngles(180, 20)};
  Status status = CheckLightGeometry(coplanar, ones4);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadInput);
  EXPECT_NE(status.error().message.find("coplanar"), std::string::npos);
  // A ring grazing the skin (1 degree) is nearly coplanar too.
  EXPECT_FALSE(CheckLightGeometry(testing::RingLights(6, 1), std::vector<double>(6, 1.0)).ok());
  EXPECT_GT(LightMatrixConditionNumber(coplanar, ones4), 1e6);
}

TEST(SphereProbe, ChromeHighlightGivesTheLightDirection) {
  const cv::Size size(240, 240);
  const double radius = 80;
  const cv::Vec3d light = LightDirectionFromAngles(30, 50);
  // Mirror sphere: a sharp highlight where n is the half vector of light and view.
  const cv::Vec3d half = (light + cv::Vec3d(0, 0, 1)) / cv::norm(light + cv::Vec3d(0, 0, 1));
  cv::Mat image(size, CV_32FC1, cv::Scalar(0.05));
  const cv::Point2d centre(119.5, 119.5);
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      const double nx = (x - centre.x) / radius, ny = (y - centre.y) / radius;
      if (nx * nx + ny * ny >= 1) continue;
      const cv::Vec3d n(nx, ny, std::sqrt(1 - nx * nx - ny * ny));
      image.at<float>(y, x) = static_cast<float>(0.1 + 0.9 * std::pow(std::max(0.0, n.dot(half)), 400));
    }
  }
  auto estimated = EstimateLightFromSphere(image, {centre, radius, SphereKind::kChrome});
  ASSERT_TRUE(estimated.ok()) << estimated.error().message;
  EXPECT_LT(std::acos(std::min(1.0, estimated->dot(light))) * 180 / CV_PI, 1.5);
}

TEST(SphereProbe, MatteShadingGivesTheLightDirection) {
  const cv::Size size(200, 200);
  const cv::Vec3d light = LightDirectionFromAngles(250, 35);
  const auto sphere = testing::Sphere(size, 70);
  cv::Mat image = RenderLambertian(sphere.normals, cv::Mat(), light, 0.8);
  auto estimated = EstimateLightFromSphere(image, {{99.5, 99.5}, 70, SphereKind::kMatte});
  ASSERT_TRUE(estimated.ok()) << estimated.error().message;
  EXPECT_LT(std::acos(std::min(1.0, estimated->dot(light))) * 180 / CV_PI, 1.0);
  // A sphere outside the image is refused.
  EXPECT_FALSE(EstimateLightFromSphere(image, {{190, 100}, 70, SphereKind::kMatte}).ok());
}

}  // namespace
}  // namespace skintrack::core

// Photometric stereo, integration and the whole reconstruction on analytic surfaces rendered under
// 4 and 8 lights with noise (REFERENCES.md sections 4-5).
#include "core/surface/photometric_stereo.h"

#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/surface/analytic_surfaces.h"
#include "core/surface/integration.h"
#include "core/surface/reconstruct_surface.h"
#include "core/surface/surface_metrics.h"

namespace skintrack::core {
namespace {

using testing::AnalyticSurface;
using testing::RenderSet;
using testing::RingLights;

constexpr double kNoiseSd = 0.003;  // linear units; about 0.8 of an 8-bit code value
constexpr double kAlbedo = 0.7;

LightSet SetFor(const std::vector<cv::Vec3d>& directions, double px_per_mm) {
  LightSet set;
  for (std::size_t i = 0; i < directions.size(); ++i) {
    Light light;
    light.image = "ps_" + std::to_string(i) + ".png";
    light.direction = directions[i];
    set.lights.push_back(light);
  }
  set.px_per_mm = px_per_mm;
  return set;
}

cv::Mat DiscMask(cv::Size size, double radius) {
  cv::Mat mask = cv::Mat::zeros(size, CV_8UC1);
  cv::circle(mask, cv::Point(size.width / 2, size.height / 2), static_cast<int>(radius),
             cv::Scalar(255), cv::FILLED);
  return mask;
}

TEST(PhotometricStereo, SphereNormalsWithinOneDegreeUnderFourAndEightLights) {
  const cv::Size size(201, 201);
  const AnalyticSurface sphere = testing::Sphere(size, 90);
  const cv::Mat mask = DiscMask(size, 0.9 * 90);
  for (int count : {4, 8}) {
    const auto lights = RingLights(count, 50, 10);
    const auto images = RenderSet(sphere, lights, kAlbedo, kNoiseSd);
    auto normals = EstimateNormals(images, lights, std::vector<double>(lights.size(), 1.0));
    ASSERT_TRUE(normals.ok()) << normals.error().message;
    // Over the pixels where a normal could be solved (at least 3 lit lights), which must be
    // nearly all of the disc.
    const cv::Mat solved = mask & normals->valid;
    EXPECT_GT(cv::countNonZero(solved), 0.97 * cv::countNonZero(mask)) << count << " lights";
    const double error_deg = MeanAngularErrorDeg(normals->normals, sphere.normals, solved);
    EXPECT_LT(error_deg, 1.0) << count << " lights";
    EXPECT_NEAR(cv::mean(normals->albedo, mask & normals->valid)[0], kAlbedo, 0.02);
    // Without noise the solution is exact where all lights are usable.
    const auto clean = RenderSet(sphere, lights, kAlbedo, 0.0);
    auto exact = EstimateNormals(clean, lights, std::vector<double>(lights.size(), 1.0));
    ASSERT_TRUE(exact.ok());
    EXPECT_LT(MeanAngularErrorDeg(exact->normals, sphere.normals, DiscMask(size, 40)), 0.01);
  }
}

TEST(PhotometricStereo, RobustRuleRejectsSpecularHighlights) {
  const cv::Size size(161, 161);
  const AnalyticSurface sphere = testing::Sphere(size, 75);
  const auto lights = RingLights(8, 45);
  auto images = RenderSet(sphere, lights, 0.5, kNoiseSd);
  // Add a Phong highlight to every image (not clipped, so the thresholds alone miss it).
  for (std::size_t i = 0; i < lights.size(); ++i) {
    const cv::Vec3d half = (lights[i] + cv::Vec3d(0, 0, 1)) / cv::norm(lights[i] + cv::Vec3d(0, 0, 1));
    for (int y = 0; y < size.height; ++y) {
      for (int x = 0; x < size.width; ++x) {
        const cv::Vec3f n = sphere.normals.at<cv::Vec3f>(y, x);
        const double spec = std::pow(std::max(0.0, cv::Vec3d(n).dot(half)), 60);
        images[i].at<float>(y, x) += static_cast<float>(0.4 * spec);
      }
    }
  }
  const cv::Mat mask = DiscMask(size, 0.85 * 75);
  const std::vector<double> ones(lights.size(), 1.0);
  auto robust = EstimateNormals(images, lights, ones);
  PhotometricStereoOptions plain_options;
  plain_options.robust_min_lights = 0;
  auto plain = EstimateNormals(images, lights, ones, plain_options);
  ASSERT_TRUE(robust.ok() && plain.ok());
  const double robust_error = MeanAngularErrorDeg(robust->normals, sphere.normals, mask);
  const double plain_error = MeanAngularErrorDeg(plain->normals, sphere.normals, mask);
  EXPECT_LT(robust_error, 0.6 * plain_error);
  EXPECT_LT(robust_error, 2.5);
}

TEST(PhotometricStereo, RejectsMismatchedInputsAndCoplanarLights) {
  const auto lights = RingLights(4, 45);
  std::vector<cv::Mat> images(4, cv::Mat(32, 32, CV_32FC1, cv::Scalar(0.5)));
  images[2] = cv::Mat(30, 32, CV_32FC1, cv::Scalar(0.5));
  auto sizes = EstimateNormals(images, lights, std::vector<double>(4, 1.0));
  ASSERT_FALSE(sizes.ok());
  EXPECT_EQ(sizes.error().code, ErrorCode::kBadInput);
  EXPECT_NE(sizes.error().message.find("same size"), std::string::npos);

  images[2] = images[0];
  auto count = EstimateNormals(images, RingLights(5, 45), std::vector<double>(5, 1.0));
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error().code, ErrorCode::kBadInput);

  const std::vector<cv::Vec3d> coplanar = {LightDirectionFromAngles(90, 30),
                                           LightDirectionFromAngles(90, 70),
                                           LightDirectionFromAngles(270, 40),
                                           LightDirectionFromAngles(270, 60)};
  auto flat = EstimateNormals(images, coplanar, std::vector<double>(4, 1.0));
  ASSERT_FALSE(flat.ok());
  EXPECT_EQ(flat.error().code, ErrorCode::kBadInput);
  EXPECT_NE(flat.error().message.find("coplanar"), std::string::npos);
}

TEST(Integration, BothMethodsRecoverAGaussianPitFromExactGradients) {
  const AnalyticSurface pit = testing::GaussianPit(cv::Size(193, 160), 10.0, 18.0);
  for (auto method : {IntegrationMethod::kFrankotChellappa, IntegrationMethod::kPoissonDct}) {
    const cv::Mat z = IntegrateGradients(pit.p, pit.q, method);
    cv::Mat truth = pit.height_px - cv::mean(pit.height_px)[0];
    const double rms = cv::norm(z, truth, cv::NORM_L2) / std::sqrt(static_cast<double>(z.total()));
    EXPECT_LT(rms, 0.05) << IntegrationMethodName(method);  // of a 10 px deep pit
  }
}

// Full chain: render -> normals -> integrate -> level -> depth in mm.
TEST(Reconstruction, GaussianPitDepthWithinFivePercent) {
  const double px_per_mm = 40;  // 25 um pixels
  const double depth_mm = 0.20;
  const double sigma_mm = 0.5;
  const AnalyticSurface pit =
      testing::GaussianPit(cv::Size(256, 256), depth_mm * px_per_mm, sigma_mm * px_per_mm);
  for (int count : {4, 8}) {
    const auto lights = RingLights(count, 45, 22.5);
    const auto images = RenderSet(pit, lights, kAlbedo, kNoiseSd, 11);
    for (auto method : {IntegrationMethod::kFrankotChellappa, IntegrationMethod::kPoissonDct}) {
      SurfaceReconstructionOptions options;
      options.integration = method;
      auto surface = ReconstructSurface(images, SetFor(lights, px_per_mm), options);
      ASSERT_TRUE(surface.ok()) << surface.error().message;
      double min_mm = 0;
      cv::minMaxLoc(surface->height_mm, &min_mm);
      EXPECT_NEAR(-min_mm, depth_mm, 0.05 * depth_mm)
          << count << " lights, " << IntegrationMethodName(method);
      auto scars = FindScars(surface->height_mm, px_per_mm);
      ASSERT_TRUE(scars.ok());
      ASSERT_EQ(scars->count, 1);
      // Depth integrated over the region deeper than the 10 um extent: 2 pi sigma^2 (d - t).
      const double t = 0.01;
      const double volume = 2 * CV_PI * sigma_mm * sigma_mm * (depth_mm - t);
      EXPECT_NEAR(scars->volume_mm3, volume, 0.1 * volume);
    }
  }
}

struct Expected {
  double sa, sq, ssk, sku, sz, sdr_pct;
};

// Sdr of z(x, y) by fine numerical quadrature of sqrt(1 + |grad z|^2) - 1 over one period.
double SdrPctNumeric(double amplitude, double wavelength, bool egg_crate) {
  const int n = 400;
  const double k = 2 * CV_PI / wavelength;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < (egg_crate ? n : 1); ++j) {
      const double x = (i + 0.5) * wavelength / n, y = (j + 0.5) * wavelength / n;
      const double zx = egg_crate ? amplitude * k * std::cos(k * x) * std::sin(k * y)
                                  : amplitude * k * std::cos(k * x);
      const double zy = egg_crate ? amplitude * k * std::sin(k * x) * std::cos(k * y) : 0.0;
      sum += std::sqrt(1 + zx * zx + zy * zy) - 1;
    }
  }
  return 100.0 * sum / (egg_crate ? n * n : n);
}

void ExpectIsoWithinTolerance(const Iso25178Parameters& got, const Expected& want,
                              const std::string& what) {
  EXPECT_NEAR(got.sa_um, want.sa, 0.02 * want.sa) << what;
  EXPECT_NEAR(got.sq_um, want.sq, 0.02 * want.sq) << what;
  EXPECT_NEAR(got.sz_um, want.sz, 0.02 * want.sz) << what;
  EXPECT_NEAR(got.sku, want.sku, 0.02 * want.sku) << what;
  // Ssk is 0 for both surfaces: 2 % of Sku's scale as absolute tolerance.
  EXPECT_NEAR(got.ssk, want.ssk, 0.02) << what;
  EXPECT_NEAR(got.sdr_pct, want.sdr_pct, 0.05 * want.sdr_pct) << what;
}

TEST(Reconstruction, SineAndEggCrateIsoParametersMatchAnalyticValues) {
  const double px_per_mm = 50;           // 20 um pixels
  const double amplitude_mm = 0.03;      // 30 um
  const double wavelength_mm = 0.64;     // 32 px
  const double a_um = amplitude_mm * 1000;
  const double a_px = amplitude_mm * px_per_mm;
  const double l_px = wavelength_mm * px_per_mm;
  const cv::Size size(256, 256);         // 8 whole periods
  struct Case {
    const char* name;
    AnalyticSurface surface;
    Expected expected;
  };
  const Case cases[] = {
      {"sine", testing::Sine(size, a_px, l_px),
       {2 * a_um / CV_PI, a_um / std::sqrt(2.0), 0, 1.5, 2 * a_um,
        SdrPctNumeric(amplitude_mm, wavelength_mm, false)}},
      {"egg-crate", testing::EggCrate(size, a_px, l_px),
       {4 * a_um / (CV_PI * CV_PI), a_um / 2, 0, 2.25, 2 * a_um,
        SdrPctNumeric(amplitude_mm, wavelength_mm, true)}},
  };
  for (const Case& c : cases) {
    for (int count : {4, 8}) {
      const auto lights = RingLights(count, 45, 30);
      const auto images = RenderSet(c.surface, lights, kAlbedo, kNoiseSd, 5);
      for (auto method : {IntegrationMethod::kFrankotChellappa, IntegrationMethod::kPoissonDct}) {
        SurfaceReconstructionOptions options;
        options.integration = method;
        // No form to remove: a least-squares plane would pick up the tilt that x sin(kx)
        // correlates with over a finite window (0.36 px over 256 px here).
        options.form.method = FormRemovalMethod::kNone;
        auto surface = ReconstructSurface(images, SetFor(lights, px_per_mm), options);
        ASSERT_TRUE(surface.ok()) << surface.error().message;
        auto iso = ComputeIso25178(surface->height_mm, px_per_mm);
        ASSERT_TRUE(iso.ok());
        ExpectIsoWithinTolerance(*iso, c.expected,
                                 std::string(c.name) + ", " + std::to_string(count) +
                                     " lights, " + IntegrationMethodName(method));
      }
    }
  }
}

TEST(Reconstruction, RefusesUnknownScaleAndMismatchedImages) {
  const auto lights = RingLights(4, 45);
  std::vector<cv::Mat> images(4, cv::Mat(40, 40, CV_32FC1, cv::Scalar(0.5)));
  LightSet set = SetFor(lights, 10);
  set.px_per_mm.reset();
  auto no_scale = ReconstructSurface(images, set, {});
  ASSERT_FALSE(no_scale.ok());
  EXPECT_EQ(no_scale.error().code, ErrorCode::kUsage);

  images[3] = cv::Mat(40, 41, CV_32FC1, cv::Scalar(0.5));
  auto sizes = ReconstructSurface(images, SetFor(lights, 10), {});
  ASSERT_FALSE(sizes.ok());
  EXPECT_EQ(sizes.error().code, ErrorCode::kBadInput);
  EXPECT_NE(sizes.error().message.find("same size"), std::string::npos);

  images.pop_back();
  auto count = ReconstructSurface(images, SetFor(lights, 10), {});
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error().code, ErrorCode::kBadInput);
}

TEST(Reconstruction, PairsCommandLineImagesWithLightEntriesByName) {
  LightSet set = SetFor(RingLights(3, 45), 10);
  auto same = SelectLightSetImages(set, {"/x/ps_2.png", "/x/ps_0.png", "/x/ps_1.png"});
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(same->lights[0].image, std::filesystem::path("/x/ps_2.png"));
  EXPECT_EQ(*same->lights[0].direction, *set.lights[2].direction);

  auto extra = SelectLightSetImages(set, {"ps_0.png", "ps_1.png", "ps_2.png", "ps_9.png"});
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().code, ErrorCode::kBadInput);
  EXPECT_NE(extra.error().message.find("ps_9.png"), std::string::npos);

  auto missing = SelectLightSetImages(set, {"ps_0.png", "ps_1.png"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kBadInput);
  EXPECT_NE(missing.error().message.find("ps_2.png"), std::string::npos);
}

}  // namespace
}  // namespace skintrack::core

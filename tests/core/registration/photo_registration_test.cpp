// Registration on real photos (SKINTRACK_PHOTOS): synthetic warps with known truth, real
// same-person pairs, and unrelated pairs that must be rejected.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "core/io/image_io.h"
#include "core/registration/registration.h"
#include "core/registration/synthetic_warp.h"
#include "test_support/photos.h"

namespace skintrack::core {
namespace {

cv::Mat Load(const std::filesystem::path& path) {
  auto loaded = LoadImage(path);
  EXPECT_TRUE(loaded.ok()) << path;
  return loaded.ok() ? loaded->bgr : cv::Mat();
}

// Number of trials: small by default (the whole module must stay well under a minute);
// SKINTRACK_REGISTRATION_TRIALS raises it for the figures in docs/REGISTRATION.md.
int TrialCount(int fallback) {
  const char* env = std::getenv("SKINTRACK_REGISTRATION_TRIALS");
  return env != nullptr ? std::max(1, std::atoi(env)) : fallback;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5));
  return values[i];
}

TEST(PhotoRegistration, RecoversRandomWarpsWithPhotometricChanges) {
  std::filesystem::path photos;
  SKINTRACK_REQUIRE_PHOTOS(photos);
  const std::vector<std::string> names = {"faces/001_03.jpg", "faces/025_08.jpg",
                                          "faces/lisa_lisa1.jpg", "faces/astronaut.png",
                                          "lesions/PAT_950_1804_334.png",
                                          "lesions/PAT_1286_999_824.png",
                                          "closeups/PAT_701_4056_457.png"};
  std::vector<cv::Mat> images;
  for (const auto& name : names) images.push_back(Load(photos / name));
  const int trials = TrialCount(42);
  std::mt19937_64 rng(20261121);
  std::vector<double> errors;
  int failures = 0;
  for (int t = 0; t < trials; ++t) {
    const cv::Mat& fixed = images[static_cast<size_t>(t) % images.size()];
    SyntheticWarpOptions warp;
    warp.model = static_cast<MotionModel>(t % 3);
    auto pair = MakeSyntheticPair(fixed, warp, rng);
    ASSERT_TRUE(pair.ok());
    RegistrationOptions options;
    auto result = RegisterImagesDetailed(pair->moving_bgr, fixed, cv::Mat(), options);
    ASSERT_TRUE(result.ok()) << result.error().message;
    const double error = MeanCornerError(result->fixed_from_moving, pair->fixed_from_moving,
                                         pair->moving_bgr.size());
    if (!result->ok || error > 1.0) {
      ++failures;
      ADD_FAILURE() << "trial " << t << " " << names[static_cast<size_t>(t) % names.size()]
                    << " model " << MotionModelName(pair->model) << ": ok=" << result->ok << " ("
                    << result->failure_reason << ") corner error " << error << " px, fitted "
                    << MotionModelName(result->model);
    }
    if (result->ok) errors.push_back(error);
  }
  ASSERT_FALSE(errors.empty());
  const double median = Percentile(errors, 0.5);
  const double p95 = Percentile(errors, 0.95);
  const double success = 1.0 - static_cast<double>(failures) / trials;
  std::printf("synthetic warps: %d trials, success %.1f%%, median corner error %.3f px, p95 %.3f px\n",
              trials, 100 * success, median, p95);
  EXPECT_LE(median, 0.3);
  EXPECT_LE(p95, 1.0);
  EXPECT_GE(success, 0.98);
}

}  // namespace
}  // namespace skintrack::core

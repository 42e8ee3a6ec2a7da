// Fuzz entry point: photometric-stereo light sets (lights.json, core/surface/light_set.h).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/surface/light_set.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skintrack;
  const std::string text = skintrack::fuzz::AsString(data, size);
  const auto set = core::ParseLightSet(text, "/fuzz", "fuzz.json");
  if (!set.ok()) {
    FUZZ_REQUIRE(set.error().code == ErrorCode::kBadInput);
    return 0;
  }
  FUZZ_REQUIRE(set->lights.size() >= static_cast<std::size_t>(core::kMinPhotometricLights));
  FUZZ_REQUIRE(set->lights.size() <= static_cast<std::size_t>(core::kMaxPhotometricLights));
  std::vector<cv::Vec3d> directions;
  std::vector<double> intensities;
  for (const core::Light& light : set->lights) {
    FUZZ_REQUIRE(std::isfinite(light.intensity) && light.intensity > 0);
    if (light.direction) {
      FUZZ_REQUIRE(std::abs(cv::norm(*light.direction) - 1.0) < 1e-6);
      directions.push_back(*light.direction);
      intensities.push_back(light.intensity);
    }
  }
  (void)core::CheckLightGeometry(directions, intensities);
  return 0;
}

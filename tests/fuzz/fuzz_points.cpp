// Fuzz entry point: manual alignment points (skintrack.align-points/1, core/registration).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/registration/registration.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skintrack;
  const std::string text = skintrack::fuzz::AsString(data, size);
  const auto pairs = core::ParsePointPairsJson(text);
  if (!pairs.ok()) {
    FUZZ_REQUIRE(pairs.error().code == ErrorCode::kBadInput);
    return 0;
  }
  // The points then feed the model fit: it must fail cleanly on degenerate or absurd points too.
  if (pairs->size() <= 64) {
    for (const auto model : {core::MotionModel::kSimilarity, core::MotionModel::kAuto}) {
      const auto registration =
          core::RegisterFromPoints(*pairs, model, cv::Size(64, 48), cv::Size(64, 48));
      if (!registration.ok()) FUZZ_REQUIRE(registration.error().code == ErrorCode::kBadInput);
    }
  }
  return 0;
}

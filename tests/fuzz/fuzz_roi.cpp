// Fuzz entry point: ROI polygon JSON (skintrack.roi/1, core/mask/roi.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/mask/roi.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skintrack;
  const std::string text = skintrack::fuzz::AsString(data, size);
  const auto mask = core::RoiMaskFromPolygonJson(text, cv::Size(64, 48), "fuzz.json");
  if (mask.ok()) {
    FUZZ_REQUIRE(mask->type() == CV_8U && mask->cols == 64 && mask->rows == 48);
    FUZZ_REQUIRE(cv::countNonZero(*mask) > 0);
  } else {
    FUZZ_REQUIRE(mask.error().code == ErrorCode::kBadInput);
  }
  return 0;
}

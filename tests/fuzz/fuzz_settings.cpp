// Fuzz entry point: the viewer's settings file (skintrack.viewer-settings/1, viewer/settings.h).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "viewer/settings.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skintrack;
  const std::string text = skintrack::fuzz::AsString(data, size);
  const auto settings = viewer::ParseSettings(text, "fuzz.json");
  if (!settings.ok()) {
    FUZZ_REQUIRE(settings.error().code == ErrorCode::kBadInput);
    return 0;
  }
  // Whatever the file says, the values the viewer uses stay usable.
  FUZZ_REQUIRE(settings->worker_threads >= 1 && settings->worker_threads <= 64);
  FUZZ_REQUIRE(settings->window_width >= 320 && settings->window_width <= 16384);
  FUZZ_REQUIRE(settings->window_height >= 240 && settings->window_height <= 16384);
  FUZZ_REQUIRE(std::isfinite(settings->font_size_px) && settings->font_size_px >= 6.0f);
  FUZZ_REQUIRE(std::isfinite(settings->blink_period_s) && settings->blink_period_s > 0.0f);
  FUZZ_REQUIRE(std::isfinite(settings->difference_gain));
  FUZZ_REQUIRE(settings->overlay_alpha >= 0.0f && settings->overlay_alpha <= 1.0f);
  return 0;
}

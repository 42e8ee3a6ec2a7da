// Fuzz entry point: image loading (JPEG/PNG/TIFF header probe, decode, EXIF orientation).
// Every input must come back as a value or a kBadInput error: no crash, leak, hang or an image
// bigger than the pixel limit the caller set.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/io/image_io.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skintrack;
  const std::string bytes = skintrack::fuzz::AsString(data, size);
  core::LoadOptions options;
  // Small enough that one input costs at most ~50 MB (a 16-bit RGB image of 4 MP is 24 MB).
  options.max_pixels = 4'000'000;
  const auto header = core::ProbeImageHeader(bytes, "fuzz");
  const auto loaded = core::DecodeImage(bytes, "fuzz", options);
  if (loaded.ok()) {
    // A decoded image must have passed the header probe, and match its declared size (turned
    // upright by the EXIF orientation: width and height may swap).
    FUZZ_REQUIRE(header.ok());
    const cv::Mat& bgr = loaded->bgr;
    FUZZ_REQUIRE(bgr.type() == CV_8UC3 || bgr.type() == CV_16UC3);
    FUZZ_REQUIRE(static_cast<std::int64_t>(bgr.total()) <= options.max_pixels);
    FUZZ_REQUIRE(loaded->sha256.size() == 64);
  } else {
    FUZZ_REQUIRE(loaded.error().code == ErrorCode::kBadInput);
    FUZZ_REQUIRE(!loaded.error().message.empty());
  }
  return 0;
}

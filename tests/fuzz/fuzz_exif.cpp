// Fuzz entry point: EXIF metadata (exiv2 on JPEG/PNG/TIFF containers) and EXIF date stamps.
// Damaged metadata must give empty fields, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/io/image_io.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skintrack;
  const std::string bytes = skintrack::fuzz::AsString(data, size);
  const core::CaptureMetadata meta = core::ReadCaptureMetadata(bytes);
  FUZZ_REQUIRE(meta.orientation >= 1 && meta.orientation <= 8);
  if (meta.captured_at) FUZZ_REQUIRE(meta.captured_at->size() == 19);
  const auto stamp = core::ParseExifDateTime(bytes.substr(0, 32));
  if (stamp) FUZZ_REQUIRE(stamp->size() == 19);
  return 0;
}

#pragma once
// SHA-256 (FIPS 180-4) of byte buffers and files, as lowercase hex. Used to identify input images
// (re-import and --resume are keyed by it). Thread-safe: no shared state.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace skintrack {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, std::size_t size);
  // Finishes the digest and returns it as 64 lowercase hex characters; the object is then reset.
  std::string HexDigest();

 private:
  void Transform(const std::uint8_t* block);
  std::uint32_t state_[8];
  std::uint8_t buffer_[64];
  std::size_t buffer_size_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string Sha256Hex(std::string_view bytes);
Result<std::string> Sha256OfFile(const std::filesystem::path& path);

}  // namespace skintrack
